//! Every rule run over the correlated accounts, each category's frame finished (ids, exceptions,
//! sorting), and what the report and the review read of the result.

use std::collections::BTreeMap;

use polars::prelude::*;

use chrono::NaiveDate;

use super::credentials;
use super::exceptions::{self, Exception, Exceptions};
use super::params::RuleParams;
use super::rules;
use super::table::{col_name, finding_id, Category, FindingCategory, CATEGORIES, COMMON_COLUMNS, SEVERITIES};
use crate::config::Config;
use crate::model::CoverageRecord;
use crate::roster::Roster;

/// All findings of a run.
pub struct Findings {
    /// Every finding, common columns + `exception`, sorted by severity, category, app, account.
    pub all: DataFrame,
    /// Per category: the common columns + the category's evidence columns, same order.
    pub by_category: BTreeMap<&'static str, DataFrame>,
    /// Problems with the exceptions file (unmatched or expired rows).
    pub warnings: Vec<String>,
    /// Notes for the coverage of an app, `(app, note)`: a rule that could not be applied to it
    /// and why (`outside_idp` without a reliable identity provider record).
    pub coverage_notes: Vec<(String, String)>,
    /// Every account's recommendation and reason (`app`, `account_id`, `recommendation`,
    /// `reason`), sorted by app and account id.
    pub recommendations: DataFrame,
}

impl Findings {
    /// The ids of the open findings (not excepted).
    pub fn open_ids(&self) -> PolarsResult<Vec<String>> {
        let ids = self.all.column(col_name::FINDING_ID)?.str()?;
        let excepted = self.all.column(col_name::EXCEPTED)?.bool()?;
        Ok(ids.iter().zip(excepted.iter()).filter(|(_, e)| !e.unwrap_or(false)).filter_map(|(id, _)| id.map(str::to_string)).collect())
    }
}

/// Each account's product licences (`product_licence` entitlements), `(app, account_id,
/// licences)` with the licences joined by ", " in order; rows only for licensed accounts.
pub fn licences(entitlements: &DataFrame) -> PolarsResult<DataFrame> {
    use crate::model::entitlement as e;
    entitlements
        .clone()
        .lazy()
        .filter(col(e::KIND).eq(lit(crate::model::EntitlementKind::ProductLicence.as_str())))
        .group_by([col(e::APP), col(e::ACCOUNT_ID)])
        .agg([
            col(e::VALUE).sort(Default::default()).str().join(", ", true).alias(rules::LICENCES),
            col(e::VALUE).eq(lit("jira-servicedesk")).any(true).alias(rules::AGENT_SEAT),
        ])
        .collect()
}

/// Runs every rule over the correlated accounts; `licences` from [`licences`].
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    accounts: &DataFrame,
    licences: &DataFrame,
    assignments: &DataFrame,
    coverage: &[CoverageRecord],
    credentials: &DataFrame,
    config: &Config,
    roster: &Roster,
    params: &RuleParams,
    exceptions: &Exceptions,
    sod_hits: &DataFrame,
) -> PolarsResult<Findings> {
    use FindingCategory as C;
    let t = std::time::Instant::now();
    let mut frames: Vec<(FindingCategory, DataFrame)> = Vec::new();
    frames.push((C::CollectionIncomplete, rules::collection_incomplete(coverage)?));
    // The shared conditions once, then every rule over the flagged frame.
    let acc = rules::with_licences(accounts.clone().lazy(), licences.clone().lazy());
    let acc = rules::with_flags(acc, params).collect()?.lazy();
    tracing::debug!("findings: shared conditions ({} ms)", t.elapsed().as_millis());
    let mut timed = |category: FindingCategory, df: PolarsResult<DataFrame>| -> PolarsResult<()> {
        frames.push((category, df?));
        tracing::debug!("findings: {category} ({} ms)", t.elapsed().as_millis());
        Ok(())
    };
    timed(C::TerminatedWithAccess, rules::terminated_with_access(acc.clone()).collect())?;
    timed(C::Orphaned, rules::orphaned(acc.clone()).collect())?;
    let links = super::idp::check_links(&params.idp_links, assignments)?;
    let coverage_notes: Vec<(String, String)> = links.iter().filter_map(|l| Some((l.app.clone(), l.not_claimed.clone()?))).collect();
    timed(C::OutsideIdp, super::idp::outside_idp(acc.clone(), assignments, &links)?.collect())?;
    timed(C::Admin, rules::admin(acc.clone()).collect())?;
    timed(C::MfaMissing, rules::mfa_missing(acc.clone()).collect())?;
    timed(C::LocalLogin, rules::local_login(acc.clone(), params).collect())?;
    timed(C::InvitedInactive, rules::invited_inactive(acc.clone(), params).collect())?;
    timed(C::Dormant, rules::dormant(acc.clone(), params).collect())?;
    timed(C::TokenExpiry, credentials::token_expiry(credentials, coverage, config, roster, params))?;
    timed(C::DuplicateAccount, rules::duplicate_account(acc.clone()).collect())?;
    timed(C::Unmatchable, rules::unmatchable(acc.clone()).collect())?;
    let incomplete = super::sod::incomplete_apps(coverage, config);
    timed(C::SodConflict, super::sod::sod_conflicts(acc.clone(), sod_hits, &config.sod, &incomplete))?;
    tracing::debug!("findings: rules ({} ms)", t.elapsed().as_millis());

    // Ids, controls and the exceptions, per category, then the union.
    let mut by_category = BTreeMap::new();
    let mut common = Vec::new();
    let mut used = vec![false; exceptions.rows.len()];
    let index = exceptions.index();
    for (category, df) in frames {
        let cat = category.info();
        let df = finish_category(df, cat, &index, &exceptions.rows, params.as_of, &mut used)?;
        let mut cols: Vec<Expr> = COMMON_COLUMNS.iter().map(|c| col(*c)).collect();
        cols.push(col(col_name::EXCEPTION));
        cols.push(col(col_name::EXCEPTION_EXPIRES));
        common.push(df.clone().lazy().select(cols));
        by_category.insert(cat.name(), df);
    }
    tracing::debug!("findings: ids, controls and exceptions ({} ms)", t.elapsed().as_millis());
    let all = concat(common, UnionArgs::default())?.collect()?;
    let all = sort_findings(all)?;
    tracing::debug!("findings: sorted ({} ms)", t.elapsed().as_millis());
    let warnings = exceptions.warnings(&used, params.as_of);
    let recommendations = super::recommend::recommendations(acc, &all, &by_category, params)?;
    tracing::debug!("findings: recommendations ({} ms)", t.elapsed().as_millis());
    Ok(Findings { all, by_category, warnings, coverage_notes, recommendations })
}

