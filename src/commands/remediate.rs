//! `remediate`: the revocations a review decided, as per-app lists and API plans (sent with `--apply`).

use std::path::Path;

use access_audit::config::Config;
use access_audit::pipeline::PipelineError;
use access_audit::remediate;

use super::common::{display_path, evidence_key, runtime, EXIT_ERROR, EXIT_OK};

pub fn run(report: &Path, config: &Path, apply: bool, again: bool) -> Result<u8, PipelineError> {
    let apply = match (apply, again) {
        (false, false) => remediate::Apply::No,
        (true, false) => remediate::Apply::Pending,
        (true, true) => remediate::Apply::Again,
        (false, true) => {
            return Err(PipelineError::Usage("--again goes with --apply (it sends again what an earlier --apply revoked)".into()))
        }
    };
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key = evidence_key(&config)?;
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
        if a.already > 0 {
            say!("{} account(s) not sent again: an earlier --apply revoked them (--again sends them anyway)", a.already);
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
