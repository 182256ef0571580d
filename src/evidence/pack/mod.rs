//! The evidence pack (a report directory) as the review cycle finds it on disk: its file names,
//! its manifest (read, changed, signed again), `verify`, and the readers of its findings and
//! decisions. The review and the diff build on this; nothing here changes a decision.

mod decisions;
mod error;
mod findings;
mod manifest;
mod names;
mod open;
mod table;
mod tickets;
pub mod verify;

pub use decisions::{read_decisions, revocations, sort_decisions, write_decisions};
pub use error::EvidenceError;
pub use findings::{expiry_in_text, read_findings, FINDING_COLUMNS};
pub use manifest::{set_outputs, Manifest, ManifestFile, ManifestSigning};
pub use names::{
    APPLIED_JSONL, ASSIGNMENTS_CSV, CAMPAIGN_DIR, DECISIONS_CSV, OUTBOX_DIR, REMEDIATION_DIR, REMINDERS_JSONL, REVIEWERS_CSV, STATUS_CSV,
    TICKETS_JSONL,
};
pub use open::{io_error, safe_stem, Located, Pack};
pub use table::read_pack_csv;
pub use tickets::{read_tickets, TicketAccount, TicketLine};
