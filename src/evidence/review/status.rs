//! `campaign status`: per reviewer, the accounts to certify, decided, pending and overdue;
//! `campaign/campaign_status.csv`, the report's "Campaign" section and the manifest's totals.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::json;

use super::campaign::{due, require_plan};
use crate::evidence::pack::{read_decisions, read_pack_csv, set_outputs, EvidenceError, Pack, CAMPAIGN_DIR, STATUS_CSV};
use crate::files;
use crate::findings::{REASON, RECOMMENDATIONS};
use crate::model::account as a;
use crate::report::review::{
    campaign_section, replace_section, CampaignProgress, Decision, KeptAgainst, ReviewerStatus, CAMPAIGN_BEGIN, CAMPAIGN_END,
};
use crate::report::MANIFEST_JSON;
use crate::signing::EvidenceKey;

/// What `campaign status` found.
#[derive(Debug, Clone)]
pub struct StatusSummary {
    /// Reviewers who have not answered everything first (most pending first), then the others.
    pub reviewers: Vec<ReviewerStatus>,
    pub accounts: usize,
    pub decided: usize,
    pub pending: usize,
    pub overdue: usize,
    /// Decided by the non-response policy of `campaign close`.
    pub by_policy: usize,
    pub due: Option<String>,
    pub signed: bool,
}

