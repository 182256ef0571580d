//! What the review cycle shows in a report: the recorded decisions (their row type, as
//! `decisions.csv` holds them) and the two sections of `report.html` the review fills in, the
//! "Review decisions" and the "Campaign" sections, each rendered here from rows between markers
//! that `decisions import` and `campaign status` replace.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use super::error::ReportError;

pub const DECISIONS_BEGIN: &str = "<!-- decisions:begin -->";
pub const DECISIONS_END: &str = "<!-- decisions:end -->";
pub const CAMPAIGN_BEGIN: &str = "<!-- campaign:begin -->";
pub const CAMPAIGN_END: &str = "<!-- campaign:end -->";
const DECISIONS_TEMPLATE: &str = include_str!("../../templates/decisions.html.tera");
const CAMPAIGN_TEMPLATE: &str = include_str!("../../templates/campaign.html.tera");
/// Decisions shown in the section; `decisions.csv` holds them all.
const ROW_LIMIT: usize = 500;

pub const DECISION_COLUMNS: [&str; 15] = [
    "subject",
    "finding_id",
    "category",
    "severity",
    "app",
    "account_id",
    "email",
    "display_name",
    "decision",
    "reviewer",
    "decided_on",
    "comment",
    "source",
    "recommendation",
    "followed",
];
/// How a decision by a non-response policy names its source: "policy: no response by <due>".
pub const POLICY_SOURCE: &str = "policy: ";

/// The columns of `decisions.csv` a pack written before recommendations lacks (read as empty).
pub const DECISION_COLUMNS_ADDED: [&str; 2] = ["recommendation", "followed"];

/// One recorded decision (a row of `decisions.csv`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Decision {
    /// "finding" or "account".
    pub subject: String,
    pub finding_id: String,
    pub category: String,
    pub severity: String,
    pub app: String,
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    pub decision: String,
    pub reviewer: String,
    pub decided_on: String,
    pub comment: String,
    /// "review.xlsx, sheet admin, row 7".
    pub source: String,
    /// The account's recommendation when it was decided (`revoke`, `review`, `keep`; empty for a
    /// pack without recommendations).
    pub recommendation: String,
    /// Whether the decision followed it: `true`, `false`, or empty when there was none.
    pub followed: String,
}

impl Decision {
    /// What a later decision replaces an earlier one by: the finding, or the account.
    pub fn key(&self) -> String {
        if self.subject == "finding" {
            format!("f\u{1f}{}", self.finding_id)
        } else {
            format!("a\u{1f}{}\u{1f}{}", self.app, self.account_id)
        }
    }

    /// The row of `decisions.csv`.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.subject.clone(),
            self.finding_id.clone(),
            self.category.clone(),
            self.severity.clone(),
            self.app.clone(),
            self.account_id.clone(),
            self.email.clone(),
            self.display_name.clone(),
            self.decision.clone(),
            self.reviewer.clone(),
            self.decided_on.clone(),
            self.comment.clone(),
            self.source.clone(),
            self.recommendation.clone(),
            self.followed.clone(),
        ]
    }

    /// Whether a non-response policy decided it (`campaign close`), not a reviewer.
    pub fn is_by_policy(&self) -> bool {
        self.source.starts_with(POLICY_SOURCE)
    }

    /// Whether `decision` follows `recommendation`: the same word, or any decision on a row
    /// recommended for review (looking at it was the recommendation); `None` without one.
    pub fn follows(decision: &str, recommendation: &str) -> Option<bool> {
        match recommendation {
            "" => None,
            "review" => Some(true),
            r => Some(r == decision),
        }
    }
}

