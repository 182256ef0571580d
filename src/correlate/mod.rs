//! Correlation (SPEC §5): accounts joined to roster people, as polars joins.
//!
//! Owns: the candidate keys of every account (its email and other addresses, trimmed and
//! lower-cased, plus their `domain_aliases` rewrites), the join with the roster's keys (emails and
//! aliases), the choice of the best match per account (email, then alias, then domain alias), and
//! the overrides file, which wins over everything. Every account row leaves with `match_method`,
//! `person_id`, `person_email` and the person's name, status and termination date. Empty or missing
//! emails never join anything. Must not: decide findings.

pub mod overrides;

use std::collections::BTreeMap;

use polars::prelude::*;

pub use overrides::{Override, OverrideAction, Overrides};

use crate::model::account as acc;
use crate::roster::{normalize_email, person, Roster};

pub const METHOD_OVERRIDE: &str = "override";
pub const METHOD_EMAIL: &str = "email";
pub const METHOD_ALIAS: &str = "alias";
pub const METHOD_DOMAIN_ALIAS: &str = "domain_alias";
pub const METHOD_NONE: &str = "none";

const ROW: &str = "__account_row";
const RANK: &str = "__rank";
const VIA_DOMAIN: &str = "__via_domain_alias";
const OV_ACTION: &str = "__override_action";
const OV_PERSON_ROW: &str = "__override_person_row";
const OV_OWNER: &str = "__override_owner";

/// The result: accounts with correlation columns, plus warnings about the overrides file.
pub struct Correlated {
    pub accounts: DataFrame,
    pub warnings: Vec<String>,
}

/// Candidate keys of every account: (row, key, rank). Rank orders how good a match through this
/// key would be before the roster side is known: primary email 0, other addresses 1; a domain
/// alias rewrite adds 10.
fn candidate_keys(accounts: &DataFrame, domain_aliases: &BTreeMap<String, String>) -> PolarsResult<DataFrame> {
    let emails = accounts.column(acc::EMAIL)?.str()?;
    let others = accounts.column(acc::OTHER_EMAILS)?.str()?;
    let mut rows: Vec<u32> = Vec::with_capacity(accounts.height());
    let mut keys: Vec<String> = Vec::with_capacity(accounts.height());
    let mut ranks: Vec<u32> = Vec::with_capacity(accounts.height());
    let mut push = |row: u32, raw: &str, rank: u32| {
        let key = normalize_email(raw);
        if key.is_empty() || !key.contains('@') {
            return;
        }
        if let Some((local, domain)) = key.rsplit_once('@') {
            if let Some(primary) = domain_aliases.get(domain) {
                rows.push(row);
                keys.push(format!("{local}@{primary}"));
                ranks.push(rank + 10);
            }
        }
        rows.push(row);
        keys.push(key);
        ranks.push(rank);
    };
    for (i, (email, other)) in emails.iter().zip(others.iter()).enumerate() {
        if let Some(e) = email {
            push(i as u32, e, 0);
        }
        if let Some(o) = other {
            for e in o.split(';') {
                push(i as u32, e, 1);
            }
        }
    }
    DataFrame::new_infer_height(vec![Column::new(ROW.into(), rows), Column::new(person::KEY.into(), keys), Column::new(RANK.into(), ranks)])
}

