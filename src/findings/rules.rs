//! The account rules of SPEC §6, one function each, as polars lazy queries over the correlated
//! accounts. [`with_flags`] computes the conditions shared between rules once.

use polars::prelude::*;

use super::params::RuleParams;
use super::table::col_name as f;
use crate::correlate::{METHOD_NONE, METHOD_OVERRIDE};
use crate::model::account as a;
use crate::model::{timestamp_dtype, CoverageRecord, COVERAGE_COMPLETE};

pub(super) const INACTIVE: &str = "__inactive";
pub(super) const UNMATCHABLE: &str = "__unmatchable";
pub(super) const ORPHAN: &str = "__orphan";
pub(super) const OWNER_GONE: &str = "__service_owner_inactive";
pub(super) const TERMINATED: &str = "__terminated";
pub(super) const LOGIN_KNOWN: &str = "__login_known";
/// An account's product licences ("jira-servicedesk, jira-software"), null when it holds none.
pub const LICENCES: &str = "__licences";
/// Whether one of them is a Jira Service Management agent seat (`jira-servicedesk`).
pub const AGENT_SEAT: &str = "__agent_seat";
const DAY_MS: i64 = 86_400_000;

fn any_of(column: &str, values: &[&str]) -> Expr {
    values.iter().fold(lit(false), |acc, v| acc.or(col(column).eq(lit(*v)).fill_null(lit(false))))
}

fn as_of_ms(p: &RuleParams) -> i64 {
    p.as_of.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis()
}

/// Midnight UTC of `as_of` minus `days`, as a timestamp literal.
fn cutoff(p: &RuleParams, days: i64) -> Expr {
    lit(as_of_ms(p) - days * DAY_MS).cast(timestamp_dtype())
}

/// Whole days from a timestamp column to `as_of`.
pub(super) fn days_before_as_of(p: &RuleParams, column: &str) -> Expr {
    (lit(as_of_ms(p)) - col(column).cast(DataType::Int64)).floor_div(lit(DAY_MS))
}

pub(super) fn date_text(column: &str) -> Expr {
    col(column).dt().strftime("%Y-%m-%d")
}

/// Adds the shared conditions as boolean columns.
pub fn with_flags(acc: LazyFrame, p: &RuleParams) -> LazyFrame {
    let login_apps: Vec<&str> = p.last_login_apps.iter().map(String::as_str).collect();
    let customer_apps: Vec<&str> = p.customer_orphan_apps.iter().map(String::as_str).collect();
    let no_email = col(a::EMAIL).is_null().or(col(a::EMAIL).str().strip_chars(lit(NULL)).eq(lit("")));
    acc.with_columns([
        any_of(a::STATUS, &crate::model::AccountStatus::without_access()).alias(INACTIVE),
        no_email.and(col(a::MATCH_METHOD).neq(lit(METHOD_OVERRIDE))).alias(UNMATCHABLE),
        any_of(a::APP, &login_apps).alias(LOGIN_KNOWN),
    ])
    .with_columns([
        any_of(a::ACCOUNT_TYPE, &["human", "unknown"])
            .or(col(a::ACCOUNT_TYPE).eq(lit("customer")).fill_null(lit(false)).and(any_of(a::APP, &customer_apps)))
            .and(col(INACTIVE).not())
            .and(col(a::MATCH_METHOD).eq(lit(METHOD_NONE)))
            .and(col(UNMATCHABLE).not())
            .and(col(a::DECLARED_SERVICE).not())
            .alias(ORPHAN),
        col(a::DECLARED_SERVICE)
            .and(col(INACTIVE).not())
            .and(col(a::PERSON_STATUS).is_null().or(col(a::PERSON_STATUS).eq(lit("terminated")).fill_null(lit(false))))
            .alias(OWNER_GONE),
        col(INACTIVE)
            .not()
            .and(col(a::PERSON_STATUS).eq(lit("terminated")).fill_null(lit(false)))
            .and(col(a::DECLARED_SERVICE).not())
            .alias(TERMINATED),
    ])
}

/// The accounts with their product licences ([`LICENCES`]).
pub fn with_licences(acc: LazyFrame, licences: LazyFrame) -> LazyFrame {
    acc.join(licences, [col(a::APP), col(a::ACCOUNT_ID)], [col(a::APP), col(a::ACCOUNT_ID)], JoinArgs::new(JoinType::Left))
}

