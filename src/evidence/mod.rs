//! The review cycle around an evidence pack (a report directory), offline: `pack` (reading a
//! pack back, its manifest, `verify`), `review` (a campaign and the reviewers' decisions recorded
//! in the pack) and `diff` (two quarters compared). It never sends a request and knows no app
//! kind; turning decisions into changes is `remediate`'s.
//!
//! The only sanctioned changes to a finished pack are the review's own files (decisions, a
//! campaign, its status), each re-hashed in the manifest (signed again when it was signed). Must
//! not: re-collect or re-decide findings.

pub mod diff;
pub mod pack;
pub mod review;

pub use pack::EvidenceError;
