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
use rust_xlsxwriter::{DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::input::ReportInput;
use crate::files::{self, FileDigest};
use crate::findings::{col_name as f, CATEGORIES, REASON, RECOMMENDATION, RECOMMENDATIONS};
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
/// A campaign packet's sheets: the accounts its reviewer certifies, and those listed for information.
pub const CERTIFY_SHEET: &str = "Accounts to certify";
pub const INFORMATION_SHEET: &str = "For information";
/// The column a delegate fills with the assigned reviewer's email when deciding in their place.
pub const DELEGATED_BY: &str = "delegated_by";

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
const ACCOUNT_SHEET_COLUMNS: [&str; 17] = [
    a::APP,
    a::ACCOUNT_ID,
    a::USERNAME,
    a::EMAIL,
    a::DISPLAY_NAME,
    RECOMMENDATION,
    REASON,
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

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new().set_bold().set_background_color("#EAEDED"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap(),
            summary: Format::new().set_bold().set_text_wrap(),
            revoke: Format::new().set_background_color(REVOKE_FILL),
            revoke_wrap: Format::new().set_background_color(REVOKE_FILL).set_text_wrap(),
        }
    }
}

/// The width of the reason column (characters); a longer reason wraps onto more lines.
const REASON_WIDTH: f64 = 60.0;

/// The height (points) of a row whose `text` wraps in a column `width` characters wide.
fn wrapped_height(text: &str, width: f64) -> f64 {
    // A column of width w shows about 1.1 w characters of proportional text.
    let lines = (text.chars().count() as f64 / (width * 1.1)).ceil().max(1.0);
    15.0 * lines
}

/// A new workbook, compressed for speed: deflate level 1 instead of the zip crate's 6 (measured on
/// campaign packets: a third less time to write, files about 45% larger). Most of a workbook's
/// writing time is the compression of its XML, and these files are read by people, not archived
/// by the million.
fn new_workbook() -> Workbook {
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(1);
    workbook
}

/// A packet's streamed sheets keep their rows in a scratch file until the workbook is saved
/// (rust_xlsxwriter's constant memory). A packet holds a reviewer's few dozen accounts, and a
/// campaign writes tens of thousands of packets: their scratch files go to memory (`/dev/shm`,
/// where the system has it and it takes a file), not to a disk file system, where making, writing,
/// reading back and dropping ~40k files was ~8% of a 1M-account plan (perf). A packet of more rows
/// than this keeps the default temporary directory, and a format on every cell of a revoke row
/// ([`Fill::Cells`]: a small packet's row formats are held until it is saved).
const PACKET_ROWS_IN_MEMORY: usize = 20_000;

/// The in-memory directory for small packets' scratch files, if this system has one.
fn packet_scratch_dir() -> Option<&'static Path> {
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        (cfg!(target_os = "linux") && tempfile::tempfile_in(shm).is_ok()).then(|| shm.to_path_buf())
    })
    .as_deref()
}

/// The fill of a row recommended for revocation (a light red: the row a reviewer looks at first).
const REVOKE_FILL: &str = "#FADBD8";

struct Styles {
    /// The counts that open a packet's Instructions sheet.
    summary: Format,
    /// A row recommended for revocation, and its wrapped reason.
    revoke: Format,
    revoke_wrap: Format,
    header: Format,
    date: Format,
    wrap: Format,
}

/// Writes rows into sheets named after `base_name`: a header, then the rows, continuing on
/// "name (2)"... past Excel's row limit; each sheet gets filters, a frozen header and the
/// validation of the reviewer's columns when it is full or when [`SheetWriter::finish`] is called.
struct SheetWriter<'a> {
    workbook: &'a mut Workbook,
    taken: &'a mut Vec<String>,
    styles: &'a Styles,
    header: &'a [String],
    base_name: &'a str,
    part: usize,
    /// The sheet being written (index in the workbook) and its data rows so far.
    index: usize,
    rows: usize,
    /// The columns of the reason (wrapped) and of the recommendation (a revoke row is filled).
    reason: Option<usize>,
    recommendation: Option<usize>,
    fill: Fill,
}

