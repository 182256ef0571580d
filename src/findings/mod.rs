//! Findings (SPEC §6): every rule as a small function from the correlated accounts to a frame of
//! findings, the category table (severity rule, control references, evidence columns, output
//! file), stable finding ids, and the exceptions file.
//!
//! Every rule frame has the common columns of `findings.csv` plus its own evidence columns; the
//! report writes the common part to `findings.csv` and the whole frame to the category's file.
//! Must not: read the clock (`as_of` is a parameter), touch files other than the exceptions file,
//! or depend on row order of its inputs (everything is sorted on the way out).

pub mod credentials;
pub mod exceptions;
mod rules;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use sha2::{Digest, Sha256};

pub use exceptions::{Exception, Exceptions};

use crate::config::Config;
use crate::model::CoverageRecord;
use crate::roster::Roster;

/// Column names of a findings frame.
pub mod col_name {
    pub const FINDING_ID: &str = "finding_id";
    pub const SEVERITY: &str = "severity";
    pub const CATEGORY: &str = "category";
    pub const APP: &str = "app";
    pub const ACCOUNT_ID: &str = "account_id";
    pub const EMAIL: &str = "email";
    pub const DISPLAY_NAME: &str = "display_name";
    pub const PERSON_ID: &str = "person_id";
    pub const PERSON_STATUS: &str = "person_status";
    pub const DETAIL: &str = "detail";
    pub const CONTROLS: &str = "controls";
    pub const EXCEPTED: &str = "excepted";
    /// Which exception applied: "ticket (approved by, until date): reason".
    pub const EXCEPTION: &str = "exception";
    /// The last day the applied exception is in force (YYYY-MM-DD).
    pub const EXCEPTION_EXPIRES: &str = "exception_expires";
}

/// The columns of `findings.csv`, in order (SPEC §7).
pub const COMMON_COLUMNS: [&str; 12] = [
    col_name::FINDING_ID,
    col_name::SEVERITY,
    col_name::CATEGORY,
    col_name::APP,
    col_name::ACCOUNT_ID,
    col_name::EMAIL,
    col_name::DISPLAY_NAME,
    col_name::PERSON_ID,
    col_name::PERSON_STATUS,
    col_name::DETAIL,
    col_name::CONTROLS,
    col_name::EXCEPTED,
];

/// Severities, most severe first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

pub fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(SEVERITIES.len())
}

crate::model::text_enum! {
    /// A finding category (SPEC §6), in the order of [`CATEGORIES`] (the report's order).
    FindingCategory {
        CollectionIncomplete = "collection_incomplete",
        TerminatedWithAccess = "terminated_with_access",
        Orphaned = "orphaned",
        Admin = "admin",
        LocalLogin = "local_login",
        InvitedInactive = "invited_inactive",
        Dormant = "dormant",
        TokenExpiry = "token_expiry",
        DuplicateAccount = "duplicate_account",
        Unmatchable = "unmatchable",
    } default CollectionIncomplete
}

impl FindingCategory {
    /// The category's row of [`CATEGORIES`].
    pub fn info(self) -> &'static Category {
        &CATEGORIES[self as usize]
    }
}

/// One row of the category table.
#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub category: FindingCategory,
    pub title: &'static str,
    /// The rule, as SPEC §6 states it (shown in the report's method section).
    pub rule: &'static str,
    pub severity_rule: &'static str,
    pub controls: &'static str,
    /// Output file with the category's evidence columns.
    pub file: &'static str,
    /// What a reviewer should do about it.
    pub action: &'static str,
}

