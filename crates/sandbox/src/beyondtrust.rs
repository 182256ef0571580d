//! BeyondTrust simulators (API-NOTES §3), one per flavour, all serving the same canonical users:
//! `{id, username, display_name, email, enabled, last_login (RFC 3339), created_at, groups:
//! [names], perm_admin, user_type}` and the tenant's `groups` (`{id, name}`).
//!
//! - `/beyondtrust/{tenant}` (`public_v3`, the guide): `POST /oauth2/token` (client credentials,
//!   3600 s), `GET /api/public/v3/users?offset&limit` -> `{users, total}` with `enabled`,
//!   `last_login`, `group_memberships` (group ids), `GET /api/public/v3/groups` -> `{groups, total}`.
//! - `/beyondtrust-pra/{tenant}` (`config_api`, RS / PRA): `POST /oauth2/token` with the client
//!   credentials as Basic auth; `GET /api/config/v1/user?per_page&current_page` -> a bare array
//!   with `Link` and `X-BT-Pagination-*` headers (at most 100 per page, 1-based pages), `perm_*`
//!   flags, `last_authentication` (`+00:00`, never `Z`), `X-RateLimit-*` headers, and a 401 for
//!   an unrecognised query parameter, as the real API does; `GET /api/config/v1/user/{id}/group-policies`.
//! - `/beyondtrust-ps/{tenant}/BeyondTrust/api/public/v3` (`password_safe`):
//!   `POST Auth/SignAppin` with `Authorization: PS-Auth key=<secret>; runas=<username>;` opens a
//!   session (`Set-Cookie: ASP.NET_SessionId=...`); `GET Users` (a bare array, PascalCase,
//!   unpaged), `GET UserGroups`, `GET UserGroups/{id}/Users` need that cookie; `POST Auth/Signout`
//!   ends it. Sessions left open are visible in [`TenantState::sessions`]. The OAuth
//!   variant: `POST Auth/connect/token` (client credentials in a form) issues a Bearer token,
//!   which `Auth/SignAppin` accepts instead of the `PS-Auth` header.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// A BeyondTrust appliance's own part of a tenant file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Appliance {
    /// The groups, `{id, name}`; members are the users whose `groups` name them.
    pub groups: Vec<Value>,
    /// The Configuration API's security providers, `{id, type, name}` (`type`: local, ldap,
    /// radius, kerberos, saml, scim); a user's `security_provider_id` names one (default 1).
    /// Empty: one local provider, id 1.
    pub security_providers: Vec<Value>,
    /// `GET /api/command/v2/info`'s `permissions` of the API account (`perm_command`:
    /// full_access / read_only / deny; the others 1 or 0); absent: the command API read-only,
    /// the Configuration and Reporting APIs allowed (what collecting needs).
    pub api_permissions: Option<Value>,
    /// The most group policies a page of a user's group policies holds (default 100, the API's
    /// maximum `per_page`).
    pub group_policies_per_page: Option<usize>,
}

static NO_APPLIANCE: Appliance =
    Appliance { groups: Vec::new(), security_providers: Vec::new(), api_permissions: None, group_policies_per_page: None };

impl Tenant {
    /// The appliance's own part (empty for a tenant of another kind).
    pub fn appliance(&self) -> &Appliance {
        self.app.part::<Appliance>().unwrap_or(&NO_APPLIANCE)
    }

    /// The appliance's own part, to change it (`None` for a tenant of another kind).
    pub fn appliance_mut(&mut self) -> Option<&mut Appliance> {
        self.app.part_mut::<Appliance>()
    }
}

const PS: &str = "/beyondtrust-ps/{tenant}/BeyondTrust/api/public/v3";

impl Part for Appliance {
    const KIND: &'static str = "beyondtrust";

    fn new_user(id: &str, name: &str) -> Value {
        json!({"id": id, "username": id, "display_name": name, "email": super::faults::joiner_email(id), "enabled": true, "created_at": "2026-12-31T08:00:00Z"})
    }
}

/// The BeyondTrust simulator: the public API v3, the Configuration API and Password Safe.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["beyondtrust"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Appliance>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        routes(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, _: &Tenant) -> Vec<String> {
        vec![
            format!("{} (flavor public_v3)", base("beyondtrust")),
            format!("{} (flavor config_api)", base("beyondtrust-pra")),
            format!("{}/BeyondTrust/api/public/v3 (flavor password_safe)", base("beyondtrust-ps")),
        ]
    }
}

