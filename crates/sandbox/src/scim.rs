//! A SCIM 2.0 service provider (RFC 7644) at `/scim/{tenant}/Users` and `/scim/{tenant}/Groups`,
//! with the quirks real servers have (API-NOTES §5) as selectable behaviours. The tenant's
//! `users` and `groups` are SCIM resources as they are served; auth is `Bearer <secret>`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::{finish_body, gate};
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// A SCIM service provider's own part of a tenant file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Provider {
    /// The groups as SCIM serves them (`{id, displayName, members}`).
    pub groups: Vec<Value>,
    /// The server's departures from the RFC.
    pub scim_quirks: Quirks,
}

static NO_PROVIDER: Provider = Provider { groups: Vec::new(), scim_quirks: Quirks::RFC };

impl Tenant {
    /// The provider's own part (empty for a tenant of another kind).
    pub fn provider(&self) -> &Provider {
        self.app.part::<Provider>().unwrap_or(&NO_PROVIDER)
    }

    /// The provider's own part, to change it (`None` for a tenant of another kind).
    pub fn provider_mut(&mut self) -> Option<&mut Provider> {
        self.app.part_mut::<Provider>()
    }
}

/// How the simulated server departs from the RFC. All off: an RFC-conforming server.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Quirks {
    /// `startIndex` is taken as a 0-based offset (and echoed as such).
    pub zero_based: bool,
    /// `itemsPerPage` is the requested `count`, not the number of Resources served.
    pub items_per_page_is_count: bool,
    /// No `totalResults` at all.
    pub no_total: bool,
    /// `totalResults` is the size of the page, not of the list.
    pub total_is_page_size: bool,
    /// `active` and `primary` as the strings "True" / "False" (Entra style).
    pub string_booleans: bool,
    /// The most resources served per page, whatever `count` asks (e.g. 100).
    pub max_count: Option<usize>,
    /// `startIndex` is ignored: every request gets the first page (a broken server).
    pub ignore_start_index: bool,
}

impl Quirks {
    /// An RFC-conforming server.
    pub const RFC: Quirks = Quirks {
        zero_based: false,
        items_per_page_is_count: false,
        no_total: false,
        total_is_page_size: false,
        string_booleans: false,
        max_count: None,
        ignore_start_index: false,
    };
}

impl Part for Provider {
    const KIND: &'static str = "scim";

    fn new_user(id: &str, name: &str) -> Value {
        let email = super::faults::joiner_email(id);
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": email, "displayName": name,
            "active": true, "emails": [{"value": email, "type": "work", "primary": true}],
            "meta": {"resourceType": "User", "created": "2026-12-31T08:00:00Z"}
        })
    }
}

/// The SCIM 2.0 simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["scim"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Provider>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        routes(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, _: &Tenant) -> Vec<String> {
        vec![format!("{} (kind scim, Bearer <secret>)", base("scim"))]
    }
}

fn routes(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/scim/{tenant}/Users", get(users))
        .route("/scim/{tenant}/Users/{id}", patch(patch_user))
        .route("/scim/{tenant}/Groups", get(groups))
        .with_state(state)
}

fn scim_error(status: StatusCode, detail: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.as_u16().to_string(), "detail": detail}),
        ),
    )
        .into_response()
}

/// Booleans as strings, recursively (only where the quirk is on).
fn stringify_booleans(v: &mut Value) {
    match v {
        Value::Bool(b) => *v = json!(if *b { "True" } else { "False" }),
        Value::Array(a) => a.iter_mut().for_each(stringify_booleans),
        Value::Object(o) => o.values_mut().for_each(stringify_booleans),
        _ => {}
    }
}

/// The tenant's faults and `Bearer <secret>`, with SCIM's error bodies.
async fn gate_scim(state: &SandboxState, tenant: &str, page: Option<u32>, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let not_found = || scim_error(StatusCode::NOT_FOUND, "tenant not found");
    let authorize = |t: &mut TenantState| {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth == Some(format!("Bearer {}", t.tenant.secret).as_str()) {
            Ok(())
        } else {
            Err(Box::new(scim_error(StatusCode::UNAUTHORIZED, "Authorization failure. The authorization header is invalid or missing.")))
        }
    };
    gate(state, tenant, page, not_found, authorize).await
}

async fn list(state: Arc<SandboxState>, tenant: String, q: HashMap<String, String>, headers: HeaderMap, groups: bool) -> Response {
    let start: i64 = q.get("startIndex").and_then(|v| v.parse().ok()).unwrap_or(1);
    let count: usize = q.get("count").and_then(|v| v.parse::<i64>().ok()).map(|c| c.max(0) as usize).unwrap_or(100);
    let quirks = state.with_tenant(&tenant, |t| t.tenant.provider().scim_quirks.clone()).unwrap_or_default();
    let served = quirks.max_count.map_or(count, |m| count.min(m));
    // RFC: 1-based, anything below 1 is 1. Zero-based servers take it as an offset.
    let offset = if quirks.ignore_start_index {
        0
    } else if quirks.zero_based {
        start.max(0) as usize
    } else {
        (start.max(1) - 1) as usize
    };
    let page = if groups { None } else { Some(super::faults::page_of(offset, served)) };
    if let Err(r) = gate_scim(&state, &tenant, page, &headers).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let all = if groups { &t.tenant.provider().groups } else { &t.tenant.users };
            let total = all.len();
            let mut resources: Vec<Value> = all.iter().skip(offset).take(served).cloned().collect();
            if t.tenant.faults.repeat_row && offset > 0 && offset <= total {
                resources.insert(0, all[offset - 1].clone());
            }
            if quirks.string_booleans {
                resources.iter_mut().for_each(stringify_booleans);
            }
            let mut body = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "startIndex": if quirks.zero_based { offset as i64 } else { offset as i64 + 1 },
                "itemsPerPage": if quirks.items_per_page_is_count { count } else { resources.len() },
                "Resources": resources,
            });
            if !quirks.no_total {
                let reported = if quirks.total_is_page_size {
                    body["Resources"].as_array().map_or(0, |a| a.len()) as i64
                } else {
                    total as i64 + t.tenant.faults.total_offset
                };
                body["totalResults"] = json!(reported.max(0));
            }
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn users(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    list(state, tenant, q, headers, false).await
}

