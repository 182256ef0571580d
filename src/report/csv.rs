//! CSV outputs per SPEC §7: RFC 4180 (CRLF, quotes where needed), UTF-8 without BOM, a header
//! row, and formula-injection neutralisation: a text cell that begins with `=`, `+`, `-`, `@`,
//! tab or carriage return gets a leading `'`, unless it is a plain number.

use std::borrow::Cow;
use std::path::Path;

use polars::prelude::*;

use super::files::{write_atomic_with, FileDigest};

/// True for text a spreadsheet would read as a number ("-5", "+1.5e3").
fn is_plain_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) && s.parse::<f64>().is_ok()
}

/// The cell as written: neutralised against formula injection.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_plain_number(cell) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Every column as text: timestamps RFC 3339 UTC, dates ISO, booleans true/false, nulls empty.
pub fn text_frame(df: &DataFrame) -> PolarsResult<DataFrame> {
    let exprs: Vec<Expr> = df
        .schema()
        .iter()
        .map(|(name, dtype)| {
            let c = col(name.clone());
            match dtype {
                DataType::Datetime(_, _) => c.dt().strftime("%Y-%m-%dT%H:%M:%SZ"),
                DataType::Date => c.dt().strftime("%Y-%m-%d"),
                DataType::String => c,
                _ => c.cast(DataType::String),
            }
            .alias(name.clone())
        })
        .collect();
    df.clone().lazy().select(exprs).collect()
}

/// Rows converted to text at a time: bounds the memory a large frame needs while it is written.
const CHUNK_ROWS: usize = 65_536;

/// Calls `row` for every row of `df` as text cells (timestamps RFC 3339, nulls empty), converting
/// one chunk of rows at a time.
pub fn for_each_text_row(df: &DataFrame, mut row: impl FnMut(&[Option<&str>]) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut offset = 0usize;
    while offset < df.height() {
        let chunk = df.slice(offset as i64, CHUNK_ROWS);
        let text = text_frame(&chunk).map_err(std::io::Error::other)?;
        let columns: Vec<&StringChunked> =
            text.columns().iter().map(|c| c.str()).collect::<PolarsResult<_>>().map_err(std::io::Error::other)?;
        let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(columns.len());
        for _ in 0..text.height() {
            cells.clear();
            cells.extend(iters.iter_mut().map(|it| it.next().flatten()));
            row(&cells)?;
        }
        offset += CHUNK_ROWS;
    }
    Ok(())
}

/// Writes a frame (all its columns, in order) to `path` atomically.
pub fn write_frame(path: &Path, df: &DataFrame) -> std::io::Result<FileDigest> {
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    write_atomic_with(path, |w| {
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        out.write_record(&names)?;
        for_each_text_row(df, |cells| {
            out.write_record(cells.iter().map(|c| neutralize(c.unwrap_or(""))).collect::<Vec<_>>().iter().map(|c| c.as_bytes()))?;
            Ok(())
        })?;
        out.flush()?;
        Ok(())
    })
}

/// Writes rows of text with a header, atomically (small tables built in Rust).
pub fn write_rows(path: &Path, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<FileDigest> {
    write_atomic_with(path, |w| {
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        out.write_record(header)?;
        for r in rows {
            out.write_record(r.iter().map(|c| neutralize(c).into_owned()))?;
        }
        out.flush()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_numbers_do_not() {
        for (raw, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-5", "-5"),
            ("+1.5e3", "+1.5e3"),
            ("plain", "plain"),
            ("", ""),
        ] {
            assert_eq!(neutralize(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn writes_rfc4180_with_crlf_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        let df = df!("a" => ["x,y", "=1+2", "say \"hi\"\nthere"], "b" => [Some(1i64), None, Some(-3)]).unwrap();
        write_frame(&p, &df).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text, "a,b\r\n\"x,y\",1\r\n'=1+2,\r\n\"say \"\"hi\"\"\nthere\",-3\r\n");
    }

    proptest::proptest! {
        /// Whatever an app or a roster puts in a cell, the file reads back to the same text (with
        /// the neutralising quote), and no cell a spreadsheet would evaluate survives.
        #[test]
        fn any_cell_round_trips_and_never_starts_a_formula(cells in proptest::collection::vec(".{0,40}", 1..6)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("p.csv");
            let header: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            write_rows(&p, &header_refs, std::slice::from_ref(&cells)).unwrap();
            let mut reader = ::csv::ReaderBuilder::new().from_path(&p).unwrap();
            let row = reader.records().next().unwrap().unwrap();
            for (written, original) in row.iter().zip(&cells) {
                let expected = neutralize(original);
                proptest::prop_assert_eq!(written, expected.as_ref());
                if let Some(first) = written.chars().next() {
                    proptest::prop_assert!(!matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') || is_plain_number(written));
                }
            }
        }
    }
}
