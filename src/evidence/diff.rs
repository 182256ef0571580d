//! `diff PREVIOUS_OUT CURRENT_OUT [--out DIR]`: what changed between two reviews.
//!
//! Reads both packs from their files (`manifest.json`, `accounts.csv`, `findings.json`,
//! `coverage.csv`), so it works on any pack whose files carry the columns it needs, and names the
//! file, the column and the version that wrote the pack when one does not. The comparison is a
//! handful of polars joins: accounts by (app, account_id), findings by their stable `finding_id`.
//!
//! Writes `diff_accounts.csv` (added, removed, status / privilege / group / person changes),
//! `diff_findings.csv` (new, resolved, still open), `diff_exceptions.csv` (expired since the
//! previous review, expiring before the next one, no longer needed), `diff.html` and `diff.json`
//! (both packs' manifest hashes, the counts and the hashes of the files written). Must not: read
//! the clock (the same two packs give byte-identical files).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::pack::{read_findings, read_pack_csv, read_tickets, revocations, EvidenceError, Pack};
use crate::files::{self, FileDigest};
use crate::findings::{col_name as f, severity_rank, CATEGORIES};
use crate::model::{account as a, COVERAGE_COMPLETE};
use crate::report::html::{table_view, Col};

pub const DIFF_ACCOUNTS_CSV: &str = "diff_accounts.csv";
pub const DIFF_FINDINGS_CSV: &str = "diff_findings.csv";
pub const DIFF_EXCEPTIONS_CSV: &str = "diff_exceptions.csv";
pub const DIFF_HTML: &str = "diff.html";
pub const DIFF_JSON: &str = "diff.json";
pub const DIFF_REVOCATIONS_CSV: &str = "diff_revocations.csv";
/// Rows per table in `diff.html`; the CSVs hold everything.
const ROW_LIMIT: usize = 500;
/// The next review when the two packs do not tell the cadence.
const DEFAULT_CADENCE_DAYS: i64 = 90;

const TEMPLATE: &str = include_str!("../../templates/diff.html.tera");

/// Account fields compared between the two reviews, with the change they make.
const ACCOUNT_FIELDS: [(&str, &str); 6] = [
    (a::STATUS, "status"),
    (a::IS_ADMIN, "admin"),
    (a::ADMIN_REASON, "admin_reason"),
    (a::ACCOUNT_TYPE, "account_type"),
    (a::GROUPS, "groups"),
    (a::PERSON_EMAIL, "person"),
];

/// One side of the comparison.
struct Side {
    pack: Pack,
    manifest_sha256: String,
    as_of: Option<NaiveDate>,
    accounts: DataFrame,
    findings: DataFrame,
    /// App -> coverage status.
    coverage: BTreeMap<String, String>,
    notes: Vec<String>,
    absent_account_columns: Vec<String>,
}

fn read_side(dir: &Path) -> Result<Side, EvidenceError> {
    let pack = Pack::open(dir)?;
    let manifest_sha256 = hex::encode(Sha256::digest(&pack.manifest_bytes));
    let as_of = NaiveDate::parse_from_str(&pack.manifest.as_of, "%Y-%m-%d").ok();
    let mut notes = Vec::new();
    let ours = env!("CARGO_PKG_VERSION");
    if version_key(&pack.manifest.tool_version) > version_key(ours) {
        notes.push(format!(
            "{} was written by access-audit {}, newer than this one ({ours}); it is read as far as its columns allow",
            dir.display(),
            pack.manifest.tool_version
        ));
    }
    let optional: Vec<&str> = [a::EMAIL, a::DISPLAY_NAME].into_iter().chain(ACCOUNT_FIELDS.iter().map(|(c, _)| *c)).collect();
    let optional: Vec<&str> = optional.into_iter().filter(|c| ![a::STATUS, a::IS_ADMIN].contains(c)).collect();
    let (accounts, absent_account_columns) =
        read_pack_csv(&pack, crate::report::ACCOUNTS_CSV, &[a::APP, a::ACCOUNT_ID, a::STATUS, a::IS_ADMIN], &optional)?;
    let findings = read_findings(&pack, &mut notes)?;
    let coverage = match read_pack_csv(&pack, crate::report::COVERAGE_CSV, &["app", "status"], &[]) {
        Ok((df, _)) => {
            let apps = df.column("app")?.str()?.clone();
            let status = df.column("status")?.str()?.clone();
            apps.iter().zip(status.iter()).map(|(a, s)| (a.unwrap_or("").to_string(), s.unwrap_or("").to_string())).collect()
        }
        Err(e) => {
            notes.push(format!("{}: completeness per app unknown ({e})", dir.display()));
            BTreeMap::new()
        }
    };
    Ok(Side { pack, manifest_sha256, as_of, accounts, findings, coverage, notes, absent_account_columns })
}

