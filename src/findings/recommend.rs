//! Each account's recommendation to its reviewer (`revoke`, `review`, `keep`) and the reason, one
//! plain sentence built from the account's facts and its open findings (README, "Recommendations").
//!
//! - `revoke` comes only from facts: the person left (`terminated_with_access`), no person
//!   (`orphaned`), no sign-in for `[campaign.recommend] dormant_days` or more (`dormant`), an
//!   invitation pending or an account never used for `invited_days` or more (`invited_inactive`),
//!   or a credential of the account that expired (`token_expiry`).
//! - `review` for privilege and for what a reviewer should look at: admin, a local password
//!   beside single sign-on, access granted outside the identity provider, no second factor, an
//!   agent seat, a side of a separation-of-duties conflict, a second account of one person, no
//!   email, and dormancy or a pending invitation short of the revoke thresholds.
//! - `keep` otherwise: no open finding (the reason says when the account last signed in, or
//!   that it holds no access, is a declared service account, or has its findings excepted).
//!
//! An excepted finding counts for nothing here: the exception is the decision already taken.
//! Columnar throughout: every clause is an expression, null when it does not apply.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::params::RuleParams;
use super::rules::{self, date_text, days_before_as_of, INACTIVE, LOGIN_KNOWN, OWNER_GONE};
use super::table::col_name as f;
use crate::model::account as a;

/// The column of the recommendation (`revoke`, `review`, `keep`).
pub const RECOMMENDATION: &str = "recommendation";
/// The column of the reason, one sentence.
pub const REASON: &str = "reason";
/// The recommendations, in the order a reviewer's rows are sorted.
pub const RECOMMENDATIONS: [&str; 3] = ["revoke", "review", "keep"];

/// Where `recommendation` sorts: revoke 0, review 1, keep 2 (anything else last).
pub fn recommendation_rank(r: &str) -> usize {
    RECOMMENDATIONS.iter().position(|x| *x == r).unwrap_or(RECOMMENDATIONS.len())
}

const OPEN: [(&str, &str); 8] = [
    ("terminated_with_access", "__r_terminated"),
    ("orphaned", "__r_orphaned"),
    ("dormant", "__r_dormant"),
    ("invited_inactive", "__r_invited"),
    ("admin", "__r_admin"),
    ("local_login", "__r_local"),
    ("duplicate_account", "__r_duplicate"),
    ("unmatchable", "__r_unmatchable"),
];
const MFA: &str = "__r_mfa";
const EXCEPTED_CATEGORIES: &str = "__r_excepted";
const OUTSIDE_IDP_APP: &str = "__r_idp_app";
const EXPIRED_ON: &str = "__r_expired_on";
const OWNER: &str = "__r_owner";
const BY_ID: &str = "__r_expired_by_id";
const BY_OWNER: &str = "__r_expired_by_owner";
const SINCE: &str = "__r_since";
const SOD: &str = "__r_sod";

/// `(app, account_id, rules)`: the accounts on a side of an open separation-of-duties conflict,
/// with the rules (`"vendor-vs-payment" with crm, erp`), one row per account.
fn sod_accounts(by_category: &BTreeMap<&'static str, DataFrame>) -> PolarsResult<DataFrame> {
    let mut per_account: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    if let Some(df) = by_category.get("sod_conflict") {
        let excepted = df.column(f::EXCEPTED)?.bool()?;
        let results = df.column(super::sod::RESULT)?.str()?;
        let rules = df.column(super::sod::RULE_NAME)?.str()?;
        let apps = df.column(f::APP)?.str()?;
        let accounts = df.column(f::ACCOUNT_ID)?.str()?;
        for i in 0..df.height() {
            if excepted.get(i).unwrap_or(false) || results.get(i) != Some("conflict") {
                continue;
            }
            let what = format!("rule \"{}\" across {}", rules.get(i).unwrap_or(""), apps.get(i).unwrap_or(""));
            for (app, id) in super::sod::accounts_of(accounts.get(i).unwrap_or("")) {
                per_account.entry((app.to_string(), id.to_string())).or_default().push(what.clone());
            }
        }
    }
    let (keys, rules): (Vec<_>, Vec<_>) = per_account.into_iter().map(|(k, v)| (k, v.join(", "))).unzip();
    DataFrame::new_infer_height(vec![
        Column::new(a::APP.into(), keys.iter().map(|k| k.0.as_str()).collect::<Vec<_>>()),
        Column::new(a::ACCOUNT_ID.into(), keys.iter().map(|k| k.1.as_str()).collect::<Vec<_>>()),
        Column::new(SOD.into(), rules),
    ])
}

