//! `report.html`: one self-contained page rendered from `templates/report.html.tera` (compiled
//! into the binary). Every value from an app or the roster goes through tera's HTML escaping.
//! Tables are capped so the page stays small at a million accounts; the CSVs hold everything.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde_json::{json, Value};

use super::error::ReportError;
use super::input::{ReportInput, ReportSummary};
use super::manifest::FileEntry;
use super::matrix::AccessMatrix;
pub use super::page::render_page;
use crate::correlate::{METHOD_ALIAS, METHOD_DOMAIN_ALIAS, METHOD_EMAIL, METHOD_NONE, METHOD_OVERRIDE};
use crate::findings::{col_name as f, CATEGORIES, SEVERITIES};
use crate::model::account as a;
use crate::roster::PersonStatus;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");
/// Rows per category table in the page.
pub const ROW_LIMIT: usize = 500;
/// Rows of the per-person view in the page.
pub const PEOPLE_LIMIT: usize = 1000;
const ROSTER_ISSUE_LIMIT: usize = 200;

fn severity_color(s: &str) -> &'static str {
    match s {
        "critical" => "#8b0000",
        "high" => "#c0392b",
        "medium" => "#d68910",
        "low" => "#2e86c1",
        _ => "#7f8c8d",
    }
}

/// A column of a page's table: one field, or one field with a second under it in small print
/// (an account's id with its email, a name with its person's status).
#[derive(Debug, Clone, Copy)]
pub enum Col {
    One(&'static str),
    Pair { label: &'static str, main: &'static str, sub: &'static str },
}

/// The columns a reviewer decides on in a finding table; everything else of the row is behind
/// its "more" (the evidence columns, the exception, the display name...).
pub const FINDING_VIEW: [Col; 6] = [
    Col::One(f::SEVERITY),
    Col::One(f::APP),
    Col::Pair { label: "account", main: f::ACCOUNT_ID, sub: f::EMAIL },
    Col::Pair { label: "person", main: f::DISPLAY_NAME, sub: f::PERSON_STATUS },
    Col::One(f::DETAIL),
    Col::One(f::FINDING_ID),
];

/// A table as the pages show it (`templates/table.html.tera`): `view`'s columns that `df` has,
/// and per row every other column with a value as (name, value) pairs behind a "more" on the
/// `detail` cell (or the last shown one). `hidden` columns are left out altogether. Rows carry
/// their finding id and app/account for the decision column the page's script fills in.
pub fn table_view(id: &str, df: &DataFrame, view: &[Col], hidden: &[&str], limit: usize) -> PolarsResult<Value> {
    let names: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let has = |c: &str| names.iter().any(|n| n == c);
    let shown: Vec<Col> = view
        .iter()
        .copied()
        .filter(|c| match c {
            Col::One(n) => has(n),
            Col::Pair { main, .. } => has(main),
        })
        .collect();
    let used: Vec<&str> = shown
        .iter()
        .flat_map(|c| match c {
            Col::One(n) => vec![*n],
            Col::Pair { main, sub, .. } => vec![*main, *sub],
        })
        .collect();
    let more: Vec<&str> = names.iter().map(String::as_str).filter(|n| !used.contains(n) && !hidden.contains(n)).collect();
    let rows = super::csv::text_rows(&df.head(Some(limit)))?;
    let at = |c: &str| names.iter().position(|n| n == c);
    let cell = |row: &[String], c: &str| at(c).map(|i| row[i].clone()).unwrap_or_default();
    let labels: Vec<&str> = shown
        .iter()
        .map(|c| match c {
            Col::One(n) => *n,
            Col::Pair { label, .. } => *label,
        })
        .collect();
    let anchor = labels.iter().position(|l| *l == f::DETAIL).unwrap_or(labels.len().saturating_sub(1));
    let out_rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let cells: Vec<Value> = shown
                .iter()
                .map(|c| match c {
                    Col::One(n) => json!({"v": cell(row, n)}),
                    Col::Pair { main, sub, .. } => json!({"v": cell(row, main), "sub": cell(row, sub)}),
                })
                .collect();
            let extra: Vec<[String; 2]> =
                more.iter().map(|n| [n.to_string(), cell(row, n)]).filter(|[_, v]| !v.is_empty() && v != "false").collect();
            json!({
                "cells": cells, "more": extra,
                "excepted": cell(row, f::EXCEPTED) == "true", "exception": cell(row, f::EXCEPTION),
                "finding_id": cell(row, f::FINDING_ID), "app": cell(row, f::APP), "account_id": cell(row, f::ACCOUNT_ID),
            })
        })
        .collect();
    Ok(json!({
        "id": id, "columns": labels, "anchor": anchor, "rows": out_rows,
        "decisions": has(f::FINDING_ID) || has(f::ACCOUNT_ID),
    }))
}

