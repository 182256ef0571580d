//! Google Workspace's Admin SDK Directory API (v1), at `/google/{tenant}/admin/directory/v1/...`,
//! with its token endpoint at `/google/{tenant}/token` (the `oauth2.googleapis.com/token` shape),
//! as Google's reference describes it:
//!
//! - `GET /users?customer=my_customer` (`maxResults` up to 500, `pageToken` / `nextPageToken`,
//!   `projection`), `/customer/{customer}/roles`, `/customer/{customer}/roleassignments`
//!   (`maxResults` up to 100), `/users/{userKey}/tokens` (one response);
//! - a service account's RFC 7523 JWT bearer grant (`assertion` signed by the key whose public
//!   half is `client_public_key`, `iss` the service account, `sub` the administrator it acts as,
//!   which must be an administrator of the domain); scopes outside `delegated_scopes` refused
//!   (`unauthorized_client`), as domain-wide delegation does;
//! - Google's error bodies (`{"error": {"code", "message", "errors": [{"domain", "reason"}],
//!   "status"}}`), and throttling as Google answers it: 403 `userRateLimitExceeded`
//!   (`rate_limited_403`: the first N requests) besides 429.
//!
//! Canonical users of a tenant file: the Directory API's user resource (`id`, `primaryEmail`,
//! `name`, `suspended`, `archived`, `isAdmin`, `isDelegatedAdmin`, `isEnrolledIn2Sv`,
//! `lastLoginTime`, `creationTime`, `emails`, `aliases`, `relations`, `organizations`,
//! `externalIds`) and the sandbox's own `tokens` (the user's OAuth grants).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant};

/// A Workspace customer's own part of a tenant file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workspace {
    /// Roles `{roleId, roleName, isSuperAdminRole, isSystemRole}`.
    pub roles: Vec<Value>,
    /// Role assignments `{roleAssignmentId, roleId, assignedTo, assigneeType, scopeType}`.
    pub role_assignments: Vec<Value>,
    /// The service account's public key (PEM); `oauth_client_id` is its email.
    pub client_public_key: Option<String>,
    /// The scopes the service account is delegated (absent: any).
    pub delegated_scopes: Option<Vec<String>>,
    /// The first N API requests answer 403 `userRateLimitExceeded`.
    pub rate_limited_403: u32,
}

impl Tenant {
    /// The customer's own part, to change it (`None` for a tenant of another kind).
    pub fn workspace_mut(&mut self) -> Option<&mut Workspace> {
        self.app.part_mut::<Workspace>()
    }
}

impl Part for Workspace {
    const KIND: &'static str = "google_workspace";

    fn new_user(id: &str, name: &str) -> Value {
        let email = super::faults::joiner_email(id);
        json!({"kind": "admin#directory#user", "id": id, "primaryEmail": email, "name": {"fullName": name},
               "suspended": false, "archived": false, "isAdmin": false, "isDelegatedAdmin": false, "isEnrolledIn2Sv": true,
               "lastLoginTime": "1970-01-01T00:00:00.000Z", "creationTime": "2026-12-31T08:00:00.000Z"})
    }

    fn body_429(_n: u64) -> (&'static str, &'static str) {
        ("application/json", RATE_LIMITED_429)
    }
}

const RATE_LIMITED_429: &str = r#"{"error":{"code":429,"message":"Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'.","errors":[{"message":"Quota exceeded","domain":"global","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}}"#;

/// The Google Workspace simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["google_workspace"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Workspace>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        Router::new()
            .route("/google/{tenant}/token", post(token))
            .route("/google/{tenant}/admin/directory/v1/{*rest}", get(directory))
            .with_state(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        let sa = tenant.oauth_client_id.as_deref().unwrap_or("?");
        vec![format!("{} (kind google_workspace; service account {sa}, token_uri {}/token)", base("google"), base("google"))]
    }
}