/// "0.1.0" -> (0, 1, 0); anything unreadable sorts first.
fn version_key(v: &str) -> (u64, u64, u64) {
    let mut parts = v.split(['.', '-']).map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// What `diff` found, for the summary line and the exit code.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DiffSummary {
    pub out_dir: PathBuf,
    pub accounts_added: usize,
    pub accounts_removed: usize,
    pub accounts_changed: usize,
    pub findings_new: usize,
    pub findings_resolved: usize,
    pub findings_still_open: usize,
    pub exceptions_expired: usize,
    pub exceptions_expiring: usize,
    /// The previous review's revoke decisions: carried out, still live, or not verifiable.
    pub revocations_revoked: usize,
    pub revocations_not_revoked: usize,
    pub revocations_unverifiable: usize,
    /// Tickets of the previous review closed while an account they list is still live.
    pub tickets_closed_still_live: usize,
    pub next_review: String,
    pub notes: Vec<String>,
}

/// The previous review's tickets (`remediate --tickets`) as the caller asked their desks: this
/// module sends no request.
#[derive(Debug, Clone)]
pub enum TicketCheck {
    /// Not asked (`--offline`).
    Offline,
    /// Per ticket key: `(closed, state in words)`, or why the look-up failed.
    States(BTreeMap<String, Result<(bool, String), String>>),
}

fn keys() -> [Expr; 2] {
    [col(a::APP), col(a::ACCOUNT_ID)]
}

