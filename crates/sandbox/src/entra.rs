//! Microsoft Entra ID through Microsoft Graph v1.0, at `/entra/{tenant}/v1.0/...`, with its token
//! endpoint at `/entra/{tenant}/login/{directory id}/oauth2/v2.0/token` (the
//! `login.microsoftonline.com` shape), as Graph's documentation describes it:
//!
//! - `GET /users` (`$select`, `$top` up to 999, `$expand=manager($select=...)`),
//!   `/groups`, `/groups/{id}/members` (direct members: users and nested groups, never expanded),
//!   `/servicePrincipals`, `/servicePrincipals/{id}/appRoleAssignedTo` (users and groups),
//!   `/directoryRoles`, `/directoryRoles/{id}/members`,
//!   `/reports/authenticationMethods/userRegistrationDetails`, `/applications` (with their
//!   `passwordCredentials` / `keyCredentials`) and `/applications/{id}/owners`;
//! - paging by `@odata.nextLink` only (an opaque `$skiptoken`; the other query options kept);
//! - `signInActivity` only when `$select` names it, and then a 403 without the licence or
//!   `AuditLog.Read.All` (`sign_in_forbidden`); the registration report likewise (`mfa_forbidden`);
//! - client credentials with the client secret (`secret`) or a client assertion signed by the
//!   key whose public half is `client_public_key`; the scope must be `<resource>/.default`;
//! - Graph's error bodies (`{"error": {"code", "message", "innerError"}}`), 429 with Retry-After.
//!
//! Canonical users of a tenant file: Graph's user properties (`id`, `displayName`, `mail`,
//! `userPrincipalName`, `accountEnabled`, `userType`, `externalUserState`, `createdDateTime`,
//! `employeeId`, `department`, `onPremisesSyncEnabled`, `otherMails`, `signInActivity`) and the
//! sandbox's own keys `manager` (a user id), `groups` (group ids), `roles` (directory role names)
//! and `mfa` (`isMfaRegistered`; absent: not in the report).

use std::collections::{BTreeSet, HashMap};
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
use super::state::{SandboxState, Tenant, TenantState};

/// A directory's own part of a tenant file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Directory {
    /// Groups `{id, displayName, groups: [ids of groups it is a member of], roles: [role names]}`.
    pub groups: Vec<Value>,
    /// Enterprise apps `{id, appId, displayName, users: [user ids], groups: [group ids]}`.
    pub service_principals: Vec<Value>,
    /// App registrations `{id, appId, displayName, passwordCredentials, keyCredentials, owners: [user ids]}`.
    pub applications: Vec<Value>,
    /// `$select=signInActivity` answers 403 (no Entra ID P1, or no AuditLog.Read.All).
    pub sign_in_forbidden: bool,
    /// The registration report answers 403.
    pub mfa_forbidden: bool,
    /// The PEM public key of the certificate the app (`oauth_client_id`) proves itself with.
    pub client_public_key: Option<String>,
}

impl Tenant {
    /// The directory's own part (empty for a tenant of another kind).
    pub fn directory(&self) -> &Directory {
        static NONE: std::sync::OnceLock<Directory> = std::sync::OnceLock::new();
        self.app.part::<Directory>().unwrap_or_else(|| NONE.get_or_init(Directory::default))
    }

    /// The directory's own part, to change it (`None` for a tenant of another kind).
    pub fn directory_mut(&mut self) -> Option<&mut Directory> {
        self.app.part_mut::<Directory>()
    }
}

impl Part for Directory {
    const KIND: &'static str = "entra";

    fn new_user(id: &str, name: &str) -> Value {
        let email = super::faults::joiner_email(id);
        json!({"id": id, "displayName": name, "mail": email, "userPrincipalName": email, "accountEnabled": true, "userType": "Member",
               "createdDateTime": "2026-12-31T08:00:00Z", "mfa": true})
    }

    fn body_429(_n: u64) -> (&'static str, &'static str) {
        ("application/json", THROTTLED)
    }
}

