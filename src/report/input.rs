//! What a report is made from, and what it says back to the command that wrote it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::DataFrame;
use serde::Serialize;

use super::review;
use crate::config::Config;
use crate::findings::Findings;
use crate::model::CoverageRecord;
use crate::roster::Roster;

/// Everything the report is made from.
pub struct ReportInput<'a> {
    pub config: &'a Config,
    /// What the snapshot says of its collection (tool version, config hash, when each app was read).
    pub snapshot: &'a crate::model::snapshot::SnapshotMeta,
    pub as_of: NaiveDate,
    pub roster: &'a Roster,
    pub coverage: &'a [CoverageRecord],
    pub accounts: &'a DataFrame,
    pub findings: &'a Findings,
    pub warnings: &'a [String],
    /// Input files with their role ("config", "roster", "snapshot", ...).
    pub inputs: Vec<(PathBuf, String)>,
    /// The decisions the pack already records, and their file (a report regenerated into a
    /// reviewed pack keeps them): the review cycle, above the report, hands them in as rows and
    /// the report renders its "Review decisions" section from them.
    pub decisions: Vec<review::Decision>,
    pub decisions_file: Option<PathBuf>,
    pub started_at: DateTime<Utc>,
}

/// What the CLI needs to print a summary and pick the exit code.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub out_dir: PathBuf,
    pub accounts: usize,
    pub open_by_severity: BTreeMap<String, usize>,
    pub open: usize,
    pub excepted: usize,
    pub incomplete_apps: Vec<String>,
}

impl ReportSummary {
    /// Open findings at or above `severity`.
    pub fn open_at_or_above(&self, severity: &str) -> usize {
        let rank = crate::findings::severity_rank(severity);
        self.open_by_severity.iter().filter(|(s, _)| crate::findings::severity_rank(s) <= rank).map(|(_, n)| n).sum()
    }
}