/// `campaign status`: per reviewer, the accounts to certify, decided (an account decision in
/// decisions.csv), pending and overdue (pending after `due`, counted on `on`); writes
/// `campaign/campaign_status.csv` and records it and the totals in the manifest.
pub fn status(report_dir: &Path, on: chrono::NaiveDate, key: Option<&EvidenceKey>) -> Result<StatusSummary, EvidenceError> {
    let pack = Pack::open(report_dir)?;
    let plan_path = require_plan(report_dir)?;
    pack.require_key(key, "the status", "; pass --config with its signing key")?;
    let (plan, _) = read_pack_csv(&pack, &plan_path, &["reviewer", a::APP, a::ACCOUNT_ID, "scope"], &[REASON])?;
    let decisions_path = report_dir.join(crate::report::DECISIONS_CSV);
    let decided: HashMap<(String, String), Decision> = if decisions_path.exists() {
        read_decisions(&decisions_path)?
            .into_iter()
            .filter(|d| d.subject == "account")
            .map(|d| ((d.app.clone(), d.account_id.clone()), d))
            .collect()
    } else {
        Default::default()
    };
    let mut doc = pack.manifest_doc()?;
    let (due, due_date) = due(&doc);
    let late = due_date.is_some_and(|d| on > d);
    let col = |c: &str| -> Result<Vec<String>, EvidenceError> {
        Ok(plan.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let (reviewers, apps, ids, scope, reasons) = (col("reviewer")?, col(a::APP)?, col(a::ACCOUNT_ID)?, col("scope")?, col(REASON)?);
    let mut by: BTreeMap<String, ReviewerStatus> = BTreeMap::new();
    let mut kept_against = Vec::new();
    for i in 0..reviewers.len() {
        if scope[i] != "certify" {
            continue;
        }
        let r = by.entry(reviewers[i].clone()).or_insert_with(|| ReviewerStatus {
            reviewer: reviewers[i].clone(),
            accounts: 0,
            decided: 0,
            pending: 0,
            overdue: 0,
            by_policy: 0,
            revoked: 0,
            kept_against_revoke: 0,
        });
        r.accounts += 1;
        match decided.get(&(apps[i].clone(), ids[i].clone())) {
            Some(d) if d.is_by_policy() => r.by_policy += 1,
            Some(d) => {
                r.decided += 1;
                r.revoked += (d.decision == "revoke") as usize;
                if d.decision == "keep" && d.recommendation == RECOMMENDATIONS[0] {
                    r.kept_against_revoke += 1;
                    kept_against.push(KeptAgainst {
                        reviewer: reviewers[i].clone(),
                        app: d.app.clone(),
                        account_id: d.account_id.clone(),
                        email: d.email.clone(),
                        reason: reasons[i].clone(),
                        decided_by: d.reviewer.clone(),
                        decided_on: d.decided_on.clone(),
                        comment: d.comment.clone(),
                    });
                }
            }
            None => {
                r.pending += 1;
                r.overdue += late as usize;
            }
        }
    }
    let mut list: Vec<ReviewerStatus> = by.into_values().collect();
    list.sort_by(|x, y| y.pending.cmp(&x.pending).then_with(|| x.reviewer.cmp(&y.reviewer)));
    let sum = |f: fn(&ReviewerStatus) -> usize| list.iter().map(f).sum::<usize>();
    let (accounts, decided_n, pending, overdue) = (sum(|r| r.accounts), sum(|r| r.decided), sum(|r| r.pending), sum(|r| r.overdue));
    let (revoked, against, by_policy) = (sum(|r| r.revoked), sum(|r| r.kept_against_revoke), sum(|r| r.by_policy));

    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.reviewer.clone(),
                r.accounts.to_string(),
                r.decided.to_string(),
                r.pending.to_string(),
                r.overdue.to_string(),
                r.by_policy.to_string(),
                r.revoked.to_string(),
                r.kept_against_revoke.to_string(),
            ]
        })
        .collect();
    let path = report_dir.join(CAMPAIGN_DIR).join(STATUS_CSV);
    let digest = crate::report::csv::write_rows(
        &path,
        &["reviewer", "accounts", "decided", "pending", "overdue", "by_policy", "revoked", "kept_against_revoke"],
        &rows,
    )
    .map_err(|source| EvidenceError::Io { path: path.clone(), source })?;
    // The report's "Campaign" section.
    let html_path = report_dir.join(crate::report::REPORT_HTML);
    let html = std::fs::read_to_string(&html_path).map_err(|e| EvidenceError::File { file: html_path.clone(), detail: e.to_string() })?;
    let percent = (decided_n * 100).checked_div(accounts).unwrap_or(100);
    let progress = CampaignProgress {
        accounts,
        decided: decided_n,
        pending,
        overdue,
        percent,
        due: due.as_deref(),
        on: on.format("%Y-%m-%d").to_string(),
        reviewers: &list,
        revoked,
        by_policy,
        closed: doc["campaign"]["closed"].as_object().map(|c| {
            format!(
                "closed on {}{}: the {} account(s) nobody answered for decided {} by policy, {} as the decider",
                c.get("on").and_then(|v| v.as_str()).unwrap_or("?"),
                if c.get("early").and_then(|v| v.as_bool()).unwrap_or(false) { " (early, before the due date)" } else { "" },
                c.get("by_policy").and_then(|v| v.as_u64()).unwrap_or(0),
                c.get("non_response").and_then(|v| v.as_str()).unwrap_or("?"),
                c.get("owner").and_then(|v| v.as_str()).unwrap_or("?"),
            )
        }),
        kept_against: &kept_against,
    };
    let section = campaign_section(&progress)?;
    let Some(html) = replace_section(&html, CAMPAIGN_BEGIN, CAMPAIGN_END, &section) else {
        return Err(EvidenceError::File {
            file: html_path,
            detail: "no campaign section (written by an older version?): regenerate the report with `access-audit report` first".into(),
        });
    };
    let html_digest =
        files::write_atomic(&html_path, html.as_bytes()).map_err(|source| EvidenceError::Io { path: html_path.clone(), source })?;
    let written = [(format!("{CAMPAIGN_DIR}/{STATUS_CSV}"), &digest), (crate::report::REPORT_HTML.to_string(), &html_digest)];
    set_outputs(&mut doc, &report_dir.join(MANIFEST_JSON), |_| false, &written)?;
    doc["campaign"]["status"] = json!({
        "on": on.format("%Y-%m-%d").to_string(),
        "accounts": accounts, "decided": decided_n, "pending": pending, "overdue": overdue,
        "by_policy": by_policy, "revoked": revoked, "kept_against_revoke": against,
        "complete": pending == 0,
    });
    pack.write_manifest(&mut doc, key)?;
    Ok(StatusSummary { reviewers: list, accounts, decided: decided_n, pending, overdue, by_policy, due, signed: key.is_some() })
}
