//! `remediate`: the revocations a review decided, as per-app lists and API plans (sent with `--apply`).

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::remediate;
use access_audit::pipeline::PipelineError;
use access_audit::signing::EvidenceKey;

use super::{display_path, runtime, EXIT_ERROR, EXIT_OK};

pub fn run(report: &Path, config: &Path, apply: bool) -> Result<u8, PipelineError> {
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key =
        config.evidence.signing_key.as_ref().map(EvidenceKey::load).transpose().map_err(access_audit::evidence::EvidenceError::from)?;
    let s = runtime().block_on(remediate::remediate(report, &config, key.as_ref(), apply))?;
    for w in &s.warnings {
        tracing::warn!("remediate: {w}");
    }
    if s.accounts == 0 {
        say!("nothing to remediate: no account of this report is decided revoke (import the reviewers' decisions first)");
    }
    for app in &s.apps {
        say!(
            "{}: {} account(s) to revoke: {} API call(s){}{}{}",
            app.app,
            app.accounts,
            app.calls,
            app.plan_file.as_ref().map(|f| format!(" in {f}")).unwrap_or_default(),
            if app.manual > 0 { format!(", {} by hand", app.manual) } else { String::new() },
            if app.nothing_to_do > 0 { format!(", {} without access already", app.nothing_to_do) } else { String::new() },
        );
    }
    if let Some(a) = &s.applied {
        for f in &a.failures {
            tracing::error!("not revoked: {f}");
        }
        say!(
            "applied: {} call(s) succeeded, {} failed, {} skipped (every call in {}/{})",
            a.ok,
            a.failed,
            a.skipped,
            remediate::REMEDIATION_DIR,
            remediate::APPLIED_JSONL
        );
    }
    say!(
        "remediation: {}{}",
        display_path(&report.join(remediate::REMEDIATION_DIR)),
        if s.signed { "; manifest signed again" } else { "" }
    );
    Ok(if s.applied.as_ref().is_some_and(|a| a.failed > 0) { EXIT_ERROR } else { EXIT_OK })
}