/// Accounts added, removed and changed: one row per change.
fn account_changes(prev: &DataFrame, cur: &DataFrame, compared: &[(&str, &str)]) -> PolarsResult<DataFrame> {
    let shown = |lf: LazyFrame, change: Expr, before: Expr, after: Expr| {
        lf.select([
            change.alias("change"),
            col(a::APP),
            col(a::ACCOUNT_ID),
            col(a::EMAIL),
            col(a::DISPLAY_NAME),
            col(a::PERSON_EMAIL),
            before.alias("before"),
            after.alias("after"),
        ])
    };
    let anti = JoinArgs::new(JoinType::Anti);
    let describe =
        |status: Expr, admin: Expr| concat_str([status, when(admin.eq(lit("true"))).then(lit(" admin")).otherwise(lit(""))], "", false);
    let mut parts = vec![
        shown(
            cur.clone().lazy().join(prev.clone().lazy(), keys(), keys(), anti.clone()),
            lit("added"),
            lit(""),
            describe(col(a::STATUS), col(a::IS_ADMIN)),
        ),
        shown(
            prev.clone().lazy().join(cur.clone().lazy(), keys(), keys(), anti),
            lit("removed"),
            describe(col(a::STATUS), col(a::IS_ADMIN)),
            lit(""),
        ),
    ];
    let both = prev
        .clone()
        .lazy()
        .join(cur.clone().lazy(), keys(), keys(), JoinArgs::new(JoinType::Inner).with_suffix(Some("_now".into())))
        .cache();
    for (column, change) in compared {
        let now = format!("{column}_now");
        let label = if *column == a::IS_ADMIN {
            when(col(now.as_str()).eq(lit("true"))).then(lit("admin_granted")).otherwise(lit("admin_removed"))
        } else {
            lit(*change)
        };
        let lf = both.clone().filter(col(*column).neq(col(now.as_str()))).select([
            label.alias("change"),
            col(a::APP),
            col(a::ACCOUNT_ID),
            col(format!("{}_now", a::EMAIL)).alias(a::EMAIL),
            col(format!("{}_now", a::DISPLAY_NAME)).alias(a::DISPLAY_NAME),
            col(format!("{}_now", a::PERSON_EMAIL)).alias(a::PERSON_EMAIL),
            col(*column).alias("before"),
            col(now.as_str()).alias("after"),
        ]);
        parts.push(lf);
    }
    concat(parts, UnionArgs::default())?
        .sort([a::APP, a::ACCOUNT_ID, "change"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
}

/// Rank of a severity, for sorting.
fn severity_order() -> Expr {
    crate::findings::SEVERITIES
        .iter()
        .enumerate()
        .fold(lit(99u32), |acc, (i, s)| when(col(f::SEVERITY).eq(lit(*s))).then(lit(i as u32)).otherwise(acc))
}

fn category_order() -> Expr {
    CATEGORIES
        .iter()
        .enumerate()
        .fold(lit(99u32), |acc, (i, c)| when(col(f::CATEGORY).eq(lit(c.name()))).then(lit(i as u32)).otherwise(acc))
}

/// Apps whose collection was not complete, as an expression over `app`.
fn incomplete_expr(coverage: &BTreeMap<String, String>) -> Expr {
    app_in(&coverage.iter().filter(|(_, s)| s.as_str() != COVERAGE_COMPLETE.as_str()).map(|(a, _)| a.clone()).collect())
}

/// `app` is one of `apps`.
fn app_in(apps: &BTreeSet<String>) -> Expr {
    if apps.is_empty() {
        lit(false)
    } else {
        col(f::APP).is_in(lit(Series::new("apps".into(), apps.iter().cloned().collect::<Vec<_>>())).implode(true), false)
    }
}

/// New, resolved and still-open findings.
fn finding_changes(prev: &Side, cur: &Side) -> PolarsResult<DataFrame> {
    let anti = JoinArgs::new(JoinType::Anti);
    let id = [col(f::FINDING_ID)];
    let prev_apps: BTreeSet<String> = prev.coverage.keys().cloned().collect();
    let common = |state: &str, lf: LazyFrame, previous_severity: Expr, note: Expr| {
        lf.select([
            lit(state).alias("state"),
            col(f::FINDING_ID),
            col(f::SEVERITY),
            previous_severity.alias("previous_severity"),
            col(f::CATEGORY),
            col(f::APP),
            col(f::ACCOUNT_ID),
            col(f::EMAIL),
            col(f::DISPLAY_NAME),
            col(f::DETAIL),
            col(f::EXCEPTED),
            col(f::EXCEPTION),
            note.alias("note"),
        ])
    };
    let new_note = if prev_apps.is_empty() {
        lit("")
    } else {
        when(app_in(&prev_apps).not().and(col(f::APP).neq(lit("")))).then(lit("the app was not in the previous review")).otherwise(lit(""))
    };
    let new = common(
        "new",
        cur.findings.clone().lazy().join(prev.findings.clone().lazy(), id.clone(), id.clone(), anti.clone()),
        lit(""),
        new_note,
    );
    let cur_apps: BTreeSet<String> = cur.coverage.keys().cloned().collect();
    let resolved_note = when(incomplete_expr(&cur.coverage))
        .then(lit("the app was not collected completely in the current review: this is not proof the finding was fixed"))
        .otherwise(if cur_apps.is_empty() {
            lit("")
        } else {
            when(app_in(&cur_apps).not().and(col(f::APP).neq(lit("")))).then(lit("the app is not in the current review")).otherwise(lit(""))
        });
    let resolved = common(
        "resolved",
        prev.findings.clone().lazy().join(cur.findings.clone().lazy(), id.clone(), id.clone(), anti),
        lit(""),
        resolved_note,
    );
    let still = cur.findings.clone().lazy().join(
        prev.findings.clone().lazy().select([col(f::FINDING_ID), col(f::SEVERITY).alias("previous_severity")]),
        id.clone(),
        id,
        JoinArgs::new(JoinType::Inner),
    );
    let still = common(
        "still_open",
        still,
        col("previous_severity"),
        when(col("previous_severity").neq(col(f::SEVERITY)))
            .then(concat_str([lit("severity was "), col("previous_severity")], "", false))
            .otherwise(lit("")),
    );
    let state_rank = when(col("state").eq(lit("new")))
        .then(lit(0u32))
        .otherwise(when(col("state").eq(lit("still_open"))).then(lit(1u32)).otherwise(lit(2u32)));
    concat([new, still, resolved], UnionArgs::default())?
        .with_columns([state_rank.alias("__state"), severity_order().alias("__sev"), category_order().alias("__cat")])
        .sort(["__state", "__sev", "__cat", f::APP, f::ACCOUNT_ID, f::FINDING_ID], SortMultipleOptions::default().with_maintain_order(true))
        .drop(by_name(["__state", "__sev", "__cat"], true, false))
        .collect()
}

/// Exceptions that expired since the previous review, that expire before the next one, and those
/// whose finding is gone (the accepted risk can be closed).
fn exception_changes(prev: &Side, cur: &Side, next_review: NaiveDate) -> PolarsResult<DataFrame> {
    let id = [col(f::FINDING_ID)];
    let shown = |state: &str, lf: LazyFrame| {
        lf.select([
            lit(state).alias("state"),
            col(f::FINDING_ID),
            col(f::SEVERITY),
            col(f::CATEGORY),
            col(f::APP),
            col(f::ACCOUNT_ID),
            col(f::EMAIL),
            col(f::EXCEPTION),
            col(f::EXCEPTION_EXPIRES).alias("expires"),
            col(f::DETAIL),
        ])
    };
    let prev_excepted = prev.findings.clone().lazy().filter(col(f::EXCEPTED).eq(lit("true")));
    let now_open = cur
        .findings
        .clone()
        .lazy()
        .filter(col(f::EXCEPTED).eq(lit("false")))
        .select([col(f::FINDING_ID), col(f::SEVERITY).alias("__sev_now")]);
    let expired = prev_excepted
        .clone()
        .join(now_open, id.clone(), id.clone(), JoinArgs::new(JoinType::Inner))
        .with_column(col("__sev_now").alias(f::SEVERITY));
    let next = next_review.format("%Y-%m-%d").to_string();
    let expiring =
        cur.findings.clone().lazy().filter(
            col(f::EXCEPTED).eq(lit("true")).and(col(f::EXCEPTION_EXPIRES).neq(lit(""))).and(col(f::EXCEPTION_EXPIRES).lt(lit(next))),
        );
    let gone = prev_excepted.join(cur.findings.clone().lazy(), id.clone(), id, JoinArgs::new(JoinType::Anti));
    let rank = when(col("state").eq(lit("expired")))
        .then(lit(0u32))
        .otherwise(when(col("state").eq(lit("expires_before_next_review"))).then(lit(1u32)).otherwise(lit(2u32)));
    concat(
        [shown("expired", expired), shown("expires_before_next_review", expiring), shown("no_longer_needed", gone)],
        UnionArgs::default(),
    )?
    .with_column(rank.alias("__state"))
    .sort(["__state", "expires", f::APP, f::ACCOUNT_ID, f::FINDING_ID], SortMultipleOptions::default().with_maintain_order(true))
    .drop(by_name(["__state"], true, false))
    .collect()
}

/// The previous review's `revoke` decisions, checked against the current accounts: `revoked`
/// (gone, or disabled/deactivated now), `not_revoked` (still live: high), `unverifiable` (the app
/// was not collected completely now, or not at all: never `revoked` on missing data).
///
/// Each decision's ticket (when `remediate --tickets` opened one) with its state: a ticket closed
/// while its account is still live says so first ("ticket closed, access still there").
/// Returns the rows and how many are closed tickets whose account is still live.
fn revocation_checks(prev: &Side, cur: &Side, tickets: &TicketCheck, notes: &mut Vec<String>) -> Result<(DataFrame, usize), EvidenceError> {
    let revoked = revocations(&prev.pack.dir)?;
    let lines = read_tickets(&prev.pack.dir)?;
    // Per account: its ticket, the ticket's state in words, and whether it is closed.
    let mut ticket_of: BTreeMap<(String, String), (String, String, bool)> = BTreeMap::new();
    for line in lines.iter().filter(|l| !l.key.is_empty()) {
        let (state, closed) = match tickets {
            TicketCheck::Offline => ("not looked up (--offline)".to_string(), false),
            TicketCheck::States(states) => match states.get(&line.key) {
                Some(Ok((true, state))) => (format!("closed ({state})"), true),
                Some(Ok((false, state))) => (format!("open ({state})"), false),
                Some(Err(e)) => (format!("unknown: {e}"), false),
                None => ("unknown: not looked up".to_string(), false),
            },
        };
        for account in &line.accounts {
            ticket_of.insert((account.app.clone(), account.account_id.clone()), (line.key.clone(), state.clone(), closed));
        }
    }
    let with_tickets = lines.iter().filter(|l| !l.key.is_empty()).count();
    if with_tickets > 0 {
        match tickets {
            TicketCheck::Offline => {
                notes.push(format!("the previous review's {with_tickets} ticket(s) were not looked up (--offline): a ticket closed while its account is still live is not reported"))
            }
            TicketCheck::States(states) => {
                let failed = states.values().filter(|s| s.is_err()).count();
                if failed > 0 {
                    notes.push(format!("{failed} of the previous review's tickets could not be looked up (see ticket_state in {DIFF_REVOCATIONS_CSV})"));
                }
            }
        }
    }
    let apps = cur.accounts.column(a::APP)?.str()?;
    let ids = cur.accounts.column(a::ACCOUNT_ID)?.str()?;
    let status = cur.accounts.column(a::STATUS)?.str()?;
    let mut now: std::collections::HashMap<(&str, &str), &str> = std::collections::HashMap::new();
    for i in 0..cur.accounts.height() {
        now.insert((apps.get(i).unwrap_or(""), ids.get(i).unwrap_or("")), status.get(i).unwrap_or(""));
    }
    let without_access = crate::model::AccountStatus::without_access();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); 13];
    let mut closed_still_live = 0;
    for ((app, id), d) in &revoked {
        let (result, status_now, detail) = match (cur.coverage.get(app).map(String::as_str), now.get(&(app.as_str(), id.as_str()))) {
            (None, _) => ("unverifiable", String::new(), format!("{app} was not collected in the current review")),
            (Some(c), _) if c != COVERAGE_COMPLETE.as_str() => (
                "unverifiable",
                String::new(),
                format!("{app} was not collected completely in the current review ({c}): a missing account proves nothing"),
            ),
            (Some(_), None) => ("revoked", "gone".to_string(), "the account is gone".to_string()),
            (Some(_), Some(st)) if without_access.contains(st) => ("revoked", st.to_string(), format!("the account is {st} now")),
            (Some(_), Some(st)) => (
                "not_revoked",
                st.to_string(),
                format!("revoke decided on {} by {}, but the account is still {st}", d.decided_on, d.reviewer),
            ),
        };
        let (ticket, ticket_state, closed) = ticket_of.get(&(app.clone(), id.clone())).cloned().unwrap_or_default();
        let detail = if result == "not_revoked" && closed {
            closed_still_live += 1;
            format!("ticket closed, access still there: {ticket} is {ticket_state}; {detail}")
        } else {
            detail
        };
        let row = [
            result.to_string(),
            if result == "not_revoked" { "high".into() } else { String::new() },
            app.clone(),
            id.clone(),
            d.email.clone(),
            d.display_name.clone(),
            d.reviewer.clone(),
            d.decided_on.clone(),
            d.comment.clone(),
            status_now,
            detail,
            ticket,
            ticket_state,
        ];
        for (c, v) in cols.iter_mut().zip(row) {
            c.push(v);
        }
    }
    let names = [
        "result",
        "severity",
        "app",
        "account_id",
        "email",
        "display_name",
        "decided_by",
        "decided_on",
        "comment",
        "status_now",
        "detail",
        "ticket",
        "ticket_state",
    ];
    let df = DataFrame::new_infer_height(names.iter().zip(cols).map(|(n, v)| Column::new((*n).into(), v)).collect())?;
    // Not carried out first.
    let order = when(col("result").eq(lit("not_revoked")))
        .then(lit(0u32))
        .when(col("result").eq(lit("unverifiable")))
        .then(lit(1u32))
        .otherwise(lit(2u32));
    let df = df
        .lazy()
        .with_column(order.alias("__order"))
        .sort(["__order", "app", "account_id"], SortMultipleOptions::default().with_maintain_order(true))
        .drop(by_name(["__order"], true, false))
        .collect()?;
    Ok((df, closed_still_live))
}

