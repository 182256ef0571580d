//! `campaign close`: ends a campaign with a recorded non-response policy. Every account still
//! pending (to certify, no account decision) gets a decision (`keep` or `revoke`, as the policy
//! says) whose source is "policy: no response by <due>" and whose decider is the campaign's owner
//! (`[campaign] owner`); the manifest records the close, and a closed campaign refuses further
//! imports until `--reopen` (recorded too), which takes the policy's decisions back.
//!
//! Refused before the due date unless `--early` (said in the manifest). Offline: the pack and the
//! config only.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::json;

use super::campaign::{closed, due, require_plan};
use super::decisions::{index_pack, record_totals, store};
use crate::config::Config;
use crate::evidence::pack::{read_pack_csv, set_outputs, EvidenceError, Pack};
use crate::model::account as a;
use crate::report::review::{Decision, POLICY_SOURCE};
use crate::report::MANIFEST_JSON;
use crate::signing::EvidenceKey;

/// What happens to an account nobody answered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonResponse {
    Keep,
    Revoke,
}

impl NonResponse {
    pub fn as_str(self) -> &'static str {
        match self {
            NonResponse::Keep => "keep",
            NonResponse::Revoke => "revoke",
        }
    }
}

/// What `campaign close` did.
#[derive(Debug, Clone)]
pub struct CloseSummary {
    /// Accounts decided by the policy.
    pub by_policy: usize,
    /// Accounts the reviewers had decided.
    pub by_reviewers: usize,
    pub due: Option<String>,
    pub early: bool,
    pub signed: bool,
}

fn manifest_error(dir: &Path, detail: String) -> EvidenceError {
    EvidenceError::File { file: dir.join(MANIFEST_JSON), detail }
}

