//! `diff`: what changed between two report directories (last quarter's and this one's).

use std::path::Path;

use access_audit::evidence::diff;
use access_audit::pipeline::PipelineError;

use super::common::{display_path, EXIT_OK};

pub fn run(previous: &Path, current: &Path, out: &Path) -> Result<u8, PipelineError> {
    let s = diff::diff(previous, current, out)?;
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
    say!("diff: {}", display_path(&out.join(diff::DIFF_HTML)));
    Ok(EXIT_OK)
}