/// The "Review decisions" section of `report.html`, between its markers. `finding_ids`: the
/// report's findings with whether each is excepted.
pub fn decisions_section(decisions: &[Decision], open_finding_ids: &HashSet<&str>) -> Result<String, ReportError> {
    let mut by_decision: BTreeMap<&str, usize> = BTreeMap::new();
    for d in decisions {
        *by_decision.entry(d.decision.as_str()).or_default() += 1;
    }
    let decided_open = decisions.iter().filter(|d| d.subject == "finding" && open_finding_ids.contains(d.finding_id.as_str())).count();
    let mut shown: Vec<&Decision> = decisions.iter().collect();
    // Revocations first: they are the actions that follow from the review.
    shown.sort_by_key(|d| match d.decision.as_str() {
        "revoke" => 0,
        "modify" => 1,
        _ => 2,
    });
    let ctx = json!({
        "count": decisions.len(),
        "by_decision": by_decision.iter().map(|(k, v)| json!({"decision": k, "n": v})).collect::<Vec<_>>(),
        "open_findings": open_finding_ids.len(),
        "decided_open": decided_open,
        "rows": shown.iter().take(ROW_LIMIT).collect::<Vec<_>>(),
        "truncated": decisions.len() > ROW_LIMIT,
        "data": decisions_data(decisions),
    });
    let body = super::page::render_page("decisions.html", DECISIONS_TEMPLATE, ctx)?;
    Ok(format!("{DECISIONS_BEGIN}\n{body}{DECISIONS_END}"))
}

/// Every decision by finding id and by "app<US>account id", as JSON for the page's script (which
/// fills the finding tables' decision column), safe inside a `<script>` element.
fn decisions_data(decisions: &[Decision]) -> String {
    let mut findings = serde_json::Map::new();
    let mut accounts = serde_json::Map::new();
    for d in decisions {
        let shown = if d.reviewer.is_empty() { d.decision.clone() } else { format!("{} ({}, {})", d.decision, d.reviewer, d.decided_on) };
        if d.subject == "finding" {
            findings.insert(d.finding_id.clone(), json!(shown));
        } else {
            accounts.insert(format!("{}\u{1f}{}", d.app, d.account_id), json!(shown));
        }
    }
    json!({"findings": findings, "accounts": accounts}).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// One reviewer's progress.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewerStatus {
    pub reviewer: String,
    pub accounts: usize,
    pub decided: usize,
    pub pending: usize,
    /// Pending after the campaign's due date.
    pub overdue: usize,
    /// Decided by the campaign's non-response policy (`campaign close`), not by the reviewer.
    pub by_policy: usize,
    /// Decided revoke (by the reviewer).
    pub revoked: usize,
    /// Kept although recommended revoke.
    pub kept_against_revoke: usize,
}

/// An account kept although it was recommended for revocation: what the auditor samples first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeptAgainst {
    pub reviewer: String,
    pub app: String,
    pub account_id: String,
    pub email: String,
    /// Why revoke was recommended.
    pub reason: String,
    pub decided_by: String,
    pub decided_on: String,
    pub comment: String,
}

/// The campaign's progress as the "Campaign" section shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CampaignProgress<'a> {
    pub accounts: usize,
    pub decided: usize,
    pub pending: usize,
    pub overdue: usize,
    pub percent: usize,
    pub due: Option<&'a str>,
    /// The day the status was counted on (YYYY-MM-DD).
    pub on: String,
    /// Reviewers who have not answered everything first.
    pub reviewers: &'a [ReviewerStatus],
    pub revoked: usize,
    pub by_policy: usize,
    /// "closed on 2027-02-01: the accounts nobody answered for decided revoke by policy", once closed.
    pub closed: Option<String>,
    /// Every account kept against a revoke recommendation, with the reviewer's comment.
    pub kept_against: &'a [KeptAgainst],
}

/// The "Campaign" section of `report.html`, between its markers.
pub fn campaign_section(progress: &CampaignProgress) -> Result<String, ReportError> {
    let ctx = serde_json::to_value(progress).map_err(|e| ReportError::Template(e.to_string()))?;
    let body = super::page::render_page("campaign.html", CAMPAIGN_TEMPLATE, ctx)?;
    Ok(format!("{CAMPAIGN_BEGIN}\n{body}{CAMPAIGN_END}"))
}

/// `html` with the section between `begin` and `end` replaced by `section` (which carries the
/// markers); `None` when the page has no such section (written by an older version).
pub fn replace_section(html: &str, begin: &str, end: &str, section: &str) -> Option<String> {
    let (b, e) = (html.find(begin)?, html.find(end)?);
    Some(format!("{}{section}{}", &html[..b], &html[e + end.len()..]))
}