fn error(code: u16, message: &str, reason: &str, domain: &str, status: &str) -> Response {
    let s = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (s, axum::Json(json!({"error": {"code": code, "message": message, "errors": [{"message": message, "domain": domain, "reason": reason}], "status": status}})))
        .into_response()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

/// One page of `items` (in `key` order) after the opaque `pageToken` (the last key served,
/// so that the cursor holds its place while the list changes, as Google's does).
fn page(mut items: Vec<Value>, q: &HashMap<String, String>, key: &str, kind: &str, default: usize, max: usize, by: &str) -> Value {
    items.sort_by(|a, b| s(a, by).cmp(s(b, by)));
    let size = q.get("maxResults").and_then(|v| v.parse::<usize>().ok()).unwrap_or(default).clamp(1, max);
    let start = match q.get("pageToken").and_then(|t| t.strip_prefix("pt-")) {
        Some(after) => items.iter().position(|v| s(v, by) > after).unwrap_or(items.len()),
        None => 0,
    };
    let served: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let mut body = json!({"kind": kind, "etag": "\"sandbox\""});
    if start + served.len() < items.len() {
        if let Some(last) = served.last() {
            body["nextPageToken"] = json!(format!("pt-{}", s(last, by)));
        }
    }
    body[key] = Value::Array(served);
    body
}

fn served_user(u: &Value) -> Value {
    let mut o = u.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("tokens");
        m.entry("kind").or_insert(json!("admin#directory#user"));
    }
    o
}