/// How a revoke row is filled and a reason wrapped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// A format on every cell of a revoke row and on every reason: a sheet of any size (a row's
    /// format is kept by rust_xlsxwriter until the workbook is saved, a copy per row).
    Cells,
    /// The revoke row's own format, and the reason column's: a packet's few dozen rows. A format
    /// is looked up (hashed whole) per revoke row, not per cell (~5% of a 1M-account plan's
    /// samples), and no blank cell carries the fill (the 1M plan's packets: 975 MB -> 502 MB).
    Row,
}

impl<'a> SheetWriter<'a> {
    /// A writer of sheets named after `base_name`. Every sheet is streamed (rust_xlsxwriter's
    /// constant memory: rows written as they come, strings inline): for a large sheet the memory
    /// stays flat, and for a packet's small ones it is the cheaper way too (no shared-string table,
    /// no thread per sheet at save; measured: a third less time per packet).
    fn start(
        workbook: &'a mut Workbook,
        taken: &'a mut Vec<String>,
        styles: &'a Styles,
        header: &'a [String],
        base_name: &'a str,
        fill: Fill,
    ) -> Result<Self, XlsxError> {
        let at = |name: &str| header.iter().position(|h| h == name);
        let (reason, recommendation) = (at(REASON), at(RECOMMENDATION));
        let mut w = SheetWriter { workbook, taken, styles, header, base_name, part: 0, index: 0, rows: 0, reason, recommendation, fill };
        w.next_sheet()?;
        Ok(w)
    }

