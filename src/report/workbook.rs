//! `review.xlsx`: the reviewer workbook. One sheet per finding category, one per app (every
//! account of it), each with a frozen header, filters, and the reviewer's columns: a
//! `decision` limited to keep / revoke / modify, `reviewer`, `decided_on` (a date) and `comment`.
//! `decisions import` reads the filled workbook back (`evidence::decisions`).
//!
//! Owns: the workbook's layout, which is also the import's contract (the column names below).
//! Must not: hold the whole workbook in memory (sheets are written row by row, constant memory)
//! or read the clock (the document date is the review's as_of, so the file is reproducible).

use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::ReportInput;
use crate::files::{self, FileDigest};
use crate::findings::{col_name as f, CATEGORIES};
use crate::model::account as a;

pub const REVIEW_XLSX: &str = "review.xlsx";

/// The reviewer's columns, at the right of every sheet.
pub const DECISION: &str = "decision";
pub const REVIEWER: &str = "reviewer";
pub const DECIDED_ON: &str = "decided_on";
pub const COMMENT: &str = "comment";
pub const DECISION_COLUMNS: [&str; 4] = [DECISION, REVIEWER, DECIDED_ON, COMMENT];
/// The values a decision may take.
pub const DECISIONS: [&str; 3] = ["keep", "revoke", "modify"];
pub const INSTRUCTIONS_SHEET: &str = "Instructions";

/// Finding sheets: these columns of the findings frame.
const FINDING_SHEET_COLUMNS: [&str; 12] = [
    f::FINDING_ID,
    f::SEVERITY,
    f::CATEGORY,
    f::APP,
    f::ACCOUNT_ID,
    f::EMAIL,
    f::DISPLAY_NAME,
    f::PERSON_STATUS,
    f::DETAIL,
    f::EXCEPTED,
    f::EXCEPTION,
    a::APP_COMPLETE,
];

/// App sheets: these account columns, then the account's finding categories.
const ACCOUNT_SHEET_COLUMNS: [&str; 15] = [
    a::APP,
    a::ACCOUNT_ID,
    a::USERNAME,
    a::EMAIL,
    a::DISPLAY_NAME,
    a::STATUS,
    a::ACCOUNT_TYPE,
    a::IS_ADMIN,
    a::ADMIN_REASON,
    a::GROUPS,
    a::LAST_LOGIN_AT,
    a::PERSON_EMAIL,
    a::PERSON_STATUS,
    a::MATCH_METHOD,
    a::APP_COMPLETE,
];
pub const FINDINGS_OF_ACCOUNT: &str = "findings";

/// Data rows per sheet: Excel's 1,048,576 rows less the header. A longer list continues on
/// "name (2)", "name (3)", ...
const MAX_DATA_ROWS: usize = 1_048_575;

