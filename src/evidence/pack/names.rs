//! The files a pack holds besides the report's own: what the review cycle adds to it.

/// The reviewers' decisions, written by `decisions import` (kept when the report is regenerated).
pub use crate::report::DECISIONS_CSV;
/// A campaign's packets and plan.
pub const CAMPAIGN_DIR: &str = "campaign";
pub const ASSIGNMENTS_CSV: &str = "assignments.csv";
pub const REVIEWERS_CSV: &str = "reviewers.csv";
pub const STATUS_CSV: &str = "campaign_status.csv";
/// Every reminder `campaign remind` sent or wrote, one JSON line each.
pub const REMINDERS_JSONL: &str = "reminders.jsonl";
/// Where `campaign remind --dry-run` writes its emails (`campaign/outbox/<reviewer>.eml`).
pub const OUTBOX_DIR: &str = "outbox";
/// What `remediate` writes: per app the revocations and plans, and every call `--apply` sent.
pub const REMEDIATION_DIR: &str = "remediation";
pub const APPLIED_JSONL: &str = "applied.jsonl";
/// The tickets `remediate --tickets` opened or found, one JSON object per line.
pub const TICKETS_JSONL: &str = "tickets.jsonl";
