//! Reading the CSV files users hand us (rosters, admin-console exports, exceptions, overrides):
//! UTF-8 with or without BOM, CRLF or LF, RFC 4180 quoting, comma / semicolon / tab, with the line
//! number of every row kept for messages. Writing CSV lives in `report::csv`.

use std::path::Path;

/// A delimited file: header names and rows, each with the line it starts on (header = line 1
/// unless title lines precede it).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A delimited file that cannot be read: the file is named once, as a field; `failure` says why.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {failure}")]
pub struct TableError {
    pub file: String,
    pub failure: TableFailure,
}

#[derive(Debug, thiserror::Error)]
pub enum TableFailure {
    #[error("cannot read it: {0}")]
    Io(std::io::Error),
    #[error("not UTF-8 (byte {0}); save it as UTF-8 (with or without BOM)")]
    Encoding(usize),
    #[error("line {line}: {detail}")]
    Syntax { line: usize, detail: String },
    #[error("the file is empty (expected a header row)")]
    Empty,
}

impl TableError {
    pub fn new(file: &str, failure: TableFailure) -> TableError {
        TableError { file: file.into(), failure }
    }
}

/// The text of a file with a UTF-8 BOM removed.
pub fn read_text(path: &Path) -> Result<String, TableError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TableError::new(&file, TableFailure::Io(source)))?;
    decode(bytes, &file)
}

/// A file's bytes mapped into memory (none for an empty file), for files of hundreds of MB that
/// are parsed once: no buffer the size of the file to fault in and copy into (a million-account
/// accounts.csv is ~250 MB; on this project's 2-core VM, fresh memory costs ~1 s a GB to touch).
/// The text is [`utf8`] of it.
pub struct Mapped(Option<memmap2::Mmap>);

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default()
    }
}

/// Maps `path` (see [`Mapped`]).
pub fn map_file(path: &Path) -> Result<Mapped, TableError> {
    let fail = |source| TableError::new(&path.display().to_string(), TableFailure::Io(source));
    let file = std::fs::File::open(path).map_err(fail)?;
    if file.metadata().map_err(fail)?.len() == 0 {
        return Ok(Mapped(None));
    }
    // SAFETY: the map is read-only and lives no longer than the parse of the file. Its contents
    // change should another process write the file meanwhile (the evidence files this maps are
    // written once, by this tool, renamed into place and never written again: a new version is
    // a new file, and the mapped one stays as it was).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(fail)?;
    Ok(Mapped(Some(map)))
}

/// `bytes` as text, a UTF-8 BOM left out.
pub fn utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, TableError> {
    std::str::from_utf8(&bytes[bom_len(bytes)..]).map_err(|e| not_utf8(file, e))
}

/// `bytes` as text, a UTF-8 BOM left out (the owned form of [`utf8`]).
pub fn decode(mut bytes: Vec<u8>, file: &str) -> Result<String, TableError> {
    bytes.drain(..bom_len(&bytes));
    String::from_utf8(bytes).map_err(|e| not_utf8(file, e.utf8_error()))
}

