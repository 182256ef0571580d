//! Access granted outside the identity provider: an active account in an app linked to its
//! application in an identity provider (`idp = { app, id | label }`), matched to a person whose
//! account in that provider is not assigned the application, directly or through a group.
//!
//! The provider's record is its `app_assignment` entitlements (`<app id> · <label> · how`),
//! keyed here by id and by label; a person's assignment is found through the provider account
//! matched to the same person. Nothing is claimed for a link whose provider record is not to be
//! relied on (not collected, assignments not read completely, or no assignment of that
//! application at all: more likely a wrong link than an application nobody has): the coverage
//! notes of the linked app say why instead.

use polars::prelude::*;

use super::params::IdpRule;
use super::rules::{admin_severity, admin_suffix, common, with_evidence, INACTIVE};
use crate::model::account as a;
use crate::model::entitlement as e;

/// The key of an assignment or a link: `id:<id>` or `label:<label in lower case>`.
pub const IDP_KEY: &str = "__idp_key";
const IDP_APP: &str = "__idp_app";
const LINK: &str = "__idp_link";
const IDP_ACCOUNTS: &str = "idp_accounts";

/// The identity providers' assignments out of the entitlements: `(app, account_id, key)`, one
/// row per assignment and key (its id and its label), without repeats.
pub fn idp_assignments(entitlements: &DataFrame) -> PolarsResult<DataFrame> {
    let kind = crate::model::EntitlementKind::AppAssignment.as_str();
    let rows = entitlements
        .clone()
        .lazy()
        .filter(col(e::KIND).eq(lit(kind)))
        .select([col(e::APP), col(e::ACCOUNT_ID), col(e::VALUE)])
        .collect()?;
    let apps = rows.column(e::APP)?.str()?;
    let ids = rows.column(e::ACCOUNT_ID)?.str()?;
    let values = rows.column(e::VALUE)?.str()?;
    let n = rows.height();
    let (mut app_out, mut id_out, mut key_out) = (Vec::with_capacity(2 * n), Vec::with_capacity(2 * n), Vec::with_capacity(2 * n));
    for ((app, id), value) in apps.iter().zip(ids.iter()).zip(values.iter()) {
        let (Some(app), Some(id), Some(value)) = (app, id, value) else { continue };
        let mut parts = value.splitn(3, " · ");
        let (Some(app_id), label) = (parts.next(), parts.next()) else { continue };
        app_out.push(app);
        id_out.push(id);
        key_out.push(format!("id:{app_id}"));
        if let Some(label) = label {
            app_out.push(app);
            id_out.push(id);
            key_out.push(format!("label:{}", label.to_lowercase()));
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new(a::APP.into(), app_out),
        Column::new(a::ACCOUNT_ID.into(), id_out),
        Column::new(IDP_KEY.into(), key_out),
    ])?
    .unique_stable(None, UniqueKeepStrategy::First, None)
}

/// The links as a frame: `(app, __idp_app, __idp_key, __idp_link)`, only those claimed.
fn links_frame(links: &[IdpRule]) -> PolarsResult<DataFrame> {
    let claimed: Vec<&IdpRule> = links.iter().filter(|l| l.not_claimed.is_none()).collect();
    DataFrame::new_infer_height(vec![
        Column::new(a::APP.into(), claimed.iter().map(|l| l.app.as_str()).collect::<Vec<_>>()),
        Column::new(IDP_APP.into(), claimed.iter().map(|l| l.idp_app.as_str()).collect::<Vec<_>>()),
        Column::new(IDP_KEY.into(), claimed.iter().map(|l| l.key.as_str()).collect::<Vec<_>>()),
        Column::new(LINK.into(), claimed.iter().map(|l| format!("{} in {}", l.describe, l.idp_app)).collect::<Vec<_>>()),
    ])
}