pub fn render(
    input: &ReportInput,
    matrix: &AccessMatrix,
    inputs: &[FileEntry],
    summary: &ReportSummary,
    decisions_html: &str,
) -> Result<String, ReportError> {
    let all = &input.findings.all;
    let sev = all.column(f::SEVERITY)?.str()?;
    let cat = all.column(f::CATEGORY)?.str()?;
    let app = all.column(f::APP)?.str()?;
    let exc = all.column(f::EXCEPTED)?.bool()?;
    let pid = all.column(f::PERSON_ID)?.str()?;
    // (category, severity) -> (open, excepted); (app, severity) -> open; person -> open.
    let mut by_cat: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    let mut by_app: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by_person: HashMap<&str, usize> = HashMap::new();
    for ((((s, c), ap), e), p) in sev.iter().zip(cat.iter()).zip(app.iter()).zip(exc.iter()).zip(pid.iter()) {
        let (s, c, ap, e) = (s.unwrap_or(""), c.unwrap_or(""), ap.unwrap_or(""), e.unwrap_or(false));
        let entry = by_cat.entry((c, s)).or_default();
        if e {
            entry.1 += 1;
        } else {
            entry.0 += 1;
            *by_app.entry((ap, s)).or_default() += 1;
            if let Some(p) = p {
                *by_person.entry(p).or_default() += 1;
            }
        }
    }

    let mut categories = Vec::new();
    let mut bars = Vec::new();
    let max_total = CATEGORIES
        .iter()
        .map(|c| SEVERITIES.iter().map(|s| by_cat.get(&(c.name(), *s)).map(|x| x.0).unwrap_or(0)).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    for c in CATEGORIES.iter() {
        let open_by: Vec<usize> = SEVERITIES.iter().map(|s| by_cat.get(&(c.name(), *s)).map(|x| x.0).unwrap_or(0)).collect();
        let excepted: usize = SEVERITIES.iter().map(|s| by_cat.get(&(c.name(), *s)).map(|x| x.1).unwrap_or(0)).sum();
        let open: usize = open_by.iter().sum();
        let df = input.findings.by_category.get(c.name());
        let count = df.map(|d| d.height()).unwrap_or(0);
        let table = match df {
            Some(df) => table_view(&format!("t-{}", c.name()), df, &FINDING_VIEW, &[f::CATEGORY, f::CONTROLS, f::EXCEPTED], ROW_LIMIT)?,
            None => json!({"rows": []}),
        };
        let y = bars.len() * 26;
        let mut x = 260.0;
        let mut segments = Vec::new();
        for (s, n) in SEVERITIES.iter().zip(&open_by) {
            if *n == 0 {
                continue;
            }
            let w = (*n as f64 / max_total as f64 * 560.0).max(2.0);
            segments.push(json!({"x": (x * 10.0_f64).round() / 10.0, "w": (w * 10.0_f64).round() / 10.0, "severity": s, "n": n, "color": severity_color(s)}));
            x += w;
        }
        bars.push(json!({"y": y, "title": c.title, "segments": segments, "end": (x * 10.0_f64).round() / 10.0, "total": open}));
        categories.push(json!({
            "name": c.name(), "title": c.title, "rule": c.rule, "severity_rule": c.severity_rule, "controls": c.controls,
            "action": c.action, "file": c.file, "by_severity": open_by, "open": open, "excepted": excepted, "count": count,
            "table": table, "shown": count.min(ROW_LIMIT), "truncated": count > ROW_LIMIT,
        }));
    }

    // Per app.
    let acc = input.accounts;
    let mut app_accounts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let apps_col = acc.column(a::APP)?.str()?;
    let admin_col = acc.column(a::IS_ADMIN)?.bool()?;
    let status_col = acc.column(a::STATUS)?.str()?;
    let method_col = acc.column(a::MATCH_METHOD)?.str()?;
    let email_col = acc.column(a::EMAIL)?.str()?;
    let mut methods: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut unmatchable: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unmatched_people = 0usize;
    let rows = apps_col.iter().zip(status_col.iter()).zip(admin_col.iter()).zip(method_col.iter()).zip(email_col.iter());
    for ((((ap, status), admin), method), email) in rows {
        let ap = ap.unwrap_or("");
        let live = status.and_then(crate::model::AccountStatus::parse).is_none_or(|s| s.holds_access());
        let e = app_accounts.entry(ap).or_default();
        e.0 += 1;
        if admin.unwrap_or(false) && live {
            e.1 += 1;
        }
        let m = method.unwrap_or(METHOD_NONE);
        *methods.entry(ap).or_default().entry(m).or_default() += 1;
        let no_email = email.map(|s| s.trim().is_empty()).unwrap_or(true);
        if no_email && m != METHOD_OVERRIDE {
            *unmatchable.entry(ap).or_default() += 1;
        } else if m == METHOD_NONE && live {
            unmatched_people += 1;
        }
    }
    let apps: Vec<Value> = input
        .coverage
        .iter()
        .map(|c| {
            let (n, admins) = app_accounts.get(c.app.as_str()).copied().unwrap_or((0, 0));
            let by: Vec<usize> = SEVERITIES.iter().map(|s| by_app.get(&(c.app.as_str(), *s)).copied().unwrap_or(0)).collect();
            json!({"name": c.app, "kind": c.app_kind, "coverage": c.status, "accounts": n, "admins": admins,
                   "open": by.iter().sum::<usize>(), "by_severity": by, "last_login_known": c.last_login_known})
        })
        .collect();
    let match_methods = [METHOD_EMAIL, METHOD_ALIAS, METHOD_DOMAIN_ALIAS, METHOD_OVERRIDE, METHOD_NONE];
    let matching: Vec<Value> = input
        .coverage
        .iter()
        .map(|c| {
            let m = methods.get(c.app.as_str());
            let counts: Vec<usize> = match_methods.iter().map(|k| m.and_then(|m| m.get(k)).copied().unwrap_or(0)).collect();
            json!({"app": c.app, "counts": counts, "unmatchable": unmatchable.get(c.app.as_str()).copied().unwrap_or(0)})
        })
        .collect();

    // People with access, those with open findings first.
    let counts: Vec<usize> = matrix.rows.iter().map(|r| by_person.get(r[0].as_str()).copied().unwrap_or(0)).collect();
    let mut order: Vec<usize> = (0..matrix.rows.len()).filter(|i| matrix.has_access[*i]).collect();
    let people_count = order.len();
    order.sort_unstable_by(|x, y| counts[*y].cmp(&counts[*x]).then(matrix.emails[*x].cmp(&matrix.emails[*y])));
    let people_rows: Vec<Value> = order
        .into_iter()
        .take(PEOPLE_LIMIT)
        .map(|i| {
            let r = &matrix.rows[i];
            json!({"name": r[2], "email": r[1], "status": r[3], "findings": counts[i], "apps": &r[5..5 + matrix.apps.len()]})
        })
        .collect();

    let roster = input.roster;
    let count_status = |s: PersonStatus| roster.people.iter().filter(|p| p.status == s).count();
    let review = &input.config.review;
    let incomplete = &summary.incomplete_apps;
    let ctx = json!({
        "tool_version": env!("CARGO_PKG_VERSION"),
        "review": {
            "name": review.name, "as_of": input.as_of.format("%Y-%m-%d").to_string(),
            "dormant_after_days": review.dormant_after_days, "invite_stale_after_days": review.invite_stale_after_days,
            "token_warn_days": review.token_warn_days,
        },
        "roster": {
            "file_name": roster.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            "format": roster.format.as_str(), "people": roster.people.len(),
            "active": count_status(PersonStatus::Active), "terminated": count_status(PersonStatus::Terminated), "leave": count_status(PersonStatus::Leave),
            "issue_count": roster.issues.len(),
            "issues": roster.issues.iter().take(ROSTER_ISSUE_LIMIT).map(|i| json!({"line": i.line, "reason": i.reason})).collect::<Vec<_>>(),
            "issues_truncated": roster.issues.len() > ROSTER_ISSUE_LIMIT,
            "notes": roster.notes,
        },
        "totals": {"accounts": acc.height(), "open": summary.open, "excepted": summary.excepted, "unmatched_people": unmatched_people},
        "severities": SEVERITIES,
        "severity_totals": SEVERITIES.iter().map(|s| json!({"severity": s, "open": summary.open_by_severity.get(*s).copied().unwrap_or(0)})).collect::<Vec<_>>(),
        "severity_colors": SEVERITIES.iter().map(|s| json!({"severity": s, "color": severity_color(s)})).collect::<Vec<_>>(),
        "chart": {"bars": bars, "height": CATEGORIES.len() * 26 + 4},
        "categories": categories,
        "apps": apps,
        "incomplete": incomplete,
        "warnings": input.warnings,
        "people": {"rows": people_rows, "count": people_count, "truncated": people_count > PEOPLE_LIMIT},
        "coverage": input.coverage.iter().map(|c| json!({
            "app": c.app, "app_kind": c.app_kind, "status": c.status, "accounts_collected": c.accounts_collected,
            "total_reported": c.total_reported.map(|t| t.to_string()).unwrap_or_else(|| "—".into()),
            "pages": c.pages, "requests": c.requests, "retries": c.retries, "throttled": c.throttled,
            "duplicates_dropped": c.duplicates_dropped, "last_login_known": c.last_login_known, "source": c.source,
            "errors": c.errors, "notes": c.notes,
        })).collect::<Vec<_>>(),
        "collection": {
            "tool_version": input.snapshot.tool_version,
            "config_sha256": input.snapshot.config_sha256,
            "apps": input.snapshot.collected,
        },
        "match_methods": match_methods,
        "matching": matching,
        "unmatchable_total": unmatchable.values().sum::<usize>(),
        "domain_aliases": input.config.identity.domain_aliases.iter().map(|(k, v)| json!({"from": k, "to": v})).collect::<Vec<_>>(),
        "inputs": inputs,
        "decisions_html": decisions_html,
    });
    render_page("report.html", TEMPLATE, ctx)
}