async fn groups(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    list(state, tenant, q, headers, true).await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2): a PatchOp whose operations `replace` (or `add`)
/// attributes, with a `path` (`"active"`) or without one (`{"value": {"active": false}}`);
/// Entra's capitalised `"Replace"` and `"False"` strings are taken too. Answers the changed user
/// (200), 404 for an unknown id, 400 (`invalidSyntax` / `invalidPath`) for a bad PatchOp, and goes
/// through the tenant's faults (429, 5xx) as a list request does.
async fn patch_user(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = gate_scim(&state, &tenant, None, &headers).await {
        return *r;
    }
    let Ok(patch) = serde_json::from_slice::<Value>(&body) else {
        return scim_error(StatusCode::BAD_REQUEST, "invalidSyntax: the body is not JSON");
    };
    let is_patch_op = patch["schemas"].as_array().is_some_and(|s| s.iter().any(|v| v == "urn:ietf:params:scim:api:messages:2.0:PatchOp"));
    let Some(ops) = patch["Operations"].as_array().filter(|_| is_patch_op) else {
        return scim_error(StatusCode::BAD_REQUEST, "invalidSyntax: not a PatchOp (schemas, Operations)");
    };
    // Every operation as (attribute, value), checked before anything changes.
    let mut changes: Vec<(String, Value)> = Vec::new();
    for op in ops {
        let name = op["op"].as_str().unwrap_or_default().to_ascii_lowercase();
        if name != "replace" && name != "add" {
            return scim_error(StatusCode::BAD_REQUEST, &format!("invalidSyntax: op \"{name}\" is not supported here"));
        }
        let value = op["value"].clone();
        match op["path"].as_str() {
            Some(path) if !path.is_empty() && path.chars().all(|c| c.is_ascii_alphanumeric()) => changes.push((path.to_string(), value)),
            Some(path) => return scim_error(StatusCode::BAD_REQUEST, &format!("invalidPath: \"{path}\"")),
            None => match value.as_object() {
                Some(o) => changes.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
                None => return scim_error(StatusCode::BAD_REQUEST, "invalidValue: an operation without path needs an object value"),
            },
        }
    }
    state
        .with_tenant(&tenant, |t| {
            let Some(user) = t.tenant.users.iter_mut().find(|u| u.get("id").and_then(|v| v.as_str()) == Some(id.as_str())) else {
                return scim_error(StatusCode::NOT_FOUND, &format!("Resource {id} not found"));
            };
            for (attribute, value) in &changes {
                let value = match (attribute.as_str(), value) {
                    ("active", Value::String(s)) => json!(s.eq_ignore_ascii_case("true")),
                    _ => value.clone(),
                };
                user[attribute.as_str()] = value;
            }
            let body = user.clone();
            (StatusCode::OK, [("content-type", "application/scim+json")], body.to_string()).into_response()
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic SCIM tenant: `users` users (enterprise extension, work emails, every 20th inactive,
/// every 50th with the `admin` role), groups of 500 ("all-staff" has everyone, "admins" the admins).
pub fn synthetic_tenant(users: usize) -> Tenant {
    let list: Vec<Value> = (0..users)
        .map(|i| {
            let mut u = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "id": format!("u-{i:07}"), "userName": format!("user{i}@acme.com"), "displayName": format!("User {i}"),
                "active": i % 20 != 7,
                "emails": [{"value": format!("user{i}@acme.com"), "type": "work", "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": format!("E{i}")},
                "meta": {"resourceType": "User", "created": "2025-01-02T03:04:05Z", "lastModified": "2026-06-01T00:00:00Z"}
            });
            if i % 50 == 0 {
                u["roles"] = json!([{"value": "admin", "primary": true}]);
            }
            u
        })
        .collect();
    let mut group_list = vec![
        json!({"id": "g-all", "displayName": "all-staff", "members": (0..users).map(|i| json!({"value": format!("u-{i:07}")})).collect::<Vec<_>>()}),
    ];
    group_list.push(json!({"id": "g-admins", "displayName": "admins", "members": (0..users).filter(|i| i % 50 == 0).map(|i| json!({"value": format!("u-{i:07}")})).collect::<Vec<_>>()}));
    for g in 0..users.div_ceil(500) {
        let members: Vec<Value> =
            (g * 500..((g + 1) * 500).min(users)).map(|i| json!({"value": format!("u-{i:07}"), "display": format!("User {i}")})).collect();
        group_list.push(json!({"id": format!("g-{g:04}"), "displayName": format!("team-{g:04}"), "members": members}));
    }
    let provider = Provider { groups: group_list, scim_quirks: Quirks::default() };
    Tenant { users: list, ..Tenant::new(App::new(provider), "synthetic-scim-token") }
}
