//! `campaign plan`: one workbook per reviewer over a report.

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::campaign;
use access_audit::pipeline::PipelineError;
use access_audit::signing::EvidenceKey;

use super::{display_path, EXIT_OK};

pub fn plan(report: &Path, config: &Path) -> Result<u8, PipelineError> {
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key =
        config.evidence.signing_key.as_ref().map(EvidenceKey::load).transpose().map_err(access_audit::evidence::EvidenceError::from)?;
    let s = campaign::plan(report, &config, key.as_ref())?;
    for w in &s.warnings {
        tracing::warn!("campaign: {w}");
    }
    say!(
        "planned: {} reviewer(s), {} account(s) to certify, {} listed for information{}",
        s.reviewers,
        s.accounts,
        s.information,
        if s.signed { "; manifest signed again" } else { "" }
    );
    say!("packets: {}", display_path(&report.join(campaign::CAMPAIGN_DIR)));
    Ok(EXIT_OK)
}