    fn next_sheet(&mut self) -> Result<(), XlsxError> {
        self.part += 1;
        let name = if self.part == 1 {
            sheet_name(self.base_name, self.taken)
        } else {
            sheet_name(&format!("{} ({})", self.base_name, self.part), self.taken)
        };
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(&name)?;
        // Printed: landscape, the header on every page; an account list two pages wide, so the
        // reason is on the first page beside the account.
        sheet.set_landscape();
        sheet.set_repeat_rows(0, 0)?;
        if self.reason.is_some() {
            sheet.set_print_fit_to_pages(2, 0);
        }
        for (c, h) in self.header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &self.styles.header)?;
            let width = match h.as_str() {
                REASON => REASON_WIDTH,
                f::DETAIL | f::EXCEPTION | COMMENT => 48.0,
                f::EMAIL | a::PERSON_EMAIL | REVIEWER => 26.0,
                f::FINDING_ID | f::DISPLAY_NAME | a::GROUPS | a::ADMIN_REASON | FINDINGS_OF_ACCOUNT | a::ACCOUNT_ID => 20.0,
                RECOMMENDATION => 15.0,
                DECISION | DECIDED_ON => 13.0,
                _ => 14.0,
            };
            sheet.set_column_width(c as u16, width)?;
        }
        if let Some(reason) = self.reason.filter(|_| self.fill == Fill::Row) {
            sheet.set_column_format(reason as u16, &self.styles.wrap)?;
        }
        if let Some(date_col) = self.header.iter().position(|h| h == DECIDED_ON).map(|c| c as u16) {
            sheet.set_column_format(date_col, &self.styles.date)?;
            sheet.set_column_format(date_col + 1, &self.styles.wrap)?;
        }
        self.index = self.workbook.worksheets().len() - 1;
        self.rows = 0;
        Ok(())
    }

    /// One data row: the cells of the frame's columns (the reviewer's columns stay empty). The
    /// reason wraps; a row recommended for revocation is filled.
    fn row(&mut self, cells: &[Option<&str>]) -> Result<(), XlsxError> {
        if self.rows == MAX_DATA_ROWS {
            self.finish()?;
            self.next_sheet()?;
        }
        self.rows += 1;
        let (reason, recommendation) = (self.reason, self.recommendation);
        let revoke = recommendation.and_then(|i| cells.get(i).copied().flatten()) == Some(RECOMMENDATIONS[0]);
        let (styles, row) = (self.styles, self.rows as u32);
        let sheet = self.workbook.worksheet_from_index(self.index)?;
        if self.fill == Fill::Row && revoke {
            // Set before the row's height, which keeps it.
            sheet.set_row_format(row, &styles.revoke)?;
        }
        if let Some(text) = reason.and_then(|i| cells.get(i).copied().flatten()) {
            if text.chars().count() as f64 > REASON_WIDTH * 1.1 {
                sheet.set_row_height(row, wrapped_height(text, REASON_WIDTH))?;
            }
        }
        // With `Fill::Row` the row's format fills it and the column's wraps the reason (a revoke
        // row's reason needs both); with `Fill::Cells` each cell carries its own, empty ones too.
        let by_cell = self.fill == Fill::Cells;
        for (c, v) in cells.iter().enumerate() {
            let format = match (revoke, Some(c) == reason) {
                (true, true) => Some(&styles.revoke_wrap),
                (true, false) if by_cell => Some(&styles.revoke),
                (false, true) if by_cell => Some(&styles.wrap),
                _ => None,
            };
            match (v.filter(|v| !v.is_empty()), format) {
                (Some(v), Some(format)) => {
                    sheet.write_string_with_format(row, c as u16, v, format)?;
                }
                (Some(v), None) => {
                    sheet.write_string(row, c as u16, v)?;
                }
                (None, Some(format)) if revoke && by_cell => {
                    sheet.write_blank(row, c as u16, format)?;
                }
                _ => {}
            }
        }
        // The reviewer's columns of a revoke row are filled too: the row reads as one.
        if revoke && by_cell {
            for c in cells.len()..self.header.len() {
                sheet.write_blank(row, c as u16, &styles.revoke)?;
            }
        }
        Ok(())
    }

    /// Every row of `df` (its columns in order), then [`SheetWriter::finish`].
    fn write_frame(mut self, df: &DataFrame) -> Result<(), XlsxError> {
        let mut failed = None;
        super::csv::for_each_text_row(df, |cells| {
            self.row(cells).map_err(|e| {
                let message = e.to_string();
                failed = Some(e);
                std::io::Error::other(message)
            })
        })
        .map_err(|e| failed.take().unwrap_or_else(|| XlsxError::ParameterError(format!("{}: {e}", self.base_name))))?;
        self.finish()
    }

    /// Filters, frozen header and the validation of the reviewer's columns of the current sheet.
    fn finish(&mut self) -> Result<(), XlsxError> {
        let last_col = (self.header.len() - 1) as u16;
        let last_row = self.rows.max(1) as u32;
        let sheet = self.workbook.worksheet_from_index(self.index)?;
        // An account list keeps its app and account in view while the reviewer scrolls right.
        let keep_in_view = if self.header.len() > 2 && self.header[0] == a::APP && self.header[1] == a::ACCOUNT_ID { 2 } else { 0 };
        sheet.set_freeze_panes(1, keep_in_view)?;
        sheet.autofilter(0, 0, last_row, last_col)?;
        let Some(decision_col) = self.header.iter().position(|h| h == DECISION).map(|c| c as u16) else {
            return Ok(()); // a sheet for information: nothing to decide
        };
        let date_col = decision_col + 2;
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
        Ok(())
    }
}

fn frame_err(e: PolarsError) -> XlsxError {
    XlsxError::ParameterError(format!("review.xlsx: {e}"))
}