fn xlsx_err(e: XlsxError) -> std::io::Error {
    std::io::Error::other(format!("review.xlsx: {e}"))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, no leading or trailing
/// apostrophe, unique (case-insensitively) among `taken`.
pub fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted.chars().map(|c| if "[]:*?/\\".contains(c) || c.is_control() { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').trim();
    let clean = if clean.is_empty() { "sheet" } else { clean };
    let fits = |s: &str, max: usize| s.chars().take(max).collect::<String>();
    let mut name = fits(clean, 31);
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) || name.eq_ignore_ascii_case("history") {
        let suffix = format!(" ({n})");
        name = format!("{}{suffix}", fits(clean, 31 - suffix.chars().count()));
        n += 1;
    }
    taken.push(name.clone());
    name
}

struct Styles {
    header: Format,
    date: Format,
    wrap: Format,
}

/// Writes a header, then rows from `rows`, over as many sheets as needed; adds the filters,
/// frozen header and validation of the reviewer's columns.
fn write_sheets(
    workbook: &mut Workbook,
    base_name: &str,
    taken: &mut Vec<String>,
    header: &[String],
    styles: &Styles,
    rows: &mut dyn Iterator<Item = Result<Vec<String>, XlsxError>>,
) -> Result<(), XlsxError> {
    let mut rows = rows.peekable();
    let mut part = 0;
    loop {
        part += 1;
        let name = if part == 1 { sheet_name(base_name, taken) } else { sheet_name(&format!("{base_name} ({part})"), taken) };
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(&name)?;
        let n = fill_sheet(sheet, header, styles, &mut rows)?;
        if n < MAX_DATA_ROWS || rows.peek().is_none() {
            return Ok(());
        }
    }
}

fn fill_sheet(
    sheet: &mut Worksheet,
    header: &[String],
    styles: &Styles,
    rows: &mut std::iter::Peekable<&mut dyn Iterator<Item = Result<Vec<String>, XlsxError>>>,
) -> Result<usize, XlsxError> {
    let last_col = (header.len() - 1) as u16;
    let decision_col = header.iter().position(|h| h == DECISION).unwrap_or(0) as u16;
    let date_col = decision_col + 2;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &styles.header)?;
        let width = match h.as_str() {
            f::DETAIL | f::EXCEPTION | COMMENT | a::GROUPS | a::ADMIN_REASON => 48.0,
            f::FINDING_ID | f::EMAIL | a::PERSON_EMAIL | f::DISPLAY_NAME | REVIEWER => 26.0,
            DECISION | DECIDED_ON => 12.0,
            _ => 16.0,
        };
        sheet.set_column_width(c as u16, width)?;
    }
    sheet.set_column_format(date_col, &styles.date)?;
    sheet.set_column_format(date_col + 1, &styles.wrap)?;
    let mut n = 0usize;
    while n < MAX_DATA_ROWS {
        let Some(row) = rows.next() else { break };
        let row = row?;
        n += 1;
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(n as u32, c as u16, v)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = n.max(1) as u32;
    sheet.autofilter(0, 0, last_row, last_col)?;
    let decision = DataValidation::new()
        .allow_list_strings(&DECISIONS)?
        .set_input_title("Decision")?
        .set_input_message("keep, revoke or modify")?
        .set_error_title("Not a decision")?
        .set_error_message("Choose keep, revoke or modify.")?;
    sheet.add_data_validation(1, decision_col, last_row, decision_col, &decision)?;
    let date = DataValidation::new()
        .allow_date(DataValidationRule::Between(ExcelDateTime::from_ymd(2000, 1, 1)?, ExcelDateTime::from_ymd(2099, 12, 31)?))
        .set_input_title("Decided on")?
        .set_input_message("The date of the decision (YYYY-MM-DD)")?
        .set_error_title("Not a date")?
        .set_error_message("Enter the date of the decision as a date, e.g. 2027-01-15.")?;
    sheet.add_data_validation(1, date_col, last_row, date_col, &date)?;
    Ok(n)
}

fn frame_err(e: PolarsError) -> XlsxError {
    XlsxError::ParameterError(format!("review.xlsx: {e}"))
}

/// Text rows of `df` in `columns` order, chunk by chunk, each with `extra` empty cells after.
fn frame_rows<'a>(df: &'a DataFrame, columns: &'a [&'a str], extra: usize) -> impl Iterator<Item = Result<Vec<String>, XlsxError>> + 'a {
    let chunk = 50_000usize;
    (0..df.height()).step_by(chunk).flat_map(move |offset| {
        let rows = df.slice(offset as i64, chunk).select(columns.iter().copied()).and_then(|d| super::csv::text_rows(&d));
        match rows {
            Ok(rows) => rows
                .into_iter()
                .map(|mut r| {
                    r.extend(std::iter::repeat_n(String::new(), extra));
                    Ok(r)
                })
                .collect::<Vec<_>>(),
            Err(e) => vec![Err(frame_err(e))],
        }
    })
}

fn instructions(workbook: &mut Workbook, input: &ReportInput, taken: &mut Vec<String>, styles: &Styles) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(sheet_name(INSTRUCTIONS_SHEET, taken))?;
    sheet.set_column_width(0, 120.0)?;
    let lines = [
        format!("{} — access review as of {}", input.config.review.name, input.as_of.format("%Y-%m-%d")),
        String::new(),
        "One sheet per finding category and one per app (every account of it). For each row you review, fill in:".into(),
        "  decision: keep (the access is right), revoke (remove it) or modify (change it; say how in the comment)".into(),
        "  reviewer: who decided (an email address)".into(),
        "  decided_on: the date of the decision".into(),
        "  comment: why; required for modify".into(),
        String::new(),
        "Leave rows you did not review empty. Do not change the other columns: finding_id (or app + account_id) says what the decision is about.".into(),
        "Then record the decisions in the evidence pack:  access-audit decisions import review.xlsx --report <this report directory>".into(),
        "The import checks every row (unknown finding ids, missing reviewer or date, bad values) and names the sheet and row of each problem.".into(),
    ];
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            sheet.write_string_with_format(0, 0, l, &styles.header)?;
        } else if !l.is_empty() {
            sheet.write_string(i as u32, 0, l)?;
        }
    }
    Ok(())
}

