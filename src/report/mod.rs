//! The evidence pack of SPEC §7: `report.html`, the CSVs, `findings.json`, `manifest.json`.
//!
//! Owns: turning the correlated accounts and the findings into files, each written atomically,
//! sorted, with no clock and no hash-map order reaching an output (the manifest's start/finish
//! times are the only exception). The manifest is written last: a directory without it is not a
//! finished report, and a stale one is removed before anything else is written. Must not: decide
//! findings or read the network.

pub mod csv;
mod error;
pub mod html;
mod input;
pub mod manifest;
mod matrix;
mod names;
pub mod ocsf;
mod page;
pub mod review;
pub mod workbook;
mod write;

pub use error::ReportError;
pub use input::{ReportInput, ReportSummary};
pub use matrix::AccessMatrix;
pub use names::{
    ACCOUNTS_CSV, COVERAGE_CSV, DECISIONS_CSV, FINDINGS_CSV, FINDINGS_JSON, MANIFEST_JSON, MATRIX_CSV, REPORT_HTML, ROSTER_ISSUES_CSV,
};
pub use write::{check_output_dir, write_report};