/// Writes `columns` of `df` as sheets named `base_name`, then the reviewer's columns.
fn write_frame_sheets(
    workbook: &mut Workbook,
    taken: &mut Vec<String>,
    styles: &Styles,
    base_name: &str,
    df: &DataFrame,
    columns: &[&str],
) -> Result<(), XlsxError> {
    let header: Vec<String> = columns.iter().chain(DECISION_COLUMNS.iter()).map(|s| s.to_string()).collect();
    let selected = df.select(columns.iter().copied()).map_err(frame_err)?;
    SheetWriter::start(workbook, taken, styles, &header, base_name, Fill::Cells)?.write_frame(&selected)
}

fn instructions(
    workbook: &mut Workbook,
    input: &ReportInput,
    contents: &Contents,
    taken: &mut Vec<String>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_name(INSTRUCTIONS_SHEET, taken))?;
    sheet.set_column_width(0, 120.0)?;
    let mut lines = vec![
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
    if !contents.apps_not_listed.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Apps whose accounts are not listed here (more than {} accounts, review.workbook_max_app_rows): their findings are on the category sheets, every account in accounts.csv.",
            contents.max_app_rows
        ));
        lines.extend(contents.apps_not_listed.iter().map(|a| format!("  {}: {} accounts", a.app, a.accounts)));
    }
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

/// Default of `review.workbook_max_app_rows`: an app owner's review still fits a spreadsheet;
/// past it, an app's accounts are reviewed from `accounts.csv` and the category sheets.
pub const DEFAULT_MAX_APP_ROWS: usize = 50_000;

/// One sheet of the workbook (continuation sheets of a long list included in `rows`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetContents {
    pub sheet: String,
    pub rows: usize,
}

/// An app whose accounts the workbook does not list, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppNotListed {
    pub app: String,
    pub accounts: usize,
    pub reason: String,
}

/// What `review.xlsx` lists, decided before it is written (the manifest records it, the
/// Instructions sheet says it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contents {
    pub category_sheets: Vec<SheetContents>,
    pub app_sheets: Vec<SheetContents>,
    pub apps_not_listed: Vec<AppNotListed>,
    pub max_app_rows: usize,
}

/// Rows of each app in `accounts`, every app of the coverage included (with 0).
fn accounts_per_app(input: &ReportInput, accounts: &DataFrame) -> PolarsResult<std::collections::BTreeMap<String, usize>> {
    let mut per_app: std::collections::BTreeMap<String, usize> = input.coverage.iter().map(|c| (c.app.clone(), 0)).collect();
    for app in accounts.column(a::APP)?.str()?.iter().flatten() {
        match per_app.get_mut(app) {
            Some(n) => *n += 1,
            None => {
                per_app.insert(app.to_string(), 1);
            }
        }
    }
    Ok(per_app)
}

/// What the workbook will list: every non-empty category; every app up to `max_app_rows`.
pub fn contents(input: &ReportInput, accounts: &DataFrame, categories: &CategoryFrames) -> PolarsResult<Contents> {
    let max_app_rows = input.config.review.workbook_max_app_rows.map(|n| n as usize).unwrap_or(DEFAULT_MAX_APP_ROWS);
    let category_sheets = CATEGORIES
        .iter()
        .filter_map(|c| {
            categories.get(c.name()).filter(|df| df.height() > 0).map(|df| SheetContents { sheet: c.name().into(), rows: df.height() })
        })
        .collect();
    let mut app_sheets = Vec::new();
    let mut apps_not_listed = Vec::new();
    for (app, n) in accounts_per_app(input, accounts)? {
        if n > max_app_rows {
            apps_not_listed.push(AppNotListed {
                app: app.clone(),
                accounts: n,
                reason: format!(
                    "{n} accounts, more than review.workbook_max_app_rows ({max_app_rows}): every account is in accounts.csv, its findings on the category sheets"
                ),
            });
        } else {
            app_sheets.push(SheetContents { sheet: app, rows: n });
        }
    }
    Ok(Contents { category_sheets, app_sheets, apps_not_listed, max_app_rows })
}