fn routes(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/beyondtrust/{tenant}/oauth2/token", post(super::oauth::token))
        .route("/beyondtrust/{tenant}/api/public/v3/users", get(v3_users))
        .route("/beyondtrust/{tenant}/api/public/v3/groups", get(v3_groups))
        .route("/beyondtrust-pra/{tenant}/oauth2/token", post(super::oauth::token))
        .route("/beyondtrust-pra/{tenant}/api/config/v1/user", get(pra_users))
        .route("/beyondtrust-pra/{tenant}/api/config/v1/user/{id}/group-policies", get(pra_group_policies))
        .route("/beyondtrust-pra/{tenant}/api/config/v1/security-provider", get(pra_security_providers))
        .route("/beyondtrust-pra/{tenant}/api/command/v2/info", get(pra_info))
        .route(&format!("{PS}/Auth/connect/token"), post(super::oauth::token))
        .route(&format!("{PS}/Auth/SignAppin"), post(ps_sign_in))
        .route(&format!("{PS}/Auth/Signout"), post(ps_sign_out))
        .route(&format!("{PS}/Users"), get(ps_users))
        .route(&format!("{PS}/UserGroups"), get(ps_groups))
        .route(&format!("{PS}/UserGroups/{{id}}/Users"), get(ps_group_users))
        .with_state(state)
}

type Params = Query<HashMap<String, String>>;

fn s<'a>(u: &'a Value, key: &str) -> &'a str {
    u.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

fn enabled(u: &Value) -> bool {
    u.get("enabled").and_then(|v| v.as_bool()).unwrap_or(true)
}

fn names(u: &Value) -> Vec<&str> {
    u.get("groups").and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str()).collect()
}

fn group_id(t: &TenantState, name: &str) -> Option<Value> {
    t.tenant.appliance().groups.iter().find(|g| s(g, "name") == name).and_then(|g| g.get("id").cloned())
}

fn number(q: &HashMap<String, String>, key: &str) -> Option<usize> {
    q.get(key).and_then(|v| v.parse().ok())
}

/// Slowness, auth and faults; `Err` is the response to send instead.
async fn gate(
    state: &SandboxState,
    tenant: &str,
    page: Option<u32>,
    auth: impl FnOnce(&mut TenantState) -> Result<(), Box<Response>>,
) -> Result<(), Box<Response>> {
    super::faults::gate(state, tenant, page, || (StatusCode::NOT_FOUND, "not found").into_response(), auth).await
}

fn bearer(headers: &HeaderMap) -> impl FnOnce(&mut TenantState) -> Result<(), Box<Response>> + '_ {
    move |t| {
        if super::oauth::authorized(t, headers, "Bearer") {
            return Ok(());
        }
        let body = json!({"error": "access_denied", "message": "The resource owner or authorization server denied the request."});
        Err(Box::new((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()))
    }
}

// ------------------------------------------------------------------ public_v3 (the guide)

fn v3_user(t: &TenantState, u: &Value) -> Value {
    let groups: Vec<Value> = names(u).into_iter().filter_map(|n| group_id(t, n)).collect();
    json!({"id": u.get("id"), "username": s(u, "username"), "display_name": s(u, "display_name"), "email_address": s(u, "email"),
           "enabled": enabled(u), "account_type": if s(u, "user_type").is_empty() { "local" } else { s(u, "user_type") },
           "group_memberships": groups, "last_login": u.get("last_login"), "created_at": u.get("created_at"), "locale": "en-US"})
}