const THROTTLED: &str = r#"{"error":{"code":"TooManyRequests","message":"Too many requests.","innerError":{"date":"2026-12-07T00:00:00","request-id":"sandbox"}}}"#;

/// The Entra simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["entra"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Directory>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        Router::new()
            .route("/entra/{tenant}/login/{directory}/oauth2/v2.0/token", post(token))
            .route("/entra/{tenant}/v1.0/{*rest}", get(graph))
            .with_state(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        let client = tenant.oauth_client_id.as_deref().unwrap_or("?");
        vec![format!("{}/v1.0 (kind entra; authority = \"{}/login\"; client {client})", base("entra"), base("entra"))]
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"error": {"code": code, "message": message, "innerError": {"date": "2026-12-07T00:00:00", "request-id": "sandbox"}}}),
        ),
    )
        .into_response()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.get(key).and_then(|x| x.as_array()).into_iter().flatten().filter_map(|x| x.as_str()).collect()
}

fn id_of(v: &Value) -> String {
    s(v, "id").to_string()
}

fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn forbidden() -> Response {
    error(StatusCode::FORBIDDEN, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of `items` (in id order) after `$skiptoken`, at most `$top`, with `@odata.nextLink`
/// while more follow (the request's other query options kept, as Graph does).
fn page(items: Vec<Value>, q: &HashMap<String, String>, url: &str, max: usize) -> Value {
    let top = q.get("$top").and_then(|v| v.parse::<usize>().ok()).unwrap_or(100).clamp(1, max);
    let start = match q.get("$skiptoken") {
        Some(after) => items.iter().position(|v| id_of(v).as_str() > after.as_str()).unwrap_or(items.len()),
        None => 0,
    };
    let served: Vec<Value> = items.iter().skip(start).take(top).cloned().collect();
    let mut body = json!({"@odata.context": format!("{url}/$metadata"), "value": served});
    if start + served.len() < items.len() {
        if let Some(last) = served.last() {
            let mut parts: Vec<(String, String)> =
                q.iter().filter(|(k, _)| *k != "$skiptoken").map(|(k, v)| (k.clone(), v.clone())).collect();
            parts.sort();
            parts.push(("$skiptoken".into(), id_of(last)));
            let query: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
            body["@odata.nextLink"] = json!(format!("{url}?{}", query.join("&")));
        }
    }
    body
}

/// The properties `$select` names (with `id`), or `None` for the default set.
fn selected(q: &HashMap<String, String>) -> Option<BTreeSet<String>> {
    q.get("$select").map(|s| s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).chain(["id".to_string()]).collect())
}

/// Graph's default user properties (without `$select`).
const USER_DEFAULT: [&str; 11] = [
    "id",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

/// A user as Graph serves it: the selected properties (the sandbox's own keys never).
fn served_user(u: &Value, select: &Option<BTreeSet<String>>) -> Value {
    let mut out = serde_json::Map::new();
    let wanted = |k: &str| match select {
        Some(set) => set.contains(k),
        None => USER_DEFAULT.contains(&k),
    };
    for (k, v) in u.as_object().into_iter().flatten() {
        if ["manager", "groups", "roles", "mfa"].contains(&k.as_str()) {
            continue;
        }
        if wanted(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    for k in select.iter().flatten() {
        if !out.contains_key(k) && !["manager", "groups", "roles", "mfa"].contains(&k.as_str()) {
            out.insert(k.clone(), Value::Null);
        }
    }
    Value::Object(out)
}

fn brief(o: &Value, kind: &str) -> Value {
    json!({"@odata.type": format!("#microsoft.graph.{kind}"), "id": s(o, "id"), "displayName": o.get("displayName"),
           "mail": o.get("mail"), "userPrincipalName": o.get("userPrincipalName")})
}

/// The request's URL without its query, as Graph's links are absolute.
fn url_of(headers: &HeaderMap, path: &str) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}{path}")
}

/// Every role name held by a user or a group, sorted.
fn role_names(t: &TenantState) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for o in t.tenant.users.iter().chain(&t.tenant.directory().groups) {
        names.extend(strings(o, "roles").into_iter().map(str::to_string));
    }
    names.into_iter().collect()
}

fn role_id(name: &str) -> String {
    format!("role-{}", name.to_lowercase().replace(' ', "-"))
}

/// `GET /v1.0/...`: every Graph list the simulator serves.
async fn graph(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, rest)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/entra/{tenant}/v1.0/{rest}");
    let parts: Vec<&str> = rest.split('/').collect();
    // The churn faults act on the user list's pages.
    let page_no = (parts == ["users"]).then(|| {
        state
            .with_tenant(&tenant, |t| {
                let top = q.get("$top").and_then(|v| v.parse::<usize>().ok()).unwrap_or(100).clamp(1, 999);
                let before =
                    q.get("$skiptoken").map(|a| t.tenant.users.iter().filter(|u| id_of(u).as_str() <= a.as_str()).count()).unwrap_or(0);
                (before / top) as u32
            })
            .unwrap_or(0)
    });
    let gate = super::faults::gate(
        &state,
        &tenant,
        page_no,
        || error(StatusCode::NOT_FOUND, "Request_ResourceNotFound", "tenant not found"),
        |t| match super::oauth::issued_token_ok(t, &headers) {
            true => Ok(()),
            false => Err(Box::new(error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            ))),
        },
    )
    .await;
    if let Err(r) = gate {
        return *r;
    }
    let url = url_of(&headers, &path);
    state
        .with_tenant(&tenant, |t| {
            let mut users: Vec<Value> = t.tenant.users.clone();
            users.sort_by_key(id_of);
            let dir = t.tenant.directory().clone();
            let user = |id: &str| users.iter().find(|u| s(u, "id") == id);
            let group = |id: &str| dir.groups.iter().find(|g| s(g, "id") == id);
            let body = match parts.as_slice() {
                ["users"] => {
                    let select = selected(&q);
                    if dir.sign_in_forbidden && select.as_ref().is_some_and(|s| s.contains("signInActivity")) {
                        return error(
                            StatusCode::FORBIDDEN,
                            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                            "Neither tenant is B2C or tenant doesn't have premium license",
                        );
                    }
                    let expand_manager = q.get("$expand").is_some_and(|e| e.starts_with("manager"));
                    let all: Vec<Value> = users
                        .iter()
                        .map(|u| {
                            let mut o = served_user(u, &select);
                            if expand_manager {
                                if let Some(m) = u.get("manager").and_then(|m| m.as_str()).and_then(user) {
                                    o["manager"] = brief(m, "user");
                                }
                            }
                            o
                        })
                        .collect();
                    page(all, &q, &url, 999)
                }
                ["groups"] => {
                    let mut all: Vec<Value> = dir.groups.iter().map(|g| json!({"id": s(g, "id"), "displayName": s(g, "displayName"), "securityEnabled": true})).collect();
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["groups", id, "members"] => {
                    if group(id).is_none() {
                        return not_found(id);
                    }
                    // Direct members only: users whose `groups` name it, and groups nested in it.
                    let mut all: Vec<Value> = users.iter().filter(|u| strings(u, "groups").contains(id)).map(|u| brief(u, "user")).collect();
                    all.extend(dir.groups.iter().filter(|g| strings(g, "groups").contains(id)).map(|g| brief(g, "group")));
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["servicePrincipals"] => {
                    let mut all: Vec<Value> = dir
                        .service_principals
                        .iter()
                        .map(|sp| {
                            json!({"id": s(sp, "id"), "appId": s(sp, "appId"), "displayName": s(sp, "displayName"), "accountEnabled": true,
                                   "appRoleAssignmentRequired": true, "servicePrincipalType": "Application",
                                   "appOwnerOrganizationId": sp.get("appOwnerOrganizationId").cloned().unwrap_or(Value::Null),
                                   "tags": ["WindowsAzureActiveDirectoryIntegratedApp"]})
                        })
                        .collect();
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["servicePrincipals", id, "appRoleAssignedTo"] => {
                    let Some(sp) = dir.service_principals.iter().find(|x| s(x, "id") == *id) else { return not_found(id) };
                    let mut all = Vec::new();
                    for (key, kind) in [("users", "User"), ("groups", "Group")] {
                        for pid in strings(sp, key) {
                            let name = match kind {
                                "User" => user(pid).map(|u| s(u, "displayName").to_string()),
                                _ => group(pid).map(|g| s(g, "displayName").to_string()),
                            };
                            all.push(json!({"id": format!("ara-{id}-{pid}"), "appRoleId": "00000000-0000-0000-0000-000000000000",
                                            "principalId": pid, "principalType": kind, "principalDisplayName": name,
                                            "resourceId": id, "resourceDisplayName": s(sp, "displayName"),
                                            "createdDateTime": "2025-01-01T00:00:00Z"}));
                        }
                    }
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["directoryRoles"] => {
                    if q.keys().any(|k| k.starts_with('$')) {
                        return error(StatusCode::BAD_REQUEST, "Request_BadRequest", "This method does not support OData query parameters.");
                    }
                    let all: Vec<Value> = role_names(t)
                        .iter()
                        .map(|n| json!({"id": role_id(n), "displayName": n, "roleTemplateId": format!("tmpl-{}", role_id(n))}))
                        .collect();
                    // This list is not paged: one response.
                    json!({"@odata.context": format!("{url}/$metadata"), "value": all})
                }
                ["directoryRoles", id, "members"] => {
                    let Some(name) = role_names(t).into_iter().find(|n| role_id(n) == *id) else { return not_found(id) };
                    let mut all: Vec<Value> =
                        users.iter().filter(|u| strings(u, "roles").contains(&name.as_str())).map(|u| brief(u, "user")).collect();
                    all.extend(dir.groups.iter().filter(|g| strings(g, "roles").contains(&name.as_str())).map(|g| brief(g, "group")));
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["reports", "authenticationMethods", "userRegistrationDetails"] => {
                    if dir.mfa_forbidden {
                        return forbidden();
                    }
                    if q.contains_key("$top") || q.contains_key("$select") {
                        return error(StatusCode::BAD_REQUEST, "BadRequest", "Query option '$top' is not allowed. Allowed: $filter, $orderby.");
                    }
                    let all: Vec<Value> = users
                        .iter()
                        .filter_map(|u| {
                            let mfa = u.get("mfa")?.as_bool()?;
                            Some(json!({"id": s(u, "id"), "userPrincipalName": s(u, "userPrincipalName"), "userDisplayName": s(u, "displayName"),
                                        "isAdmin": !strings(u, "roles").is_empty(), "isMfaRegistered": mfa, "isMfaCapable": mfa,
                                        "methodsRegistered": if mfa { json!(["microsoftAuthenticatorPush"]) } else { json!([]) },
                                        "userType": if s(u, "userType") == "Guest" { "guest" } else { "member" }}))
                        })
                        .collect();
                    page(all, &q, &url, 999)
                }
                ["applications"] => {
                    let mut all: Vec<Value> = dir
                        .applications
                        .iter()
                        .map(|a| {
                            let mut o = a.clone();
                            if let Some(m) = o.as_object_mut() {
                                m.remove("owners");
                            }
                            o
                        })
                        .collect();
                    all.sort_by_key(id_of);
                    page(all, &q, &url, 999)
                }
                ["applications", id, "owners"] => {
                    let Some(a) = dir.applications.iter().find(|x| s(x, "id") == *id) else { return not_found(id) };
                    let all: Vec<Value> = strings(a, "owners").into_iter().filter_map(user).map(|u| brief(u, "user")).collect();
                    page(all, &q, &url, 999)
                }
                _ => return error(StatusCode::BAD_REQUEST, "BadRequest", &format!("Resource not found for the segment '{rest}'.")),
            };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `POST /login/{directory}/oauth2/v2.0/token`: client credentials with the client secret or a
/// client assertion; the scope must be a resource's `/.default`.
async fn token(State(state): State<Arc<SandboxState>>, Path((tenant, _directory)): Path<(String, String)>, body: String) -> Response {
    let aad = |status: StatusCode, error: &str, code: u32, text: &str| {
        (
            status,
            axum::Json(json!({"error": error, "error_description": format!("AADSTS{code}: {text}"), "error_codes": [code],
                              "timestamp": "2026-12-07 00:00:00Z", "trace_id": "sandbox", "correlation_id": "sandbox"})),
        )
            .into_response()
    };
    state
        .with_tenant(&tenant, |t| {
            let form = |k: &str| super::oauth::field(&body, k).unwrap_or_default();
            let client = t.tenant.oauth_client_id.clone().unwrap_or_default();
            if form("grant_type") != "client_credentials" {
                return aad(StatusCode::BAD_REQUEST, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
            }
            if form("client_id") != client {
                return aad(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, "Application was not found in the directory.");
            }
            if !form("scope").ends_with("/.default") {
                return aad(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
            }
            let by_secret = !t.tenant.secret.is_empty() && form("client_secret") == t.tenant.secret;
            let by_assertion = t.tenant.directory().client_public_key.as_deref().is_some_and(|pem| {
                form("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                    && super::oauth::assertion_ok(&form("client_assertion"), pem, &client)
            });
            if !(by_secret || by_assertion) {
                return aad(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
            }
            super::oauth::issue(t, &tenant, None)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic directory: `users` users (every 25th a Global Reader, every 40th disabled, every
/// 7th without MFA registered), `apps` enterprise apps assigned to `groups` groups (every user
/// in one group), some users assigned directly. Deterministic.
pub fn synthetic_tenant(users: usize, apps: usize, groups: usize) -> Tenant {
    let groups_n = groups.max(1);
    let list: Vec<Value> = (0..users)
        .map(|i| {
            let mut u = json!({
                "id": format!("u{i:08}"), "displayName": format!("User {i}"), "mail": format!("user{i}@acme.com"),
                "userPrincipalName": format!("user{i}@acme.com"), "accountEnabled": i % 40 != 39, "userType": "Member",
                "createdDateTime": "2024-01-15T09:00:00Z", "employeeId": format!("E{i}"),
                "department": if i % 2 == 0 { "Engineering" } else { "Sales" },
                "signInActivity": {"lastSignInDateTime": format!("2026-{:02}-15T09:00:00Z", 1 + i % 12)},
                "groups": [format!("g{:05}", i % groups_n)], "mfa": i % 7 != 3,
            });
            if i % 25 == 0 {
                u["roles"] = json!(["Global Reader"]);
            }
            if i > 0 {
                u["manager"] = json!(format!("u{:08}", i / 10));
            }
            u
        })
        .collect();
    let group_list: Vec<Value> = (0..groups).map(|g| json!({"id": format!("g{g:05}"), "displayName": format!("Team {g}")})).collect();
    let sps: Vec<Value> = (0..apps)
        .map(|a| {
            let groups: Vec<String> = (0..groups_n).filter(|g| g % apps.max(1) == a || g % 10 == 0).map(|g| format!("g{g:05}")).collect();
            let direct: Vec<String> = (0..users).filter(|i| i % 97 == a % 97).take(20).map(|i| format!("u{i:08}")).collect();
            json!({"id": format!("sp{a:05}"), "appId": format!("app-{a:05}"), "displayName": format!("App {a}"), "groups": groups, "users": direct})
        })
        .collect();
    let dir = Directory { groups: group_list, service_principals: sps, ..Directory::default() };
    Tenant { users: list, oauth_client_id: Some("audit-client".into()), ..Tenant::new(App::new(dir), "synthetic-entra-secret") }
}