/// Closes the campaign of the pack in `report_dir` on `on`: every pending account decided by
/// `policy`, the campaign owner of `config` as the decider.
pub fn close(
    report_dir: &Path,
    config: &Config,
    policy: NonResponse,
    on: NaiveDate,
    early: bool,
    key: Option<&EvidenceKey>,
) -> Result<CloseSummary, EvidenceError> {
    let pack = Pack::open(report_dir)?;
    let plan_path = require_plan(report_dir)?;
    let owner = config.campaign.as_ref().and_then(|c| c.owner.clone()).ok_or_else(|| EvidenceError::File {
        file: config.file.clone(),
        detail:
            "[campaign] has no owner: set owner = \"<email>\", the person who closes the campaign and is recorded as deciding by policy"
                .into(),
    })?;
    pack.require_key(key, "closing the campaign", "; pass --config with its signing key")?;
    let mut doc = pack.manifest_doc()?;
    if let Some((on, policy)) = closed(&doc) {
        return Err(manifest_error(
            report_dir,
            format!("the campaign is already closed (on {on}, non-response {policy}): reopen it first with --reopen"),
        ));
    }
    let (due, due_date) = due(&doc);
    let before_due = due_date.is_none_or(|d| on <= d);
    match due_date {
        Some(d) if on <= d && !early => {
            return Err(manifest_error(
                report_dir,
                format!(
                "the campaign is due {d}: on {on} reviewers may still answer. Close it after the due date, or now with --early (recorded)"
            ),
            ))
        }
        None if !early => {
            return Err(manifest_error(
                report_dir,
                "the campaign has no due date ([campaign] due when it was planned): close it with --early (recorded)".into(),
            ))
        }
        _ => {}
    }
    let by = due.as_deref().map(|d| format!("no response by {d}")).unwrap_or_else(|| format!("no response by {on} (closed early)"));
    let source = format!("{POLICY_SOURCE}{by}");

    let index = index_pack(&pack)?;
    let (plan, _) = read_pack_csv(&pack, &plan_path, &["reviewer", a::APP, a::ACCOUNT_ID, "scope"], &[])?;
    let col = |c: &str| -> Result<Vec<String>, EvidenceError> {
        Ok(plan.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let (reviewers, apps, ids, scope) = (col("reviewer")?, col(a::APP)?, col(a::ACCOUNT_ID)?, col("scope")?);
    let decided_on = on.format("%Y-%m-%d").to_string();
    let (rows, (by_policy, by_reviewers), written) = store(&pack, &index, |merged| {
        let (mut by_policy, mut by_reviewers) = (0, 0);
        for i in 0..reviewers.len() {
            if scope[i] != "certify" {
                continue;
            }
            let mut d = Decision { subject: "account".into(), app: apps[i].clone(), account_id: ids[i].clone(), ..Decision::default() };
            if merged.contains_key(&d.key()) {
                by_reviewers += 1;
                continue;
            }
            let account = index.accounts.get(&(apps[i].clone(), ids[i].clone()));
            d.email = account.map(|x| x.email.clone()).unwrap_or_default();
            d.display_name = account.map(|x| x.display_name.clone()).unwrap_or_default();
            d.decision = policy.as_str().into();
            d.reviewer = owner.clone();
            d.decided_on = decided_on.clone();
            d.comment = format!("{by}: the campaign's non-response policy ({}); assigned to {}", policy.as_str(), reviewers[i]);
            d.source = source.clone();
            d.recommendation = account.map(|x| x.recommendation.clone()).unwrap_or_default();
            d.followed = Decision::follows(policy.as_str(), &d.recommendation).map(|f| f.to_string()).unwrap_or_default();
            merged.insert(d.key(), d);
            by_policy += 1;
        }
        (by_policy, by_reviewers)
    })?;
    let manifest_path = report_dir.join(MANIFEST_JSON);
    set_outputs(&mut doc, &manifest_path, |_| false, &written.iter().map(|(f, d)| (f.clone(), d)).collect::<Vec<_>>())?;
    record_totals(&mut doc, &manifest_path, &rows, None)?;
    doc["campaign"]["closed"] = json!({
        "on": decided_on,
        "non_response": policy.as_str(),
        "owner": owner,
        "due": due,
        "early": before_due,
        "by_policy": by_policy,
        "by_reviewers": by_reviewers,
        "closed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    pack.write_manifest(&mut doc, key)?;
    Ok(CloseSummary { by_policy, by_reviewers, due, early: before_due, signed: key.is_some() })
}

/// What `campaign close --reopen` did.
#[derive(Debug, Clone)]
pub struct ReopenSummary {
    /// The policy's decisions taken back.
    pub withdrawn: usize,
    pub closed_on: String,
    pub signed: bool,
}

/// Reopens a closed campaign: the policy's decisions are taken back (reviewers' decisions stay),
/// the close is moved into the manifest's `campaign.history` with when it was reopened, and
/// imports are accepted again.
pub fn reopen(report_dir: &Path, key: Option<&EvidenceKey>) -> Result<ReopenSummary, EvidenceError> {
    let pack = Pack::open(report_dir)?;
    pack.require_key(key, "reopening the campaign", "; pass --config with its signing key")?;
    let mut doc = pack.manifest_doc()?;
    let Some(closed) = doc["campaign"]["closed"].as_object().cloned() else {
        return Err(manifest_error(report_dir, "the campaign is not closed: nothing to reopen".into()));
    };
    let index = index_pack(&pack)?;
    let (rows, withdrawn, written) = store(&pack, &index, |merged| {
        let before = merged.len();
        merged.retain(|_, d| !d.is_by_policy());
        before - merged.len()
    })?;
    let manifest_path = report_dir.join(MANIFEST_JSON);
    set_outputs(&mut doc, &manifest_path, |_| false, &written.iter().map(|(f, d)| (f.clone(), d)).collect::<Vec<_>>())?;
    record_totals(&mut doc, &manifest_path, &rows, None)?;
    let mut entry = serde_json::Value::Object(closed.clone());
    entry["reopened_at"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    entry["withdrawn"] = json!(withdrawn);
    let campaign = doc["campaign"].as_object_mut().ok_or_else(|| manifest_error(report_dir, "no campaign block".into()))?;
    campaign.remove("closed");
    let history = campaign.entry("history").or_insert_with(|| json!([]));
    if let Some(list) = history.as_array_mut() {
        list.push(entry);
    }
    pack.write_manifest(&mut doc, key)?;
    Ok(ReopenSummary { withdrawn, closed_on: closed.get("on").and_then(|v| v.as_str()).unwrap_or("").to_string(), signed: key.is_some() })
}
