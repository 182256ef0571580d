//! `remediate`: the revocations a pack's reviewers decided, as work to carry out. Per app,
//! `remediation/<app>-revocations.csv` (each account with its decision, reviewer, date, comment,
//! ticket and how it is revoked) and, for kinds with an API, `remediation/<app>-plan.jsonl`: the
//! exact calls that would disable each account, as the kind's collector describes them
//! (its kind's [`crate::collectors::Revoker`]). Plans are never sent unless asked: `--apply`
//! sends those of the kinds that allow it (SCIM), every call and its answer appended to
//! `remediation/applied.jsonl`; a failed call stops nothing else. Every file goes into the
//! manifest (signed again), so `verify` passes on the pack afterwards.

use std::path::Path;

use serde_json::json;

use super::apply::{send, Applied, Apply};
use super::rows::{holds_access, rows_of};
use super::tickets::{open_tickets, Desk, TicketError};
use crate::collectors::{self, PlannedCall, Revocation, RevokeTarget};
use crate::config::Config;
use crate::evidence::pack::{io_error as io, safe_stem, set_outputs, EvidenceError, Pack, APPLIED_JSONL, REMEDIATION_DIR, TICKETS_JSONL};
use crate::report::MANIFEST_JSON;
use crate::signing::EvidenceKey;

const REVOCATION_COLUMNS: [&str; 15] = [
    "app",
    "account_id",
    "email",
    "person",
    "status",
    "decision",
    "reviewer",
    "decided_on",
    "comment",
    "ticket",
    "action",
    "api_calls",
    "how",
    "applied",
    "status_after_apply",
];

