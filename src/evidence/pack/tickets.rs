//! `remediation/tickets.jsonl`: the tickets `remediate --tickets` opened (or found already open)
//! for a pack's revocations, one per group, with the accounts each lists. Written by `remediate`,
//! read by the next quarter's `diff` (which asks each ticket's state through `remediate`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{io_error as io, EvidenceError, REMEDIATION_DIR, TICKETS_JSONL};

/// One ticket of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketLine {
    /// `jira` or `servicenow`.
    pub desk: String,
    /// `per_app` or `per_reviewer`, and the group's app or reviewer.
    pub group_by: String,
    pub group: String,
    /// The label (Jira) or correlation id (ServiceNow) a ticket of this pack and group carries.
    pub correlation: String,
    /// `created`, `found` (opened by an earlier run) or `failed`.
    pub outcome: String,
    /// The ticket's key (`ITOPS-12`, `SCTASK0001234`), id (Jira issue id, ServiceNow sys_id),
    /// table (ServiceNow) and address for people; empty when the create failed.
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table: String,
    #[serde(default)]
    pub url: String,
    /// Why the create failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// The accounts it asks to revoke.
    pub accounts: Vec<TicketAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAccount {
    pub app: String,
    pub account_id: String,
}

/// The tickets of the pack in `dir` (none when it has no `tickets.jsonl`).
pub fn read_tickets(dir: &Path) -> Result<Vec<TicketLine>, EvidenceError> {
    let path = dir.join(REMEDIATION_DIR).join(TICKETS_JSONL);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| EvidenceError::File { file: path.clone(), detail: format!("line {}: not a ticket line: {e}", n + 1) })
        })
        .collect()
}
