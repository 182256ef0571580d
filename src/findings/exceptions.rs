//! The exceptions file (SPEC §2): accepted risks,
//! `finding_id, app, account_id, category, reason, approved_by, expires, ticket`.
//!
//! A row matches by `finding_id` when given, otherwise by `app` + `account_id` (+ `category` when
//! given). It applies while `expires` is on or after `as_of`. An excepted finding stays in the
//! outputs, marked; an expired exception no longer applies and is reported; a row that matches
//! nothing is reported as a warning.

use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use super::col_name as f;
use crate::csvio::{self, Table};
use crate::roster::dates::parse_date;

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
            if !category.is_empty() && super::category(&category).is_none() {
                return Err(err(format!(
                    "category \"{category}\": expected empty (every category) or one of {}",
                    super::CATEGORIES.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
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

    /// The first exception in force that matches the finding.
    pub fn matching(&self, finding_id: &str, app: &str, account_id: &str, category: &str, as_of: NaiveDate) -> Option<usize> {
        self.rows.iter().position(|e| e.expires >= as_of && e.matches(finding_id, app, account_id, category))
    }

    /// Marks expired exceptions that match a finding of this frame, so they are reported as
    /// expired rather than as matching nothing.
    pub fn mark_expired_matches(&self, df: &DataFrame, category: &str, used: &mut [bool]) -> PolarsResult<()> {
        if self.rows.is_empty() || df.height() == 0 {
            return Ok(());
        }
        let apps = df.column(f::APP)?.str()?;
        let ids = df.column(f::ACCOUNT_ID)?.str()?;
        for (app, id) in apps.iter().zip(ids.iter()) {
            let (app, id) = (app.unwrap_or(""), id.unwrap_or(""));
            let fid = super::finding_id(category, app, id);
            for (i, e) in self.rows.iter().enumerate() {
                if !used[i] && e.matches(&fid, app, id, category) {
                    used[i] = true;
                }
            }
        }
        Ok(())
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