fn flag(category: &str) -> Expr {
    let name = OPEN.iter().find(|(c, _)| *c == category).map(|(_, n)| *n).expect("a category of OPEN");
    col(name).fill_null(lit(false))
}

fn text(parts: Vec<Expr>) -> Expr {
    concat_str(parts, "", true)
}

/// `(app, account_id, recommendation, reason)` for every account of `acc` (the accounts with the
/// shared flags of [`rules::with_flags`] and their licences), sorted by app and account id.
/// `findings`: every finding (common columns); `by_category`: each category's frame.
pub fn recommendations(
    acc: LazyFrame,
    findings: &DataFrame,
    by_category: &BTreeMap<&'static str, DataFrame>,
    p: &RuleParams,
) -> PolarsResult<DataFrame> {
    // Only the columns the clauses read are carried through the joins and collected below.
    let acc = acc.select(
        [
            a::APP,
            a::ACCOUNT_ID,
            a::ACCOUNT_TYPE,
            a::DECLARED_SERVICE,
            a::EMAIL,
            a::STATUS,
            a::ADMIN_REASON,
            a::CREATED_AT,
            a::INVITED_AT,
            a::LAST_LOGIN_AT,
            a::PERSON_EMAIL,
            a::PERSON_TERMINATION_DATE,
            OWNER_GONE,
            LOGIN_KNOWN,
            INACTIVE,
            rules::AGENT_SEAT,
            rules::LICENCES,
        ]
        .map(col),
    );
    let open = col(f::EXCEPTED).not();
    let mut per_account: Vec<Expr> =
        OPEN.iter().map(|(category, name)| col(f::CATEGORY).eq(lit(*category)).and(open.clone()).any(true).alias(*name)).collect();
    // A service account without a factor is listed, not flagged (info): nothing to review.
    per_account.push(col(f::CATEGORY).eq(lit("mfa_missing")).and(col(f::SEVERITY).neq(lit("info"))).and(open.clone()).any(true).alias(MFA));
    // What is joined to the accounts, made once: per account its open findings' flags and the
    // categories of its excepted ones (listed from the excepted findings alone: a list per
    // account of every finding is the slow part of a group-by), ...
    let keys = [col(f::APP), col(f::ACCOUNT_ID)];
    let with_account = findings.clone().lazy().filter(col(f::ACCOUNT_ID).is_not_null());
    let excepted = with_account.clone().filter(col(f::EXCEPTED)).group_by(keys.clone()).agg([col(f::CATEGORY)
        .unique()
        .sort(Default::default())
        .str()
        .join(", ", true)
        .alias(EXCEPTED_CATEGORIES)]);
    let flags =
        with_account.group_by(keys.clone()).agg(per_account).join(excepted, keys.clone(), keys, JoinArgs::new(JoinType::Left)).collect()?;
    // ... the identity provider it was not assigned in, ...
    let outside = match by_category.get("outside_idp") {
        Some(df) => Some(
            df.clone()
                .lazy()
                .filter(col(f::EXCEPTED).not())
                .group_by([col(f::APP), col(f::ACCOUNT_ID)])
                .agg([col("idp_app").min().alias(OUTSIDE_IDP_APP)])
                .collect()?,
        ),
        None => None,
    };
    // A credential that expired (or its issuer refused) and that is the account's: the account
    // itself (the same id in the app), or a service account's, whose credential is what it is for
    // (its owner is the account's address). A person's expired token is revoked as a token, not
    // as their account.
    let expired = match by_category.get("token_expiry") {
        Some(df) => {
            let expired = df
                .clone()
                .lazy()
                .filter(
                    col(f::EXCEPTED).not().and(col("days_left").lt(lit(0i64)).fill_null(lit(false)).or(col("refused_at").is_not_null())),
                )
                .select([
                    col(f::APP),
                    col(f::ACCOUNT_ID),
                    col("owner").str().to_lowercase().alias(OWNER),
                    coalesce(&[col("expires"), col("refused_at").str().slice(lit(0), lit(10)), lit("an unknown date")]).alias(EXPIRED_ON),
                ]);
            let by_id = expired.clone().group_by([col(f::APP), col(f::ACCOUNT_ID)]).agg([col(EXPIRED_ON).min().alias(BY_ID)]);
            let by_owner =
                expired.filter(col(OWNER).is_not_null()).group_by([col(f::APP), col(OWNER)]).agg([col(EXPIRED_ON).min().alias(BY_OWNER)]);
            Some((by_id.collect()?, by_owner.collect()?))
        }
        None => None,
    };
    // ... and the separation-of-duties conflicts it is a side of.
    let sod = sod_accounts(by_category)?;
    let joined = Joined { flags, outside, expired, sod };
    // The accounts a slice at a time: every join and clause is per row, and a slice's joined
    // columns are a fraction of the whole estate's.
    let acc = acc.collect()?;
    let mut slices = Vec::new();
    let rows = slice_rows();
    // At least one slice, empty when there are no accounts: the result keeps its columns.
    for offset in (0..acc.height().max(1)).step_by(rows) {
        slices.push(recommend_slice(acc.slice(offset as i64, rows), &joined, p)?.lazy());
    }
    concat(slices, UnionArgs::default())?.sort([a::APP, a::ACCOUNT_ID], SortMultipleOptions::default().with_maintain_order(true)).collect()
}

