//! `remediate --tickets jira|servicenow`: one ticket per group (app or reviewer) listing the
//! accounts to revoke, through Jira Cloud REST v3 (`POST /rest/api/3/issue`) or the ServiceNow
//! Table API (`POST /api/now/table/{table}`); and, for the next quarter's `diff`, each ticket's
//! state.
//!
//! Idempotent: every ticket carries a mark of its pack and group (a Jira label, a ServiceNow
//! `correlation_id`: `access-audit-` and 16 hex digits of the review, its as-of date, the desk
//! and the group), looked for first (JQL `labels = "..."`, `sysparm_query=correlation_id=...`);
//! a ticket found is recorded, not opened again. A failed create is recorded and reported, and
//! the other groups go on.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::rows::AppRows;
use crate::config::{Config, HttpConfig, TicketGrouping, Tickets};
use crate::evidence::pack::{Pack, TicketAccount, TicketLine};
use crate::http::{AppClient, KindDefaults};

const DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 5.0,
    concurrency: 1,
    token_path: None,
    token_style: crate::http::TokenStyle::Form,
    permission_hint: " (the ticket account needs to create and browse issues in the project, or to read and create records in the table)",
    auth_hint: "",
    requests_per_hour: None,
};

/// A ticket desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    Jira,
    ServiceNow,
}

impl Desk {
    pub fn parse(s: &str) -> Option<Desk> {
        match s {
            "jira" => Some(Desk::Jira),
            "servicenow" => Some(Desk::ServiceNow),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Desk::Jira => "jira",
            Desk::ServiceNow => "servicenow",
        }
    }
}

/// Why tickets cannot be opened or looked up at all.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("{0}")]
    Config(String),
    #[error("ticket desk {desk}: {detail}")]
    Client { desk: &'static str, detail: String },
}

/// One account a ticket asks to revoke.
struct Listed {
    app: String,
    account_id: String,
    email: String,
    reviewer: String,
    decided_on: String,
    /// The API calls or the steps by hand that revoke it.
    how: String,
}

/// A desk's client, its settings and where its tickets are read by people.
struct Connection {
    desk: Desk,
    client: AppClient,
    base_url: String,
    project: String,
    issue_type: String,
    table: String,
}

fn connect(tickets: Option<&Tickets>, desk: Desk) -> Result<Connection, TicketError> {
    let missing =
        || TicketError::Config(format!("the config has no [tickets.{}] section (its base_url, project or table, and auth)", desk.as_str()));
    let tickets = tickets.ok_or_else(missing)?;
    let (base_url, auth, ca_file, project, issue_type, table) = match desk {
        Desk::Jira => {
            let j = tickets.jira.as_ref().ok_or_else(missing)?;
            (j.base_url.clone(), j.auth.clone(), j.ca_file.clone(), j.project.clone(), j.issue_type.clone(), String::new())
        }
        Desk::ServiceNow => {
            let s = tickets.servicenow.as_ref().ok_or_else(missing)?;
            (s.base_url.clone(), s.auth.clone(), s.ca_file.clone(), String::new(), String::new(), s.table.clone())
        }
    };
    let http = HttpConfig::connection(&base_url, auth, ca_file);
    let client = AppClient::new(&format!("tickets.{}", desk.as_str()), &http, &DEFAULTS)
        .map_err(|e| TicketError::Client { desk: desk.as_str(), detail: e.to_string() })?;
    Ok(Connection { desk, client, base_url: http.base_url, project, issue_type, table })
}

/// The mark of a pack's group: the same pack, desk and group give the same one.
pub fn correlation(review: &str, as_of: &str, desk: Desk, group: &str) -> String {
    let mut h = Sha256::new();
    for part in [review, as_of, desk.as_str(), group] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    format!("access-audit-{}", &hex::encode(h.finalize())[..16])
}

