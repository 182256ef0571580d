//! The exceptions file (SPEC §2): accepted risks,
//! `finding_id, app, account_id, category, reason, approved_by, expires, ticket`.
//!
//! A row matches by `finding_id` when given, otherwise by `app` + `account_id` (+ `category` when
//! given). It applies while `expires` is on or after `as_of`. An excepted finding stays in the
//! outputs, marked; an expired exception no longer applies and is reported; a row that matches
//! nothing is reported as a warning.

use std::path::Path;

use crate::csvio::{self, Table};
use crate::dates::parse_date;
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub finding_id: String,
    pub app: String,
    pub account_id: String,
    pub category: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: NaiveDate,
    pub ticket: String,
    pub line: usize,
}

impl Exception {
    pub fn describe(&self) -> String {
        let ticket = if self.ticket.is_empty() { String::new() } else { format!("{} ", self.ticket) };
        format!("{ticket}(approved by {}, until {}): {}", self.approved_by, self.expires.format("%Y-%m-%d"), self.reason)
    }

    fn matches(&self, finding_id: &str, app: &str, account_id: &str, category: &str) -> bool {
        if !self.finding_id.is_empty() {
            return self.finding_id == finding_id;
        }
        self.app == app && self.account_id == account_id && (self.category.is_empty() || self.category == category)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Exceptions {
    pub file: String,
    pub rows: Vec<Exception>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExceptionsError {
    #[error(transparent)]
    Table(#[from] csvio::TableError),
    #[error("{file}: the header lacks column(s) {missing}; expected finding_id, app, account_id, category, reason, approved_by, expires, ticket")]
    Columns { file: String, missing: String },
    #[error("{file}: line {line}: {detail}")]
    Row { file: String, line: usize, detail: String },
}

impl Exceptions {
    pub fn load(path: &Path) -> Result<Exceptions, ExceptionsError> {
        let file = path.display().to_string();
        let table = csvio::read_file(path, None)?;
        let need = ["finding_id", "app", "account_id", "category", "reason", "approved_by", "expires", "ticket"];
        let missing: Vec<&str> = need.iter().copied().filter(|c| table.column(c).is_none()).collect();
        if !missing.is_empty() {
            return Err(ExceptionsError::Columns { file, missing: missing.join(", ") });
        }
        let mut rows = Vec::new();
        for (line, fields) in &table.rows {
            if fields.iter().all(|x| x.trim().is_empty()) {
                continue;
            }
            let get = |n: &str| Table::cell(fields, table.column(n)).to_string();
            let err = |detail: String| ExceptionsError::Row { file: file.clone(), line: *line, detail };
            let category = get("category");
            if !category.is_empty() && super::table::category(&category).is_none() {
                return Err(err(format!(
                    "category \"{category}\": expected empty (every category) or one of {}",
                    super::table::CATEGORIES.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                )));
            }
            let (finding_id, app, account_id) = (get("finding_id"), get("app"), get("account_id"));
            if finding_id.is_empty() && (app.is_empty() || account_id.is_empty()) {
                return Err(err("give a finding_id, or an app and an account_id".into()));
            }
            let expires_text = get("expires");
            let expires = match parse_date(&expires_text, None) {
                Ok(Some(d)) => d,
                _ => return Err(err(format!("expires \"{expires_text}\": expected a date (YYYY-MM-DD); every exception must end"))),
            };
            let (reason, approved_by) = (get("reason"), get("approved_by"));
            if reason.is_empty() || approved_by.is_empty() {
                return Err(err("reason and approved_by are required: an auditor needs to see why and who accepted the risk".into()));
            }
            rows.push(Exception {
                finding_id,
                app,
                account_id,
                category,
                reason,
                approved_by,
                expires,
                ticket: get("ticket"),
                line: *line,
            });
        }
        Ok(Exceptions { file, rows })
    }

    /// An index by finding id and by (app, account id), so applying the exceptions costs one
    /// lookup per finding whatever the number of exception rows.
    pub fn index(&self) -> ExceptionIndex<'_> {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in self.rows.iter().enumerate() {
            let key = if e.finding_id.is_empty() { subject_key(&e.app, &e.account_id) } else { e.finding_id.clone() };
            by_key.entry(key).or_default().push(i);
        }
        ExceptionIndex { exceptions: self, by_key }
    }

    /// Warnings for rows that matched nothing and rows that have expired.
    pub fn warnings(&self, used: &[bool], as_of: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        for (e, used) in self.rows.iter().zip(used) {
            let subject = if e.finding_id.is_empty() { format!("{} / {}", e.app, e.account_id) } else { e.finding_id.clone() };
            if e.expires < as_of {
                out.push(format!(
                    "{} line {}: exception for {subject} expired on {}; it no longer applies{}",
                    self.file,
                    e.line,
                    e.expires.format("%Y-%m-%d"),
                    if *used { " and the finding is open again" } else { "" }
                ));
            } else if !used {
                out.push(format!("{} line {}: exception for {subject} matches no finding (fixed, or a typo?)", self.file, e.line));
            }
        }
        out
    }
}

fn subject_key(app: &str, account_id: &str) -> String {
    format!("{app}\u{1f}{account_id}")
}

pub struct ExceptionIndex<'a> {
    exceptions: &'a Exceptions,
    by_key: HashMap<String, Vec<usize>>,
}

impl ExceptionIndex<'_> {
    /// The first exception in force (expires on or after `as_of`) that matches the finding. Every
    /// matching row, in force or expired, is marked in `used`, so that expired rows are reported
    /// as expired rather than as matching nothing.
    pub fn apply(
        &self,
        finding_id: &str,
        app: &str,
        account_id: &str,
        category: &str,
        as_of: NaiveDate,
        used: &mut [bool],
    ) -> Option<usize> {
        if self.by_key.is_empty() {
            return None;
        }
        let mut chosen = None;
        for key in [finding_id.to_string(), subject_key(app, account_id)] {
            for &i in self.by_key.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                let e = &self.exceptions.rows[i];
                if e.matches(finding_id, app, account_id, category) {
                    used[i] = true;
                    if e.expires >= as_of && chosen.is_none_or(|c| i < c) {
                        chosen = Some(i);
                    }
                }
            }
        }
        chosen
    }
}
