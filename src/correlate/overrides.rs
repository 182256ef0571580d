//! The overrides file (SPEC §2): `app, account_id, action, person_email, owner_email, reason`.
//! `link` ties an account to a roster person; `service` declares a service account and its owner.

use std::path::Path;

use crate::csvio::{self, Table};

#[derive(Debug, Clone, PartialEq)]
pub enum OverrideAction {
    Link { person_email: String },
    Service { owner_email: String },
}

impl OverrideAction {
    pub fn name(&self) -> &'static str {
        match self {
            OverrideAction::Link { .. } => "link",
            OverrideAction::Service { .. } => "service",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub app: String,
    pub account_id: String,
    pub action: OverrideAction,
    pub reason: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub file: String,
    pub rows: Vec<Override>,
}

#[derive(Debug, thiserror::Error)]
pub enum OverridesError {
    #[error(transparent)]
    Table(#[from] csvio::TableError),
    #[error("{file}: the header lacks column(s) {missing}; expected app, account_id, action, person_email, owner_email, reason")]
    Columns { file: String, missing: String },
    #[error("{file}: line {line}: {detail}")]
    Row { file: String, line: usize, detail: String },
}

impl Overrides {
    pub fn load(path: &Path) -> Result<Overrides, OverridesError> {
        let file = path.display().to_string();
        let table = csvio::read_file(path, None)?;
        let need = ["app", "account_id", "action", "person_email", "owner_email", "reason"];
        let missing: Vec<&str> = need.iter().copied().filter(|c| table.column(c).is_none()).collect();
        if !missing.is_empty() {
            return Err(OverridesError::Columns { file, missing: missing.join(", ") });
        }
        let c = |n: &str| table.column(n);
        let mut rows = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for (line, f) in &table.rows {
            if f.iter().all(|x| x.trim().is_empty()) {
                continue;
            }
            let get = |n: &str| Table::cell(f, c(n)).to_string();
            let (app, account_id, action) = (get("app"), get("account_id"), get("action").to_lowercase());
            let row_err = |detail: String| OverridesError::Row { file: file.clone(), line: *line, detail };
            if app.is_empty() || account_id.is_empty() {
                return Err(row_err("app and account_id are required".into()));
            }
            let action = match action.as_str() {
                "link" => {
                    let person_email = get("person_email");
                    if person_email.is_empty() {
                        return Err(row_err("action link needs person_email (the roster person the account belongs to)".into()));
                    }
                    OverrideAction::Link { person_email }
                }
                "service" => {
                    let owner_email = get("owner_email");
                    if owner_email.is_empty() {
                        return Err(row_err("action service needs owner_email (the person accountable for the service account)".into()));
                    }
                    OverrideAction::Service { owner_email }
                }
                other => return Err(row_err(format!("action \"{other}\": expected link or service"))),
            };
            if let Some(first) = seen.insert((app.clone(), account_id.clone()), *line) {
                return Err(row_err(format!("app {app} account {account_id} already has an override on line {first}")));
            }
            rows.push(Override { app, account_id, action, reason: get("reason"), line: *line });
        }
        Ok(Overrides { file, rows })
    }
}
