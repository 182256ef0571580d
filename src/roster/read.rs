//! Reading a roster file into people: the file's layout (delimited text or a JSON body), the
//! columns of the format or preset, row by row, with the issues found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use super::presets::{FieldSpec, Preset};
use super::record::{decode_ext_upn, header_key, is_valid_email, normalize_email, person, Person, PersonStatus, RosterError, RosterIssue};
use crate::config::{Identity, RosterFormat};
use crate::dates::parse_date;
use crate::model::epoch_days;

/// The loaded roster.
#[derive(Debug, Clone)]
pub struct Roster {
    pub file: PathBuf,
    pub format: RosterFormat,
    pub people: Vec<Person>,
    pub issues: Vec<RosterIssue>,
    /// What the reader had to assume, for the report's method section.
    pub notes: Vec<String>,
    /// Every address (email and aliases) -> index in `people` (hashed with polars' foldhash: a
    /// campaign looks up several addresses per account, millions of times).
    index: PlHashMap<String, usize>,
}

/// A table read from the file: header names and rows with their line numbers.
struct RawTable<'t> {
    headers: Vec<String>,
    header_line: usize,
    rows: Rows<'t>,
    /// Lines above the header that were skipped (report titles).
    skipped_title_lines: usize,
    /// "line" or "entry" (JSON bodies).
    unit: &'static str,
}

/// The rows of a [`RawTable`]: read already (a JSON body's entries), or delimited text read one
/// row at a time as the people are built (a roster of a million people is never held as cells).
enum Rows<'t> {
    Read(Vec<(usize, Vec<String>)>),
    /// The text from the header line on.
    Delimited {
        body: &'t str,
        delimiter: u8,
    },
}

impl RawTable<'_> {
    /// Calls `f` with every row after the header and the line (or entry) it starts on.
    fn for_each_row(&self, file: &str, mut f: impl FnMut(usize, &[String]) -> Result<(), RosterError>) -> Result<(), RosterError> {
        match &self.rows {
            Rows::Read(rows) => rows.iter().try_for_each(|(line, fields)| f(*line, fields)),
            Rows::Delimited { body, delimiter } => {
                // One row's cells, their buffers reused from row to row.
                let mut fields: Vec<String> = Vec::new();
                crate::csvio::stream::<(), RosterError>(
                    body,
                    *delimiter,
                    self.header_line,
                    file,
                    |_| Ok(()),
                    |_, line, record| {
                        fields.resize_with(record.len(), String::new);
                        for (cell, value) in fields.iter_mut().zip(record.iter()) {
                            cell.clear();
                            cell.push_str(value);
                        }
                        f(line, &fields)
                    },
                )
            }
        }
    }
}

impl From<crate::csvio::TableError> for RosterError {
    fn from(e: crate::csvio::TableError) -> RosterError {
        RosterError::Format { detail: e.failure.to_string(), file: e.file }
    }
}

impl Roster {
    /// Reads the roster named by `[identity]`; `as_of` decides who is terminated by date.
    pub fn load(identity: &Identity, as_of: NaiveDate) -> Result<Roster, RosterError> {
        let file = identity.path.display().to_string();
        let bytes = std::fs::read(&identity.path).map_err(|source| RosterError::Io { file: file.clone(), source })?;
        Self::from_bytes(&bytes, &identity.path, identity, as_of)
    }