/// Opens (or finds) one ticket per group of the accounts to revoke in `rows` (the accounts that
/// still hold access). Returns the ticket lines, in group order.
pub async fn open_tickets(pack: &Pack, config: &Config, desk: Desk, rows: &AppRows) -> Result<Vec<TicketLine>, TicketError> {
    let conn = connect(config.tickets.as_ref(), desk)?;
    let group_by = config.tickets.as_ref().map(|t| t.group_by).unwrap_or_default();
    let mut groups: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
    for (app, list) in rows {
        for (target, row) in list {
            let r = &row.revocation;
            if r.calls.is_empty() && r.manual.is_empty() {
                continue; // holds no access in this report: nothing to ask anyone
            }
            let group = match group_by {
                TicketGrouping::PerApp => app.clone(),
                TicketGrouping::PerReviewer => row.decision.reviewer.clone(),
            };
            let mut how: Vec<String> = r.calls.iter().map(|c| format!("{} {}", c.method, c.url)).collect();
            how.extend(r.manual.iter().cloned());
            groups.entry(group).or_default().push(Listed {
                app: app.clone(),
                account_id: target.account_id.clone(),
                email: row.email.clone(),
                reviewer: row.decision.reviewer.clone(),
                decided_on: row.decision.decided_on.clone(),
                how: how.join("; "),
            });
        }
    }
    let (review, as_of) = (pack.manifest.review.clone(), pack.manifest.as_of.clone());
    let group_by_text = match group_by {
        TicketGrouping::PerApp => "per_app",
        TicketGrouping::PerReviewer => "per_reviewer",
    };
    let mut lines = Vec::new();
    for (group, listed) in &groups {
        let mark = correlation(&review, &as_of, desk, group);
        let mut line = TicketLine {
            desk: desk.as_str().into(),
            group_by: group_by_text.into(),
            group: group.clone(),
            correlation: mark.clone(),
            outcome: String::new(),
            key: String::new(),
            id: String::new(),
            table: conn.table.clone(),
            url: String::new(),
            error: String::new(),
            accounts: listed.iter().map(|l| TicketAccount { app: l.app.clone(), account_id: l.account_id.clone() }).collect(),
        };
        let summary = match group_by {
            TicketGrouping::PerApp => format!("{review} ({as_of}): revoke {} account(s) in {group}", listed.len()),
            TicketGrouping::PerReviewer => format!("{review} ({as_of}): revoke {} account(s) decided by {group}", listed.len()),
        };
        let result = match conn.find(&mark).await {
            Ok(Some((key, id))) => Ok((key, id, "found")),
            Ok(None) => conn.create(&mark, &summary, &review, &as_of, listed).await.map(|(k, i)| (k, i, "created")),
            Err(e) => Err(e),
        };
        match result {
            Ok((key, id, outcome)) => {
                line.url = conn.url_of(&key, &id);
                (line.key, line.id, line.outcome) = (key, id, outcome.into());
            }
            Err(e) => {
                line.outcome = "failed".into();
                line.error = e;
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

impl Connection {
    fn url_of(&self, key: &str, id: &str) -> String {
        match self.desk {
            Desk::Jira => format!("{}/browse/{key}", self.base_url),
            Desk::ServiceNow => format!("{}/nav_to.do?uri={}.do?sys_id={id}", self.base_url, self.table),
        }
    }

    /// The ticket already carrying `mark`: `(key, id)`.
    async fn find(&self, mark: &str) -> Result<Option<(String, String)>, String> {
        let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        match self.desk {
            Desk::Jira => {
                let q = [
                    ("jql".to_string(), format!("labels = \"{mark}\"")),
                    ("fields".into(), "status".into()),
                    ("maxResults".into(), "1".into()),
                ];
                let f = self.client.get_json("rest/api/3/search/jql", &q).await.map_err(|e| e.failure.to_string())?;
                Ok(f.body["issues"].as_array().and_then(|a| a.first()).map(|i| (text(&i["key"]), text(&i["id"]))))
            }
            Desk::ServiceNow => {
                let q = [
                    ("sysparm_query".to_string(), format!("correlation_id={mark}")),
                    ("sysparm_fields".into(), "sys_id,number".into()),
                    ("sysparm_limit".into(), "1".into()),
                ];
                let f = self.client.get_json(&format!("api/now/table/{}", self.table), &q).await.map_err(|e| e.failure.to_string())?;
                Ok(f.body["result"].as_array().and_then(|a| a.first()).map(|r| (text(&r["number"]), text(&r["sys_id"]))))
            }
        }
    }

    async fn create(&self, mark: &str, summary: &str, review: &str, as_of: &str, listed: &[Listed]) -> Result<(String, String), String> {
        let intro = format!(
            "The access review \"{review}\" (as of {as_of}) decided to revoke these accounts. Revoke each one, then close this ticket: the next review checks that every account is gone or disabled."
        );
        let items: Vec<String> = listed
            .iter()
            .map(|l| {
                let email = if l.email.is_empty() { String::new() } else { format!(" ({})", l.email) };
                format!("{} {}{email}: decided by {} on {}; how: {}", l.app, l.account_id, l.reviewer, l.decided_on, l.how)
            })
            .collect();
        let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        match self.desk {
            Desk::Jira => {
                // REST v3 takes the description as an Atlassian document.
                let paragraph = |t: &str| json!({ "type": "paragraph", "content": [{ "type": "text", "text": t }] });
                let list: Vec<Value> = items.iter().map(|i| json!({ "type": "listItem", "content": [paragraph(i)] })).collect();
                let body = json!({
                    "fields": {
                        "project": { "key": self.project },
                        "issuetype": { "name": self.issue_type },
                        "summary": summary,
                        "labels": [mark, "access-review"],
                        "description": { "type": "doc", "version": 1, "content": [paragraph(&intro), { "type": "bulletList", "content": list }] },
                    }
                });
                let f = self.client.post_json("rest/api/3/issue", &body).await.map_err(|e| e.failure.to_string())?;
                Ok((text(&f.body["key"]), text(&f.body["id"])))
            }
            Desk::ServiceNow => {
                let body = json!({
                    "short_description": summary,
                    "description": format!("{intro}\n\n{}", items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")),
                    "correlation_id": mark,
                    "correlation_display": "access-audit",
                });
                let f = self.client.post_json(&format!("api/now/table/{}", self.table), &body).await.map_err(|e| e.failure.to_string())?;
                Ok((text(&f.body["result"]["number"]), text(&f.body["result"]["sys_id"])))
            }
        }
    }

    /// What the account may do where tickets go.
    async fn check(&self) -> Result<String, String> {
        match self.desk {
            Desk::Jira => {
                let q = [
                    ("projectKey".to_string(), self.project.clone()),
                    ("permissions".to_string(), "BROWSE_PROJECTS,CREATE_ISSUES".to_string()),
                ];
                let f = self.client.get_json("rest/api/3/mypermissions", &q).await.map_err(|e| e.failure.to_string())?;
                let missing: Vec<&str> = ["BROWSE_PROJECTS", "CREATE_ISSUES"]
                    .into_iter()
                    .filter(|p| f.body["permissions"][*p]["havePermission"] != true)
                    .collect();
                if missing.is_empty() {
                    Ok(format!("project {}: may browse and create issues ({})", self.project, self.issue_type))
                } else {
                    Err(format!("project {}: the account lacks {}", self.project, missing.join(", ")))
                }
            }
            Desk::ServiceNow => {
                let q = [("sysparm_limit".to_string(), "1".to_string()), ("sysparm_fields".to_string(), "sys_id".to_string())];
                self.client.get_json(&format!("api/now/table/{}", self.table), &q).await.map_err(|e| e.failure.to_string())?;
                Ok(format!("table {}: readable (creating a record is allowed or refused only when the first ticket is opened)", self.table))
            }
        }
    }

    /// Whether a ticket is closed, and its state in words.
    async fn state(&self, line: &TicketLine) -> Result<(bool, String), String> {
        match self.desk {
            Desk::Jira => {
                let q = [("fields".to_string(), "status".to_string())];
                let f = self.client.get_json(&format!("rest/api/3/issue/{}", line.key), &q).await.map_err(|e| e.failure.to_string())?;
                let status = &f.body["fields"]["status"];
                let name = status["name"].as_str().unwrap_or("unknown").to_string();
                Ok((status["statusCategory"]["key"] == "done", name))
            }
            Desk::ServiceNow => {
                let table = if line.table.is_empty() { self.table.clone() } else { line.table.clone() };
                let q = [("sysparm_fields".to_string(), "state,active,number".to_string())];
                let f = self.client.get_json(&format!("api/now/table/{table}/{}", line.id), &q).await.map_err(|e| e.failure.to_string())?;
                let r = &f.body["result"];
                let active = r["active"].as_str().map(|a| a == "true").or_else(|| r["active"].as_bool()).unwrap_or(true);
                Ok((!active, format!("state {}", r["state"].as_str().unwrap_or("unknown"))))
            }
        }
    }
}

/// What `check` says of each ticket desk the config names: `(desk, Ok(what was seen) | Err(why))`.
/// Reads only: Jira's permissions of the account in the project (browse and create issues), the
/// ServiceNow table (one record at most).
pub async fn check_desks(config: &Config) -> Vec<(&'static str, Result<String, String>)> {
    let Some(tickets) = config.tickets.as_ref() else { return Vec::new() };
    let mut out = Vec::new();
    for (desk, configured) in [(Desk::Jira, tickets.jira.is_some()), (Desk::ServiceNow, tickets.servicenow.is_some())] {
        if !configured {
            continue;
        }
        let result = match connect(Some(tickets), desk) {
            Ok(conn) => conn.check().await,
            Err(e) => Err(e.to_string()),
        };
        out.push((desk.as_str(), result));
    }
    out
}

/// Each ticket's state, asked of its desk: per ticket key, `Ok((closed, state))` or why the
/// look-up failed. Tickets that were never opened are left out.
pub async fn ticket_states(config: &Config, tickets: &[TicketLine]) -> BTreeMap<String, Result<(bool, String), String>> {
    let mut out = BTreeMap::new();
    let mut connections: BTreeMap<&str, Result<Connection, String>> = BTreeMap::new();
    for line in tickets.iter().filter(|l| !l.key.is_empty()) {
        let conn = connections.entry(line.desk.as_str()).or_insert_with(|| match Desk::parse(&line.desk) {
            Some(desk) => connect(config.tickets.as_ref(), desk).map_err(|e| e.to_string()),
            None => Err(format!("unknown ticket desk \"{}\"", line.desk)),
        });
        let state = match conn {
            Ok(c) => c.state(line).await,
            Err(e) => Err(e.clone()),
        };
        out.insert(line.key.clone(), state);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_of_a_pack_has_one_mark() {
        let a = correlation("Q4 review", "2026-12-31", Desk::Jira, "salesforce");
        assert_eq!(a, correlation("Q4 review", "2026-12-31", Desk::Jira, "salesforce"));
        assert!(a.starts_with("access-audit-") && a.len() == "access-audit-".len() + 16);
        assert_ne!(a, correlation("Q4 review", "2026-12-31", Desk::Jira, "slack"));
        assert_ne!(a, correlation("Q4 review", "2027-03-31", Desk::Jira, "salesforce"));
        assert_ne!(a, correlation("Q4 review", "2026-12-31", Desk::ServiceNow, "salesforce"));
    }
}
