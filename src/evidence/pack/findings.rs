//! Reading a pack's findings back: `findings.json` (every field), else `findings.csv` of an
//! older pack, as one frame of the columns the review commands compare and decide on.

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Deserialize;

use super::error::EvidenceError;
use super::open::Pack;
use super::table::read_pack_csv;
use crate::findings::col_name as f;

#[derive(Deserialize)]
struct FindingsDoc {
    findings: Vec<FindingRow>,
}

#[derive(Deserialize)]
struct FindingRow {
    finding_id: String,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    excepted: bool,
    #[serde(default)]
    exception: Option<String>,
    #[serde(default)]
    exception_expires: Option<String>,
}

pub const FINDING_COLUMNS: [&str; 11] = [
    f::FINDING_ID,
    f::SEVERITY,
    f::CATEGORY,
    f::APP,
    f::ACCOUNT_ID,
    f::EMAIL,
    f::DISPLAY_NAME,
    f::DETAIL,
    f::EXCEPTED,
    f::EXCEPTION,
    f::EXCEPTION_EXPIRES,
];

/// The expiry of an exception as older packs state it only in text: "... until 2027-06-30): ...".
pub fn expiry_in_text(text: &str) -> Option<String> {
    let at = text.find("until ")? + "until ".len();
    let date = text.get(at..at + 10)?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok().map(|_| date.to_string())
}

/// The findings of a pack, as a frame of [`FINDING_COLUMNS`]; what could not be read fully goes into `notes`.
pub fn read_findings(pack: &Pack, notes: &mut Vec<String>) -> Result<DataFrame, EvidenceError> {
    let json_path = pack.dir.join(crate::report::FINDINGS_JSON);
    let rows: Vec<FindingRow> = if json_path.is_file() {
        let file = std::fs::File::open(&json_path).map_err(|e| EvidenceError::File { file: json_path.clone(), detail: e.to_string() })?;
        let doc: FindingsDoc = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| EvidenceError::File {
            file: json_path.clone(),
            detail: format!("not the findings.json of access-audit ({e}); diff needs its findings"),
        })?;
        doc.findings
    } else {
        // An older or trimmed pack: the CSV has every finding but no exception text.
        notes.push(format!("{}: no findings.json; findings read from findings.csv (exceptions without their expiry)", pack.dir.display()));
        let (df, _) = read_pack_csv(pack, crate::report::FINDINGS_CSV, &[f::FINDING_ID, f::CATEGORY, f::APP], &FINDING_COLUMNS[4..9])?;
        let text = |c: &str| -> Result<Vec<Option<String>>, EvidenceError> {
            Ok(df.column(c)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
        };
        let (ids, sev, cat, app, acc, email, name, detail, exc) = (
            text(f::FINDING_ID)?,
            text(f::SEVERITY)?,
            text(f::CATEGORY)?,
            text(f::APP)?,
            text(f::ACCOUNT_ID)?,
            text(f::EMAIL)?,
            text(f::DISPLAY_NAME)?,
            text(f::DETAIL)?,
            text(f::EXCEPTED)?,
        );
        (0..df.height())
            .map(|i| FindingRow {
                finding_id: ids[i].clone().unwrap_or_default(),
                severity: sev[i].clone(),
                category: cat[i].clone(),
                app: app[i].clone(),
                account_id: acc[i].clone(),
                email: email[i].clone(),
                display_name: name[i].clone(),
                detail: detail[i].clone(),
                excepted: exc[i].as_deref() == Some("true"),
                exception: None,
                exception_expires: None,
            })
            .collect()
    };
    let s = |get: &dyn Fn(&FindingRow) -> Option<&str>| -> Vec<String> { rows.iter().map(|r| get(r).unwrap_or("").to_string()).collect() };
    let columns = vec![
        Column::new(f::FINDING_ID.into(), s(&|r| Some(&r.finding_id))),
        Column::new(f::SEVERITY.into(), s(&|r| r.severity.as_deref())),
        Column::new(f::CATEGORY.into(), s(&|r| r.category.as_deref())),
        Column::new(f::APP.into(), s(&|r| r.app.as_deref())),
        Column::new(f::ACCOUNT_ID.into(), s(&|r| r.account_id.as_deref())),
        Column::new(f::EMAIL.into(), s(&|r| r.email.as_deref())),
        Column::new(f::DISPLAY_NAME.into(), s(&|r| r.display_name.as_deref())),
        Column::new(f::DETAIL.into(), s(&|r| r.detail.as_deref())),
        Column::new(f::EXCEPTED.into(), rows.iter().map(|r| if r.excepted { "true" } else { "false" }).collect::<Vec<_>>()),
        Column::new(f::EXCEPTION.into(), s(&|r| r.exception.as_deref())),
        Column::new(
            f::EXCEPTION_EXPIRES.into(),
            rows.iter()
                .map(|r| r.exception_expires.clone().or_else(|| r.exception.as_deref().and_then(expiry_in_text)).unwrap_or_default())
                .collect::<Vec<_>>(),
        ),
    ];
    Ok(DataFrame::new_infer_height(columns)?)
}
