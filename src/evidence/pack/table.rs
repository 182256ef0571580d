//! Reading one of a pack's CSVs back into columns.

use super::error::EvidenceError;
use super::open::Pack;

/// The size past which a pack's CSV is parsed in pieces side by side.
const PIECE_BYTES: usize = 8 << 20;

/// Reads columns of one of the pack's CSVs into a frame of text columns (formula quotes undone).
/// A `required` column that is missing is an error naming the file, the column and the version
/// that wrote the pack; a missing optional column comes back as empty and is named in the result.
pub fn read_pack_csv(
    pack: &Pack,
    file: &str,
    required: &[&str],
    optional: &[&str],
) -> Result<(polars::prelude::DataFrame, Vec<String>), EvidenceError> {
    use polars::prelude::*;
    let path = pack.dir.join(file);
    let fail = |e: crate::csvio::TableError| EvidenceError::File { file: path.clone(), detail: e.to_string() };
    let mapped = crate::csvio::map_file(&path).map_err(fail)?;
    let text = crate::csvio::utf8(&mapped, &path.display().to_string()).map_err(fail)?;
    let names: Vec<&str> = required.iter().chain(optional).copied().collect();
    let version = if pack.manifest.tool_version.is_empty() { "an unknown version".to_string() } else { pack.manifest.tool_version.clone() };
    // A large file is parsed in a piece per core (a million-account accounts.csv is ~250 MB).
    let pieces = if text.len() > PIECE_BYTES { crate::files::writers(8) } else { 1 };
    let (index, pieces) = crate::csvio::stream_in_pieces::<Vec<Option<usize>>, Vec<StringChunkedBuilder>, EvidenceError>(
        text,
        pieces,
        &path.display().to_string(),
        |headers| {
            let index: Vec<Option<usize>> = names.iter().map(|n| headers.iter().position(|h| h == n)).collect();
            let missing: Vec<&str> = required.iter().zip(&index).filter(|(_, i)| i.is_none()).map(|(n, _)| *n).collect();
            if !missing.is_empty() {
                return Err(EvidenceError::File {
                    file: path.clone(),
                    detail: format!(
                        "no column {} (the pack was written by access-audit {version}; this version needs {}). \
                         Regenerate it with `access-audit report --snapshot {}` and this version, or compare packs of one version",
                        missing.join(", "),
                        required.join(", "),
                        pack.dir.join("snapshot").display()
                    ),
                });
            }
            Ok(index)
        },
        // Straight into string columns: no String per cell (a million-account accounts.csv has
        // tens of millions of cells).
        || names.iter().map(|n| StringChunkedBuilder::new((*n).into(), text.len() / pieces / 200)).collect(),
        |index, values, _, record| {
            for (slot, i) in values.iter_mut().zip(index) {
                let cell = i.and_then(|i| record.get(i)).unwrap_or("");
                slot.append_value(crate::report::csv::unneutralize(cell));
            }
            Ok(())
        },
    )?;
    let mut columns: Option<Vec<Column>> = None;
    for piece in pieces {
        let piece = piece.into_iter().map(|v| v.finish().into_column());
        match &mut columns {
            None => columns = Some(piece.collect()),
            Some(all) => {
                for (column, more) in all.iter_mut().zip(piece) {
                    column.append_owned(more)?;
                }
            }
        }
    }
    let columns = columns.unwrap_or_default();
    let absent = names.iter().zip(&index).filter(|(_, i)| i.is_none()).map(|(n, _)| n.to_string()).collect();
    Ok((DataFrame::new_infer_height(columns)?, absent))
}
