//! `campaign plan` (one workbook per reviewer over a report), `campaign remind`, `campaign status`
//! and `campaign close`.

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::pack::{CAMPAIGN_DIR, OUTBOX_DIR};
use access_audit::evidence::review::{campaign, close, remind, status};
use access_audit::notify;
use access_audit::pipeline::PipelineError;

use super::cli::NonResponseArg;
use super::common::{display_path, evidence_key, evidence_key_of, today, EXIT_CAMPAIGN_PENDING, EXIT_ERROR, EXIT_OK};

/// How many of a plan's warnings the terminal shows.
const WARNINGS_SHOWN: usize = 20;

pub fn plan(report: &Path, config: &Path) -> Result<u8, PipelineError> {
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key = evidence_key(&config)?;
    let s = campaign::plan(report, &config, key.as_ref())?;
    // A large estate can have thousands (one per person whose reviewer is not in the roster): the
    // terminal shows the first, the manifest keeps every one.
    for w in s.warnings.iter().take(WARNINGS_SHOWN) {
        tracing::warn!("campaign: {w}");
    }
    if s.warnings.len() > WARNINGS_SHOWN {
        tracing::warn!(
            "campaign: {} more warning(s); {} lists every one (campaign.warnings)",
            s.warnings.len() - WARNINGS_SHOWN,
            display_path(&report.join(access_audit::report::MANIFEST_JSON))
        );
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

/// `campaign remind`: one email per reviewer with pending accounts, sent through `[notify]` or
/// (`--dry-run`) written into `campaign/outbox/`; each recorded. Exit 1 when one failed.
pub fn remind(report: &Path, config: &Path, dry_run: bool, on: Option<chrono::NaiveDate>) -> Result<u8, PipelineError> {
    let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
    let key = evidence_key(&config)?;
    let on = on.unwrap_or_else(today);
    let (reminders, warnings) = remind::reminders(report, &config, on)?;
    for w in &warnings {
        tracing::warn!("campaign remind: {w}");
    }
    if reminders.is_empty() {
        say!("nothing to remind: no reviewer has an account pending");
        return Ok(EXIT_OK);
    }
    let from = match (&config.notify, dry_run) {
        (Some(n), _) => n.from.clone(),
        (None, true) => "access-review@invalid".to_string(),
        (None, false) => {
            return Err(PipelineError::Usage(format!(
            "{}: no [notify] section: set the SMTP server to send through (host, port, tls, username, password, from), or pass --dry-run",
            config.file.display()
        )))
        }
    };
    let mailer = match (&config.notify, dry_run) {
        (Some(n), false) => Some(notify::Mailer::smtp(n).map_err(|e| PipelineError::Usage(format!("{}: {e}", config.file.display())))?),
        _ => None,
    };
    let outbox = report.join(CAMPAIGN_DIR).join(OUTBOX_DIR);
    if dry_run {
        std::fs::create_dir_all(&outbox).map_err(|e| PipelineError::Usage(format!("{}: {e}", outbox.display())))?;
    }
    let batch = access_audit::files::Batch::new();
    let salt = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default().to_string();
    let mut sent = Vec::with_capacity(reminders.len());
    for reminder in reminders {
        let message_id = notify::message_id(&reminder, &salt);
        let (result, file) = match notify::message(&from, &reminder, &message_id) {
            Err(e) => (Err(e.to_string()), None),
            Ok(message) => match &mailer {
                Some(mailer) => (mailer.send(&message).map(|_| "sent".to_string()), None),
                None => {
                    let stem = reminder.packet.rsplit('/').next().unwrap_or("reviewer").trim_end_matches(".xlsx").to_string();
                    let name = format!("{stem}.eml");
                    match notify::write_eml(&batch, &outbox.join(&name), &message) {
                        Ok(digest) => (Ok("written".to_string()), Some((format!("{CAMPAIGN_DIR}/{OUTBOX_DIR}/{name}"), digest))),
                        Err(e) => (Err(format!("{}: {e}", outbox.join(&name).display())), None),
                    }
                }
            },
        };
        match &result {
            Ok(what) => tracing::info!(
                "{what}: {} ({} pending{})",
                reminder.reviewer,
                reminder.pending,
                reminder.cc.as_deref().map(|c| format!(", copied to {c}")).unwrap_or_default()
            ),
            Err(e) => tracing::error!("reminder to {} not sent: {e}", reminder.reviewer),
        }
        sent.push(remind::Sent { reminder, message_id, result, file });
    }
    batch.commit().map_err(|e| PipelineError::Usage(format!("{}: {e}", outbox.display())))?;
    remind::record(report, on, dry_run, &sent, key.as_ref())?;
    let failed = sent.iter().filter(|s| s.result.is_err()).count();
    let escalated = sent.iter().filter(|s| s.reminder.cc.is_some()).count();
    say!(
        "{} reminder(s) {}{}{}; recorded in {}",
        sent.len() - failed,
        if dry_run { format!("written to {}", display_path(&outbox)) } else { "sent".to_string() },
        if escalated > 0 { format!(", {escalated} copied to the reviewer's manager") } else { String::new() },
        if failed > 0 { format!(", {failed} FAILED (see above)") } else { String::new() },
        display_path(&report.join(CAMPAIGN_DIR).join(access_audit::evidence::pack::REMINDERS_JSONL))
    );
    Ok(if failed > 0 { EXIT_ERROR } else { EXIT_OK })
}