/// The length of a UTF-8 BOM at the start of `bytes` (0 without one).
fn bom_len(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

fn not_utf8(file: &str, e: std::str::Utf8Error) -> TableError {
    TableError::new(file, TableFailure::Encoding(e.valid_up_to()))
}

/// Streams delimited text: `header` turns the first record into what `row` needs, then `row` gets
/// every other record with the line it starts on (the header is on `first_line`). Nothing but the
/// current record is held.
pub fn stream<H, E: From<TableError>>(
    text: &str,
    delimiter: u8,
    first_line: usize,
    file: &str,
    header: impl FnOnce(Vec<String>) -> Result<H, E>,
    mut row: impl FnMut(&H, usize, &csv::StringRecord) -> Result<(), E>,
) -> Result<H, E> {
    let mut header = Some(header);
    let mut state: Option<H> = None;
    records(text, delimiter, first_line, file, |line, record| {
        if let Some(h) = &state {
            return row(h, line, record);
        }
        let fields = header_fields(record, file)?;
        let make = header.take().expect("the header comes once");
        state = Some(make(fields)?);
        Ok(())
    })?;
    state.ok_or_else(|| E::from(TableError::new(file, TableFailure::Empty)))
}

/// Every record of `text` to `row`, with the line it starts on (`text` starts on `first_line`).
fn records<E: From<TableError>>(
    text: &str,
    delimiter: u8,
    first_line: usize,
    file: &str,
    mut row: impl FnMut(usize, &csv::StringRecord) -> Result<(), E>,
) -> Result<(), E> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // Line numbers from byte offsets: the offset of a record is exact, csv's own line counter is not.
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let bytes = text.as_bytes();
    let line_at = |byte: u64| {
        // csv reports a record as starting right after the previous one's `\r`; step over the
        // line ending to the record's first byte.
        let mut b = byte as usize;
        while b < bytes.len() && (bytes[b] == b'\r' || bytes[b] == b'\n') {
            b += 1;
        }
        newlines.partition_point(|nl| *nl < b) + first_line
    };
    let mut record = csv::StringRecord::new();
    let mut index = 0usize;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            E::from(TableError::new(
                file,
                TableFailure::Syntax {
                    line: e.position().map(|p| line_at(p.byte())).unwrap_or(0),
                    detail: format!("{e} (check the quoting of that row)"),
                },
            ))
        })?;
        if !more {
            return Ok(());
        }
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(index + first_line);
        row(line, &record)?;
        index += 1;
    }
}