/// "; holds product licence(s): ..." for a licensed account (licences cost money: a leaver's,
/// an orphan's or a dormant account's seat is named); an agent seat is said to be one.
fn licence_suffix() -> Expr {
    when(col(LICENCES).is_not_null())
        .then(concat_str(
            [
                lit("; holds product licence(s): "),
                col(LICENCES),
                when(col(AGENT_SEAT).fill_null(lit(false))).then(lit(" (jira-servicedesk is an agent seat)")).otherwise(lit("")),
            ],
            "",
            true,
        ))
        .otherwise(lit(""))
}

/// The common columns of a finding, for an account subject.
pub(super) fn common(category: &str, severity: Expr, detail: Expr) -> Vec<Expr> {
    vec![
        lit(category).alias(f::CATEGORY),
        severity.alias(f::SEVERITY),
        col(a::APP).alias(f::APP),
        col(a::ACCOUNT_ID).alias(f::ACCOUNT_ID),
        col(a::EMAIL).alias(f::EMAIL),
        col(a::DISPLAY_NAME).alias(f::DISPLAY_NAME),
        col(a::PERSON_ID).alias(f::PERSON_ID),
        col(a::PERSON_STATUS).alias(f::PERSON_STATUS),
        detail.alias(f::DETAIL),
    ]
}

pub(super) fn with_evidence(mut cols: Vec<Expr>, evidence: &[&str]) -> Vec<Expr> {
    cols.extend(evidence.iter().map(|c| col(*c)));
    cols
}

pub(super) fn admin_suffix() -> Expr {
    when(col(a::IS_ADMIN))
        .then(concat_str([lit("; admin ("), col(a::ADMIN_REASON).fill_null(lit("admin")), lit(")")], "", true))
        .otherwise(lit(""))
}

pub(super) fn admin_severity(if_admin: &str, otherwise: &str) -> Expr {
    when(col(a::IS_ADMIN)).then(lit(if_admin.to_string())).otherwise(lit(otherwise.to_string()))
}

/// "account not `disabled`/`deactivated`, matched to a terminated person": critical if admin,
/// else high. A declared service account whose owner left is an `orphaned` finding instead.
pub fn terminated_with_access(acc: LazyFrame) -> LazyFrame {
    let detail = concat_str(
        [
            lit("person "),
            col(a::PERSON_EMAIL).fill_null(lit("")),
            lit(" is terminated"),
            when(col(a::PERSON_TERMINATION_DATE).is_not_null())
                .then(concat_str([lit(" since "), date_text(a::PERSON_TERMINATION_DATE)], "", true))
                .otherwise(lit(" (roster status)")),
            lit(" but the account is "),
            col(a::STATUS),
            admin_suffix(),
            licence_suffix(),
        ],
        "",
        true,
    );
    acc.filter(col(TERMINATED)).select(with_evidence(
        common("terminated_with_access", admin_severity("critical", "high"), detail),
        &[
            a::PERSON_EMAIL,
            a::PERSON_NAME,
            a::PERSON_TERMINATION_DATE,
            a::STATUS,
            a::IS_ADMIN,
            a::ADMIN_REASON,
            a::LAST_LOGIN_AT,
            a::MATCH_METHOD,
        ],
    ))
}

/// "account of type `human` or `unknown`, not `disabled`/`deactivated`, no roster match (and not
/// unmatchable, not a declared service account)": high if admin, else medium. Also a declared
/// service account whose owner is terminated or unknown: "service account owner not active".
pub fn orphaned(acc: LazyFrame) -> LazyFrame {
    let detail = when(col(OWNER_GONE))
        .then(concat_str(
            [
                lit("service account owner not active: "),
                col(a::PERSON_EMAIL).fill_null(lit("(none)")),
                when(col(a::PERSON_STATUS).is_null()).then(lit(" is not in the roster")).otherwise(lit(" is terminated")),
            ],
            "",
            true,
        ))
        .otherwise(concat_str(
            [
                lit("no roster person matches "),
                col(a::EMAIL).fill_null(lit("")),
                lit("; account is "),
                col(a::STATUS),
                admin_suffix(),
                licence_suffix(),
            ],
            "",
            true,
        ));
    acc.filter(col(ORPHAN).or(col(OWNER_GONE))).select(with_evidence(
        common("orphaned", admin_severity("high", "medium"), detail),
        &[
            a::STATUS,
            a::ACCOUNT_TYPE,
            a::IS_ADMIN,
            a::ADMIN_REASON,
            a::CREATED_AT,
            a::LAST_LOGIN_AT,
            a::DECLARED_SERVICE,
            a::OVERRIDE_REASON,
        ],
    ))
}

