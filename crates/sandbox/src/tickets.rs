//! Ticket desks: Jira Cloud's issue API (REST v3) at `/jira/{tenant}/rest/api/3/...` and
//! ServiceNow's Table API at `/servicenow/{tenant}/api/now/table/{table}...`, the calls
//! `remediate --tickets` and `diff` make, as their public documentation describes them.
//!
//! - Jira: `POST /issue` (fields project.key, issuetype.name, summary, description as an Atlassian
//!   document, labels) -> 201 `{id, key, self}`; 400 `{errorMessages, errors}` for a missing
//!   summary, an unknown project or issue type; `GET /search/jql?jql=labels = "x"` -> `{issues,
//!   isLast}` (the enhanced search that replaced `/search`); `GET /issue/{key}?fields=status`;
//!   `POST /issue/{key}/transitions` `{transition: {id}}` (31: Done); `GET /mypermissions`.
//! - ServiceNow: `GET /api/now/table/{table}?sysparm_query=correlation_id=x` -> `{result: [...]}`;
//!   `POST` -> 201 `{result: {sys_id, number, ...}}`; `GET`/`PATCH /{sys_id}` (state 7 closes:
//!   `active` false).
//!
//! Auth: Basic `username:secret`. `reject_summaries` makes a create fail (Jira 400, ServiceNow
//! 403 from a business rule) when its summary contains one of them: a failing create per group.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::gate;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// A ticket desk's own part of a tenant file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Desk {
    /// Jira: the project keys that exist (empty: any).
    pub projects: Vec<String>,
    /// Jira: the issue types that exist (empty: Task, Bug, Story, Service Request).
    pub issue_types: Vec<String>,
    /// The tickets, as served (Jira issues or ServiceNow records); created ones are added.
    pub tickets: Vec<Value>,
    /// A create whose summary contains one of these is refused.
    pub reject_summaries: Vec<String>,
}

impl Part for Desk {
    const KIND: &'static str = "jira";

    fn new_user(id: &str, name: &str) -> Value {
        json!({ "accountId": id, "displayName": name })
    }
}

impl Tenant {
    fn desk(&self) -> Option<&Desk> {
        self.app.part::<Desk>()
    }
    fn desk_mut(&mut self) -> Option<&mut Desk> {
        self.app.part_mut::<Desk>()
    }
}

/// The ticket desks' simulator (kinds `jira` and `servicenow`).
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["jira", "servicenow"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Desk>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        Router::new()
            .route("/jira/{tenant}/rest/api/3/issue", post(jira_create))
            .route("/jira/{tenant}/rest/api/3/issue/{key}", get(jira_issue))
            .route("/jira/{tenant}/rest/api/3/issue/{key}/transitions", post(jira_transition))
            .route("/jira/{tenant}/rest/api/3/search/jql", get(jira_search))
            .route("/jira/{tenant}/rest/api/3/mypermissions", get(jira_permissions))
            .route("/servicenow/{tenant}/api/now/table/{table}", get(snow_list).post(snow_create))
            .route("/servicenow/{tenant}/api/now/table/{table}/{sys_id}", get(snow_get).patch(snow_patch))
            .with_state(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        match tenant.kind() {
            "servicenow" => vec![format!("{} (ticket desk servicenow, Basic <username>:<secret>)", base("servicenow"))],
            _ => vec![format!("{} (ticket desk jira, Basic <username>:<secret>)", base("jira"))],
        }
    }
}

fn basic_ok(t: &TenantState, headers: &HeaderMap) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", t.tenant.username.clone().unwrap_or_default(), t.tenant.secret))
    );
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn jira_error(status: StatusCode, messages: &[&str], errors: Value) -> Response {
    (status, [("content-type", "application/json")], json!({ "errorMessages": messages, "errors": errors }).to_string()).into_response()
}

fn snow_error(status: StatusCode, message: &str, detail: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "error": { "message": message, "detail": detail }, "status": "failure" }).to_string(),
    )
        .into_response()
}