    pub fn from_bytes(bytes: &[u8], path: &Path, identity: &Identity, as_of: NaiveDate) -> Result<Roster, RosterError> {
        let file = path.display().to_string();
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| RosterError::Format {
            file: file.clone(),
            detail: format!("not UTF-8 (byte {}); save the export as UTF-8 (with or without BOM)", e.valid_up_to()),
        })?;
        let preset = Preset::for_identity(identity);
        let table = if text.trim_start().starts_with('{') || text.trim_start().starts_with('[') {
            read_json(text, &file)?
        } else {
            read_delimited(text, identity.delimiter.as_deref(), &preset, &file)?
        };
        build(table, &preset, identity, as_of, path)
    }

    /// A roster of `people` (addresses unique), indexed by every address.
    pub(super) fn with_people(
        file: PathBuf,
        format: RosterFormat,
        people: Vec<Person>,
        issues: Vec<RosterIssue>,
        notes: Vec<String>,
    ) -> Roster {
        let mut index = PlHashMap::with_capacity(people.len());
        for (i, p) in people.iter().enumerate() {
            index.insert(p.email.clone(), i);
            for a in &p.aliases {
                index.insert(a.clone(), i);
            }
        }
        Roster { file, format, people, issues, notes, index }
    }

    /// The people frame: one row per usable person, in roster order.
    pub fn people_frame(&self) -> PolarsResult<DataFrame> {
        use person::*;
        let p = &self.people;
        DataFrame::new_infer_height(vec![
            Column::new(ROW.into(), (0..p.len() as u32).collect::<Vec<u32>>()),
            Column::new(PERSON_ID.into(), p.iter().map(|x| x.person_id.as_str()).collect::<Vec<_>>()),
            Column::new(EMAIL.into(), p.iter().map(|x| x.email.as_str()).collect::<Vec<_>>()),
            Column::new(NAME.into(), p.iter().map(|x| x.name.as_str()).collect::<Vec<_>>()),
            Column::new(STATUS.into(), p.iter().map(|x| x.status.as_str()).collect::<Vec<_>>()),
            Series::new(TERMINATION_DATE.into(), p.iter().map(|x| x.termination_date.map(epoch_days)).collect::<Vec<_>>())
                .cast(&DataType::Date)?
                .into(),
            Column::new(MANAGER_EMAIL.into(), p.iter().map(|x| x.manager_email.as_deref()).collect::<Vec<_>>()),
            Column::new(DEPARTMENT.into(), p.iter().map(|x| x.department.as_deref()).collect::<Vec<_>>()),
            Column::new(LINE.into(), p.iter().map(|x| x.line as i64).collect::<Vec<_>>()),
        ])
    }

    /// The key frame: every address (email and aliases) -> person row.
    pub fn keys_frame(&self) -> PolarsResult<DataFrame> {
        let mut key = Vec::with_capacity(self.people.len());
        let mut kind = Vec::with_capacity(self.people.len());
        let mut row = Vec::with_capacity(self.people.len());
        for (i, p) in self.people.iter().enumerate() {
            key.push(p.email.as_str());
            kind.push("email");
            row.push(i as u32);
            for a in &p.aliases {
                key.push(a.as_str());
                kind.push("alias");
                row.push(i as u32);
            }
        }
        use person::*;
        DataFrame::new_infer_height(vec![Column::new(KEY.into(), key), Column::new(KEY_KIND.into(), kind), Column::new(ROW.into(), row)])
    }

    /// The person with this address (email or alias), compared trimmed and lower-cased.
    pub fn find(&self, email: &str) -> Option<&Person> {
        self.position(email).map(|i| &self.people[i])
    }

    /// Index in `people` of the person with this address.
    pub fn position(&self, email: &str) -> Option<usize> {
        let trimmed = email.trim();
        // An address already in lower case (most are) is looked up as it is: no copy to lower it.
        if trimmed.is_ascii() && !trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.index.get(trimmed).copied();
        }
        self.index.get(&normalize_email(email)).copied()
    }
}

