//! The decisions a pack records (`decisions.csv`): read back, the revocations among them, and
//! written.

use std::path::Path;

use super::error::EvidenceError;
use crate::report::review::{Decision, DECISION_COLUMNS, DECISION_COLUMNS_ADDED};

/// The accounts a pack's reviewers decided to revoke: the latest `revoke` decision per
/// (app, account), whether it was taken on the account or on one of its findings.
pub fn revocations(dir: &Path) -> Result<std::collections::BTreeMap<(String, String), Decision>, EvidenceError> {
    let path = dir.join(crate::report::DECISIONS_CSV);
    let decisions = if path.exists() { read_decisions(&path)? } else { Vec::new() };
    let mut revoked: std::collections::BTreeMap<(String, String), Decision> = std::collections::BTreeMap::new();
    for d in decisions.into_iter().filter(|d| d.decision == "revoke" && !d.app.is_empty() && !d.account_id.is_empty()) {
        let key = (d.app.clone(), d.account_id.clone());
        if revoked.get(&key).is_none_or(|e| e.decided_on <= d.decided_on) {
            revoked.insert(key, d);
        }
    }
    Ok(revoked)
}

/// Reads a `decisions.csv` written by `decisions import`.
pub fn read_decisions(path: &Path) -> Result<Vec<Decision>, EvidenceError> {
    let table =
        crate::csvio::read_file(path, Some(b',')).map_err(|e| EvidenceError::File { file: path.to_path_buf(), detail: e.to_string() })?;
    let idx: Vec<Option<usize>> = DECISION_COLUMNS.iter().map(|c| table.column(c)).collect();
    if let Some(missing) = DECISION_COLUMNS.iter().zip(&idx).find(|(c, i)| i.is_none() && !DECISION_COLUMNS_ADDED.contains(c)) {
        return Err(EvidenceError::File { file: path.to_path_buf(), detail: format!("no column {}", missing.0) });
    }
    Ok(table
        .rows
        .iter()
        .map(|(_, cells)| {
            let c = |i: usize| crate::report::csv::unneutralize(crate::csvio::Table::cell(cells, idx[i])).to_string();
            Decision {
                subject: c(0),
                finding_id: c(1),
                category: c(2),
                severity: c(3),
                app: c(4),
                account_id: c(5),
                email: c(6),
                display_name: c(7),
                decision: c(8),
                reviewer: c(9),
                decided_on: c(10),
                comment: c(11),
                source: c(12),
                recommendation: c(13),
                followed: c(14),
            }
        })
        .collect())
}

/// Every decision the pack will hold (read, merged), sorted as `decisions.csv` keeps them.
pub fn sort_decisions(rows: &mut [Decision]) {
    rows.sort_by(|x, y| (&x.app, &x.account_id, &x.subject, &x.finding_id).cmp(&(&y.app, &y.account_id, &y.subject, &y.finding_id)));
}

/// Writes `decisions.csv` (sorted rows, as [`sort_decisions`] leaves them).
pub fn write_decisions(path: &Path, rows: &[Decision]) -> std::io::Result<crate::files::FileDigest> {
    let cells: Vec<Vec<String>> = rows.iter().map(Decision::cells).collect();
    crate::report::csv::write_rows(path, &DECISION_COLUMNS, &cells)
}
