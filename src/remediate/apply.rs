//! `remediate --apply`: the plans sent through the collection engine (auth, rate limit,
//! retries), every call recorded in `applied.jsonl`, and what an earlier run already did.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;

use super::rows::AppRows;
use crate::collectors;
use crate::config::Config;
use crate::evidence::pack::{io_error as io, EvidenceError, APPLIED_JSONL};

/// What `--apply` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// Plans only.
    No,
    /// Send the plans, except for accounts an earlier `--apply` already revoked.
    Pending,
    /// Send every plan again (`--again`).
    Again,
}

#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Accounts not sent again: an earlier `--apply` revoked them (`applied.jsonl` says so).
    pub already: usize,
    /// "app account: what failed", one per failed account.
    pub failures: Vec<String>,
}

/// `--apply`: sends the plans of the kinds whose revoker gives a client, account by account,
/// step by step (a failed step skips the account's later ones, and stops nothing else); an
/// account an earlier `--apply` revoked is left alone unless `apply` is [`Apply::Again`].
/// Returns the totals, the lines to append to `applied.jsonl`, and warnings.
pub async fn send(
    rows: &mut AppRows,
    config: &Config,
    apply: Apply,
    applied_path: &Path,
) -> Result<(Applied, Vec<String>, Vec<String>), EvidenceError> {
    let mut applied_lines: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    {
        let done = if apply == Apply::Again { HashMap::new() } else { already_revoked(applied_path)? };
        let run = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut totals = Applied::default();
        for (app_name, list) in rows.iter_mut() {
            let Some(app) = config.apps.iter().find(|x| &x.name == app_name) else { continue };
            let Some(client) = collectors::kind_of(app).ok().and_then(|k| k.revocation_client(app)) else { continue };
            let client = match client {
                Ok(c) => c,
                Err(e) => {
                    warnings.push(format!("app {app_name}: not applied: {}", e.detail()));
                    continue;
                }
            };
            for (target, row) in list.iter_mut() {
                if row.revocation.calls.is_empty() {
                    continue;
                }
                if let Some(earlier) = done.get(&(app_name.clone(), target.account_id.clone())) {
                    totals.already += 1;
                    row.applied.push(format!(
                        "already revoked by the --apply of {} (remediation/{APPLIED_JSONL}); not sent again (--again sends it)",
                        earlier.at
                    ));
                    row.status_after = earlier.status.clone();
                    continue;
                }
                let mut failed = false;
                let of = row.revocation.calls.len();
                for (step, call) in row.revocation.calls.iter().enumerate() {
                    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                    let mut line = json!({
                        "run": run, "at": at, "app": app_name, "account_id": target.account_id, "step": step + 1, "of": of,
                        "method": call.method, "url": call.url,
                    });
                    let outcome = if failed {
                        totals.skipped += 1;
                        line["outcome"] = json!("skipped: an earlier step failed");
                        "skipped".to_string()
                    } else {
                        match client.send_json(call.method, &call.url, call.body.as_ref()).await {
                            Ok(f) => {
                                totals.ok += 1;
                                line["status"] = json!(f.status);
                                line["outcome"] = json!("ok");
                                if let Some(status) = call.status_of {
                                    row.status_after = status(&f.body)
                                        .unwrap_or_else(|| format!("not in the answer (HTTP {}); check it in the app", f.status));
                                    line["account_status"] = json!(row.status_after);
                                }
                                format!("ok (HTTP {})", f.status)
                            }
                            Err(err) => {
                                failed = true;
                                totals.failed += 1;
                                let detail = err.failure.to_string();
                                if let crate::http::client::Failure::Status { status, .. } = &err.failure {
                                    line["status"] = json!(status);
                                }
                                line["outcome"] = json!("failed");
                                line["error"] = json!(detail);
                                totals.failures.push(format!("{app_name} {}: {detail}", target.account_id));
                                format!("failed: {detail}")
                            }
                        }
                    };
                    row.applied.push(outcome);
                    applied_lines.push(line.to_string());
                }
            }
        }
        Ok((totals, applied_lines, warnings))
    }
}

/// An account an earlier `--apply` revoked: when, and its status as the API answered.
struct Revoked {
    at: String,
    status: String,
}

/// The accounts `applied.jsonl` shows revoked: every step of an account's latest attempt
/// succeeded (its last line is an `ok` of the last step; lines written before `of` was recorded
/// count an `ok` last line as the whole plan).
fn already_revoked(path: &Path) -> Result<HashMap<(String, String), Revoked>, EvidenceError> {
    let mut out = HashMap::new();
    if !path.exists() {
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut last: HashMap<(String, String), serde_json::Value> = HashMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| EvidenceError::File { file: path.to_path_buf(), detail: format!("line {}: not JSON: {e}", n + 1) })?;
        let key = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        last.insert((key("app"), key("account_id")), v.clone());
    }
    for (account, v) in last {
        let ok = v.get("outcome").and_then(|x| x.as_str()) == Some("ok");
        let step = v.get("step").and_then(|x| x.as_u64());
        let whole = v.get("of").and_then(|x| x.as_u64()).is_none_or(|of| step == Some(of));
        if ok && whole {
            let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            out.insert(account, Revoked { at: text("at"), status: text("account_status") });
        }
    }
    Ok(out)
}