/// The findings of each category as exported (with `app_complete`), by category name.
pub type CategoryFrames<'a> = std::collections::BTreeMap<&'a str, DataFrame>;

/// Writes `review.xlsx` at `path`: `accounts` and `categories` are the frames as exported.
pub fn write(path: &Path, input: &ReportInput, accounts: &DataFrame, categories: &CategoryFrames) -> std::io::Result<FileDigest> {
    let bytes = build(input, accounts, categories).map_err(xlsx_err)?;
    files::write_atomic_with(path, |w| w.write_all(&bytes))
}

fn build(input: &ReportInput, accounts: &DataFrame, categories: &CategoryFrames) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let d = input.as_of;
    use chrono::Datelike;
    let created = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{} — reviewer workbook", input.config.review.name))
            .set_author("access-audit")
            .set_creation_datetime(&created),
    );
    let styles = Styles {
        header: Format::new().set_bold().set_background_color("#EAEDED"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        wrap: Format::new().set_text_wrap(),
    };
    let mut taken: Vec<String> = Vec::new();
    instructions(&mut workbook, input, &mut taken, &styles)?;

    let header = |cols: &[&str]| -> Vec<String> { cols.iter().chain(DECISION_COLUMNS.iter()).map(|s| s.to_string()).collect() };
    for cat in CATEGORIES.iter() {
        let Some(df) = categories.get(cat.name()) else { continue };
        if df.height() == 0 {
            continue;
        }
        let mut rows = frame_rows(df, &FINDING_SHEET_COLUMNS, DECISION_COLUMNS.len());
        write_sheets(&mut workbook, cat.name(), &mut taken, &header(&FINDING_SHEET_COLUMNS), &styles, &mut rows)?;
    }

    // Every account, app by app, with the categories of its findings.
    let per_account = input.findings.all.clone().lazy().group_by([col(f::APP), col(f::ACCOUNT_ID)]).agg([col(f::CATEGORY)
        .unique()
        .sort(Default::default())
        .str()
        .join("; ", true)
        .alias(FINDINGS_OF_ACCOUNT)]);
    let sorted = accounts
        .clone()
        .lazy()
        .join(per_account, [col(a::APP), col(a::ACCOUNT_ID)], [col(a::APP), col(a::ACCOUNT_ID)], JoinArgs::new(JoinType::Left))
        .sort([a::APP, a::ACCOUNT_ID], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
        .map_err(frame_err)?;
    let mut account_columns: Vec<&str> = ACCOUNT_SHEET_COLUMNS.to_vec();
    account_columns.push(FINDINGS_OF_ACCOUNT);
    let app_col = sorted.column(a::APP).and_then(|c| c.str().cloned()).map_err(frame_err)?;
    // Runs of one app in the sorted frame; apps of the coverage without accounts get an empty sheet.
    let mut runs: std::collections::BTreeMap<String, (usize, usize)> = input.coverage.iter().map(|c| (c.app.clone(), (0, 0))).collect();
    let mut current: Option<(&str, usize)> = None;
    for (offset, v) in app_col.iter().chain(std::iter::once(None)).enumerate() {
        match (current, v) {
            (Some((app, _)), Some(v)) if app == v => {}
            (prev, v) => {
                if let Some((app, start)) = prev {
                    runs.insert(app.to_string(), (start, offset - start));
                }
                current = v.map(|v| (v, offset));
            }
        }
    }
    for (app, (start, len)) in &runs {
        let slice = sorted.slice(*start as i64, *len);
        let mut rows = frame_rows(&slice, &account_columns, DECISION_COLUMNS.len());
        write_sheets(&mut workbook, app, &mut taken, &header(&account_columns), &styles, &mut rows)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = vec!["admin".to_string()];
        assert_eq!(sheet_name("Admin", &mut taken), "Admin (2)");
        assert_eq!(sheet_name("a/b:c*d?[e]", &mut taken), "a_b_c_d__e_");
        let long = "x".repeat(40);
        let first = sheet_name(&long, &mut taken);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(&long, &mut taken);
        assert_eq!(second.chars().count(), 31);
        assert!(second.ends_with(" (2)"));
        assert_eq!(sheet_name("'quoted'", &mut taken), "quoted");
        assert_eq!(sheet_name("History", &mut taken), "History (2)");
    }
}