fn read_delimited<'t>(text: &'t str, delimiter: Option<&str>, preset: &Preset, file: &str) -> Result<RawTable<'t>, RosterError> {
    // The header is the first of the first few non-empty lines that names the email column;
    // report exports often carry a title line above it.
    let mut header_offset = 0usize;
    let mut skipped = 0usize;
    let mut offset = 0usize;
    let mut found = false;
    for (seen, line) in text.split_inclusive('\n').enumerate() {
        if seen >= 10 {
            break;
        }
        let d = crate::csvio::delimiter_byte(delimiter).unwrap_or_else(|| crate::csvio::detect_delimiter(line));
        let names: Vec<String> = line.trim_end_matches(['\r', '\n']).split(d as char).map(|h| header_key(h.trim_matches('"'))).collect();
        if preset.email.matches_any(&names) || preset.fallback_email.as_ref().is_some_and(|f| f.matches_any(&names)) {
            header_offset = offset;
            found = true;
            break;
        }
        if !line.trim().is_empty() {
            skipped += 1;
        }
        offset += line.len();
    }
    if !found {
        let first = text.lines().next().unwrap_or("");
        return Err(RosterError::Format {
            file: file.into(),
            detail: format!(
                "no email column: the header{} has none of {} (set [identity] format to match the export, or map the column with [identity.columns] email = \"...\")",
                if first.is_empty() { " is empty and".to_string() } else { format!(" \"{}\"", first.chars().take(200).collect::<String>()) },
                preset.email.describe()
            ),
        });
    }
    let header_line_no = text[..header_offset].bytes().filter(|b| *b == b'\n').count() + 1;
    let body = &text[header_offset..];
    let first_line = body.lines().next().unwrap_or("");
    let d = crate::csvio::delimiter_byte(delimiter).unwrap_or_else(|| crate::csvio::detect_delimiter(first_line));
    // The header now; the rows as the people are built.
    let headers = crate::csvio::header(body, d, header_line_no, file)?;
    Ok(RawTable {
        headers,
        header_line: header_line_no,
        rows: Rows::Delimited { body, delimiter: d },
        skipped_title_lines: skipped,
        unit: "line",
    })
}