/// Writes `review.xlsx` at `path`: `accounts` and `categories` are the frames as exported.
pub fn write(
    path: &Path,
    input: &ReportInput,
    accounts: &DataFrame,
    categories: &CategoryFrames,
    contents: &Contents,
) -> std::io::Result<FileDigest> {
    files::write_atomic_with(path, |w| build(w, input, accounts, categories, contents).map_err(xlsx_err))
}

fn build(
    out: &mut (dyn Write + Send),
    input: &ReportInput,
    accounts: &DataFrame,
    categories: &CategoryFrames,
    contents: &Contents,
) -> Result<(), XlsxError> {
    let mut workbook = new_workbook();
    let d = input.as_of;
    use chrono::Datelike;
    let created = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{} — reviewer workbook", input.config.review.name))
            .set_author("access-audit")
            .set_creation_datetime(&created),
    );
    let styles = Styles::new();
    let mut taken: Vec<String> = Vec::new();
    instructions(&mut workbook, input, contents, &mut taken, &styles)?;

    for cat in CATEGORIES.iter() {
        let Some(df) = categories.get(cat.name()) else { continue };
        if df.height() == 0 {
            continue;
        }
        write_frame_sheets(&mut workbook, &mut taken, &styles, cat.name(), df, &FINDING_SHEET_COLUMNS)?;
    }

    // Every account of the apps listed, app by app, with the categories of its findings.
    let listed: Vec<&str> = contents.app_sheets.iter().map(|s| s.sheet.as_str()).collect();
    let mut account_columns: Vec<&str> = ACCOUNT_SHEET_COLUMNS.to_vec();
    account_columns.push(FINDINGS_OF_ACCOUNT);
    let total: usize = contents.app_sheets.iter().map(|s| s.rows).sum();
    let sorted = if total == 0 {
        None
    } else {
        let per_account = input.findings.all.clone().lazy().group_by([col(f::APP), col(f::ACCOUNT_ID)]).agg([col(f::CATEGORY)
            .unique()
            .sort(Default::default())
            .str()
            .join("; ", true)
            .alias(FINDINGS_OF_ACCOUNT)]);
        let wanted = listed.iter().fold(lit(false), |acc, app| acc.or(col(a::APP).eq(lit(*app))));
        Some(
            accounts
                .clone()
                .lazy()
                .filter(wanted)
                .join(per_account, [col(a::APP), col(a::ACCOUNT_ID)], [col(a::APP), col(a::ACCOUNT_ID)], JoinArgs::new(JoinType::Left))
                .sort([a::APP, a::ACCOUNT_ID], SortMultipleOptions::default().with_maintain_order(true))
                .collect()
                .map_err(frame_err)?,
        )
    };
    let mut start = 0usize;
    for sheet in &contents.app_sheets {
        let slice = match &sorted {
            Some(df) if sheet.rows > 0 => df.slice(start as i64, sheet.rows),
            _ => DataFrame::empty_with_schema(&accounts_schema(accounts, &account_columns)),
        };
        start += sheet.rows;
        write_frame_sheets(&mut workbook, &mut taken, &styles, &sheet.sheet, &slice, &account_columns)?;
    }
    for left_out in &contents.apps_not_listed {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(&left_out.app, &mut taken))?;
        sheet.set_column_width(0, 120.0)?;
        sheet.write_string_with_format(0, 0, format!("{}: accounts not listed in this workbook", left_out.app), &styles.header)?;
        sheet.write_string(1, 0, &left_out.reason)?;
        sheet.write_string(2, 0, "Review them from the category sheets (the accounts with findings) or from accounts.csv; raise review.workbook_max_app_rows to list them here.")?;
    }
    workbook.save_to_writer(out)
}

