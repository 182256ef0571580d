//! `remediate`: the revocations a review decided, as per-app lists and API plans (sent with `--apply`).

use std::path::Path;

use access_audit::config::Config;
use access_audit::pipeline::PipelineError;
use access_audit::remediate;

use super::common::{display_path, evidence_key, runtime, EXIT_ERROR, EXIT_OK};

pub fn run(report: &Path, config: &Path, apply: bool, again: bool, tickets: Option<&str>) -> Result<u8, PipelineError> {
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
    let desk = tickets.and_then(remediate::Desk::parse);
    let s = runtime().block_on(remediate::remediate(report, &config, key.as_ref(), apply, desk)).map_err(|e| match e {
        remediate::TicketsOrEvidence::Evidence(e) => PipelineError::Evidence(e),
        remediate::TicketsOrEvidence::Tickets(e) => PipelineError::Usage(e.to_string()),
    })?;
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
    let mut ticket_failures = 0;
    for t in &s.tickets {
        match t.outcome.as_str() {
            "failed" => {
                ticket_failures += 1;
                tracing::error!("ticket for {} {} not opened: {}", t.group_by.replace('_', " "), t.group, t.error);
            }
            outcome => say!("ticket {} {} ({}): {} account(s) of {}, {}", t.key, outcome, t.url, t.accounts.len(), t.group, t.desk),
        }
    }
    if tickets.is_some() && s.tickets.is_empty() {
        say!("no ticket opened: no account to revoke still holds access");
    }
    say!(
        "remediation: {}{}",
        display_path(&report.join(remediate::REMEDIATION_DIR)),
        if s.signed { "; manifest signed again" } else { "" }
    );
    Ok(if s.applied.as_ref().is_some_and(|a| a.failed > 0) || ticket_failures > 0 { EXIT_ERROR } else { EXIT_OK })
}