/// Why `remediate` stopped: the pack, or the ticket desk's settings.
#[derive(Debug, thiserror::Error)]
pub enum TicketsOrEvidence {
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Tickets(#[from] TicketError),
}

impl From<polars::prelude::PolarsError> for TicketsOrEvidence {
    fn from(e: polars::prelude::PolarsError) -> Self {
        TicketsOrEvidence::Evidence(e.into())
    }
}

/// What `remediate` found and did, per app.
#[derive(Debug, Clone, Default)]
pub struct AppRemediation {
    pub app: String,
    pub accounts: usize,
    /// API calls planned.
    pub calls: usize,
    /// Accounts with something to do by hand.
    pub manual: usize,
    /// Accounts that hold no access in this report already.
    pub nothing_to_do: usize,
    pub plan_file: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RemediationSummary {
    pub apps: Vec<AppRemediation>,
    pub accounts: usize,
    pub applied: Option<Applied>,
    pub warnings: Vec<String>,
    pub signed: bool,
    /// The tickets of `--tickets`, one per group (with the failed creates).
    pub tickets: Vec<crate::evidence::pack::TicketLine>,
}

/// `remediate`: writes `remediation/` for the pack in `report_dir` and, with `apply`, sends the
/// plans of the kinds that allow it. `key` signs the manifest again.
pub async fn remediate(
    report_dir: &Path,
    config: &Config,
    key: Option<&EvidenceKey>,
    apply: Apply,
    tickets: Option<Desk>,
) -> Result<RemediationSummary, TicketsOrEvidence> {
    let pack = Pack::open(report_dir)?;
    pack.require_key(key, "remediation", "; the config has no [evidence] signing_key")?;
    let mut summary = RemediationSummary::default();
    let decided = crate::evidence::pack::revocations(report_dir)?;
    let mut rows = rows_of(&pack, decided, &mut summary.warnings)?;

    // What each kind would do.
    for (app_name, list) in rows.iter_mut() {
        let app = config.apps.iter().find(|x| &x.name == app_name);
        for (target, row) in list.iter_mut() {
            row.revocation = match app {
                _ if !row.found => Revocation::manual("not among this report's accounts: check the app by hand"),
                _ if !holds_access(&row.status) => Revocation::default(),
                None => Revocation::manual("the app is not in the config: revoke by hand"),
                Some(app) => match collectors::kind_of(app).and_then(|k| k.revocation(app, target)) {
                    Ok(r) => r,
                    Err(e) => Revocation::manual(e.detail()),
                },
            };
        }
    }

    // --apply: the plans of the kinds that send them.
    let applied_path = report_dir.join(REMEDIATION_DIR).join(APPLIED_JSONL);
    let applied_lines = match apply {
        Apply::No => Vec::new(),
        apply => {
            let (totals, lines, warnings) = send(&mut rows, config, apply, &applied_path).await?;
            summary.warnings.extend(warnings);
            summary.applied = Some(totals);
            lines
        }
    };

    // --tickets: one per group, found again rather than opened twice.
    if let Some(desk) = tickets {
        summary.tickets = open_tickets(&pack, config, desk, &rows).await?;
    }

    // The files: remediation/ is written anew (applied.jsonl keeps every earlier attempt;
    // tickets.jsonl stays until tickets are asked for again).
    let dir = report_dir.join(REMEDIATION_DIR);
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            if entry.file_name() != APPLIED_JSONL && entry.file_name() != TICKETS_JSONL {
                std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
            }
        }
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut written: Vec<(String, crate::files::FileDigest)> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for (app_name, list) in &rows {
        let stem = safe_stem(app_name, "app", &mut taken);
        let mut app_sum = AppRemediation { app: app_name.clone(), accounts: list.len(), ..Default::default() };
        let mut plan = String::new();
        let mut csv_rows: Vec<Vec<String>> = Vec::new();
        for (target, row) in list {
            let r = &row.revocation;
            app_sum.calls += r.calls.len();
            app_sum.manual += !r.manual.is_empty() as usize;
            let nothing = r.calls.is_empty() && r.manual.is_empty();
            app_sum.nothing_to_do += nothing as usize;
            for (step, call) in r.calls.iter().enumerate() {
                plan.push_str(&plan_line(app_name, target, step, r.calls.len(), call).to_string());
                plan.push('\n');
            }
            let action = match (r.calls.is_empty(), r.manual.is_empty()) {
                (true, true) => "none",
                (false, true) => "api",
                (true, false) => "manual",
                (false, false) => "api+manual",
            };
            let how = if nothing {
                format!("nothing to do: the account is {} in this report", row.status)
            } else {
                let mut parts: Vec<String> = r.calls.iter().map(|c| format!("{} {}", c.method, c.url)).collect();
                parts.extend(r.manual.iter().cloned());
                parts.join("; ")
            };
            let d = &row.decision;
            csv_rows.push(vec![
                app_name.clone(),
                target.account_id.clone(),
                row.email.clone(),
                row.person.clone(),
                row.status.clone(),
                d.decision.clone(),
                d.reviewer.clone(),
                d.decided_on.clone(),
                d.comment.clone(),
                ticket_in(&d.comment).unwrap_or_default(),
                action.to_string(),
                r.calls.len().to_string(),
                how,
                row.applied.join("; "),
                row.status_after.clone(),
            ]);
        }
        let name = format!("{stem}-revocations.csv");
        let path = dir.join(&name);
        let digest = crate::report::csv::write_rows(&path, &REVOCATION_COLUMNS, &csv_rows).map_err(io(&path))?;
        written.push((format!("{REMEDIATION_DIR}/{name}"), digest));
        if !plan.is_empty() {
            let name = format!("{stem}-plan.jsonl");
            let path = dir.join(&name);
            let digest = crate::files::write_atomic(&path, plan.as_bytes()).map_err(io(&path))?;
            written.push((format!("{REMEDIATION_DIR}/{name}"), digest));
            app_sum.plan_file = Some(name);
        }
        summary.accounts += list.len();
        summary.apps.push(app_sum);
    }
    if !applied_lines.is_empty() || applied_path.exists() {
        // Every attempt stays: this run's calls are added to the earlier ones.
        let mut text =
            if applied_path.exists() { std::fs::read_to_string(&applied_path).map_err(io(&applied_path))? } else { String::new() };
        for line in &applied_lines {
            text.push_str(line);
            text.push('\n');
        }
        let digest = crate::files::write_atomic(&applied_path, text.as_bytes()).map_err(io(&applied_path))?;
        written.push((format!("{REMEDIATION_DIR}/{APPLIED_JSONL}"), digest));
    }