/// "account with admin/privileged access (app flag, admin role, or membership of a configured
/// admin group)": low, high when also orphaned or terminated. Disabled and deactivated accounts
/// hold no access and are not listed.
pub fn admin(acc: LazyFrame) -> LazyFrame {
    let risky = col(ORPHAN).or(col(OWNER_GONE)).or(col(TERMINATED));
    let detail = concat_str(
        [
            lit("admin: "),
            col(a::ADMIN_REASON).fill_null(lit("admin flag")),
            when(col(TERMINATED))
                .then(lit("; the person is terminated"))
                .when(col(ORPHAN).or(col(OWNER_GONE)))
                .then(lit("; the account is orphaned"))
                .otherwise(lit("")),
        ],
        "",
        true,
    );
    acc.filter(col(a::IS_ADMIN).and(col(INACTIVE).not())).select(with_evidence(
        common("admin", when(risky).then(lit("high")).otherwise(lit("low")), detail),
        &[a::ADMIN_REASON, a::STATUS, a::ACCOUNT_TYPE, a::GROUPS, a::MATCH_METHOD, a::PERSON_EMAIL, a::LAST_LOGIN_AT],
    ))
}

/// "`invited`/pending for longer than `invite_stale_after_days` (from `invited_at`, else
/// `created_at`); or, where the app reports last login, an active account that never logged in
/// and was created longer ago than that": medium. An invitation with no date at all is reported
/// too: nothing shows it is recent.
pub fn invited_inactive(acc: LazyFrame, p: &RuleParams) -> LazyFrame {
    const SINCE: &str = "__invited_since";
    let limit = cutoff(p, p.invite_stale_after_days);
    let stale_invite = col(a::STATUS).eq(lit("invited")).and(col(SINCE).is_null().or(col(SINCE).lt(limit.clone())));
    let never_used = col(a::STATUS)
        .eq(lit("active"))
        .and(col(LOGIN_KNOWN))
        .and(col(a::LAST_LOGIN_AT).is_null())
        .and(col(a::CREATED_AT).lt(limit).fill_null(lit(false)));
    let detail = when(col(a::STATUS).eq(lit("invited")))
        .then(when(col(SINCE).is_null()).then(lit("invited; the invitation date is unknown".to_string())).otherwise(concat_str(
            [
                lit("invited since "),
                date_text(SINCE),
                lit(" ("),
                days_before_as_of(p, SINCE).cast(DataType::String),
                lit(" days) and never accepted"),
            ],
            "",
            true,
        )))
        .otherwise(concat_str(
            [
                lit("active since "),
                date_text(a::CREATED_AT),
                lit(" ("),
                days_before_as_of(p, a::CREATED_AT).cast(DataType::String),
                lit(" days) and never logged in"),
            ],
            "",
            true,
        ));
    acc.with_column(coalesce(&[col(a::INVITED_AT), col(a::CREATED_AT)]).alias(SINCE))
        .filter(stale_invite.or(never_used))
        .with_column(days_before_as_of(p, SINCE).alias("days_pending"))
        .select(with_evidence(
            common("invited_inactive", lit("medium"), detail),
            &[a::STATUS, a::INVITED_AT, a::CREATED_AT, a::LAST_LOGIN_AT, "days_pending", a::PERSON_EMAIL],
        ))
}