pub const CATEGORIES: [Category; 10] = [
    Category {
        category: FindingCategory::CollectionIncomplete,
        title: "Apps not collected completely",
        rule: "an app that could not be collected completely",
        severity_rule: "critical",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.5.15; SOX ITGC completeness of the user population",
        file: "collection_incomplete.csv",
        action: "Fix the collection (see coverage) and re-run: the population of this app is not complete.",
    },
    Category {
        category: FindingCategory::TerminatedWithAccess,
        title: "Leavers who still have access",
        rule: "account not disabled/deactivated, matched to a terminated person",
        severity_rule: "critical if admin, else high",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18, A.5.15; SOX ITGC user access removal",
        file: "terminated_with_access.csv",
        action: "Disable the account now and check its activity since the termination date.",
    },
    Category {
        category: FindingCategory::Orphaned,
        title: "Orphaned accounts",
        rule: "account of type human or unknown, not disabled/deactivated, no roster match (and not unmatchable, not a declared service account); or a declared service account whose owner is terminated or not in the roster",
        severity_rule: "high if admin, else medium",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.16, A.5.18; SOX ITGC user access review",
        file: "orphaned_accounts.csv",
        action: "Find the owner: link the account to a person or declare it a service account in the overrides file, or remove it.",
    },
    Category {
        category: FindingCategory::Admin,
        title: "Admin and privileged accounts",
        rule: "account with admin/privileged access (app flag, admin role, or membership of a configured admin group)",
        severity_rule: "low (high when also orphaned or terminated)",
        controls: "SOC 2 CC6.1, CC6.3; ISO/IEC 27001:2022 A.8.2, A.5.15; SOX ITGC privileged access",
        file: "admin_accounts.csv",
        action: "Confirm each admin still needs the privilege; remove it where not.",
    },
    Category {
        category: FindingCategory::LocalLogin,
        title: "Local passwords beside single sign-on",
        rule: "an active account (not a service account) that signs in with a password kept by the app, in an app whose other active accounts sign in through single sign-on or a directory; admins always, other accounts with flag_local_logins (only where the API says how accounts sign in)",
        severity_rule: "high if admin, else medium",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.8.5, A.5.17",
        file: "local_login_accounts.csv",
        action: "Move the account to single sign-on, or record it as the app's break-glass account (an exception with its owner and review date).",
    },
    Category {
        category: FindingCategory::InvitedInactive,
        title: "Invited but never active",
        rule: "invited/pending for longer than invite_stale_after_days (from invited_at, else created_at); or, where the app reports last login, an active account that never logged in and was created longer ago than that",
        severity_rule: "medium",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16, A.5.18",
        file: "invited_inactive.csv",
        action: "Revoke stale invitations and unused accounts.",
    },
    Category {
        category: FindingCategory::Dormant,
        title: "Dormant accounts",
        rule: "active account whose last login is older than dormant_after_days (only where the app reports last login)",
        severity_rule: "medium",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18; SOX ITGC user access review",
        file: "dormant_accounts.csv",
        action: "Disable accounts nobody uses, or record why they are kept.",
    },
    Category {
        category: FindingCategory::TokenExpiry,
        title: "API credentials at risk",
        rule: "a credential that is expired, expires within token_warn_days, has no known expiry, has an owner who is not an active person in the roster, or exceeds the app's maximum lifetime",
        severity_rule: "critical expired; high within the window or owner terminated; medium owner not in the roster or on leave, or over the maximum lifetime; low no known expiry",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.5.16, A.5.18",
        file: "token_expiry.csv",
        action: "Rotate expiring credentials and give each one an active, accountable owner.",
    },
    Category {
        category: FindingCategory::DuplicateAccount,
        title: "Several accounts for one person",
        rule: "two or more accounts in one app for the same person (declared service accounts excluded)",
        severity_rule: "low",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16",
        file: "duplicate_accounts.csv",
        action: "Keep one account per person, or record why several are needed.",
    },
    Category {
        category: FindingCategory::Unmatchable,
        title: "Accounts without an email",
        rule: "account without an email (cannot be matched to the roster; never reported as orphaned)",
        severity_rule: "info",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16",
        file: "unmatchable_accounts.csv",
        action: "Link these accounts with the overrides file, or collect emails (e.g. the app's admin API).",
    },
];