/// One reviewer's packet of a campaign: an Instructions sheet (`lines`), the accounts to certify
/// (`certify`: its columns, then the reviewer's columns with `reviewer` filled in) and the
/// accounts listed for information only (`information`, no decision columns).
pub struct Packet<'a> {
    pub title: &'a str,
    pub as_of: chrono::NaiveDate,
    pub lines: &'a [String],
    /// The account columns: their names and their text (one column each, every row of the plan).
    pub header: &'a [&'a str],
    pub columns: &'a [&'a StringChunked],
    /// The rows of `columns` to certify, and those listed for information.
    pub certify: &'a [usize],
    pub information: &'a [usize],
    pub reviewer: &'a str,
}
/// One reviewer's [`Packet`] as the bytes of its file.
pub fn packet_bytes(packet: &Packet) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    build_packet(&mut bytes, packet).map_err(xlsx_err)?;
    Ok(bytes)
}

fn build_packet(out: &mut (dyn Write + Send), packet: &Packet) -> Result<(), XlsxError> {
    let Packet { title, as_of, lines, header, columns, certify, information, reviewer } = *packet;
    use chrono::Datelike;
    let mut workbook = new_workbook();
    if let Some(dir) = packet_scratch_dir().filter(|_| certify.len() + information.len() <= PACKET_ROWS_IN_MEMORY) {
        // Should it refuse a file now (full), the default temporary directory serves instead.
        if workbook.set_tempdir(dir).is_err() {
            tracing::debug!("{}: scratch files in the default temporary directory", dir.display());
        }
    }
    let fill = if certify.len() + information.len() <= PACKET_ROWS_IN_MEMORY { Fill::Row } else { Fill::Cells };
    let created = ExcelDateTime::from_ymd(as_of.year() as u16, as_of.month() as u8, as_of.day() as u8)?;
    workbook.set_properties(&DocProperties::new().set_title(title).set_author("access-audit").set_creation_datetime(&created));
    let styles = Styles::new();
    let mut taken: Vec<String> = Vec::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_name(INSTRUCTIONS_SHEET, &mut taken))?;
    // One column a page wide, the lines wrapped: the summary reads on screen and on paper.
    sheet.set_column_width(0, 100.0)?;
    sheet.write_string_with_format(0, 0, title, &styles.header)?;
    for (i, l) in lines.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let format = if i == 1 { &styles.summary } else { &styles.wrap };
        // Spreadsheets do not grow a row for wrapped text they did not lay out themselves.
        sheet.set_row_height(i as u32 + 1, wrapped_height(l, 100.0))?;
        sheet.write_string_with_format(i as u32 + 1, 0, l, format)?;
    }
    // The accounts to certify, with the reviewer's columns: decision empty, reviewer filled in.
    let with_decision: Vec<String> = header.iter().copied().chain(DECISION_COLUMNS.iter().copied()).map(str::to_string).collect();
    let mut cells: Vec<Option<&str>> = Vec::with_capacity(with_decision.len());
    let mut writer = SheetWriter::start(&mut workbook, &mut taken, &styles, &with_decision, CERTIFY_SHEET, fill)?;
    for &row in certify {
        cells.clear();
        cells.extend(columns.iter().map(|c| c.get(row)));
        cells.push(None);
        cells.push(Some(reviewer));
        writer.row(&cells)?;
    }
    writer.finish()?;
    if !information.is_empty() {
        let header: Vec<String> = header.iter().map(|c| c.to_string()).collect();
        let mut writer = SheetWriter::start(&mut workbook, &mut taken, &styles, &header, INFORMATION_SHEET, fill)?;
        for &row in information {
            cells.clear();
            cells.extend(columns.iter().map(|c| c.get(row)));
            writer.row(&cells)?;
        }
        writer.finish()?;
    }
    workbook.save_to_writer(out)
}

/// The schema of the app sheets' columns (for an app without accounts).
fn accounts_schema(accounts: &DataFrame, columns: &[&str]) -> Schema {
    columns
        .iter()
        .map(|c| {
            let dtype = accounts.column(c).map(|s| s.dtype().clone()).unwrap_or(DataType::String);
            Field::new((*c).into(), dtype)
        })
        .collect()
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
