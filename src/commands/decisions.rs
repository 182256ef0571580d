//! `decisions import`: records the reviewers' decisions in a report directory.

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::decisions;
use access_audit::pipeline::PipelineError;
use access_audit::signing::EvidenceKey;

use super::{display_path, EXIT_OK};

pub fn import(workbook: &Path, report: &Path, config: Option<&Path>) -> Result<u8, PipelineError> {
    let key = match config {
        Some(path) => {
            let config = Config::load(path, &access_audit::collectors::REGISTRY)?;
            match &config.evidence.signing_key {
                Some(secret) => Some(EvidenceKey::load(secret).map_err(access_audit::evidence::EvidenceError::from)?),
                None => {
                    return Err(PipelineError::Usage(format!(
                        "--config {}: it has no [evidence] signing_key, so it cannot sign the updated manifest",
                        path.display()
                    )))
                }
            }
        }
        None => None,
    };
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
    say!(
        "{} of {} finding(s) have a decision{}",
        s.findings_with_decision,
        s.findings,
        if s.signed { "; manifest signed again" } else { "" }
    );
    say!("report: {}", display_path(&report.join(access_audit::report::REPORT_HTML)));
    Ok(EXIT_OK)
}
