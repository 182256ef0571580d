//! Remediation: the revocations a review decided, turned into work. `rows` joins the pack's
//! `revoke` decisions with its accounts and the snapshot's entitlements, `plan` asks each kind's
//! [`Revoker`](crate::collectors::Revoker) for the calls and writes `remediation/`, `apply`
//! sends what may be sent (`--apply`). Above `evidence` (it reads the pack) and beside it: the
//! only module that sends a write to an app.

mod apply;
mod plan;
mod rows;
pub mod tickets;

pub use crate::evidence::pack::{APPLIED_JSONL, REMEDIATION_DIR};
pub use apply::{Applied, Apply};
pub use plan::{remediate, ticket_in, AppRemediation, RemediationSummary, TicketsOrEvidence};
pub use tickets::{check_desks, ticket_states, Desk, TicketError};