/// How many accounts [`recommend_slice`] takes at a time.
const SLICE_ROWS: usize = 1 << 20;

#[cfg(not(test))]
fn slice_rows() -> usize {
    SLICE_ROWS
}

#[cfg(test)]
thread_local! {
    /// Tests cut the accounts into small slices to show that the slices change nothing.
    pub(super) static TEST_SLICE_ROWS: std::cell::Cell<usize> = const { std::cell::Cell::new(SLICE_ROWS) };
}

#[cfg(test)]
fn slice_rows() -> usize {
    TEST_SLICE_ROWS.with(|r| r.get())
}

/// What is joined to every account: made once, for every slice.
struct Joined {
    flags: DataFrame,
    outside: Option<DataFrame>,
    expired: Option<(DataFrame, DataFrame)>,
    sod: DataFrame,
}

/// `(app, account_id, recommendation, reason)` of some accounts (in no particular order).
fn recommend_slice(acc: DataFrame, j: &Joined, p: &RuleParams) -> PolarsResult<DataFrame> {
    let keys = [col(a::APP), col(a::ACCOUNT_ID)];
    let left = || JoinArgs::new(JoinType::Left);
    let mut acc = acc.lazy().join(j.flags.clone().lazy(), keys.clone(), keys.clone(), left());
    acc = match &j.outside {
        Some(outside) => acc.join(outside.clone().lazy(), keys.clone(), keys.clone(), left()),
        None => acc.with_column(lit(NULL).cast(DataType::String).alias(OUTSIDE_IDP_APP)),
    };
    acc = match &j.expired {
        Some((by_id, by_owner)) => {
            let service = col(a::ACCOUNT_TYPE).eq(lit("service")).fill_null(lit(false)).or(col(a::DECLARED_SERVICE));
            acc.join(by_id.clone().lazy(), keys.clone(), keys.clone(), left())
                .with_column(col(a::EMAIL).str().to_lowercase().alias(OWNER))
                .join(by_owner.clone().lazy(), [col(a::APP), col(OWNER)], [col(f::APP), col(OWNER)], left())
                .with_column(coalesce(&[col(BY_ID), when(service).then(col(BY_OWNER)).otherwise(lit(NULL))]).alias(EXPIRED_ON))
        }
        None => acc.with_column(lit(NULL).cast(DataType::String).alias(EXPIRED_ON)),
    };
    acc = acc
        .join(j.sod.clone().lazy(), keys.clone(), keys, left())
        .with_column(coalesce(&[col(a::INVITED_AT), col(a::CREATED_AT)]).alias(SINCE));
    // Joined once, read by both halves below.
    let acc = acc.collect()?.lazy();

    let (dormant_days, invited_days) = (p.recommend.dormant_days, p.recommend.invited_days);
    let login_days = days_before_as_of(p, a::LAST_LOGIN_AT);
    let since_days = days_before_as_of(p, SINCE);
    let never_text = || {
        when(col(a::STATUS).eq(lit("invited")))
            .then(when(col(SINCE).is_null()).then(lit("invited on an unknown date, never signed in")).otherwise(text(vec![
                lit("invited "),
                date_text(SINCE),
                lit(", never signed in"),
            ])))
            .otherwise(text(vec![lit("created "), date_text(a::CREATED_AT), lit(", never signed in")]))
    };
    let dormant_text = |tail: String| {
        text(vec![
            lit("no sign-in for "),
            login_days.clone().cast(DataType::String),
            lit(format!(" days (dormant after {}{tail})", p.dormant_after_days)),
        ])
    };
    let invited_long = col(SINCE).is_null().or(since_days.clone().gt_eq(lit(invited_days)).fill_null(lit(false)));
    let dormant_long = login_days.clone().gt_eq(lit(dormant_days)).fill_null(lit(false));

    // Facts that make it revoke, each a condition and its text.
    let revoke: Vec<(Expr, Expr)> = vec![
        (
            flag("terminated_with_access"),
            when(col(a::PERSON_TERMINATION_DATE).is_not_null())
                .then(text(vec![lit("terminated "), date_text(a::PERSON_TERMINATION_DATE)]))
                .otherwise(lit("person terminated (roster status)")),
        ),
        (
            flag("orphaned"),
            when(col(OWNER_GONE))
                .then(text(vec![
                    lit("service account whose owner "),
                    col(a::PERSON_EMAIL).fill_null(lit("(none)")),
                    lit(" is no longer active"),
                ]))
                .otherwise(lit("no person in the roster matches the account")),
        ),
        (flag("dormant").and(dormant_long.clone()), dormant_text(String::new())),
        (flag("invited_inactive").and(invited_long.clone()), never_text()),
        (col(EXPIRED_ON).is_not_null(), text(vec![lit("credential expired on "), col(EXPIRED_ON)])),
    ];
    // What a reviewer should look at.
    let review: Vec<(Expr, Expr)> = vec![
        (flag("dormant").and(dormant_long.not()), dormant_text(format!("; revoke after {dormant_days}"))),
        (flag("invited_inactive").and(invited_long.not()), text(vec![never_text(), lit(format!(" (revoke after {invited_days} days)"))])),
        (flag("admin"), text(vec![lit("admin ("), col(a::ADMIN_REASON).fill_null(lit("admin flag")), lit(")")])),
        (flag("local_login"), lit("local password beside single sign-on")),
        (
            col(OUTSIDE_IDP_APP).is_not_null(),
            text(vec![lit("not assigned in "), col(OUTSIDE_IDP_APP), lit(": granted outside the identity provider")]),
        ),
        (col(MFA).fill_null(lit(false)), lit("no second factor enrolled")),
        (col(rules::AGENT_SEAT).fill_null(lit(false)).and(col(INACTIVE).not()), lit("holds an agent licence")),
        (col(SOD).is_not_null(), text(vec![lit("separation of duties: "), col(SOD)])),
        (flag("duplicate_account"), lit("one of several accounts of the person in the app")),
        (flag("unmatchable"), lit("no email: cannot be matched to a person")),
    ];
    // Whether any clause applies (a condition that is null applies not).
    let any = |clauses: &[(Expr, Expr)]| clauses.iter().fold(lit(false), |acc, (c, _)| acc.or(c.clone().fill_null(lit(false))));
    let (is_revoke, is_review) = (any(&revoke), any(&review));
    // The dormancy and invitation clauses say when the account last signed in; the others do not.
    let says_login = any(&[revoke[2].clone(), revoke[3].clone(), review[0].clone(), review[1].clone()]);
    let login = when(col(LOGIN_KNOWN).not())
        .then(lit(NULL))
        .when(col(a::LAST_LOGIN_AT).is_null())
        .then(lit("never signed in"))
        .otherwise(text(vec![lit("last sign-in "), date_text(a::LAST_LOGIN_AT)]));
    let licences = when(col(rules::LICENCES).is_not_null().and(col(rules::AGENT_SEAT).fill_null(lit(false)).not()))
        .then(text(vec![lit("holds licence(s): "), col(rules::LICENCES)]))
        .otherwise(lit(NULL));
    let mut clauses: Vec<Expr> = revoke.into_iter().chain(review).map(|(c, t)| when(c).then(t).otherwise(lit(NULL))).collect();
    clauses.push(when(says_login).then(lit(NULL)).otherwise(login.clone()));
    clauses.push(licences);
    let keep = when(col(INACTIVE)).then(text(vec![col(a::STATUS), lit(": holds no access")])).otherwise(concat_str(
        [
            lit("no open finding"),
            when(col(a::DECLARED_SERVICE)).then(lit("declared service account")).otherwise(lit(NULL)),
            when(col(EXCEPTED_CATEGORIES).fill_null(lit("")).neq(lit("")))
                .then(text(vec![lit("excepted: "), col(EXCEPTED_CATEGORIES)]))
                .otherwise(lit(NULL)),
            login,
        ],
        "; ",
        true,
    ));
    // The clauses' texts only for the accounts they concern (a third at most); the rest keep.
    let flagged = is_revoke.clone().or(is_review).fill_null(lit(false));
    let concerned = acc.clone().filter(flagged.clone()).select([
        col(a::APP),
        col(a::ACCOUNT_ID),
        when(is_revoke).then(lit(RECOMMENDATIONS[0])).otherwise(lit(RECOMMENDATIONS[1])).alias(RECOMMENDATION),
        concat_str(clauses, "; ", true).alias(REASON),
    ]);
    let kept = acc.filter(flagged.not()).select([
        col(a::APP),
        col(a::ACCOUNT_ID),
        lit(RECOMMENDATIONS[2]).alias(RECOMMENDATION),
        keep.alias(REASON),
    ]);
    concat([concerned, kept], UnionArgs::default())?.collect()
}