pub fn category(name: &str) -> Option<&'static Category> {
    FindingCategory::parse(name).map(FindingCategory::info)
}

impl Category {
    /// The category's name in the outputs (`terminated_with_access`).
    pub fn name(&self) -> &'static str {
        self.category.as_str()
    }
}

/// Parameters of the rules, all explicit (no clock).
#[derive(Debug, Clone)]
pub struct RuleParams {
    pub as_of: NaiveDate,
    pub dormant_after_days: i64,
    pub invite_stale_after_days: i64,
    pub token_warn_days: i64,
    /// Apps whose collector reports last login.
    pub last_login_apps: Vec<String>,
    /// Apps whose `customer` accounts can be orphaned (JSM `customers_in_orphans`).
    pub customer_orphan_apps: Vec<String>,
    /// `[review] flag_local_logins`: a local password beside single sign-on is a finding for
    /// every account, not only admins.
    pub flag_local_logins: bool,
    /// Per app, the longest lifetime its kind allows for the collecting credential (the app's
    /// rules in the snapshot; the kind's for snapshots that predate them).
    pub max_credential_lifetime_days: BTreeMap<String, i64>,
}

impl RuleParams {
    /// The apps of a config whose customers count in the orphan rule.
    /// The apps whose customers count as orphans, from the config: for snapshots that do not
    /// record it (format 1).
    pub fn customer_orphan_apps(config: &Config) -> Vec<String> {
        config.apps.iter().filter(|a| a.options.rules().customers_in_orphans).map(|a| a.name.clone()).collect()
    }
}

/// All findings of a run.
pub struct Findings {
    /// Every finding, common columns + `exception`, sorted by severity, category, app, account.
    pub all: DataFrame,
    /// Per category: the common columns + the category's evidence columns, same order.
    pub by_category: BTreeMap<&'static str, DataFrame>,
    /// Problems with the exceptions file (unmatched or expired rows).
    pub warnings: Vec<String>,
}

impl Findings {
    /// The ids of the open findings (not excepted).
    pub fn open_ids(&self) -> PolarsResult<Vec<String>> {
        let ids = self.all.column(col_name::FINDING_ID)?.str()?;
        let excepted = self.all.column(col_name::EXCEPTED)?.bool()?;
        Ok(ids.iter().zip(excepted.iter()).filter(|(_, e)| !e.unwrap_or(false)).filter_map(|(id, _)| id.map(str::to_string)).collect())
    }
}

/// The stable id of a finding: same category, app and subject -> same id, across runs.
pub fn finding_id(category: &str, app: &str, subject: &str) -> String {
    let mut h = Sha256::new();
    for part in [category, app, subject] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    format!("AA-{}", hex::encode(&digest[..8]))
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
    coverage: &[CoverageRecord],
    credentials: &DataFrame,
    config: &Config,
    roster: &Roster,
    params: &RuleParams,
    exceptions: &Exceptions,
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
    timed(C::Admin, rules::admin(acc.clone()).collect())?;
    timed(C::LocalLogin, rules::local_login(acc.clone(), params).collect())?;
    timed(C::InvitedInactive, rules::invited_inactive(acc.clone(), params).collect())?;
    timed(C::Dormant, rules::dormant(acc.clone(), params).collect())?;
    timed(C::TokenExpiry, credentials::token_expiry(credentials, coverage, config, roster, params))?;
    timed(C::DuplicateAccount, rules::duplicate_account(acc.clone()).collect())?;
    timed(C::Unmatchable, rules::unmatchable(acc).collect())?;
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
    Ok(Findings { all, by_category, warnings })
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
    let apps = df.column(APP)?.str()?;
    let ids = df.column(ACCOUNT_ID)?.str()?;
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
    df.with_column(Column::new(CONTROLS.into(), vec![cat.controls; n]))?;
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

#[cfg(test)]
mod tests;