/// Joins accounts to the roster.
pub fn correlate(
    accounts: &DataFrame,
    roster: &Roster,
    domain_aliases: &BTreeMap<String, String>,
    overrides: &Overrides,
) -> PolarsResult<Correlated> {
    let mut warnings = Vec::new();
    let people = roster.people_frame()?;
    let keys = roster.keys_frame()?;
    let candidates = candidate_keys(accounts, domain_aliases)?;

    // Best roster match per account: email beats alias beats domain alias; the primary address
    // beats the others; the earlier roster row breaks the remaining ties.
    let best = candidates
        .lazy()
        .join(keys.lazy(), [col(person::KEY)], [col(person::KEY)], JoinArgs::new(JoinType::Inner))
        .with_columns([
            (col(RANK) % lit(10u32)
                + when(col(person::KEY_KIND).eq(lit("alias"))).then(lit(2u32)).otherwise(lit(0u32))
                + when(col(RANK).gt_eq(lit(10u32))).then(lit(100u32)).otherwise(lit(0u32)))
            .alias(RANK),
            col(RANK).gt_eq(lit(10u32)).alias(VIA_DOMAIN),
        ])
        .sort([ROW, RANK, person::ROW], SortMultipleOptions::default())
        .unique_stable_generic(Some(vec![col(ROW)]), UniqueKeepStrategy::First)
        .select([
            col(ROW),
            col(person::ROW),
            when(col(VIA_DOMAIN))
                .then(lit(METHOD_DOMAIN_ALIAS))
                .when(col(person::KEY_KIND).eq(lit("alias")))
                .then(lit(METHOD_ALIAS))
                .otherwise(lit(METHOD_EMAIL))
                .alias(acc::MATCH_METHOD),
        ]);

    // Overrides, keyed by (app, account_id). Only built when there are overrides.
    let present: std::collections::HashSet<(&str, &str)> = if overrides.rows.is_empty() {
        Default::default()
    } else {
        let apps = accounts.column(acc::APP)?.str()?;
        let ids = accounts.column(acc::ACCOUNT_ID)?.str()?;
        apps.iter().zip(ids.iter()).map(|(a, i)| (a.unwrap_or(""), i.unwrap_or(""))).collect()
    };
    let mut ov_app = Vec::new();
    let mut ov_id = Vec::new();
    let mut ov_action = Vec::new();
    let mut ov_row: Vec<Option<u32>> = Vec::new();
    let mut ov_owner: Vec<Option<String>> = Vec::new();
    let mut ov_reason = Vec::new();
    let row_of = |email: &str| -> Option<u32> { roster.position(email).map(|i| i as u32) };
    for o in &overrides.rows {
        if !present.contains(&(o.app.as_str(), o.account_id.as_str())) {
            warnings.push(format!(
                "{} line {}: override for app {} account {} matches no collected account",
                overrides.file, o.line, o.app, o.account_id
            ));
            continue;
        }
        match &o.action {
            OverrideAction::Link { person_email } => match row_of(person_email) {
                Some(r) => {
                    ov_row.push(Some(r));
                    ov_owner.push(None);
                }
                None => {
                    warnings.push(format!(
                        "{} line {}: override links {} / {} to {person_email}, who is not in the roster; the override was not applied",
                        overrides.file, o.line, o.app, o.account_id
                    ));
                    continue;
                }
            },
            OverrideAction::Service { owner_email } => {
                ov_row.push(row_of(owner_email));
                ov_owner.push(Some(normalize_email(owner_email)));
            }
        }
        ov_app.push(o.app.clone());
        ov_id.push(o.account_id.clone());
        ov_action.push(o.action.name());
        ov_reason.push(o.reason.clone());
    }
    let ov = DataFrame::new_infer_height(vec![
        Column::new(acc::APP.into(), ov_app),
        Column::new(acc::ACCOUNT_ID.into(), ov_id),
        Column::new(OV_ACTION.into(), ov_action),
        Column::new(OV_PERSON_ROW.into(), ov_row),
        Column::new(OV_OWNER.into(), ov_owner),
        Column::new(acc::OVERRIDE_REASON.into(), ov_reason),
    ])?;

    let people_cols = people.lazy().select([
        col(person::ROW),
        col(person::PERSON_ID).alias(acc::PERSON_ID),
        col(person::EMAIL).alias(acc::PERSON_EMAIL),
        col(person::NAME).alias(acc::PERSON_NAME),
        col(person::STATUS).alias(acc::PERSON_STATUS),
        col(person::TERMINATION_DATE).alias(acc::PERSON_TERMINATION_DATE),
    ]);

    let is_override = col(OV_ACTION).is_not_null();
    let is_service = col(OV_ACTION).eq(lit("service")).fill_null(lit(false));
    let out = accounts
        .clone()
        .lazy()
        .with_row_index(ROW, None)
        .join(best, [col(ROW)], [col(ROW)], JoinArgs::new(JoinType::Left))
        .join(ov.lazy(), [col(acc::APP), col(acc::ACCOUNT_ID)], [col(acc::APP), col(acc::ACCOUNT_ID)], JoinArgs::new(JoinType::Left))
        .with_columns([
            when(is_override.clone()).then(col(OV_PERSON_ROW)).otherwise(col(person::ROW)).alias(person::ROW),
            when(is_override.clone())
                .then(lit(METHOD_OVERRIDE))
                .otherwise(col(acc::MATCH_METHOD).fill_null(lit(METHOD_NONE)))
                .alias(acc::MATCH_METHOD),
            when(is_service.clone()).then(lit("service")).otherwise(col(acc::ACCOUNT_TYPE)).alias(acc::ACCOUNT_TYPE),
            is_service.alias(acc::DECLARED_SERVICE),
        ])
        .join(people_cols, [col(person::ROW)], [col(person::ROW)], JoinArgs::new(JoinType::Left))
        .with_columns([
            // A declared service account's owner is named even when the roster does not know them.
            coalesce(&[col(acc::PERSON_EMAIL), col(OV_OWNER)]).alias(acc::PERSON_EMAIL),
            coalesce(&[col(acc::PERSON_ID), col(OV_OWNER)]).alias(acc::PERSON_ID),
        ])
        .sort([ROW], SortMultipleOptions::default())
        .drop(by_name([ROW, OV_ACTION, OV_PERSON_ROW, OV_OWNER], true, false))
        .collect()?;
    Ok(Correlated { accounts: out, warnings })
}

#[cfg(test)]
mod tests;