fn count_where(df: &DataFrame, column: &str, value: &str) -> PolarsResult<usize> {
    Ok(df.column(column)?.str()?.iter().filter(|v| *v == Some(value)).count())
}

/// Compares `previous` with `current` and writes the diff into `out`.
pub fn diff(previous: &Path, current: &Path, out: &Path, tickets: &TicketCheck) -> Result<DiffSummary, EvidenceError> {
    let prev = read_side(previous)?;
    let cur = read_side(current)?;
    let mut notes: Vec<String> = prev.notes.iter().chain(&cur.notes).cloned().collect();
    if prev.manifest_sha256 == cur.manifest_sha256 {
        notes.push("the two directories hold the same pack: nothing can have changed".into());
    }
    let (Some(prev_as_of), Some(cur_as_of)) = (prev.as_of, cur.as_of) else {
        return Err(EvidenceError::File { file: previous.join("manifest.json"), detail: "no as_of date in a manifest".into() });
    };
    if prev_as_of > cur_as_of {
        notes.push(format!(
            "the previous pack ({prev_as_of}) is newer than the current one ({cur_as_of}): were the two directories given in the wrong order?"
        ));
    }
    let cadence = (cur_as_of - prev_as_of).num_days();
    let cadence = if cadence > 0 { cadence } else { DEFAULT_CADENCE_DAYS };
    let next_review = cur_as_of + chrono::Duration::days(cadence);

    // Fields absent from either side are not compared (and said so).
    let absent: BTreeSet<&String> = prev.absent_account_columns.iter().chain(&cur.absent_account_columns).collect();
    let compared: Vec<(&str, &str)> = ACCOUNT_FIELDS.iter().copied().filter(|(c, _)| !absent.contains(&c.to_string())).collect();
    for (c, _) in ACCOUNT_FIELDS.iter().filter(|(c, _)| absent.contains(&c.to_string())) {
        notes.push(format!("accounts.csv of one pack has no column {c}: changes of {c} are not compared"));
    }
    for (app, status) in &cur.coverage {
        if status != COVERAGE_COMPLETE.as_str() {
            notes.push(format!("{app} was not collected completely in the current review ({status}): its removed accounts and resolved findings may be missing data, not fixes"));
        }
    }
    for app in prev.coverage.keys().filter(|a| !cur.coverage.contains_key(*a)) {
        notes.push(format!("{app} is in the previous review only: all its accounts count as removed"));
    }
    for app in cur.coverage.keys().filter(|a| !prev.coverage.contains_key(*a)) {
        notes.push(format!("{app} is new in the current review: all its accounts count as added"));
    }

    let accounts = account_changes(&prev.accounts, &cur.accounts, &compared)?;
    let findings = finding_changes(&prev, &cur)?;
    let exceptions = exception_changes(&prev, &cur, next_review)?;
    let (revocations, closed_still_live) = revocation_checks(&prev, &cur, tickets, &mut notes)?;

    let changed = accounts.column("change")?.str()?.iter().filter(|c| !matches!(c, Some("added" | "removed"))).count();
    let summary = DiffSummary {
        out_dir: out.to_path_buf(),
        accounts_added: count_where(&accounts, "change", "added")?,
        accounts_removed: count_where(&accounts, "change", "removed")?,
        accounts_changed: changed,
        findings_new: count_where(&findings, "state", "new")?,
        findings_resolved: count_where(&findings, "state", "resolved")?,
        findings_still_open: count_where(&findings, "state", "still_open")?,
        exceptions_expired: count_where(&exceptions, "state", "expired")?,
        exceptions_expiring: count_where(&exceptions, "state", "expires_before_next_review")?,
        revocations_revoked: count_where(&revocations, "result", "revoked")?,
        revocations_not_revoked: count_where(&revocations, "result", "not_revoked")?,
        revocations_unverifiable: count_where(&revocations, "result", "unverifiable")?,
        tickets_closed_still_live: closed_still_live,
        next_review: next_review.format("%Y-%m-%d").to_string(),
        notes,
    };

    std::fs::create_dir_all(out).map_err(|source| EvidenceError::Io { path: out.to_path_buf(), source })?;
    let json_path = out.join(DIFF_JSON);
    if json_path.exists() {
        // diff.json is written last: without it the directory is not a finished diff.
        std::fs::remove_file(&json_path).map_err(|source| EvidenceError::Io { path: json_path.clone(), source })?;
    }
    let io = |name: &str| {
        let path = out.join(name);
        move |source| EvidenceError::Io { path, source }
    };
    let mut written: Vec<(String, FileDigest)> = Vec::new();
    for (name, df) in [
        (DIFF_ACCOUNTS_CSV, &accounts),
        (DIFF_FINDINGS_CSV, &findings),
        (DIFF_EXCEPTIONS_CSV, &exceptions),
        (DIFF_REVOCATIONS_CSV, &revocations),
    ] {
        written.push((name.into(), crate::report::csv::write_frame(&out.join(name), df).map_err(io(name))?));
    }
    let side_json = |s: &Side| {
        json!({
            "dir": s.pack.dir.display().to_string(), "review": s.pack.manifest.review, "as_of": s.pack.manifest.as_of,
            "tool_version": s.pack.manifest.tool_version, "manifest_sha256": s.manifest_sha256,
            "complete": s.pack.manifest.complete,
        })
    };
    let page = render(&prev, &cur, &summary, &accounts, &findings, &exceptions, &revocations)?;
    written.push((DIFF_HTML.into(), files::write_atomic(&out.join(DIFF_HTML), page.as_bytes()).map_err(io(DIFF_HTML))?));
    written.sort_by(|a, b| a.0.cmp(&b.0));
    let doc = json!({
        "tool": "access-audit",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "previous": side_json(&prev),
        "current": side_json(&cur),
        "next_review": summary.next_review,
        "summary": {
            "accounts_added": summary.accounts_added, "accounts_removed": summary.accounts_removed, "accounts_changed": summary.accounts_changed,
            "findings_new": summary.findings_new, "findings_resolved": summary.findings_resolved, "findings_still_open": summary.findings_still_open,
            "exceptions_expired": summary.exceptions_expired, "exceptions_expiring": summary.exceptions_expiring,
            "revocations_revoked": summary.revocations_revoked, "revocations_not_revoked": summary.revocations_not_revoked,
            "revocations_unverifiable": summary.revocations_unverifiable,
            "tickets_closed_still_live": summary.tickets_closed_still_live,
        },
        "notes": summary.notes,
        "outputs": written.iter().map(|(n, d)| json!({"path": n, "size": d.size, "sha256": d.sha256})).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(|e| EvidenceError::Template(e.to_string()))?;
    bytes.push(b'\n');
    files::write_atomic(&json_path, &bytes).map_err(io(DIFF_JSON))?;
    Ok(summary)
}

/// The columns of each diff table a reader decides on; the rest is behind each row's "more".
fn view(id: &str) -> &'static [Col] {
    const ACCOUNT: Col = Col::Pair { label: "account", main: a::ACCOUNT_ID, sub: a::EMAIL };
    match id {
        "revocations" => &[
            Col::One("result"),
            Col::One(f::SEVERITY),
            Col::One(a::APP),
            ACCOUNT,
            Col::One("decided_by"),
            Col::One("decided_on"),
            Col::One("status_now"),
            Col::One("ticket"),
            Col::One(f::DETAIL),
        ],
        "exceptions" => &[Col::One("state"), Col::One(f::SEVERITY), Col::One(a::APP), ACCOUNT, Col::One("exception"), Col::One("expires")],
        "accounts-added" | "accounts-removed" | "accounts-changed" => {
            &[Col::One("change"), Col::One(a::APP), ACCOUNT, Col::One("before"), Col::One("after")]
        }
        _ => &[
            Col::One(f::SEVERITY),
            Col::One("previous_severity"),
            Col::One(f::CATEGORY),
            Col::One(a::APP),
            ACCOUNT,
            Col::One(f::DETAIL),
            Col::One(f::FINDING_ID),
        ],
    }
}

fn section(id: &str, title: &str, df: &DataFrame, note: &str) -> Result<serde_json::Value, EvidenceError> {
    let mut table = table_view(&format!("t-{id}"), df, view(id), &[], ROW_LIMIT)?;
    // A diff compares two packs: no decision column (the revocations carry theirs).
    table["decisions"] = json!(false);
    Ok(json!({"id": id, "title": title, "note": note, "count": df.height(), "truncated": df.height() > ROW_LIMIT, "table": table}))
}

fn filter_state(df: &DataFrame, column: &str, states: &[&str]) -> PolarsResult<DataFrame> {
    let states = Series::new("s".into(), states.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    df.clone().lazy().filter(col(column).is_in(lit(states).implode(true), false)).collect()
}

fn render(
    prev: &Side,
    cur: &Side,
    summary: &DiffSummary,
    accounts: &DataFrame,
    findings: &DataFrame,
    exceptions: &DataFrame,
    revocations: &DataFrame,
) -> Result<String, EvidenceError> {
    let mut new = filter_state(findings, "state", &["new"])?;
    let mut resolved = filter_state(findings, "state", &["resolved"])?;
    let mut still = filter_state(findings, "state", &["still_open"])?;
    for df in [&mut new, &mut resolved, &mut still] {
        *df = df.drop("state")?;
    }
    // A new finding had no severity before.
    new = new.drop("previous_severity")?;
    let added = filter_state(accounts, "change", &["added"])?;
    let removed = filter_state(accounts, "change", &["removed"])?;
    let changed = accounts.clone().lazy().filter(col("change").neq(lit("added")).and(col("change").neq(lit("removed")))).collect()?;
    // Severity counts of new findings, for the cards.
    let mut new_by_severity: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    for s in new.column(f::SEVERITY)?.str()?.iter().flatten() {
        new_by_severity.entry(severity_rank(s)).or_insert_with(|| (s.to_string(), 0)).1 += 1;
    }
    let side = |s: &Side| json!({"review": s.pack.manifest.review, "as_of": s.pack.manifest.as_of, "dir": s.pack.dir.display().to_string(), "tool_version": s.pack.manifest.tool_version, "manifest_sha256": s.manifest_sha256});
    let ctx = json!({
        "tool_version": env!("CARGO_PKG_VERSION"),
        "previous": side(prev),
        "current": side(cur),
        "summary": summary,
        "new_by_severity": new_by_severity.values().map(|(s, n)| json!({"severity": s, "n": n})).collect::<Vec<_>>(),
        "new": {"count": new.height()},
        "resolved": {"count": resolved.height()},
        "still": {"count": still.height()},
        "exceptions": {"count": exceptions.height()},
        "added": {"count": added.height()},
        "removed": {"count": removed.height()},
        "changed": {"count": changed.height()},
        "sections": [
            section("new", "New findings", &new, "Findings of the current review that the previous one did not have.")?,
            section("revocations", "Revocations of the previous review", revocations,
                "Every account the previous review decided to revoke: revoked (gone, or disabled/deactivated now), not_revoked (still live: high), unverifiable (its app was not collected completely now).")?,
            section("resolved", "Resolved findings", &resolved,
                "Findings of the previous review that the current one no longer has. A note says when that is because an app was not collected completely.")?,
            section("exceptions", "Exceptions to renew or close", exceptions,
                "expired: excepted in the previous review, open now; expires_before_next_review: in force now, ends before the next review; no_longer_needed: its finding is gone, the accepted risk can be closed.")?,
            section("accounts-added", "Accounts added", &added, "In the current review only.")?,
            section("accounts-removed", "Accounts removed", &removed, "In the previous review only.")?,
            section("accounts-changed", "Account changes", &changed,
                "Status, admin (granted or removed), admin reason, account type, groups, and the person the account is linked to.")?,
            section("still", "Findings still open", &still, "In both reviews; previous_severity shows where the severity moved.")?,
        ],
    });
    Ok(crate::report::html::render_page("diff.html", TEMPLATE, ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::pack::expiry_in_text;
    use super::*;

    #[test]
    fn expiry_is_read_from_the_text_older_packs_wrote() {
        assert_eq!(expiry_in_text("RISK-1 (approved by a@b.c, until 2027-06-30): break-glass").as_deref(), Some("2027-06-30"));
        assert_eq!(expiry_in_text("no date here"), None);
        assert_eq!(expiry_in_text("until 2027-13-40"), None);
        assert!(version_key("0.10.0") > version_key("0.9.3"));
        assert!(version_key("") < version_key("0.1.0"));
    }

    fn frame(rows: &[(&str, &str, &str, &str)]) -> DataFrame {
        let c = |i: usize, name: &str| Column::new(name.into(), rows.iter().map(|r| [r.0, r.1, r.2, r.3][i]).collect::<Vec<_>>());
        DataFrame::new_infer_height(vec![
            c(0, a::APP),
            c(1, a::ACCOUNT_ID),
            c(2, a::STATUS),
            c(3, a::IS_ADMIN),
            Column::new(a::EMAIL.into(), vec!["e"; rows.len()]),
            Column::new(a::DISPLAY_NAME.into(), vec!["n"; rows.len()]),
            Column::new(a::PERSON_EMAIL.into(), vec!["p"; rows.len()]),
        ])
        .unwrap()
    }

    #[test]
    fn accounts_added_removed_and_changed() {
        let prev = frame(&[("x", "1", "active", "false"), ("x", "2", "active", "true"), ("y", "1", "active", "false")]);
        let cur = frame(&[("x", "1", "deactivated", "true"), ("x", "2", "active", "true"), ("x", "3", "invited", "false")]);
        let compared = [(a::STATUS, "status"), (a::IS_ADMIN, "admin")];
        let d = account_changes(&prev, &cur, &compared).unwrap();
        let rows = crate::report::csv::text_rows(&d).unwrap();
        let brief: Vec<(String, String, String, String, String)> =
            rows.iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[6].clone(), r[7].clone())).collect();
        assert_eq!(
            brief,
            vec![
                ("admin_granted".into(), "x".into(), "1".into(), "false".into(), "true".into()),
                ("status".into(), "x".into(), "1".into(), "active".into(), "deactivated".into()),
                ("added".into(), "x".into(), "3".into(), "".into(), "invited".into()),
                ("removed".into(), "y".into(), "1".into(), "active".into(), "".into()),
            ]
        );
    }
}