async fn authorized(state: &SandboxState, tenant: &str, headers: &HeaderMap, jira: bool) -> Result<(), Box<Response>> {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let authorize = |t: &mut TenantState| {
        if basic_ok(t, headers) {
            Ok(())
        } else if jira {
            Err(Box::new(jira_error(StatusCode::UNAUTHORIZED, &["Client must be authenticated to access this resource."], json!({}))))
        } else {
            Err(Box::new(snow_error(StatusCode::UNAUTHORIZED, "User Not Authenticated", "Required to provide Auth information")))
        }
    };
    gate(state, tenant, None, not_found, authorize).await
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

/// The summary of an issue: `fields.summary` (Jira) or `short_description` (ServiceNow).
fn rejected(desk: &Desk, summary: &str) -> bool {
    desk.reject_summaries.iter().any(|r| summary.contains(r.as_str()))
}

async fn jira_create(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, true).await {
        return *r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return jira_error(StatusCode::BAD_REQUEST, &["Unexpected character: the body is not JSON"], json!({}));
    };
    let fields = &body["fields"];
    let summary = fields["summary"].as_str().unwrap_or_default().to_string();
    let project = fields["project"]["key"].as_str().unwrap_or_default().to_string();
    let issue_type = fields["issuetype"]["name"].as_str().unwrap_or_default().to_string();
    let base = format!("http://{}/jira/{tenant}", headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1"));
    state
        .with_tenant(&tenant, |t| {
            let Some(desk) = t.tenant.desk_mut() else { return StatusCode::NOT_FOUND.into_response() };
            let mut errors = serde_json::Map::new();
            if summary.trim().is_empty() {
                errors.insert("summary".into(), json!("You must specify a summary of the issue."));
            }
            if project.is_empty() || (!desk.projects.is_empty() && !desk.projects.contains(&project)) {
                errors.insert("project".into(), json!("valid project is required"));
            }
            let types: Vec<String> = if desk.issue_types.is_empty() {
                ["Task", "Bug", "Story", "Service Request"].iter().map(|s| s.to_string()).collect()
            } else {
                desk.issue_types.clone()
            };
            if !types.contains(&issue_type) {
                errors.insert("issuetype".into(), json!("Specify a valid issue type"));
            }
            if fields["description"].is_string() {
                errors.insert("description".into(), json!("Operation value must be an Atlassian Document (REST API v3)."));
            }
            if !errors.is_empty() {
                return jira_error(StatusCode::BAD_REQUEST, &[], Value::Object(errors));
            }
            if rejected(desk, &summary) {
                return jira_error(StatusCode::BAD_REQUEST, &["A workflow validator refused the issue."], json!({}));
            }
            let n = desk.tickets.len() + 1;
            let (id, key) = ((10_000 + n).to_string(), format!("{project}-{n}"));
            desk.tickets.push(json!({
                "id": id, "key": key,
                "fields": {
                    "summary": summary, "labels": fields["labels"].clone(), "description": fields["description"].clone(),
                    "issuetype": { "name": issue_type }, "project": { "key": project },
                    "status": { "name": "To Do", "statusCategory": { "key": "new", "name": "To Do" } }
                }
            }));
            json_response(StatusCode::CREATED, json!({ "id": id, "key": key, "self": format!("{base}/rest/api/3/issue/{id}") }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn find_issue<'a>(desk: &'a mut Desk, key: &str) -> Option<&'a mut Value> {
    desk.tickets.iter_mut().find(|i| i["key"] == key || i["id"] == key)
}

async fn jira_issue(State(state): State<Arc<SandboxState>>, Path((tenant, key)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, true).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| match t.tenant.desk_mut().and_then(|d| find_issue(d, &key)) {
            Some(issue) => json_response(StatusCode::OK, issue.clone()),
            None => jira_error(StatusCode::NOT_FOUND, &["Issue does not exist or you do not have permission to see it."], json!({})),
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn jira_transition(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, true).await {
        return *r;
    }
    let to = serde_json::from_slice::<Value>(&body).ok().and_then(|b| b["transition"]["id"].as_str().map(str::to_string));
    let status = match to.as_deref() {
        Some("31") => json!({ "name": "Done", "statusCategory": { "key": "done", "name": "Done" } }),
        Some("21") => json!({ "name": "In Progress", "statusCategory": { "key": "indeterminate", "name": "In Progress" } }),
        _ => {
            return jira_error(
                StatusCode::BAD_REQUEST,
                &["It seems that you have tried to perform a workflow operation that is not valid."],
                json!({}),
            )
        }
    };
    state
        .with_tenant(&tenant, |t| match t.tenant.desk_mut().and_then(|d| find_issue(d, &key)) {
            Some(issue) => {
                issue["fields"]["status"] = status;
                StatusCode::NO_CONTENT.into_response()
            }
            None => jira_error(StatusCode::NOT_FOUND, &["Issue does not exist or you do not have permission to see it."], json!({})),
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /mypermissions?projectKey&permissions=A,B`: every permission asked for, held in a project
/// of the desk (none in another); no `permissions` is a 400, as Jira answers.
async fn jira_permissions(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, true).await {
        return *r;
    }
    let Some(asked) = q.get("permissions").filter(|p| !p.is_empty()) else {
        return jira_error(StatusCode::BAD_REQUEST, &["The permissions query parameter is required."], json!({}));
    };
    let project = q.get("projectKey").cloned().unwrap_or_default();
    state
        .with_tenant(&tenant, |t| {
            let Some(desk) = t.tenant.desk() else { return StatusCode::NOT_FOUND.into_response() };
            if !desk.projects.is_empty() && !desk.projects.contains(&project) {
                return jira_error(StatusCode::NOT_FOUND, &[&format!("No project could be found with key '{project}'.")], json!({}));
            }
            let permissions: serde_json::Map<String, Value> =
                asked.split(',').map(|p| (p.to_string(), json!({ "key": p, "havePermission": true }))).collect();
            json_response(StatusCode::OK, json!({ "permissions": permissions }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `labels = "x"` (or `labels = x`), alone or beside other clauses joined by AND.
fn jql_label(jql: &str) -> Option<String> {
    let at = jql.find("labels")?;
    let rest = jql[at + "labels".len()..].trim_start().strip_prefix('=')?.trim_start();
    let value = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split_whitespace().next()?,
    };
    Some(value.to_string())
}

async fn jira_search(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, true).await {
        return *r;
    }
    let Some(label) = q.get("jql").and_then(|j| jql_label(j)) else {
        return jira_error(StatusCode::BAD_REQUEST, &["The JQL query is not supported by this sandbox (labels = \"...\")."], json!({}));
    };
    state
        .with_tenant(&tenant, |t| {
            let issues: Vec<Value> = t
                .tenant
                .desk()
                .map(|d| {
                    d.tickets
                        .iter()
                        .filter(|i| i["fields"]["labels"].as_array().is_some_and(|l| l.iter().any(|x| x == label.as_str())))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            json_response(StatusCode::OK, json!({ "issues": issues, "isLast": true }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `correlation_id=x` of a `sysparm_query` (other clauses joined by `^` are ignored).
fn snow_correlation(query: &str) -> Option<String> {
    query.split('^').find_map(|c| c.strip_prefix("correlation_id=")).map(str::to_string)
}

async fn snow_list(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, table)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, false).await {
        return *r;
    }
    let correlation = q.get("sysparm_query").and_then(|s| snow_correlation(s));
    state
        .with_tenant(&tenant, |t| {
            let rows: Vec<Value> = t
                .tenant
                .desk()
                .map(|d| {
                    d.tickets
                        .iter()
                        .filter(|r| r["sys_class_name"] == table.as_str())
                        .filter(|r| correlation.as_ref().is_none_or(|c| r["correlation_id"] == c.as_str()))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            json_response(StatusCode::OK, json!({ "result": rows }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn snow_create(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, table)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, false).await {
        return *r;
    }
    let Some(Value::Object(fields)) = serde_json::from_slice::<Value>(&body).ok() else {
        return snow_error(StatusCode::BAD_REQUEST, "Exception while reading request", "The payload is not valid JSON.");
    };
    state
        .with_tenant(&tenant, |t| {
            let Some(desk) = t.tenant.desk_mut() else { return StatusCode::NOT_FOUND.into_response() };
            let summary = fields.get("short_description").and_then(|v| v.as_str()).unwrap_or_default();
            if rejected(desk, summary) {
                return snow_error(
                    StatusCode::FORBIDDEN,
                    "Operation Failed",
                    "Error during insert of sc_task (a business rule aborted it)",
                );
            }
            let n = desk.tickets.len() + 1;
            let prefix = match table.as_str() {
                "incident" => "INC",
                "sc_task" => "SCTASK",
                "change_request" => "CHG",
                _ => "TKT",
            };
            let mut record: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))))
                .collect();
            record.insert("sys_id".into(), json!(format!("{:032x}", 0xa0d1_7000_u64 + n as u64)));
            record.insert("number".into(), json!(format!("{prefix}{:07}", n)));
            record.insert("state".into(), json!("1"));
            record.insert("active".into(), json!("true"));
            record.insert("sys_class_name".into(), json!(table));
            desk.tickets.push(Value::Object(record.clone()));
            json_response(StatusCode::CREATED, json!({ "result": record }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn snow_get(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, table, sys_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    snow_record(state, tenant, table, sys_id, headers, None).await
}

async fn snow_patch(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, table, sys_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(Value::Object(changes)) = serde_json::from_slice::<Value>(&body).ok() else {
        return snow_error(StatusCode::BAD_REQUEST, "Exception while reading request", "The payload is not valid JSON.");
    };
    snow_record(state, tenant, table, sys_id, headers, Some(changes)).await
}

async fn snow_record(
    state: Arc<SandboxState>,
    tenant: String,
    table: String,
    sys_id: String,
    headers: HeaderMap,
    changes: Option<serde_json::Map<String, Value>>,
) -> Response {
    if let Err(r) = authorized(&state, &tenant, &headers, false).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let record = t
                .tenant
                .desk_mut()
                .and_then(|d| d.tickets.iter_mut().find(|r| r["sys_id"] == sys_id.as_str() && r["sys_class_name"] == table.as_str()));
            let Some(record) = record else {
                return snow_error(StatusCode::NOT_FOUND, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
            };
            for (k, v) in changes.into_iter().flatten() {
                let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                if k == "state" {
                    // 6 Resolved, 7 Closed, 8 Canceled: no longer active.
                    record["active"] = json!(if ["6", "7", "8"].contains(&v.as_str()) { "false" } else { "true" });
                }
                record[k.as_str()] = json!(v);
            }
            json_response(StatusCode::OK, json!({ "result": record.clone() }))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_and_sysparm_queries_are_read() {
        assert_eq!(jql_label("labels = \"access-audit-1f2e\"").as_deref(), Some("access-audit-1f2e"));
        assert_eq!(jql_label("project = ITOPS AND labels = access-audit-1f2e ORDER BY key").as_deref(), Some("access-audit-1f2e"));
        assert_eq!(jql_label("project = ITOPS"), None);
        assert_eq!(snow_correlation("correlation_id=aa-1^active=true").as_deref(), Some("aa-1"));
    }
}
