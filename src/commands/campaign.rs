//! `campaign plan` (one workbook per reviewer over a report), `campaign status` and `campaign close`.

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::pack::CAMPAIGN_DIR;
use access_audit::evidence::review::{campaign, close, status};
use access_audit::pipeline::PipelineError;

use super::cli::NonResponseArg;
use super::common::{display_path, evidence_key, evidence_key_of, today, EXIT_CAMPAIGN_PENDING, EXIT_OK};

pub fn plan(report: &Path, config: &Path) -> Result<u8, PipelineError> {
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key = evidence_key(&config)?;
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
    say!("packets: {}", display_path(&report.join(CAMPAIGN_DIR)));
    Ok(EXIT_OK)
}

pub fn status(report: &Path, on: Option<chrono::NaiveDate>, require_complete: bool, config: Option<&Path>) -> Result<u8, PipelineError> {
    let key = evidence_key_of(config)?;
    let s = status::status(report, on.unwrap_or_else(today), key.as_ref())?;
    for r in &s.reviewers {
        say!(
            "{}: {} of {} decided{}{}{}",
            r.reviewer,
            r.decided,
            r.accounts,
            if r.pending > 0 { format!(", {} pending", r.pending) } else { String::new() },
            if r.overdue > 0 { format!(" ({} overdue)", r.overdue) } else { String::new() },
            if r.kept_against_revoke > 0 {
                format!("; {} kept against a revoke recommendation", r.kept_against_revoke)
            } else {
                String::new()
            }
        );
    }
    say!(
        "campaign: {} of {} account(s) decided{}, {} pending{}{}",
        s.decided,
        s.accounts,
        if s.by_policy > 0 { format!(" by their reviewers, {} by the non-response policy", s.by_policy) } else { String::new() },
        s.pending,
        match (&s.due, s.overdue) {
            (Some(d), n) if n > 0 => format!(", {n} overdue (due {d})"),
            (Some(d), _) => format!(" (due {d})"),
            _ => String::new(),
        },
        if s.signed { "; manifest signed again" } else { "" }
    );
    Ok(if require_complete && s.pending > 0 { EXIT_CAMPAIGN_PENDING } else { EXIT_OK })
}

/// `campaign close`: the non-response policy recorded for every pending account (or, with
/// `--reopen`, taken back), then the status counted again so the report's Campaign section says so.
pub fn close(
    report: &Path,
    config: Option<&Path>,
    non_response: Option<NonResponseArg>,
    early: bool,
    on: Option<chrono::NaiveDate>,
    reopen: bool,
) -> Result<u8, PipelineError> {
    let on = on.unwrap_or_else(today);
    if reopen {
        let key = evidence_key_of(config)?;
        let s = close::reopen(report, key.as_ref())?;
        say!(
            "reopened the campaign closed on {}: {} decision(s) by policy taken back; imports are accepted again{}",
            s.closed_on,
            s.withdrawn,
            if s.signed { "; manifest signed again" } else { "" }
        );
    } else {
        let (Some(config), Some(policy)) = (config, non_response) else {
            return Err(PipelineError::Usage("campaign close needs --config and --non-response keep|revoke (or --reopen)".into()));
        };
        let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
        let key = evidence_key(&config)?;
        let policy = match policy {
            NonResponseArg::Keep => close::NonResponse::Keep,
            NonResponseArg::Revoke => close::NonResponse::Revoke,
        };
        let s = close::close(report, &config, policy, on, early, key.as_ref())?;
        say!(
            "closed{}: {} account(s) decided by their reviewers, {} decided {} by the non-response policy{}",
            if s.early { " early (before the due date)" } else { "" },
            s.by_reviewers,
            s.by_policy,
            policy.as_str(),
            if s.signed { "; manifest signed again" } else { "" }
        );
    }
    let key = evidence_key_of(config)?;
    status::status(report, on, key.as_ref())?;
    say!("report: {}", display_path(&report.join(access_audit::report::REPORT_HTML)));
    Ok(EXIT_OK)
}