/// Streams a large CSV that this tool wrote in `pieces` pieces side by side: `header` turns the
/// header into what `row` needs; each piece's records go to `row` (with a state made by `piece`
/// and the record's line) on a thread of their own, and the pieces' states come back in the file's
/// order. A piece starts after a line break outside quotes: an even number of `"` before it, which
/// holds for RFC 4180 text as this tool writes it (every field with a quote is quoted).
pub fn stream_in_pieces<H: Sync, S: Send, E: From<TableError> + Send>(
    text: &str,
    pieces: usize,
    file: &str,
    header: impl FnOnce(Vec<String>) -> Result<H, E>,
    piece: impl Fn() -> S + Sync,
    row: impl Fn(&H, &mut S, usize, &csv::StringRecord) -> Result<(), E> + Sync,
) -> Result<(H, Vec<S>), E> {
    let (fields, start) = header_and_end(text, b',', 1, file)?;
    let h = header(fields)?;
    let body = &text[start..];
    let first_line = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count();
    let cuts = record_cuts(body, pieces);
    let read = |i: usize| -> Result<S, E> {
        let (from, lines) = cuts[i];
        let to = cuts.get(i + 1).map_or(body.len(), |c| c.0);
        let mut state = piece();
        records(&body[from..to], b',', first_line + lines, file, |line, r| row(&h, &mut state, line, r))?;
        Ok(state)
    };
    let states: Vec<Result<S, E>> = if cuts.len() == 1 {
        vec![read(0)]
    } else {
        std::thread::scope(|scope| {
            let read = &read;
            let handles: Vec<_> = (0..cuts.len()).map(|i| scope.spawn(move || read(i))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    };
    let states = states.into_iter().collect::<Result<Vec<S>, E>>()?;
    Ok((h, states))
}

/// Where `text` (records, no header) can be cut into about `pieces` pieces of whole records: each
/// piece's byte offset and how many line breaks precede it. A cut follows a line break with an even
/// number of `"` before it (not inside a quoted field).
pub fn record_cuts(text: &str, pieces: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut cuts = vec![(0, 0)];
    let (mut at, mut quotes, mut lines) = (0usize, 0usize, 0usize);
    for k in 1..pieces.max(1) {
        let target = bytes.len() / pieces * k;
        if target <= at {
            continue;
        }
        quotes += memchr::memchr_iter(b'"', &bytes[at..target]).count();
        lines += memchr::memchr_iter(b'\n', &bytes[at..target]).count();
        at = target;
        // The next line break outside quotes.
        let mut cut = None;
        while let Some(i) = memchr::memchr2(b'"', b'\n', &bytes[at..]) {
            at += i + 1;
            if bytes[at - 1] == b'"' {
                quotes += 1;
            } else {
                lines += 1;
                if quotes % 2 == 0 {
                    cut = Some(at);
                    break;
                }
            }
        }
        match cut {
            Some(c) if c < bytes.len() => cuts.push((c, lines)),
            _ => break,
        }
    }
    cuts
}

/// The first record of delimited text (the header), as [`stream`] reads it: an error for a
/// syntax error on it or an empty one.
pub fn header(text: &str, delimiter: u8, first_line: usize, file: &str) -> Result<Vec<String>, TableError> {
    header_and_end(text, delimiter, first_line, file).map(|(fields, _)| fields)
}

/// The header's names, and the byte offset where the records after it start.
fn header_and_end(text: &str, delimiter: u8, first_line: usize, file: &str) -> Result<(Vec<String>, usize), TableError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let more = reader.read_record(&mut record).map_err(|e| {
        TableError::new(file, TableFailure::Syntax { line: first_line, detail: format!("{e} (check the quoting of that row)") })
    })?;
    if !more {
        return Err(TableError::new(file, TableFailure::Empty));
    }
    let end = (reader.position().byte() as usize).min(text.len());
    Ok((header_fields(&record, file)?, end))
}

/// A header record's names; an error when it names nothing.
fn header_fields(record: &csv::StringRecord, file: &str) -> Result<Vec<String>, TableError> {
    let fields: Vec<String> = record.iter().map(str::to_string).collect();
    if fields.is_empty() || fields.iter().all(|h| h.trim().is_empty()) {
        return Err(TableError::new(file, TableFailure::Empty));
    }
    Ok(fields)
}

/// Parses delimited text whose first record is the header. `first_line` is the line number of
/// that header in the file.
pub fn parse(text: &str, delimiter: u8, first_line: usize, file: &str) -> Result<Table, TableError> {
    let mut rows = Vec::new();
    let headers = stream::<Vec<String>, TableError>(text, delimiter, first_line, file, Ok, |_, line, r| {
        rows.push((line, r.iter().map(str::to_string).collect()));
        Ok(())
    })?;
    Ok(Table { headers, rows })
}

/// Reads a whole delimited file; the delimiter is given or detected from the header line.
pub fn read_file(path: &Path, delimiter: Option<u8>) -> Result<Table, TableError> {
    let text = read_text(path)?;
    let d = delimiter.unwrap_or_else(|| detect_delimiter(text.lines().next().unwrap_or("")));
    parse(&text, d, 1, &path.display().to_string())
}

/// Picks the delimiter from a header line: the most frequent of comma, semicolon and tab.
pub fn detect_delimiter(line: &str) -> u8 {
    let count = |c: char| line.chars().filter(|x| *x == c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// The configured delimiter as a byte (`\\t` means tab; none, or an empty one, is detected).
pub fn delimiter_byte(configured: Option<&str>) -> Option<u8> {
    configured.and_then(|d| if d == "\\t" { Some(b'\t') } else { d.as_bytes().first().copied() })
}

/// Index of a header, compared trimmed and case-insensitively.
pub fn column_of(headers: &[String], name: &str) -> Option<usize> {
    let want = name.trim().to_lowercase();
    headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase() == want)
}

impl Table {
    /// Index of a header, compared trimmed and case-insensitively.
    pub fn column(&self, name: &str) -> Option<usize> {
        column_of(&self.headers, name)
    }

    /// The trimmed cell, empty when the column is absent or the row is short.
    pub fn cell(fields: &[String], col: Option<usize>) -> &str {
        col.and_then(|c| fields.get(c)).map(|s| s.trim()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_with_commas_quotes_and_newlines_keep_line_numbers() {
        let text = "a,b\r\n1,\"x, \"\"y\"\"\nz\"\r\n2,w\r\n";
        let t = parse(text, b',', 1, "f.csv").unwrap();
        assert_eq!(t.rows[0], (2, vec!["1".to_string(), "x, \"y\"\nz".to_string()]));
        assert_eq!(t.rows[1].0, 4);
    }

    /// Every record with its line, read in `pieces` pieces, in the file's order.
    fn in_pieces(text: &str, pieces: usize) -> Result<Table, TableError> {
        let (headers, parts) = stream_in_pieces::<Vec<String>, Vec<(usize, Vec<String>)>, TableError>(
            text,
            pieces,
            "f.csv",
            Ok,
            Vec::new,
            |_, rows, line, r| {
                rows.push((line, r.iter().map(str::to_string).collect()));
                Ok(())
            },
        )?;
        Ok(Table { headers, rows: parts.into_iter().flatten().collect() })
    }

    proptest::proptest! {
        /// Pieces are cut between records, never inside a quoted field: read in 1 to 5 pieces,
        /// a file written by the csv crate (quotes, commas and line breaks in fields, CRLF or LF)
        /// gives the same records on the same lines as read in one.
        #[test]
        fn a_csv_read_in_pieces_is_the_csv_read_whole(
            rows in proptest::collection::vec(proptest::collection::vec("[a\",\n\r ]{0,5}", 3), 0..40),
            crlf in proptest::bool::ANY,
        ) {
            let mut w = csv::WriterBuilder::new()
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            w.write_record(["a", "b", "c"]).unwrap();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let whole = parse(&text, b',', 1, "f.csv").unwrap();
            for pieces in 1..=5 {
                let read = in_pieces(&text, pieces).unwrap();
                proptest::prop_assert_eq!(&read.headers, &whole.headers);
                proptest::prop_assert_eq!(&read.rows, &whole.rows, "{} pieces of {:?}", pieces, text);
            }
        }
    }

    #[test]
    fn records_of_later_pieces_keep_their_lines_and_an_empty_file_is_refused() {
        let mut text = "a,b\n".to_string();
        for i in 0..50 {
            text += &format!("{i},\"x\ny\"\n");
        }
        text += "z,w\n";
        assert_eq!(record_cuts(&text[4..], 3).len(), 3);
        let records = in_pieces(&text, 3).unwrap().rows;
        assert_eq!(records.len(), 51);
        assert_eq!(records[40], (82, vec!["40".to_string(), "x\ny".to_string()]));
        assert_eq!(records[50], (102, vec!["z".to_string(), "w".to_string()]));
        assert!(matches!(in_pieces("", 2), Err(TableError { failure: TableFailure::Empty, .. })));
        assert_eq!(in_pieces("a,b\n", 2).unwrap().rows, vec![]);
        // One record: no cut falls inside it.
        assert_eq!(record_cuts("\"1\n2\n3\n4\"\n", 4), vec![(0, 0)]);
    }

    #[test]
    fn bom_is_removed_and_bad_utf8_is_named() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b".to_vec(), "f").unwrap(), "a,b");
        let e = decode(b"a,\xff".to_vec(), "f.csv").unwrap_err().to_string();
        assert!(e.contains("f.csv") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn unterminated_quote_is_reported_with_its_line() {
        // csv treats an unterminated quote as running to the end; a short row after it is fine,
        // so check the error path through a UTF-8 failure inside a record instead.
        assert!(parse("a\n", b',', 1, "f").unwrap().rows.is_empty());
        assert!(matches!(parse("", b',', 1, "f"), Err(TableError { failure: TableFailure::Empty, .. })));
    }
}