/// Workday RaaS `{"Report_Entry": [...]}`, BambooHR `{"employees": [...]}`, or a bare array.
fn read_json(text: &str, file: &str) -> Result<RawTable<'static>, RosterError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| RosterError::Format { file: file.into(), detail: format!("not valid JSON at line {}: {e}", e.line()) })?;
    let entries = match &value {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => ["Report_Entry", "employees", "data", "users"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_array()).cloned())
            .ok_or_else(|| RosterError::Format {
                file: file.into(),
                detail: "a JSON roster needs an array of people, or an object with Report_Entry (Workday RaaS) or employees (BambooHR)"
                    .into(),
            })?,
        _ => return Err(RosterError::Format { file: file.into(), detail: "a JSON roster must be an object or an array".into() }),
    };
    let mut headers: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let Some(obj) = entry.as_object() else {
            rows.push((n + 1, Vec::new()));
            continue;
        };
        let mut fields = vec![String::new(); headers.len()];
        for (k, v) in obj {
            let i = *index.entry(k.clone()).or_insert_with(|| {
                headers.push(k.clone());
                headers.len() - 1
            });
            if fields.len() <= i {
                fields.resize(i + 1, String::new());
            }
            fields[i] = json_text(v);
        }
        rows.push((n + 1, fields));
    }
    for (_, f) in rows.iter_mut() {
        f.resize(headers.len(), String::new());
    }
    Ok(RawTable { headers, header_line: 0, rows: Rows::Read(rows), skipped_title_lines: 0, unit: "entry" })
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(json_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(";"),
        serde_json::Value::Object(o) => o.values().map(json_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

fn build(table: RawTable, preset: &Preset, identity: &Identity, as_of: NaiveDate, path: &Path) -> Result<Roster, RosterError> {
    let file = path.display().to_string();
    let names: Vec<String> = table.headers.iter().map(|h| header_key(h)).collect();
    let cols = Columns::find(&names, preset, &file)?;
    let mut notes = layout_notes(&table, preset, &cols);
    let unit = table.unit;
    let reader = RowReader { cols: &cols, names: &names, preset, identity, as_of, by_line: unit == "line" };
    let mut people: Vec<Person> = Vec::new();
    let mut issues = Vec::new();
    // Every address (email and aliases) -> index in `people`: the uniqueness check, then the index.
    let mut seen: PlHashMap<String, usize> = PlHashMap::new();
    let issue = |line: usize, reason: String| RosterIssue { file: file.clone(), line, reason: format!("{unit} {line}: {reason}") };
    let mut guests = 0usize;
    table.for_each_row(&file, |line, fields| {
        let (person, guest) = match reader.read(line, fields) {
            Row::Blank => return Ok(()),
            Row::Skipped(reason, warning) => {
                issues.extend(warning.map(|w| issue(line, w)));
                issues.push(issue(line, reason));
                return Ok(());
            }
            Row::Person { person, guest, warning } => {
                if let Some(w) = warning {
                    issues.push(issue(line, w));
                }
                (person, guest)
            }
        };
        guests += guest as usize;
        // Uniqueness: an address belongs to one person.
        let email = person.email.clone();
        if let Some(&i) = seen.get(&email) {
            let (file, first) = (file.clone(), people[i].line);
            return Err(if people[i].email != email {
                RosterError::AliasCollision { file, email, first, second: line }
            } else {
                RosterError::DuplicateEmail { file, email, first, second: line }
            });
        }
        for a in &person.aliases {
            if let Some(&i) = seen.get(a) {
                return Err(RosterError::AliasCollision { file: file.clone(), email: a.clone(), first: line, second: people[i].line });
            }
        }
        let i = people.len();
        seen.insert(email, i);
        for a in &person.aliases {
            seen.insert(a.clone(), i);
        }
        people.push(person);
        Ok(())
    })?;
    if guests > 0 {
        notes.push(format!(
            "{guests} guest account(s) (#EXT#) were read with their real address (mail, alternate email, or the address inside the UPN)"
        ));
    }
    issues.extend(assign_person_ids(&mut people, &file, unit));
    issues.sort();
    Ok(Roster { file: path.to_path_buf(), format: identity.format, people, issues, notes, index: seen })
}

/// Where the roster's fields are: column positions in the header, by the preset's names.
struct Columns {
    email: usize,
    /// Entra: the UPN, used when mail is empty and kept as an alias when it differs.
    fallback_email: Option<usize>,
    guest_email: Option<usize>,
    employee_id: Option<usize>,
    name: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    status: Option<usize>,
    employment_status: Option<usize>,
    termination_date: Option<usize>,
    manager_email: Option<usize>,
    department: Option<usize>,
    aliases: Option<usize>,
    login_alias: Option<usize>,
}

impl Columns {
    fn find(names: &[String], preset: &Preset, file: &str) -> Result<Columns, RosterError> {
        let col = |spec: &FieldSpec| spec.position(names);
        let fallback = preset.fallback_email.as_ref().and_then(col);
        let (email, fallback_email) = match (col(&preset.email), fallback) {
            (Some(e), fb) => (e, fb),
            (None, Some(fb)) => (fb, None),
            (None, None) => {
                return Err(RosterError::Format {
                    file: file.to_string(),
                    detail: format!("no email column: the header has none of {}", preset.email.describe()),
                })
            }
        };
        Ok(Columns {
            email,
            fallback_email,
            guest_email: preset.guest_email.as_ref().and_then(col),
            employee_id: col(&preset.employee_id),
            name: col(&preset.name),
            first_name: preset.first_name.as_ref().and_then(col),
            last_name: preset.last_name.as_ref().and_then(col),
            status: col(&preset.status),
            employment_status: preset.employment_status.as_ref().and_then(col),
            termination_date: col(&preset.termination_date),
            manager_email: col(&preset.manager_email),
            department: col(&preset.department),
            aliases: col(&preset.aliases),
            login_alias: preset.login_alias.as_ref().and_then(col),
        })
    }
}

/// What the roster's layout means for the review: skipped title lines, and the columns it lacks.
fn layout_notes(table: &RawTable, preset: &Preset, cols: &Columns) -> Vec<String> {
    let mut notes = Vec::new();
    if table.skipped_title_lines > 0 {
        notes.push(format!(
            "{} line(s) above the header were skipped as report titles (header on line {})",
            table.skipped_title_lines, table.header_line
        ));
    }
    if cols.status.is_none() && cols.employment_status.is_none() {
        notes.push(format!(
            "the roster has no status column ({}): every person is treated as active unless a termination date on or before as_of says otherwise",
            preset.status.describe()
        ));
    }
    if cols.termination_date.is_none() {
        notes.push("the roster has no termination-date column: leavers are known only from the status column".into());
    }
    if cols.aliases.is_none() && cols.login_alias.is_none() {
        notes.push("the roster has no alias column: other addresses of a person can be linked with the overrides file".into());
    }
    notes
}

/// What one row of the roster is.
enum Row {
    Blank,
    /// Not used, and why (and a problem found before the one that stopped it).
    Skipped(String, Option<String>),
    /// A person; `guest`: read from an Entra guest UPN; `warning`: a problem that does not stop
    /// the row from being used.
    Person {
        person: Person,
        guest: bool,
        warning: Option<String>,
    },
}

/// Reads rows into people: email (guests and fallbacks), aliases, status, termination, name.
struct RowReader<'a> {
    cols: &'a Columns,
    names: &'a [String],
    preset: &'a Preset,
    identity: &'a Identity,
    as_of: NaiveDate,
    /// Delimited text (a row with the wrong number of fields is refused); JSON records are not.
    by_line: bool,
}

impl RowReader<'_> {
    fn cell(fields: &[String], c: Option<usize>) -> String {
        c.and_then(|i| fields.get(i)).map(|s| s.trim().to_string()).unwrap_or_default()
    }

    fn read(&self, line: usize, fields: &[String]) -> Row {
        let cell = Self::cell;
        let (cols, preset, identity) = (self.cols, self.preset, self.identity);
        if fields.iter().all(|f| f.trim().is_empty()) {
            return Row::Blank;
        }
        if fields.len() == self.names.len() && fields.iter().zip(self.names).all(|(f, n)| header_key(f) == *n) {
            return Row::Skipped("repeated header row (skipped)".into(), None);
        }
        if self.by_line && fields.len() != self.names.len() {
            return Row::Skipped(
                format!(
                    "the row has {} fields but the header has {}; a column is missing or an unquoted delimiter splits a value",
                    fields.len(),
                    self.names.len()
                ),
                None,
            );
        }
        let mut email_raw = cell(fields, Some(cols.email));
        let mut aliases: Vec<String> = Vec::new();
        if email_raw.is_empty() {
            if let Some(fb) = cols.fallback_email {
                email_raw = cell(fields, Some(fb));
            }
        } else if let Some(fb) = cols.fallback_email {
            // Entra: the UPN is another address of the same person when it differs from mail.
            let upn = cell(fields, Some(fb));
            if !upn.is_empty() && !upn.contains("#EXT#") {
                aliases.push(upn);
            }
        }
        let guest = email_raw.contains("#EXT#");
        if guest {
            let from_guest_column = cols.guest_email.map(|c| cell(fields, Some(c))).unwrap_or_default();
            email_raw = if !from_guest_column.is_empty() { from_guest_column } else { decode_ext_upn(&email_raw).unwrap_or(email_raw) };
        }
        if email_raw.is_empty() {
            return Row::Skipped(format!("no email ({} is empty)", preset.email.describe()), None);
        }
        let email = normalize_email(&email_raw);
        if !is_valid_email(&email) {
            return Row::Skipped(format!("malformed email \"{}\"", crate::text::clip(&email_raw, 80)), None);
        }
        if let Some(lc) = cols.login_alias {
            let login = cell(fields, Some(lc));
            if !login.is_empty() {
                aliases.push(login);
            }
        }
        let alias_text = cell(fields, cols.aliases);
        let mut bad_alias = None;
        for a in alias_text.split([';', ',', ' ']).map(str::trim).filter(|a| !a.is_empty()) {
            let a = a.strip_prefix("smtp:").or_else(|| a.strip_prefix("SMTP:")).unwrap_or(a);
            if is_valid_email(&normalize_email(a)) {
                aliases.push(a.to_string());
            } else {
                bad_alias = Some(a.to_string());
            }
        }
        let warning =
            bad_alias.map(|a| format!("alias \"{}\" is not an email address (ignored; the row is used)", crate::text::clip(&a, 80)));
        let mut aliases: Vec<String> = aliases.iter().map(|a| normalize_email(a)).filter(|a| *a != email && is_valid_email(a)).collect();
        aliases.sort();
        aliases.dedup();

        // Status: the preset's value map, then the configured status_map, then the termination date.
        let status_text = cell(fields, cols.status);
        let employment_text = cell(fields, cols.employment_status);
        let mut status = match preset.status_of(&status_text, &identity.status_map) {
            Ok(s) => s,
            Err(_) => {
                return Row::Skipped(
                    format!(
                        "unknown status \"{}\" (expected {}; map other values with [identity.status_map])",
                        crate::text::clip(&status_text, 60),
                        preset.status_values_hint()
                    ),
                    warning,
                )
            }
        };
        if !employment_text.is_empty() {
            match preset.status_of(&employment_text, &identity.status_map) {
                Ok(Some(PersonStatus::Terminated)) => status = Some(PersonStatus::Terminated),
                Ok(Some(PersonStatus::Leave)) if status != Some(PersonStatus::Terminated) => status = Some(PersonStatus::Leave),
                _ => {}
            }
        }
        let term_text = cell(fields, cols.termination_date);
        let termination_date = match parse_date(&term_text, identity.date_format.as_deref()) {
            Ok(d) => d,
            Err(_) => {
                return Row::Skipped(
                    format!(
                        "unparseable termination date \"{}\" (expected YYYY-MM-DD{}; set [identity] date_format for other layouts)",
                        crate::text::clip(&term_text, 40),
                        identity.date_format.as_deref().map(|f| format!(" or {f}")).unwrap_or_default()
                    ),
                    warning,
                )
            }
        };
        let mut status = status.unwrap_or(PersonStatus::Active);
        if termination_date.is_some_and(|d| d <= self.as_of) {
            status = PersonStatus::Terminated;
        }
        let name = {
            let n = cell(fields, cols.name);
            if !n.is_empty() {
                n
            } else {
                [cell(fields, cols.first_name), cell(fields, cols.last_name)]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let manager = cell(fields, cols.manager_email);
        let person = Person {
            person_id: cell(fields, cols.employee_id),
            email,
            name,
            status,
            termination_date,
            manager_email: if manager.is_empty() { None } else { Some(normalize_email(&manager)) },
            department: Some(cell(fields, cols.department)).filter(|s| !s.is_empty()),
            aliases,
            line,
        };
        Row::Person { person, guest, warning }
    }
}

/// person_id: the employee id where it is present and unique, else the email. Returns an issue
/// per person whose id another shares.
fn assign_person_ids(people: &mut [Person], file: &str, unit: &str) -> Vec<RosterIssue> {
    let mut id_lines: HashMap<&str, Vec<usize>> = HashMap::new();
    for p in people.iter() {
        if !p.person_id.is_empty() {
            id_lines.entry(p.person_id.as_str()).or_default().push(p.line);
        }
    }
    let shared: HashMap<String, Vec<usize>> = id_lines.into_iter().filter(|(_, l)| l.len() > 1).map(|(k, v)| (k.to_string(), v)).collect();
    let mut issues = Vec::new();
    for p in people.iter_mut() {
        if let Some(lines) = shared.get(&p.person_id) {
            issues.push(RosterIssue {
                file: file.to_string(),
                line: p.line,
                reason: format!(
                    "{unit} {}: employee id \"{}\" is shared with {unit}(s) {}; this person is identified by email instead (the row is used)",
                    p.line,
                    p.person_id,
                    lines.iter().filter(|l| **l != p.line).map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                ),
            });
            p.person_id = p.email.clone();
        } else if p.person_id.is_empty() {
            p.person_id = p.email.clone();
        }
    }
    issues
}
