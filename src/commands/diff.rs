//! `diff`: what changed between two report directories (last quarter's and this one's).

use std::path::Path;

use access_audit::config::Config;
use access_audit::evidence::diff;
use access_audit::pipeline::PipelineError;

use super::common::{display_path, runtime, EXIT_OK};

pub fn run(previous: &Path, current: &Path, out: &Path, config: Option<&Path>, offline: bool) -> Result<u8, PipelineError> {
    // The previous review's tickets, asked of their desks here (the diff itself sends nothing).
    let tickets = access_audit::evidence::pack::read_tickets(previous)?;
    let opened = tickets.iter().filter(|t| !t.key.is_empty()).count();
    let check = match (offline, config) {
        (true, _) => diff::TicketCheck::Offline,
        (false, _) if opened == 0 => diff::TicketCheck::States(Default::default()),
        (false, None) => {
            return Err(PipelineError::Usage(format!(
            "the previous review opened {opened} ticket(s): give --config (its [tickets] reads their state) or --offline (not looked up)"
        )))
        }
        (false, Some(config)) => {
            let config = Config::load(config, &access_audit::collectors::REGISTRY)?;
            diff::TicketCheck::States(runtime().block_on(access_audit::remediate::ticket_states(&config, &tickets)))
        }
    };
    let s = diff::diff(previous, current, out, &check)?;
    for n in &s.notes {
        tracing::warn!("{n}");
    }
    say!(
        "findings: {} new, {} resolved, {} still open; accounts: {} added, {} removed, {} changed; exceptions: {} expired, {} expire before the next review ({})",
        s.findings_new,
        s.findings_resolved,
        s.findings_still_open,
        s.accounts_added,
        s.accounts_removed,
        s.accounts_changed,
        s.exceptions_expired,
        s.exceptions_expiring,
        s.next_review
    );
    let checked = s.revocations_revoked + s.revocations_not_revoked + s.revocations_unverifiable;
    if checked > 0 {
        say!(
            "revocations decided in the previous review: {} revoked, {} NOT revoked, {} unverifiable",
            s.revocations_revoked,
            s.revocations_not_revoked,
            s.revocations_unverifiable
        );
    }
    if s.tickets_closed_still_live > 0 {
        tracing::error!(
            "{} account(s) still live although their revocation ticket is closed (\"ticket closed, access still there\" in {})",
            s.tickets_closed_still_live,
            diff::DIFF_REVOCATIONS_CSV
        );
    }
    say!("diff: {}", display_path(&out.join(diff::DIFF_HTML)));
    Ok(EXIT_OK)
}