/// How many of a provider's accounts are assigned each linked application: a link that matches
/// no assignment at all is not relied on. Returns the links with `not_claimed` set where so.
pub fn check_links(links: &[IdpRule], assignments: &DataFrame) -> PolarsResult<Vec<IdpRule>> {
    let found = assignments.clone().lazy().select([col(a::APP), col(IDP_KEY)]).unique(None, UniqueKeepStrategy::Any).collect()?;
    let apps = found.column(a::APP)?.str()?;
    let keys = found.column(IDP_KEY)?.str()?;
    let present: std::collections::BTreeSet<(&str, &str)> = apps.iter().zip(keys.iter()).filter_map(|(a, k)| Some((a?, k?))).collect();
    Ok(links
        .iter()
        .map(|l| {
            let mut l = l.clone();
            if l.not_claimed.is_none() && !present.contains(&(l.idp_app.as_str(), l.key.as_str())) {
                l.not_claimed = Some(format!(
                    "outside_idp not evaluated: no account of {} is assigned the application with {} (check the link: an application nobody is assigned is more likely a wrong id or label)",
                    l.idp_app, l.describe
                ));
            }
            l
        })
        .collect())
}

/// The rule: `acc` is the flagged accounts frame (every app), `assignments` from
/// [`idp_assignments`], `links` checked by [`check_links`].
pub fn outside_idp(acc: LazyFrame, assignments: &DataFrame, links: &[IdpRule]) -> PolarsResult<LazyFrame> {
    // The provider accounts of each person (of the linked providers only: with no link, none),
    // and the keys of what each is assigned.
    let providers: std::collections::BTreeSet<&str> =
        links.iter().filter(|l| l.not_claimed.is_none()).map(|l| l.idp_app.as_str()).collect();
    let providers = lit(Series::new("providers".into(), providers.into_iter().collect::<Vec<_>>())).implode(true);
    let links = links_frame(links)?;
    let idp_people = acc.clone().filter(col(a::PERSON_ID).is_not_null().and(col(a::APP).is_in(providers, false))).select([
        col(a::APP).alias(IDP_APP),
        col(a::ACCOUNT_ID).alias("__idp_account"),
        col(a::PERSON_ID),
    ]);
    let assigned = assignments
        .clone()
        .lazy()
        .join(idp_people.clone(), [col(a::APP), col(a::ACCOUNT_ID)], [col(IDP_APP), col("__idp_account")], JoinArgs::new(JoinType::Inner))
        .select([col(a::APP).alias(IDP_APP), col(a::PERSON_ID), col(IDP_KEY)])
        .unique(None, UniqueKeepStrategy::Any);
    let accounts_of = idp_people.group_by([col(IDP_APP), col(a::PERSON_ID)]).agg([col("__idp_account")
        .sort(Default::default())
        .str()
        .join(", ", true)
        .alias(IDP_ACCOUNTS)]);
    let candidates = acc
        .filter(
            col(INACTIVE)
                .not()
                .and(col(a::PERSON_ID).is_not_null())
                .and(col(a::DECLARED_SERVICE).not())
                .and(col(a::ACCOUNT_TYPE).eq(lit("human")).or(col(a::ACCOUNT_TYPE).eq(lit("unknown"))).fill_null(lit(false))),
        )
        .join(links.lazy(), [col(a::APP)], [col(a::APP)], JoinArgs::new(JoinType::Inner));
    let keys = [col(IDP_APP), col(a::PERSON_ID), col(IDP_KEY)];
    let outside = candidates.join(assigned, keys.clone(), keys, JoinArgs::new(JoinType::Anti)).join(
        accounts_of,
        [col(IDP_APP), col(a::PERSON_ID)],
        [col(IDP_APP), col(a::PERSON_ID)],
        JoinArgs::new(JoinType::Left),
    );
    let detail = concat_str(
        [
            lit("the person is not assigned the application ("),
            col(LINK),
            lit(") directly or through a group: "),
            when(col(IDP_ACCOUNTS).is_null())
                .then(concat_str([lit("they have no account in "), col(IDP_APP)], "", true))
                .otherwise(concat_str([col(IDP_APP), lit(" account "), col(IDP_ACCOUNTS), lit(" is not assigned it")], "", true)),
            lit("; the access does not come from the identity provider, so switching them off there will not remove it"),
            admin_suffix(),
        ],
        "",
        true,
    );
    Ok(outside.with_column(col(LINK).alias("idp_application")).with_column(col(IDP_APP).alias("idp_app")).select(with_evidence(
        common("outside_idp", admin_severity("high", "medium"), detail),
        &["idp_app", "idp_application", IDP_ACCOUNTS, a::STATUS, a::IS_ADMIN, a::ADMIN_REASON, a::PERSON_EMAIL, a::MATCH_METHOD],
    )))
}
