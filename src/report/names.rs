//! The files of a report.

/// Output file names.
pub const REPORT_HTML: &str = "report.html";
pub const FINDINGS_CSV: &str = "findings.csv";
pub const FINDINGS_JSON: &str = "findings.json";
/// The findings as OCSF Compliance Finding events.
pub const FINDINGS_OCSF_JSON: &str = "findings.ocsf.json";
pub const ACCOUNTS_CSV: &str = "accounts.csv";
pub const MATRIX_CSV: &str = "access_matrix.csv";
pub const COVERAGE_CSV: &str = "coverage.csv";
pub const ROSTER_ISSUES_CSV: &str = "roster_issues.csv";
pub const MANIFEST_JSON: &str = "manifest.json";
/// Written by `decisions import`; carried into a report regenerated in the pack.
pub const DECISIONS_CSV: &str = "decisions.csv";
