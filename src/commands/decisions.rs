//! `decisions import`: records the reviewers' decisions in a report directory.

use std::path::Path;

use access_audit::evidence::review::decisions;
use access_audit::pipeline::PipelineError;

use super::common::{display_path, evidence_key_of, EXIT_OK};

pub fn import(workbook: &Path, report: &Path, config: Option<&Path>) -> Result<u8, PipelineError> {
    let key = evidence_key_of(config)?;
    let s = decisions::import(workbook, report, key.as_ref())?;
    let counts: Vec<String> = s.by_decision.iter().map(|(d, n)| format!("{n} {d}")).collect();
    say!(
        "recorded {} decision(s) from {} ({} replacing earlier ones); the report now holds {}: {}",
        s.imported,
        workbook.display(),
        s.replaced,
        s.total,
        if counts.is_empty() { "none".to_string() } else { counts.join(", ") }
    );
    if s.against_recommendation > 0 {
        say!("{} of them against the account's recommendation (recorded in decisions.csv, column followed)", s.against_recommendation);
    }
    say!(
        "{} of {} finding(s) have a decision{}",
        s.findings_with_decision,
        s.findings,
        if s.signed { "; manifest signed again" } else { "" }
    );
    say!("report: {}", display_path(&report.join(access_audit::report::REPORT_HTML)));
    Ok(EXIT_OK)
}