/// Adds `finding_id`, `controls`, `excepted`, `exception`, `exception_expires` and sorts; columns in the order of
/// `findings.csv`, then the exception's columns, then the evidence columns.
fn finish_category(
    df: DataFrame,
    cat: &Category,
    exceptions: &exceptions::ExceptionIndex,
    exceptions_rows: &[Exception],
    as_of: NaiveDate,
    used: &mut [bool],
) -> PolarsResult<DataFrame> {
    use col_name::*;
    let n = df.height();
    // A finding's subject: its account; a separation-of-duties finding's, its rule and person
    // (so an exception names the rule as `app` and the person as `account_id`).
    let (subject_app, subject_id) =
        if cat.category == FindingCategory::SodConflict { (super::sod::RULE_NAME, PERSON_ID) } else { (APP, ACCOUNT_ID) };
    let apps = df.column(subject_app)?.str()?;
    let ids = df.column(subject_id)?.str()?;
    let mut finding_ids = Vec::with_capacity(n);
    let mut excepted = Vec::with_capacity(n);
    let mut exception_text: Vec<Option<String>> = Vec::with_capacity(n);
    let mut exception_expires: Vec<Option<String>> = Vec::with_capacity(n);
    for (app, id) in apps.iter().zip(ids.iter()) {
        let (app, id) = (app.unwrap_or(""), id.unwrap_or(""));
        let fid = finding_id(cat.name(), app, id);
        match exceptions.apply(&fid, app, id, cat.name(), as_of, used) {
            Some(idx) => {
                excepted.push(true);
                exception_text.push(Some(exceptions_rows[idx].describe()));
                exception_expires.push(Some(exceptions_rows[idx].expires.format("%Y-%m-%d").to_string()));
            }
            None => {
                excepted.push(false);
                exception_text.push(None);
                exception_expires.push(None);
            }
        }
        finding_ids.push(fid);
    }
    let mut df = df;
    df.with_column(Column::new(FINDING_ID.into(), finding_ids))?;
    if df.column(CONTROLS).is_err() {
        df.with_column(Column::new(CONTROLS.into(), vec![cat.controls; n]))?;
    }
    df.with_column(Column::new(EXCEPTED.into(), excepted))?;
    df.with_column(Column::new(EXCEPTION.into(), exception_text))?;
    df.with_column(Column::new(EXCEPTION_EXPIRES.into(), exception_expires))?;
    let mut order: Vec<String> = COMMON_COLUMNS.iter().map(|c| c.to_string()).collect();
    order.push(EXCEPTION.into());
    order.push(EXCEPTION_EXPIRES.into());
    for c in df.get_column_names() {
        if !order.iter().any(|o| o == c.as_str()) {
            order.push(c.to_string());
        }
    }
    let df = df.select(order)?;
    sort_findings(df)
}

/// Most severe first, then category order, app, account id, finding id.
fn sort_findings(df: DataFrame) -> PolarsResult<DataFrame> {
    use col_name::*;
    let sev_rank =
        SEVERITIES.iter().enumerate().fold(lit(99u32), |acc, (i, s)| when(col(SEVERITY).eq(lit(*s))).then(lit(i as u32)).otherwise(acc));
    let cat_rank = CATEGORIES
        .iter()
        .enumerate()
        .fold(lit(99u32), |acc, (i, c)| when(col(CATEGORY).eq(lit(c.name()))).then(lit(i as u32)).otherwise(acc));
    df.lazy()
        .with_columns([sev_rank.alias("__sev"), cat_rank.alias("__cat")])
        .sort(["__sev", "__cat", APP, ACCOUNT_ID, FINDING_ID], SortMultipleOptions::default().with_maintain_order(true))
        .drop(by_name(["__sev", "__cat"], true, false))
        .collect()
}
