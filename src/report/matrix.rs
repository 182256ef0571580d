//! The access matrix: one row per person, one column per app, what each holds.

use polars::prelude::*;

use super::input::ReportInput;
use crate::model::{account as a, COVERAGE_COMPLETE};

/// One row per roster person, one column per app.
pub struct AccessMatrix {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub apps: Vec<String>,
    /// Per row: the person's email, and whether they hold any account.
    pub emails: Vec<String>,
    pub has_access: Vec<bool>,
}

pub fn access_matrix(input: &ReportInput) -> PolarsResult<AccessMatrix> {
    let apps: Vec<String> = input.coverage.iter().map(|c| c.app.clone()).collect();
    let app_index: std::collections::HashMap<&str, usize> = apps.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect();
    let people = &input.roster.people;
    let width = apps.len();
    // cells[person * width + app]: the labels of that person's accounts in that app.
    let mut cells: Vec<String> = vec![String::new(); people.len() * width];
    let acc = input.accounts;
    let rows = acc.column(a::PERSON_ROW)?.u32()?;
    let app_col = acc.column(a::APP)?.str()?;
    let status = acc.column(a::STATUS)?.str()?;
    let admin = acc.column(a::IS_ADMIN)?.bool()?;
    let mut last_app: Option<(&str, usize)> = None;
    for (((row, app), s), adm) in rows.iter().zip(app_col.iter()).zip(status.iter()).zip(admin.iter()) {
        let (Some(row), Some(app)) = (row, app) else { continue };
        let i = match last_app {
            Some((name, i)) if name == app => i,
            _ => match app_index.get(app) {
                Some(&i) => {
                    last_app = Some((app, i));
                    i
                }
                None => continue,
            },
        };
        let cell = &mut cells[row as usize * width + i];
        if !cell.is_empty() {
            cell.push_str("; ");
        }
        cell.push_str(s.unwrap_or("unknown"));
        if adm.unwrap_or(false) {
            cell.push_str(" admin");
        }
    }
    let mut header: Vec<String> =
        ["person_id", "person_email", "person_name", "person_status", "department"].iter().map(|s| s.to_string()).collect();
    // An app that was not collected completely says so in its column's name: an empty cell there
    // does not mean "no access".
    header.extend(input.coverage.iter().map(|c| {
        if c.status == COVERAGE_COMPLETE {
            c.app.clone()
        } else {
            format!("{} (incomplete: {})", c.app, c.status)
        }
    }));
    header.push("apps_with_access".into());
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_unstable_by(|x, y| people[*x].email.cmp(&people[*y].email));
    let mut out_rows = Vec::with_capacity(people.len());
    let mut row_emails = Vec::with_capacity(people.len());
    let mut has_access = Vec::with_capacity(people.len());
    for p in order {
        let person = &people[p];
        let mut row = Vec::with_capacity(width + 6);
        row.extend([
            person.person_id.clone(),
            person.email.clone(),
            person.name.clone(),
            person.status.as_str().to_string(),
            person.department.clone().unwrap_or_default(),
        ]);
        let mut n = 0;
        let mut any = false;
        for cell in &mut cells[p * width..(p + 1) * width] {
            if !cell.is_empty() {
                any = true;
                if cell.contains(';') {
                    let mut parts: Vec<&str> = cell.split("; ").collect();
                    parts.sort_unstable();
                    *cell = parts.join("; ");
                }
                // A cell is "status[ admin]; ..." per account of the person in the app.
                let holds_access =
                    |x: &str| x.split(' ').next().and_then(crate::model::AccountStatus::parse).is_none_or(|s| s.holds_access());
                if cell.split("; ").any(holds_access) {
                    n += 1;
                }
            }
            row.push(std::mem::take(cell));
        }
        row.push(n.to_string());
        out_rows.push(row);
        row_emails.push(person.email.clone());
        has_access.push(any);
    }
    Ok(AccessMatrix { header, rows: out_rows, apps, emails: row_emails, has_access })
}