    let tickets_path = dir.join(TICKETS_JSONL);
    if tickets.is_some() {
        let mut text = String::new();
        for line in &summary.tickets {
            text.push_str(
                &serde_json::to_string(line).map_err(|e| EvidenceError::File { file: tickets_path.clone(), detail: e.to_string() })?,
            );
            text.push('\n');
        }
        let digest = crate::files::write_atomic(&tickets_path, text.as_bytes()).map_err(io(&tickets_path))?;
        written.push((format!("{REMEDIATION_DIR}/{TICKETS_JSONL}"), digest));
    } else if tickets_path.exists() {
        let (sha256, size) = crate::report::manifest::hash_file(&tickets_path).map_err(io(&tickets_path))?;
        let digest = crate::files::FileDigest { sha256, size };
        written.push((format!("{REMEDIATION_DIR}/{TICKETS_JSONL}"), digest));
    }

    // The manifest.
    let manifest_path = report_dir.join(MANIFEST_JSON);
    let mut doc = pack.manifest_doc()?;
    let refs: Vec<(String, &crate::files::FileDigest)> = written.iter().map(|(p, d)| (p.clone(), d)).collect();
    let prefix = format!("{REMEDIATION_DIR}/");
    set_outputs(&mut doc, &manifest_path, |p| p.starts_with(&prefix), &refs)?;
    doc["remediation"] = json!({
        "accounts": summary.accounts,
        "api_calls": summary.apps.iter().map(|x| x.calls).sum::<usize>(),
        "manual": summary.apps.iter().map(|x| x.manual).sum::<usize>(),
        "nothing_to_do": summary.apps.iter().map(|x| x.nothing_to_do).sum::<usize>(),
        "applied": summary.applied.as_ref().map(|x| json!({"ok": x.ok, "failed": x.failed, "skipped": x.skipped, "already_revoked": x.already})),
    });
    if tickets.is_some() {
        doc["remediation"]["tickets"] = summary
            .tickets
            .iter()
            .map(|t| json!({"desk": t.desk, "group": t.group, "key": t.key, "url": t.url, "outcome": t.outcome}))
            .collect();
    }
    pack.write_manifest(&mut doc, key)?;
    summary.signed = key.is_some();
    Ok(summary)
}

fn plan_line(app: &str, target: &RevokeTarget, step: usize, of: usize, call: &PlannedCall) -> serde_json::Value {
    let mut v = json!({
        "app": app, "account_id": target.account_id, "email": target.email,
        "step": step + 1, "of": of, "method": call.method, "url": call.url,
    });
    if let Some(body) = &call.body {
        v["body"] = body.clone();
    }
    if !call.note.is_empty() {
        v["note"] = json!(call.note);
    }
    v
}

/// A ticket named in a comment: `ABC-123` (Jira style) or `INC0012345` / `CHG...` / `RITM...` /
/// `REQ...` (ServiceNow style); the first one.
pub fn ticket_in(comment: &str) -> Option<String> {
    comment
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .find(|w| {
            let jira = w.split_once('-').is_some_and(|(k, n)| {
                k.len() >= 2
                    && k.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && k.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
            });
            let snow = ["INC", "CHG", "RITM", "REQ", "TASK"]
                .iter()
                .any(|p| w.strip_prefix(p).is_some_and(|n| n.len() >= 4 && n.chars().all(|c| c.is_ascii_digit())));
            jira || snow
        })
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_found_in_comments() {
        assert_eq!(ticket_in("left in June, see ITOPS-4411").as_deref(), Some("ITOPS-4411"));
        assert_eq!(ticket_in("INC0012345: offboarding").as_deref(), Some("INC0012345"));
        assert_eq!(ticket_in("no ticket, covid-19 leave"), None);
        assert_eq!(ticket_in(""), None);
    }

    #[test]
    fn file_stems_are_safe_and_unique() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(crate::evidence::pack::safe_stem("jsm helpdesk/eu", "app", &mut taken), "jsm_helpdesk_eu");
        assert_eq!(crate::evidence::pack::safe_stem("jsm helpdesk:eu", "app", &mut taken), "jsm_helpdesk_eu-2");
        assert_eq!(crate::evidence::pack::safe_stem("..", "app", &mut taken), "app");
    }
}