async fn v3_users(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let offset = number(&q, "offset").unwrap_or(0);
    let limit = number(&q, "limit").unwrap_or(100).clamp(1, 1000);
    if let Err(r) = gate(&state, &tenant, Some(super::faults::page_of(offset, limit)), bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let all = &t.tenant.users;
            let mut users: Vec<Value> = all.iter().skip(offset).take(limit).map(|u| v3_user(t, u)).collect();
            if t.tenant.faults.repeat_row && offset > 0 && offset <= all.len() {
                users.insert(0, v3_user(t, &all[offset - 1]));
            }
            let total = (all.len() as i64 + t.tenant.faults.total_offset).max(0);
            finish_body(t, json!({"users": users, "total": total}).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn v3_groups(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let offset = number(&q, "offset").unwrap_or(0);
    let limit = number(&q, "limit").unwrap_or(100).clamp(1, 1000);
    if let Err(r) = gate(&state, &tenant, None, bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let groups: Vec<Value> = t
                .tenant
                .appliance()
                .groups
                .iter()
                .skip(offset)
                .take(limit)
                .map(|g| json!({"id": g.get("id"), "name": s(g, "name"), "description": format!("{} group", s(g, "name"))}))
                .collect();
            let total = t.tenant.appliance().groups.len();
            finish_body(t, json!({"groups": groups, "total": total}).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

// ------------------------------------------------------------------ config_api (RS / PRA)

/// RFC 3339 the way the Configuration API writes it: `+00:00`, never `Z`.
fn plus_zero(v: Option<&Value>) -> Value {
    match v.and_then(|x| x.as_str()) {
        Some(t) => json!(t.replace('Z', "+00:00")),
        None => Value::Null,
    }
}

fn pra_user(u: &Value) -> Value {
    let admin = u.get("perm_admin").and_then(|v| v.as_bool()).unwrap_or(false);
    json!({"id": u.get("id"), "security_provider_id": u.get("security_provider_id").cloned().unwrap_or(json!(1)),
           "username": s(u, "username"), "public_display_name": s(u, "display_name"),
           "private_display_name": s(u, "display_name"), "email_address": s(u, "email"), "preferred_email_language": "en-us",
           "two_factor_required": false, "two_factor_type": "optional", "enabled": enabled(u),
           "last_authentication": plus_zero(u.get("last_login")), "failed_logins": 0, "password_reset_next_login": false,
           "created_at": plus_zero(u.get("created_at")), "two_factor_enabled": false, "fido2_credential_count": 0,
           "perm_admin": admin, "perm_access_allowed": true, "perm_view_support_reports": if admin { "all" } else { "mine" },
           "perm_jump_client": admin, "perm_collaborate": true})
}

/// The pagination headers of a page of a list of `total` at `per_page`.
fn pagination(path: &str, page: usize, per_page: usize, total: usize) -> HeaderMap {
    let last = total.div_ceil(per_page).max(1);
    let link = |p: usize, rel: &str| format!("<{path}?per_page={per_page}&current_page={p}>; rel=\"{rel}\"");
    let mut links = vec![link(1, "first")];
    if page > 1 {
        links.push(link(page - 1, "previous"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
    }
    links.push(link(last, "last"));
    let mut h = HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("link", links.join(", "));
    put("x-bt-pagination-current-page", page.to_string());
    put("x-bt-pagination-last-page", last.to_string());
    put("x-bt-pagination-per-page", per_page.to_string());
    put("x-bt-pagination-total", total.to_string());
    put("x-ratelimit-limit", "15000".into());
    h
}

fn with_headers(mut response: Response, headers: HeaderMap) -> Response {
    response.headers_mut().extend(headers);
    response
}

/// "401 also for unrecognized query-string parameters".
fn unknown_param(q: &HashMap<String, String>, allowed: &[&str]) -> Option<Response> {
    q.keys().find(|k| !allowed.contains(&k.as_str())).map(|k| {
        (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "access_denied", "message": format!("Unrecognized parameter: {k}")})))
            .into_response()
    })
}

async fn pra_users(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    if let Some(r) = unknown_param(&q, &["per_page", "current_page", "security_provider_id"]) {
        return r;
    }
    let per_page = number(&q, "per_page").unwrap_or(100).clamp(1, 100);
    let page = number(&q, "current_page").unwrap_or(1).max(1);
    if let Err(r) = gate(&state, &tenant, Some((page - 1) as u32), bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let all = &t.tenant.users;
            let start = (page - 1) * per_page;
            let mut users: Vec<Value> = all.iter().skip(start).take(per_page).map(pra_user).collect();
            if t.tenant.faults.repeat_row && start > 0 && start <= all.len() {
                users.insert(0, pra_user(&all[start - 1]));
            }
            let total = (all.len() as i64 + t.tenant.faults.total_offset).max(0) as usize;
            let h = pagination(&format!("/beyondtrust-pra/{tenant}/api/config/v1/user"), page, per_page, total);
            with_headers(finish_body(t, Value::Array(users).to_string()), h)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /api/config/v1/security-provider`: the providers users sign in through, paged as the
/// users are (a bare array with the pagination headers).
async fn pra_security_providers(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = unknown_param(&q, &["per_page", "current_page"]) {
        return r;
    }
    let per_page = number(&q, "per_page").unwrap_or(100).clamp(1, 100);
    let page = number(&q, "current_page").unwrap_or(1).max(1);
    if let Err(r) = gate(&state, &tenant, None, bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let configured = &t.tenant.appliance().security_providers;
            let all: Vec<Value> = if configured.is_empty() {
                vec![json!({"id": 1, "type": "local", "name": "Local", "enabled": true})]
            } else {
                configured.iter().map(|p| json!({"id": p.get("id"), "type": s(p, "type"), "name": s(p, "name"), "enabled": true})).collect()
            };
            let page_items: Vec<Value> = all.iter().skip((page - 1) * per_page).take(per_page).cloned().collect();
            let h = pagination(&format!("/beyondtrust-pra/{tenant}/api/config/v1/security-provider"), page, per_page, all.len());
            with_headers(finish_body(t, Value::Array(page_items).to_string()), h)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /api/command/v2/info`: the API versions and the API account's permissions.
async fn pra_info(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&state, &tenant, None, bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let permissions = t.tenant.appliance().api_permissions.clone().unwrap_or_else(|| {
                // The API guide's `get_api_info`: the command API at a level, the others 1 or 0.
                json!({"perm_backup": 0, "perm_command": "read_only", "perm_configuration": 1, "perm_reporting": 1})
            });
            let body = json!({"product": "Privileged Remote Access", "api_version": "1.24.1", "permissions": permissions});
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn pra_group_policies(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = unknown_param(&q, &["per_page", "current_page"]) {
        return r;
    }
    if let Err(r) = gate(&state, &tenant, None, bearer(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let Some(user) =
                t.tenant.users.iter().find(|u| u.get("id").map(|v| v.to_string().trim_matches('"').to_string()) == Some(id.clone()))
            else {
                return (StatusCode::NOT_FOUND, axum::Json(json!({"message": "Not found"}))).into_response();
            };
            let policies: Vec<Value> = names(user).into_iter().map(|n| json!({"id": group_id(t, n), "name": n})).collect();
            let total = policies.len();
            let cap = t.tenant.appliance().group_policies_per_page.unwrap_or(100).clamp(1, 100);
            let per_page = number(&q, "per_page").unwrap_or(100).clamp(1, cap);
            let page = number(&q, "current_page").unwrap_or(1).max(1);
            let served: Vec<Value> = policies.into_iter().skip((page - 1) * per_page).take(per_page).collect();
            let h = pagination(&format!("/beyondtrust-pra/{tenant}/api/config/v1/user/{id}/group-policies"), page, per_page, total);
            with_headers(finish_body(t, Value::Array(served).to_string()), h)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

// ------------------------------------------------------------------ password_safe

fn ps_header_ok(t: &TenantState, headers: &HeaderMap) -> bool {
    let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) else { return false };
    let Some(rest) = v.strip_prefix("PS-Auth ") else { return false };
    let part = |name: &str| rest.split(';').map(str::trim).find_map(|p| p.strip_prefix(&format!("{name}="))).map(str::to_string);
    part("key").as_deref() == Some(t.tenant.secret.as_str()) && part("runas") == t.tenant.username
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get("cookie").and_then(|v| v.to_str().ok())?;
    cookies.split(';').map(str::trim).find_map(|c| c.strip_prefix("ASP.NET_SessionId=")).map(str::to_string)
}

fn session(headers: &HeaderMap) -> impl FnOnce(&mut TenantState) -> Result<(), Box<Response>> + '_ {
    move |t| match session_of(headers) {
        Some(id) if t.sessions.get(&id) == Some(&true) => Ok(()),
        _ => Err(Box::new((StatusCode::UNAUTHORIZED, "User not authenticated").into_response())),
    }
}

async fn ps_sign_in(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    state
        .with_tenant(&tenant, |t| {
            t.stats.requests += 1;
            if !ps_header_ok(t, &headers) && !super::oauth::issued_token_ok(t, &headers) {
                return (StatusCode::UNAUTHORIZED, "Invalid API key or run-as user").into_response();
            }
            let id = format!("ps{:08x}", t.sessions.len() + 1);
            t.sessions.insert(id.clone(), true);
            let body =
                json!({"UserId": 1, "SID": null, "EmailAddress": "audit@acme.com", "UserName": t.tenant.username, "Name": "Audit runner"});
            let mut r = axum::Json(body).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("ASP.NET_SessionId={id}; path=/; HttpOnly")) {
                r.headers_mut().insert("set-cookie", v);
            }
            r
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn ps_sign_out(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    state
        .with_tenant(&tenant, |t| {
            t.stats.requests += 1;
            match session_of(&headers) {
                Some(id) if t.sessions.contains_key(&id) => {
                    t.sessions.insert(id, false);
                    StatusCode::OK.into_response()
                }
                _ => (StatusCode::UNAUTHORIZED, "User not authenticated").into_response(),
            }
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn ps_user(u: &Value) -> Value {
    let (first, last) = s(u, "display_name").split_once(' ').unwrap_or((s(u, "display_name"), ""));
    json!({"UserID": u.get("id"), "UserType": if s(u, "user_type").is_empty() { "BeyondInsight" } else { s(u, "user_type") },
           "UserName": s(u, "username"), "DomainName": null, "DistinguishedName": null, "FirstName": first, "LastName": last,
           "EmailAddress": s(u, "email"), "IsQuarantined": false, "IsActive": enabled(u), "LastLoginDate": u.get("last_login"),
           "CreatedDate": u.get("created_at")})
}

async fn ps_users(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&state, &tenant, Some(0), session(&headers)).await {
        return *r;
    }
    let include_inactive = q.get("includeInactive").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    state
        .with_tenant(&tenant, |t| {
            let users: Vec<Value> = t.tenant.users.iter().filter(|u| include_inactive || enabled(u)).map(ps_user).collect();
            finish_body(t, Value::Array(users).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn ps_groups(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&state, &tenant, None, session(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let groups: Vec<Value> = t
                .tenant
                .appliance()
                .groups
                .iter()
                .map(|g| json!({"GroupID": g.get("id"), "Name": s(g, "name"), "GroupType": "BeyondInsight", "IsActive": true}))
                .collect();
            finish_body(t, Value::Array(groups).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn ps_group_users(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&state, &tenant, None, session(&headers)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let Some(name) = t
                .tenant
                .appliance()
                .groups
                .iter()
                .find(|g| g.get("id").map(|v| v.to_string()) == Some(id.clone()))
                .map(|g| s(g, "name").to_string())
            else {
                return (StatusCode::NOT_FOUND, "Group not found").into_response();
            };
            let users: Vec<Value> = t.tenant.users.iter().filter(|u| names(u).contains(&name.as_str())).map(ps_user).collect();
            finish_body(t, Value::Array(users).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic BeyondTrust tenant: `users` users (every 25th an administrator by `perm_admin`
/// and in the "Administrators" group, every 17th disabled, last logins spread over a year), the
/// groups "Administrators", "Support Tier 1", "Vault Users"; OAuth client and Password Safe key.
pub fn synthetic_tenant(users: usize) -> Tenant {
    let base = chrono::DateTime::parse_from_rfc3339("2026-12-30T12:00:00Z").expect("a fixed date").with_timezone(&chrono::Utc);
    let list = (0..users)
        .map(|i| {
            let mut groups = vec!["Vault Users"];
            if i % 25 == 0 {
                groups.push("Administrators");
            }
            if i % 3 == 0 {
                groups.push("Support Tier 1");
            }
            let last = base - chrono::Duration::days((i % 365) as i64);
            json!({"id": 5000 + i, "username": format!("user{i}"), "display_name": format!("User {i}"), "email": format!("user{i}@acme.com"),
                   "enabled": i % 17 != 5, "perm_admin": i % 25 == 0, "groups": groups,
                   "last_login": last.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "created_at": "2024-01-15T09:00:00Z"})
        })
        .collect();
    let appliance = Appliance {
        groups: vec![
            json!({"id": 1, "name": "Administrators"}),
            json!({"id": 2, "name": "Support Tier 1"}),
            json!({"id": 3, "name": "Vault Users"}),
        ],
        security_providers: Vec::new(),
        api_permissions: None,
        group_policies_per_page: None,
    };
    Tenant {
        oauth_client_id: Some("synthetic-bt-client".into()),
        username: Some("audit-runner".into()),
        users: list,
        ..Tenant::new(App::new(appliance), "synthetic-bt-secret")
    }
}