/// `GET /admin/directory/v1/...`.
async fn directory(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, rest)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let parts: Vec<&str> = rest.split('/').collect();
    let page_no = (parts == ["users"]).then(|| {
        let size = q.get("maxResults").and_then(|v| v.parse::<usize>().ok()).unwrap_or(100).clamp(1, 500);
        let before = match q.get("pageToken").and_then(|t| t.strip_prefix("pt-")) {
            Some(after) => {
                state.with_tenant(&tenant, |t| t.tenant.users.iter().filter(|u| s(u, "primaryEmail") <= after).count()).unwrap_or(0)
            }
            None => 0,
        };
        (before / size) as u32
    });
    let gate = super::faults::gate(
        &state,
        &tenant,
        page_no,
        || error(404, "Domain not found.", "notFound", "global", "NOT_FOUND"),
        |t| {
            if !super::oauth::issued_token_ok(t, &headers) {
                return Err(Box::new(error(401, "Request had invalid authentication credentials.", "authError", "global", "UNAUTHENTICATED")));
            }
            if let Some(w) = t.tenant.workspace_mut() {
                if w.rate_limited_403 > 0 {
                    w.rate_limited_403 -= 1;
                    t.stats.served_429 += 1;
                    return Err(Box::new(error(
                        403,
                        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.",
                        "userRateLimitExceeded",
                        "usageLimits",
                        "PERMISSION_DENIED",
                    )));
                }
            }
            Ok(())
        },
    )
    .await;
    if let Err(r) = gate {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let w = t.tenant.app.part::<Workspace>().cloned().unwrap_or_default();
            let users = t.tenant.users.clone();
            let body = match parts.as_slice() {
                ["users"] => {
                    if !q.contains_key("customer") && !q.contains_key("domain") {
                        return error(400, "Bad Request", "badRequest", "global", "INVALID_ARGUMENT");
                    }
                    page(users.iter().map(served_user).collect(), &q, "users", "admin#directory#users", 100, 500, "primaryEmail")
                }
                ["users", key, "tokens"] => {
                    let Some(u) = users.iter().find(|u| s(u, "id") == *key || s(u, "primaryEmail").eq_ignore_ascii_case(key)) else {
                        return error(404, "Resource Not Found: userKey", "notFound", "global", "NOT_FOUND");
                    };
                    let items: Vec<Value> = u
                        .get("tokens")
                        .and_then(|x| x.as_array())
                        .into_iter()
                        .flatten()
                        .map(|tk| {
                            json!({"kind": "admin#directory#token", "etag": "\"sandbox\"", "clientId": s(tk, "clientId"), "displayText": s(tk, "displayText"),
                                   "anonymous": false, "nativeApp": false, "userKey": s(u, "id"), "scopes": tk.get("scopes").cloned().unwrap_or(json!([]))})
                        })
                        .collect();
                    json!({"kind": "admin#directory#tokenList", "etag": "\"sandbox\"", "items": items})
                }
                ["customer", _, "roles"] => page(w.roles.clone(), &q, "items", "admin#directory#roles", 100, 100, "roleId"),
                ["customer", _, "roleassignments"] => page(w.role_assignments.clone(), &q, "items", "admin#directory#roleAssignments", 100, 100, "roleAssignmentId"),
                _ => return error(404, "Not Found", "notFound", "global", "NOT_FOUND"),
            };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `POST /token`: the JWT bearer grant of a service account acting as an administrator.
async fn token(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, body: String) -> Response {
    let refuse = |error: &str, description: &str| {
        (StatusCode::BAD_REQUEST, axum::Json(json!({"error": error, "error_description": description}))).into_response()
    };
    state
        .with_tenant(&tenant, |t| {
            let form = |k: &str| super::oauth::field(&body, k).unwrap_or_default();
            if form("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
                return refuse("unsupported_grant_type", "Invalid grant_type: ");
            }
            let w = t.tenant.app.part::<Workspace>().cloned().unwrap_or_default();
            let sa = t.tenant.oauth_client_id.clone().unwrap_or_default();
            let Some(claims) = w.client_public_key.as_deref().and_then(|pem| verify(&form("assertion"), pem, &sa)) else {
                return refuse("invalid_grant", "Invalid JWT Signature.");
            };
            let subject = s(&claims, "sub").to_string();
            let admin = t.tenant.users.iter().any(|u| s(u, "primaryEmail").eq_ignore_ascii_case(&subject) && u.get("isAdmin").and_then(Value::as_bool) == Some(true));
            if !admin {
                return refuse("invalid_grant", "Invalid email or User ID");
            }
            let scope = s(&claims, "scope").to_string();
            if scope.is_empty() {
                return refuse("invalid_scope", "Invalid OAuth scope or ID token audience provided.");
            }
            if let Some(allowed) = &w.delegated_scopes {
                if scope.split_whitespace().any(|sc| !allowed.iter().any(|a| a == sc)) {
                    return refuse(
                        "unauthorized_client",
                        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
                    );
                }
            }
            super::oauth::issue(t, &tenant, Some(json!(scope)))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The claims of a service account's assertion (`iss` the account, signed by its key, unexpired).
fn verify(jwt: &str, public_pem: &str, service_account: &str) -> Option<Value> {
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};
    let header = decode_header(jwt).ok()?;
    let key = DecodingKey::from_rsa_pem(public_pem.as_bytes()).ok()?;
    let mut v = Validation::new(header.alg);
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.set_issuer(&[service_account]);
    decode::<Value>(jwt, &key, &v).ok().map(|d| d.claims)
}

/// A synthetic customer: `users` users (every 25th a delegated admin, every 40th suspended, every
/// 7th without 2-step verification, every 3rd with an OAuth grant). Deterministic.
pub fn synthetic_tenant(users: usize, public_key: &str) -> Tenant {
    let list: Vec<Value> = (0..users)
        .map(|i| {
            json!({"id": format!("1{i:011}"), "primaryEmail": format!("user{i}@acme.com"), "name": {"fullName": format!("User {i}")},
                   "suspended": i % 40 == 39, "archived": false, "isAdmin": i == 0, "isDelegatedAdmin": i % 25 == 0 && i > 0,
                   "isEnrolledIn2Sv": i % 7 != 3, "lastLoginTime": format!("2026-{:02}-15T09:00:00.000Z", 1 + i % 12),
                   "creationTime": "2024-01-15T09:00:00.000Z",
                   "tokens": if i % 3 == 0 { json!([{"clientId": "123.apps.googleusercontent.com", "displayText": "Calendar sync", "scopes": ["https://www.googleapis.com/auth/calendar"]}]) } else { json!([]) }})
        })
        .collect();
    let assignments: Vec<Value> = (0..users)
        .filter(|i| i % 25 == 0 && *i > 0)
        .map(|i| json!({"roleAssignmentId": format!("ra{i}"), "roleId": "r-groups", "assignedTo": format!("1{i:011}"), "assigneeType": "user", "scopeType": "CUSTOMER"}))
        .collect();
    let w = Workspace {
        roles: vec![json!({"roleId": "r-groups", "roleName": "_GROUPS_ADMIN_ROLE", "isSystemRole": true, "isSuperAdminRole": false})],
        role_assignments: assignments,
        client_public_key: Some(public_key.to_string()),
        ..Workspace::default()
    };
    Tenant { users: list, oauth_client_id: Some("audit@acme-audit.iam.gserviceaccount.com".into()), ..Tenant::new(App::new(w), "") }
}