/// "`active` account whose last login is older than `dormant_after_days` (only where the app
/// reports last login)": medium.
pub fn dormant(acc: LazyFrame, p: &RuleParams) -> LazyFrame {
    let detail = concat_str(
        [
            lit("last login "),
            date_text(a::LAST_LOGIN_AT),
            lit(" ("),
            col("days_since_login").cast(DataType::String),
            lit(" days before as_of)"),
            licence_suffix(),
        ],
        "",
        true,
    );
    acc.filter(
        col(a::STATUS)
            .eq(lit("active"))
            .and(col(LOGIN_KNOWN))
            .and(col(a::LAST_LOGIN_AT).lt(cutoff(p, p.dormant_after_days)).fill_null(lit(false))),
    )
    .with_column(days_before_as_of(p, a::LAST_LOGIN_AT).alias("days_since_login"))
    .select(with_evidence(common("dormant", lit("medium"), detail), &[a::LAST_LOGIN_AT, "days_since_login", a::IS_ADMIN, a::PERSON_EMAIL]))
}

/// "two or more accounts in one app for the same person": low, one row per account. Declared
/// service accounts are never duplicates of their owner's account; disabled and deactivated
/// accounts hold no access and do not count.
pub fn duplicate_account(acc: LazyFrame) -> LazyFrame {
    const N: &str = "accounts_for_person";
    let live = acc.filter(col(a::PERSON_ID).is_not_null().and(col(a::DECLARED_SERVICE).not()).and(col(INACTIVE).not()));
    let keys = [col(a::APP), col(a::PERSON_ID)];
    // Count first, and list the account ids only of the few people with more than one account.
    let counts =
        live.clone().group_by(keys.clone()).agg([col(a::ACCOUNT_ID).count().cast(DataType::Int64).alias(N)]).filter(col(N).gt(lit(1i64)));
    let live = live.join(counts, keys.clone(), keys.clone(), JoinArgs::new(JoinType::Inner));
    let ids = live.clone().group_by(keys.clone()).agg([col(a::ACCOUNT_ID)
        .sort(Default::default())
        .str()
        .join(", ", true)
        .alias("other_account_ids")]);
    let detail = concat_str(
        [
            col(N).cast(DataType::String),
            lit(" accounts in "),
            col(a::APP),
            lit(" for "),
            col(a::PERSON_EMAIL).fill_null(lit("")),
            lit(": "),
            col("other_account_ids"),
        ],
        "",
        true,
    );
    live.join(ids, keys.clone(), keys, JoinArgs::new(JoinType::Inner)).select(with_evidence(
        common("duplicate_account", lit("low"), detail),
        &[a::PERSON_EMAIL, a::STATUS, a::MATCH_METHOD, N, "other_account_ids"],
    ))
}

/// "an active account that signs in with a local password in an app whose other accounts use
/// single sign-on or a directory": high for an admin; medium for others with `[review]
/// flag_local_logins = true`. Service accounts (by type or declared) are not people and are left
/// out; an account whose sign-in source is unknown is never claimed to be local.
pub fn local_login(acc: LazyFrame, p: &RuleParams) -> LazyFrame {
    const CENTRAL: &str = "accounts_with_central_sign_in";
    let live = acc.filter(col(INACTIVE).not());
    let central = live
        .clone()
        .filter(any_of(a::AUTH_SOURCE, &["sso", "ldap"]))
        .group_by([col(a::APP)])
        .agg([col(a::ACCOUNT_ID).count().cast(DataType::Int64).alias(CENTRAL)]);
    let wanted = if p.flag_local_logins { lit(true) } else { col(a::IS_ADMIN) };
    let detail = concat_str(
        [
            lit("signs in with a password kept by "),
            col(a::APP),
            lit(" while "),
            col(CENTRAL).cast(DataType::String),
            lit(" other account(s) of the app sign in through single sign-on or a directory"),
            admin_suffix(),
        ],
        "",
        true,
    );
    live.filter(
        col(a::AUTH_SOURCE)
            .eq(lit(crate::model::AuthSource::Local.as_str()))
            .and(col(a::ACCOUNT_TYPE).neq(lit("service")))
            .and(col(a::DECLARED_SERVICE).not())
            .and(wanted),
    )
    .join(central, [col(a::APP)], [col(a::APP)], JoinArgs::new(JoinType::Inner))
    .select(with_evidence(
        common("local_login", admin_severity("high", "medium"), detail),
        &[a::AUTH_SOURCE, a::STATUS, a::IS_ADMIN, a::ADMIN_REASON, a::LAST_LOGIN_AT, CENTRAL],
    ))
}

