//! `remediate`: the revocations a pack's reviewers decided, as work to carry out. Per app,
//! `remediation/<app>-revocations.csv` (each account with its decision, reviewer, date, comment,
//! ticket and how it is revoked) and, for kinds with an API, `remediation/<app>-plan.jsonl`: the
//! exact calls that would disable each account, as the kind's collector describes them
//! ([`crate::collectors::Collector::revocation`]). Plans are never sent unless asked: `--apply`
//! sends those of the kinds that allow it (SCIM), every call and its answer appended to
//! `remediation/applied.jsonl`; a failed call stops nothing else. Every file goes into the
//! manifest (signed again), so `verify` passes on the pack afterwards.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::json;

use super::decisions::Decision;
use super::{io_error as io, read_pack_csv, EvidenceError, Pack};
use crate::collectors::{self, PlannedCall, Revocation, RevokeTarget};
use crate::config::Config;
use crate::model::account as a;
use crate::model::entitlement as e;
use crate::report::MANIFEST_JSON;
use crate::signing::EvidenceKey;

pub const REMEDIATION_DIR: &str = "remediation";
pub const APPLIED_JSONL: &str = "applied.jsonl";

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
pub struct Applied {
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Accounts not sent again: an earlier `--apply` revoked them (`applied.jsonl` says so).
    pub already: usize,
    /// "app account: what failed", one per failed account.
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RemediationSummary {
    pub apps: Vec<AppRemediation>,
    pub accounts: usize,
    pub applied: Option<Applied>,
    pub warnings: Vec<String>,
    pub signed: bool,
}

/// One account to revoke, with what the report and the decision say about it.
struct Row {
    decision: Decision,
    email: String,
    person: String,
    status: String,
    found: bool,
    revocation: Revocation,
    /// Per call: the outcome of `--apply` ("" when not applied).
    applied: Vec<String>,
    /// The account's status as the API answered the revocation (when its answer carries it).
    status_after: String,
}

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

/// `remediate`: writes `remediation/` for the pack in `report_dir` and, with `apply`, sends the
/// plans of the kinds that allow it. `key` signs the manifest again.
pub async fn remediate(
    report_dir: &Path,
    config: &Config,
    key: Option<&EvidenceKey>,
    apply: Apply,
) -> Result<RemediationSummary, EvidenceError> {
    let pack = Pack::open(report_dir)?;
    pack.require_key(key, "remediation", "; the config has no [evidence] signing_key")?;
    let mut summary = RemediationSummary::default();
    let decided = super::decisions::revocations(report_dir)?;
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
    let mut applied_lines: Vec<String> = Vec::new();
    let applied_path = report_dir.join(REMEDIATION_DIR).join(APPLIED_JSONL);
    if apply != Apply::No {
        let done = if apply == Apply::Again { HashMap::new() } else { already_revoked(&applied_path)? };
        let run = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut totals = Applied::default();
        for (app_name, list) in rows.iter_mut() {
            let Some(app) = config.apps.iter().find(|x| &x.name == app_name) else { continue };
            let Some(client) = collectors::kind_of(app).ok().and_then(|k| k.revocation_client(app)) else { continue };
            let client = match client {
                Ok(c) => c,
                Err(e) => {
                    summary.warnings.push(format!("app {app_name}: not applied: {}", e.detail()));
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
        summary.applied = Some(totals);
    }

    // The files: remediation/ is written anew (applied.jsonl keeps every earlier attempt).
    let dir = report_dir.join(REMEDIATION_DIR);
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            if entry.file_name() != APPLIED_JSONL {
                std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
            }
        }
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut written: Vec<(String, crate::files::FileDigest)> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for (app_name, list) in &rows {
        let stem = super::safe_stem(app_name, "app", &mut taken);
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

    // The manifest.
    let manifest_path = report_dir.join(MANIFEST_JSON);
    let mut doc = pack.manifest_doc()?;
    let refs: Vec<(String, &crate::files::FileDigest)> = written.iter().map(|(p, d)| (p.clone(), d)).collect();
    let prefix = format!("{REMEDIATION_DIR}/");
    super::set_outputs(&mut doc, &manifest_path, |p| p.starts_with(&prefix), &refs)?;
    doc["remediation"] = json!({
        "accounts": summary.accounts,
        "api_calls": summary.apps.iter().map(|x| x.calls).sum::<usize>(),
        "manual": summary.apps.iter().map(|x| x.manual).sum::<usize>(),
        "nothing_to_do": summary.apps.iter().map(|x| x.nothing_to_do).sum::<usize>(),
        "applied": summary.applied.as_ref().map(|x| json!({"ok": x.ok, "failed": x.failed, "skipped": x.skipped, "already_revoked": x.already})),
    });
    pack.write_manifest(&mut doc, key)?;
    summary.signed = key.is_some();
    Ok(summary)
}

type AppRows = BTreeMap<String, Vec<(RevokeTarget, Row)>>;

/// Per (app, account): the `(kind, value)` of its entitlements.
type Held = HashMap<(String, String), Vec<(String, String)>>;

/// The revoke decisions joined with the report's accounts and the snapshot's entitlements, per
/// app, sorted by account id.
fn rows_of(pack: &Pack, decided: BTreeMap<(String, String), Decision>, warnings: &mut Vec<String>) -> Result<AppRows, EvidenceError> {
    let mut out: AppRows = BTreeMap::new();
    if decided.is_empty() {
        return Ok(out);
    }
    let (accounts, _) = read_pack_csv(
        pack,
        crate::report::ACCOUNTS_CSV,
        &[a::APP, a::ACCOUNT_ID, a::EMAIL, a::STATUS, a::ACCOUNT_TYPE, a::PERSON_EMAIL],
        &[],
    )?;
    let col = |c: &str| accounts.column(c).and_then(|s| s.str().cloned());
    let (apps, ids, emails, status, types, persons) =
        (col(a::APP)?, col(a::ACCOUNT_ID)?, col(a::EMAIL)?, col(a::STATUS)?, col(a::ACCOUNT_TYPE)?, col(a::PERSON_EMAIL)?);
    let mut at: HashMap<(&str, &str), usize> = HashMap::new();
    for i in 0..accounts.height() {
        at.insert((apps.get(i).unwrap_or(""), ids.get(i).unwrap_or("")), i);
    }
    let mut held = entitlements_of(pack, &decided, warnings)?;
    for ((app, id), decision) in decided {
        let i = at.get(&(app.as_str(), id.as_str())).copied();
        let get = |c: &StringChunked| i.and_then(|i| c.get(i)).unwrap_or("").to_string();
        let email = if i.is_some() { get(&emails) } else { decision.email.clone() };
        let target = RevokeTarget {
            account_id: id.clone(),
            email: email.clone(),
            account_type: get(&types),
            entitlements: held.remove(&(app.clone(), id.clone())).unwrap_or_default(),
        };
        let row = Row {
            email,
            person: get(&persons),
            status: get(&status),
            found: i.is_some(),
            decision,
            revocation: Revocation::default(),
            applied: Vec::new(),
            status_after: String::new(),
        };
        out.entry(app).or_default().push((target, row));
    }
    Ok(out)
}

/// The entitlements of the accounts to revoke, from the pack's snapshot (the manifest names it).
fn entitlements_of(pack: &Pack, decided: &BTreeMap<(String, String), Decision>, warnings: &mut Vec<String>) -> Result<Held, EvidenceError> {
    let mut out = Held::new();
    let file = pack
        .manifest
        .inputs
        .iter()
        .find(|f| f.role == "snapshot" && f.path.ends_with(crate::model::snapshot::ENTITLEMENTS_FILE))
        .map(|f| if Path::new(&f.path).is_absolute() { PathBuf::from(&f.path) } else { pack.dir.join(&f.path) });
    let Some(file) = file.filter(|f| f.exists()) else {
        warnings.push(
            "the report's snapshot is not at hand (its entitlements.parquet): plans that go by groups, desks or events could not be made"
                .into(),
        );
        return Ok(out);
    };
    let read = || -> PolarsResult<DataFrame> {
        let handle = std::fs::File::open(&file).map_err(|err| polars_err!(ComputeError: "{err}"))?;
        let columns = [e::APP, e::ACCOUNT_ID, e::KIND, e::VALUE].map(String::from).to_vec();
        let df = ParquetReader::new(handle).with_columns(Some(columns)).finish()?;
        let apps: HashSet<&str> = decided.keys().map(|(app, _)| app.as_str()).collect();
        let mask: BooleanChunked = df.column(e::APP)?.str()?.iter().map(|v| v.is_some_and(|v| apps.contains(v))).collect();
        df.filter(&mask)
    };
    let df = read().map_err(|err| EvidenceError::File { file: file.clone(), detail: err.to_string() })?;
    let c = |n: &str| df.column(n).and_then(|s| s.str().cloned());
    let (apps, ids, kinds, values) = (c(e::APP)?, c(e::ACCOUNT_ID)?, c(e::KIND)?, c(e::VALUE)?);
    for i in 0..df.height() {
        let key = (apps.get(i).unwrap_or("").to_string(), ids.get(i).unwrap_or("").to_string());
        if decided.contains_key(&key) {
            out.entry(key).or_default().push((kinds.get(i).unwrap_or("").to_string(), values.get(i).unwrap_or("").to_string()));
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    Ok(out)
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

/// SPEC §6: a disabled or deactivated account holds no access (nothing left to revoke).
fn holds_access(status: &str) -> bool {
    crate::model::AccountStatus::parse(status).unwrap_or_default().holds_access()
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
        let mut taken = Vec::new();
        assert_eq!(super::super::safe_stem("jsm helpdesk/eu", "app", &mut taken), "jsm_helpdesk_eu");
        assert_eq!(super::super::safe_stem("jsm helpdesk:eu", "app", &mut taken), "jsm_helpdesk_eu-2");
        assert_eq!(super::super::safe_stem("..", "app", &mut taken), "app");
    }
}
