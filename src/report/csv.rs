//! CSV outputs per SPEC §7: RFC 4180 (CRLF, quotes where needed), UTF-8 without BOM, a header
//! row, and formula-injection neutralisation: a text cell that begins with `=`, `+`, `-`, `@`,
//! tab or carriage return gets a leading `'`, unless it is a plain number.

use std::borrow::Cow;
use std::path::Path;

use polars::prelude::*;

use crate::files::{write_atomic_with, FileDigest};

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

/// `YYYY-MM-DDTHH:MM:SSZ` of a UTC timestamp in milliseconds, written into `out`.
fn push_timestamp(out: &mut String, ms: i64) {
    use std::fmt::Write;
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60);
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
fn push_date(out: &mut String, days: i64) {
    use std::fmt::Write;
    let (y, m, d) = civil_from_days(days);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One column of a chunk, ready to be read as text.
enum TextColumn {
    Text(StringChunked),
    /// Milliseconds since the epoch, UTC.
    Timestamp(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
}

/// Calls `row` for every row of `df` as text cells (timestamps RFC 3339 UTC, dates ISO, booleans
/// true/false, nulls empty), converting one chunk of rows at a time.
pub fn for_each_text_row(df: &DataFrame, mut row: impl FnMut(&[Option<&str>]) -> std::io::Result<()>) -> std::io::Result<()> {
    let err = std::io::Error::other;
    let mut offset = 0usize;
    while offset < df.height() {
        let chunk = df.slice(offset as i64, CHUNK_ROWS);
        let mut columns = Vec::with_capacity(chunk.width());
        for c in chunk.columns() {
            columns.push(match c.dtype() {
                DataType::Datetime(unit, _) => {
                    let per_ms = match unit {
                        TimeUnit::Nanoseconds => 1_000_000,
                        TimeUnit::Microseconds => 1_000,
                        TimeUnit::Milliseconds => 1,
                    };
                    let raw = c.cast(&DataType::Int64).map_err(err)?;
                    TextColumn::Timestamp(raw.i64().map_err(err)?.iter().map(|v| v.map(|v| v.div_euclid(per_ms))).collect())
                }
                DataType::Date => TextColumn::Date(c.cast(&DataType::Int32).map_err(err)?.i32().map_err(err)?.iter().collect()),
                DataType::String => TextColumn::Text(c.str().map_err(err)?.clone()),
                _ => TextColumn::Text(c.cast(&DataType::String).map_err(err)?.str().map_err(err)?.clone()),
            });
        }
        let mut iters: Vec<Option<_>> = columns.iter().map(|c| if let TextColumn::Text(t) = c { Some(t.iter()) } else { None }).collect();
        let mut scratch: Vec<String> = vec![String::new(); columns.len()];
        for r in 0..chunk.height() {
            for (i, c) in columns.iter().enumerate() {
                scratch[i].clear();
                match c {
                    TextColumn::Timestamp(v) => {
                        if let Some(ms) = v[r] {
                            push_timestamp(&mut scratch[i], ms);
                        }
                    }
                    TextColumn::Date(v) => {
                        if let Some(d) = v[r] {
                            push_date(&mut scratch[i], d as i64);
                        }
                    }
                    TextColumn::Text(_) => {}
                }
            }
            let cells: Vec<Option<&str>> = columns
                .iter()
                .zip(iters.iter_mut())
                .zip(scratch.iter())
                .map(|((c, it), buf)| match c {
                    TextColumn::Text(_) => it.as_mut().and_then(|it| it.next().flatten()),
                    TextColumn::Timestamp(_) | TextColumn::Date(_) => Some(buf.as_str()).filter(|s| !s.is_empty()),
                })
                .collect();
            row(&cells)?;
        }
        offset += CHUNK_ROWS;
    }
    Ok(())
}

/// Every row of `df` as text cells (as [`text_frame`] writes them); callers slice and select first.
pub fn text_rows(df: &DataFrame) -> PolarsResult<Vec<Vec<String>>> {
    let text = text_frame(df)?;
    let cols: Vec<&StringChunked> = text.columns().iter().map(|c| c.str()).collect::<PolarsResult<_>>()?;
    Ok((0..text.height()).map(|i| cols.iter().map(|c| c.get(i).unwrap_or("").to_string()).collect()).collect())
}

/// Undoes [`neutralize`] for a cell read back from one of our CSVs: the quote put before a
/// formula character goes; any other leading quote was in the value.
pub fn unneutralize(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(rest) => rest,
        _ => cell,
    }
}

/// Writes a frame (all its columns, in order) to `path` atomically.
pub fn write_frame(path: &Path, df: &DataFrame) -> std::io::Result<FileDigest> {
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    write_atomic_with(path, |w| {
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        out.write_record(&names)?;
        for_each_text_row(df, |cells| {
            for c in cells {
                out.write_field(neutralize(c.unwrap_or("")).as_bytes())?;
            }
            out.write_record(None::<&[u8]>)?;
            Ok(())
        })?;
        out.flush()?;
        Ok(())
    })
}

/// Writes rows of text with a header, atomically (small tables built in Rust).
pub fn write_rows(path: &Path, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<FileDigest> {
    write_streamed(path, header, |out| {
        for r in rows {
            out.row(r.iter().map(String::as_str))?;
        }
        Ok(())
    })
}

/// The rows of a CSV being written by [`write_streamed`].
pub struct RowWriter<'a, 'b> {
    out: csv::Writer<&'a mut crate::files::Out<'b>>,
}

impl RowWriter<'_, '_> {
    /// One row, its cells neutralised as every CSV output's are.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = &'c str>) -> std::io::Result<()> {
        for c in cells {
            self.out.write_field(neutralize(c).as_bytes())?;
        }
        self.out.write_record(None::<&[u8]>)?;
        Ok(())
    }
}

/// A CSV written atomically row by row, without holding its rows: `fill` writes them.
pub fn write_streamed(
    path: &Path,
    header: &[&str],
    fill: impl FnOnce(&mut RowWriter<'_, '_>) -> std::io::Result<()>,
) -> std::io::Result<FileDigest> {
    write_atomic_with(path, |w| {
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        out.write_record(header)?;
        let mut rows = RowWriter { out };
        fill(&mut rows)?;
        rows.out.flush()?;
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
    fn timestamps_and_dates_are_formatted_like_chrono() {
        for ms in [0i64, 1_798_675_200_000, -86_400_000, 951_782_400_123, 4_102_444_799_000] {
            let mut s = String::new();
            push_timestamp(&mut s, ms);
            let want = chrono::DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(s, want);
        }
        let mut s = String::new();
        push_date(&mut s, 20_819);
        assert_eq!(s, "2027-01-01");
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