/// "an active identity-provider account with no enrolled second factor": high for an admin,
/// medium otherwise; a service account (by type or declared) is listed as info, not flagged.
/// Only accounts whose app said whether a factor is enrolled (`mfa` not null) are judged.
pub fn mfa_missing(acc: LazyFrame) -> LazyFrame {
    let service = col(a::ACCOUNT_TYPE).eq(lit("service")).fill_null(lit(false)).or(col(a::DECLARED_SERVICE));
    let severity = when(service.clone()).then(lit("info")).otherwise(admin_severity("high", "medium"));
    let detail = concat_str(
        [
            when(service).then(lit("service account: ")).otherwise(lit("")),
            lit("no second factor enrolled in "),
            col(a::APP),
            admin_suffix(),
            when(col(a::ACCOUNT_TYPE).eq(lit("service")).fill_null(lit(false)).or(col(a::DECLARED_SERVICE)))
                .then(lit(" (listed, not flagged: a service account signs in without a person)"))
                .otherwise(lit("")),
        ],
        "",
        true,
    );
    acc.filter(col(a::STATUS).eq(lit("active")).and(col(a::MFA).eq(lit(false)).fill_null(lit(false)))).select(with_evidence(
        common("mfa_missing", severity, detail),
        &[a::STATUS, a::ACCOUNT_TYPE, a::IS_ADMIN, a::ADMIN_REASON, a::LAST_LOGIN_AT, a::PERSON_EMAIL],
    ))
}

/// "account without an email": info; never orphaned by accident.
pub fn unmatchable(acc: LazyFrame) -> LazyFrame {
    let detail = concat_str(
        [
            lit("no email on the account ("),
            col(a::ACCOUNT_TYPE),
            lit(", "),
            col(a::STATUS),
            lit("): link it to a person or declare it a service account in the overrides file"),
        ],
        "",
        true,
    );
    acc.filter(col(UNMATCHABLE).and(col(INACTIVE).not()))
        .select(with_evidence(common("unmatchable", lit("info"), detail), &[a::USERNAME, a::STATUS, a::ACCOUNT_TYPE, a::IS_ADMIN]))
}

/// "an app that could not be collected completely": critical; the subject is the app.
pub fn collection_incomplete(coverage: &[CoverageRecord]) -> PolarsResult<DataFrame> {
    let rows: Vec<&CoverageRecord> = coverage.iter().filter(|c| c.status != COVERAGE_COMPLETE).collect();
    let detail: Vec<String> = rows
        .iter()
        .map(|c| {
            let mut d = format!("{} collection: {} account(s) collected", c.status, c.accounts_collected);
            if let Some(t) = c.total_reported {
                d.push_str(&format!(" of {t} reported by the API"));
            }
            if let Some(e) = c.errors.first() {
                d.push_str(&format!("; {e}"));
                if c.errors.len() > 1 {
                    d.push_str(&format!(" (+{} more, see coverage.csv)", c.errors.len() - 1));
                }
            }
            d
        })
        .collect();
    let none: Vec<Option<&str>> = vec![None; rows.len()];
    DataFrame::new_infer_height(vec![
        Column::new(f::CATEGORY.into(), vec!["collection_incomplete"; rows.len()]),
        Column::new(f::SEVERITY.into(), vec!["critical"; rows.len()]),
        Column::new(f::APP.into(), rows.iter().map(|c| c.app.as_str()).collect::<Vec<_>>()),
        Column::new(f::ACCOUNT_ID.into(), vec![""; rows.len()]),
        Column::new(f::EMAIL.into(), none.clone()),
        Column::new(f::DISPLAY_NAME.into(), none.clone()),
        Column::new(f::PERSON_ID.into(), none.clone()),
        Column::new(f::PERSON_STATUS.into(), none),
        Column::new(f::DETAIL.into(), detail),
        Column::new("coverage_status".into(), rows.iter().map(|c| c.status.as_str()).collect::<Vec<_>>()),
        Column::new("accounts_collected".into(), rows.iter().map(|c| c.accounts_collected).collect::<Vec<_>>()),
        Column::new("total_reported".into(), rows.iter().map(|c| c.total_reported).collect::<Vec<_>>()),
        Column::new("errors".into(), rows.iter().map(|c| c.errors.join(" | ")).collect::<Vec<_>>()),
    ])
}
