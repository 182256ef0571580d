//! The Okta management API (v1) of one org, at `/okta/{tenant}/...`, as its OpenAPI spec and the
//! API's documented behaviour describe it:
//!
//! - `GET /api/v1/users` (every status but `DEPROVISIONED`, unless a `filter` such as
//!   `status eq "DEPROVISIONED"` asks), `/users/{id}/factors`, `/users/{id}/roles`,
//!   `/iam/assignees/users` (`{value, _links.next}`), `/apps`, `/apps/{id}/users` (direct
//!   assignments `scope: USER`, group ones `scope: GROUP`), `/apps/{id}/groups`, `/groups`,
//!   `/groups/{id}/users`, `/api-tokens`;
//! - paging only by the `Link: <...?after=...&limit=...>; rel="next"` header (the cursor is the
//!   last id served; lists are in id order);
//! - auth `Authorization: SSWS <secret>`, or a Bearer token from `POST /oauth2/v1/token` for a
//!   service app proving its key (`private_key_jwt`, checked against `client_public_key`);
//! - per-endpoint rate limits with `X-Rate-Limit-Limit/-Remaining/-Reset` on every answer and a
//!   429 (`E0000047`) past the limit; Okta's error bodies (`errorCode`, `errorSummary`).
//!
//! Canonical users of a tenant file: `{id, status, created, activated, lastLogin, profile: {login,
//! email, firstName, lastName, employeeNumber, department, managerId, manager}, credentials:
//! {provider: {type}}, groups: [group ids], roles: [role types], factors: [{factorType, status}]}`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// An Okta org's own part of a tenant file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Org {
    /// Apps `{id, label, name, status, users: [user ids assigned directly], groups: [group ids]}`.
    pub apps: Vec<Value>,
    /// Groups `{id, name, type}`; members are the users whose `groups` name them.
    pub groups: Vec<Value>,
    /// API tokens `{id, name, userId, clientName, created, expiresAt}`.
    pub api_tokens: Vec<Value>,
    /// `/api-tokens` answers 403 (a read-only admin may not list them).
    pub api_tokens_forbidden: bool,
    /// Per-endpoint limit: at most `limit` requests per `window_ms` (default: none).
    pub rate_limit: Option<RateLimit>,
    /// The PEM public key of the OAuth service app (`oauth_client_id`) whose assertions are taken.
    pub client_public_key: Option<String>,
    /// The scope granted to OAuth tokens (default the read scopes).
    pub granted_scope: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub limit: u32,
    pub window_ms: u64,
}

static NO_ORG: Org = Org {
    apps: Vec::new(),
    groups: Vec::new(),
    api_tokens: Vec::new(),
    api_tokens_forbidden: false,
    rate_limit: None,
    client_public_key: None,
    granted_scope: None,
};

impl Tenant {
    /// The org's own part (empty for a tenant of another kind).
    pub fn org(&self) -> &Org {
        self.app.part::<Org>().unwrap_or(&NO_ORG)
    }

    /// The org's own part, to change it (`None` for a tenant of another kind).
    pub fn org_mut(&mut self) -> Option<&mut Org> {
        self.app.part_mut::<Org>()
    }
}

impl Part for Org {
    const KIND: &'static str = "okta";

    fn new_user(id: &str, name: &str) -> Value {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        let email = super::faults::joiner_email(id);
        json!({"id": id, "status": "ACTIVE", "created": "2026-12-31T08:00:00.000Z", "lastLogin": null,
               "profile": {"login": email, "email": email, "firstName": first, "lastName": last},
               "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}, "factors": [{"factorType": "push", "status": "ACTIVE"}]})
    }

    fn body_429(_n: u64) -> (&'static str, &'static str) {
        ("application/json", RATE_LIMITED)
    }
}

const RATE_LIMITED: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"sandbox","errorCauses":[]}"#;

/// The Okta simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["okta"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Org>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        Router::new()
            .route("/okta/{tenant}/oauth2/v1/token", post(token))
            .route("/okta/{tenant}/api/v1/users", get(users))
            .route("/okta/{tenant}/api/v1/users/{id}/factors", get(factors))
            .route("/okta/{tenant}/api/v1/users/{id}/roles", get(roles))
            .route("/okta/{tenant}/api/v1/iam/assignees/users", get(assignees))
            .route("/okta/{tenant}/api/v1/apps", get(apps))
            .route("/okta/{tenant}/api/v1/apps/{id}/users", get(app_users))
            .route("/okta/{tenant}/api/v1/apps/{id}/groups", get(app_groups))
            .route("/okta/{tenant}/api/v1/groups", get(groups))
            .route("/okta/{tenant}/api/v1/groups/{id}/users", get(group_users))
            .route("/okta/{tenant}/api/v1/api-tokens", get(api_tokens))
            .with_state(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        let oauth = tenant.oauth_client_id.as_deref().map(|c| format!("; OAuth client {c}")).unwrap_or_default();
        vec![format!("{} (kind okta; SSWS <secret>{oauth})", base("okta"))]
    }
}

type Params = Query<HashMap<String, String>>;

fn error(status: StatusCode, code: &str, summary: &str) -> Response {
    (status, axum::Json(json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "sandbox", "errorCauses": []})))
        .into_response()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

/// A user as the API serves it (the tenant file's extra keys left out).
fn served_user(u: &Value) -> Value {
    let mut o = u.clone();
    if let Some(m) = o.as_object_mut() {
        for k in ["groups", "roles", "factors"] {
            m.remove(k);
        }
    }
    o
}

fn group_ids(u: &Value) -> Vec<&str> {
    u.get("groups").and_then(|g| g.as_array()).into_iter().flatten().filter_map(|g| g.as_str()).collect()
}

/// The endpoint's rate-limit bucket: the path with ids as `*` (a segment longer than 4 with a
/// digit: `v1` stays).
fn bucket(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.len() > 4 && seg.chars().any(|c| c.is_ascii_digit()) { "*" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Counts a request against its endpoint's limit: `Err` is the 429; `Ok` the headers to send.
fn rate_limit(t: &mut TenantState, path: &str) -> Result<HeaderMap, Box<Response>> {
    let mut headers = HeaderMap::new();
    *t.stats.by_bucket.entry(bucket(path)).or_default() += 1;
    let Some(limit) = t.tenant.org().rate_limit else { return Ok(headers) };
    let now = Instant::now();
    let window = Duration::from_millis(limit.window_ms.max(1));
    let entry = t.buckets.entry(bucket(path)).or_insert((0, now));
    if now >= entry.1 + window {
        *entry = (0, now);
    }
    entry.0 += 1;
    let used = entry.0;
    let reset_in = (entry.1 + window).saturating_duration_since(now);
    let reset_epoch = chrono::Utc::now().timestamp() + reset_in.as_secs_f64().ceil() as i64;
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    };
    put("x-rate-limit-limit", limit.limit.to_string());
    put("x-rate-limit-remaining", limit.limit.saturating_sub(used).to_string());
    put("x-rate-limit-reset", reset_epoch.to_string());
    if used > limit.limit {
        t.stats.served_429 += 1;
        let mut r = (StatusCode::TOO_MANY_REQUESTS, [("content-type", "application/json")], RATE_LIMITED).into_response();
        r.headers_mut().extend(headers);
        return Err(Box::new(r));
    }
    Ok(headers)
}

/// Auth (SSWS or an issued Bearer token), the endpoint's rate limit and the tenant's faults.
async fn gate(state: &SandboxState, tenant: &str, path: &str, headers: &HeaderMap, page: Option<u32>) -> Result<HeaderMap, Box<Response>> {
    let mut limit_headers = HeaderMap::new();
    super::faults::gate(
        state,
        tenant,
        page,
        || error(StatusCode::NOT_FOUND, "E0000007", "Not found: Resource not found: tenant"),
        |t| {
            if !super::oauth::authorized(t, headers, "SSWS") {
                return Err(Box::new(error(StatusCode::UNAUTHORIZED, "E0000011", "Invalid token provided")));
            }
            limit_headers = rate_limit(t, path)?;
            Ok(())
        },
    )
    .await?;
    Ok(limit_headers)
}

fn number(q: &HashMap<String, String>, key: &str) -> Option<usize> {
    q.get(key).and_then(|v| v.parse().ok())
}

/// One page of `items` (in id order) after the cursor `after`, at most `limit`, with the `Link`
/// headers Okta sends: `self`, and `next` while more follow. Only the page is cloned.
fn page<V: std::borrow::Borrow<Value>>(
    items: &[V],
    q: &HashMap<String, String>,
    default: usize,
    max: usize,
    url: &str,
    id: fn(&Value) -> String,
) -> (Vec<Value>, HeaderMap) {
    let limit = number(q, "limit").unwrap_or(default).clamp(1, max);
    let start = match q.get("after") {
        Some(after) => items.partition_point(|v| id(v.borrow()).as_str() <= after.as_str()),
        None => 0,
    };
    let served: Vec<Value> = items.iter().skip(start).take(limit).map(|v| v.borrow().clone()).collect();
    let mut headers = HeaderMap::new();
    let mut others: Vec<(String, String)> =
        q.iter().filter(|(k, _)| *k != "after" && *k != "limit").map(|(k, v)| (k.clone(), v.clone())).collect();
    others.sort();
    let query = |after: Option<&str>| {
        let mut parts: Vec<String> = others.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        if let Some(a) = after {
            parts.push(format!("after={}", encode(a)));
        }
        parts.push(format!("limit={limit}"));
        parts.join("&")
    };
    if let Ok(v) = HeaderValue::from_str(&format!("<{url}?{}>; rel=\"self\"", query(q.get("after").map(String::as_str)))) {
        headers.append("link", v);
    }
    if start + served.len() < items.len() {
        if let Some(last) = served.last() {
            if let Ok(v) = HeaderValue::from_str(&format!("<{url}?{}>; rel=\"next\"", query(Some(&id(last))))) {
                headers.append("link", v);
            }
        }
    }
    (served, headers)
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn id_of(v: &Value) -> String {
    s(v, "id").to_string()
}

/// The absolute URL of `path` on this host, as Okta's links are.
fn url_of(headers: &HeaderMap, path: &str) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}{path}")
}

fn respond(t: &mut TenantState, body: Value, mut headers: HeaderMap, limit_headers: HeaderMap) -> Response {
    headers.extend(limit_headers);
    let mut r = finish_body(t, body.to_string());
    r.headers_mut().extend(headers);
    r
}

/// Users in id order (the cursor's order), as references.
fn sorted_users(t: &mut TenantState) -> Vec<&Value> {
    let order = t.by_id().to_vec();
    order.into_iter().map(|i| &t.tenant.users[i]).collect()
}

/// The tenant's lookups: `okta-user:<id>` -> its index, `okta-app:<id>` -> the users assigned
/// (built on first use, dropped after a mutation).
fn index(t: &mut TenantState) -> &mut HashMap<String, Vec<usize>> {
    if t.lookup.is_none() {
        let map = t.tenant.users.iter().enumerate().map(|(i, u)| (format!("okta-user:{}", s(u, "id")), vec![i])).collect();
        t.lookup = Some(map);
    }
    t.lookup.get_or_insert_with(HashMap::new)
}

/// The index of user `id`.
fn user_at(t: &mut TenantState, id: &str) -> Option<usize> {
    index(t).get(&format!("okta-user:{id}"))?.first().copied()
}

/// The members of every group, as user indices in id order (built once, rebuilt after a mutation).
fn group_members<'a>(t: &'a mut TenantState, gid: &str) -> &'a [usize] {
    if t.members.is_none() {
        let order = t.by_id().to_vec();
        let mut map: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for i in order {
            for g in group_ids(&t.tenant.users[i]) {
                map.entry(format!("okta-group:{g}")).or_default().push(i);
            }
        }
        t.members = Some(map);
    }
    t.members.as_ref().and_then(|m| m.get(&format!("okta-group:{gid}"))).map(Vec::as_slice).unwrap_or(&[])
}

/// `status eq "X"` (possibly several joined by `or`): the statuses asked for.
fn filter_statuses(filter: &str) -> Option<Vec<String>> {
    filter
        .split(" or ")
        .map(|part| {
            let part = part.trim().trim_start_matches('(').trim_end_matches(')');
            let v = part.strip_prefix("status eq ")?.trim();
            Some(v.trim_matches('"').to_string())
        })
        .collect()
}

async fn users(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/users");
    let statuses = match q.get("filter") {
        Some(f) => match filter_statuses(f) {
            Some(s) => Some(s),
            None => return error(StatusCode::BAD_REQUEST, "E0000031", "Invalid search criteria."),
        },
        None => None,
    };
    // The page of the user list, for the churn faults: how far the cursor is.
    let page_no = state.with_tenant(&tenant, |t| {
        let after = q.get("after");
        let users = sorted_users(t);
        let before = after.map(|a| users.partition_point(|u| id_of(u).as_str() <= a.as_str())).unwrap_or(0);
        (before / number(&q, "limit").unwrap_or(200).clamp(1, 200)) as u32
    });
    let limits = match gate(&state, &tenant, &path, &headers, page_no).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let all: Vec<&Value> = sorted_users(t)
                .into_iter()
                .filter(|u| match &statuses {
                    Some(list) => list.iter().any(|st| st == s(u, "status")),
                    None => s(u, "status") != "DEPROVISIONED",
                })
                .collect();
            let (served, links) = page(&all, &q, 200, 200, &url_of(&headers, &path), id_of);
            let served = served.iter().map(served_user).collect();
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The user `id` of a tenant, or Okta's 404.
fn user_or_404(t: &mut TenantState, id: &str) -> Result<Value, Box<Response>> {
    user_at(t, id)
        .map(|i| t.tenant.users[i].clone())
        .ok_or_else(|| Box::new(error(StatusCode::NOT_FOUND, "E0000007", &format!("Not found: Resource not found: {id} (User)"))))
}

async fn factors(State(state): State<Arc<SandboxState>>, Path((tenant, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/users/{id}/factors");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let user = match user_or_404(t, &id) {
                Ok(u) => u,
                Err(r) => return *r,
            };
            let list: Vec<Value> = user
                .get("factors")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, f)| {
                    json!({"id": format!("fac{i}{id}"), "factorType": s(f, "factorType"), "provider": "OKTA", "status": s(f, "status"),
                                     "created": "2025-01-01T00:00:00.000Z"})
                })
                .collect();
            respond(t, Value::Array(list), HeaderMap::new(), limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn role_label(kind: &str) -> String {
    match kind {
        "SUPER_ADMIN" => "Super Administrator".into(),
        "ORG_ADMIN" => "Organization Administrator".into(),
        "APP_ADMIN" => "Application Administrator".into(),
        "READ_ONLY_ADMIN" => "Read-only Administrator".into(),
        "HELP_DESK_ADMIN" => "Help Desk Administrator".into(),
        other => other.replace('_', " "),
    }
}

fn roles_of(u: &Value) -> Vec<&str> {
    u.get("roles").and_then(|r| r.as_array()).into_iter().flatten().filter_map(|r| r.as_str()).collect()
}

async fn roles(State(state): State<Arc<SandboxState>>, Path((tenant, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/users/{id}/roles");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let user = match user_or_404(t, &id) {
                Ok(u) => u,
                Err(r) => return *r,
            };
            let list: Vec<Value> = roles_of(&user)
                .into_iter()
                .enumerate()
                .map(|(i, r)| json!({"id": format!("ra{i}{id}"), "type": r, "label": role_label(r), "status": "ACTIVE", "assignmentType": "USER"}))
                .collect();
            respond(t, Value::Array(list), HeaderMap::new(), limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn assignees(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/iam/assignees/users");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let all: Vec<Value> = sorted_users(t)
                .into_iter()
                .filter(|u| !roles_of(u).is_empty())
                .map(|u| json!({"id": s(u, "id"), "orn": format!("orn:okta:directory:sandbox:users:{}", s(u, "id"))}))
                .collect();
            let (served, links) = page(&all, &q, 100, 100, &url_of(&headers, &path), id_of);
            // This endpoint carries its cursor in the body (`_links.next.href`), not in a header.
            let next = links
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|l| l.contains("rel=\"next\""))
                .and_then(|l| l.split('>').next())
                .map(|l| l.trim_start_matches('<').to_string());
            let mut body = json!({"value": served, "_links": {}});
            if let Some(n) = next {
                body["_links"]["next"] = json!({"href": n});
            }
            respond(t, body, HeaderMap::new(), limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn apps(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/apps");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let mut all: Vec<Value> = t
                .tenant
                .org()
                .apps
                .iter()
                .map(|a| json!({"id": s(a, "id"), "label": s(a, "label"), "name": s(a, "name"), "status": if s(a, "status").is_empty() { "ACTIVE" } else { s(a, "status") },
                                "signOnMode": "SAML_2_0", "created": "2024-01-01T00:00:00.000Z"}))
                .collect();
            all.sort_by_key(id_of);
            let (served, links) = page(&all, &q, 20, 200, &url_of(&headers, &path), id_of);
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn app_or_404(t: &TenantState, id: &str) -> Result<Value, Box<Response>> {
    t.tenant
        .org()
        .apps
        .iter()
        .find(|a| s(a, "id") == id)
        .cloned()
        .ok_or_else(|| Box::new(error(StatusCode::NOT_FOUND, "E0000007", &format!("Not found: Resource not found: {id} (AppInstance)"))))
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.get(key).and_then(|x| x.as_array()).into_iter().flatten().filter_map(|x| x.as_str()).collect()
}

async fn app_users(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let path = format!("/okta/{tenant}/api/v1/apps/{id}/users");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let app = match app_or_404(t, &id) {
                Ok(a) => a,
                Err(r) => return *r,
            };
            let direct: Vec<String> = strings(&app, "users").into_iter().map(str::to_string).collect();
            // Everyone assigned, directly or through a group, in id order (built once per app).
            let key = format!("okta-app:{id}");
            if !index(t).contains_key(&key) {
                let mut assigned: Vec<usize> = direct.iter().filter_map(|d| user_at(t, d)).collect();
                for g in strings(&app, "groups") {
                    assigned.extend_from_slice(group_members(t, g));
                }
                let users = &t.tenant.users;
                assigned.sort_by(|a, b| s(&users[*a], "id").cmp(s(&users[*b], "id")));
                assigned.dedup();
                index(t).insert(key.clone(), assigned);
            }
            let indices = index(t).get(&key).cloned().unwrap_or_default();
            let all: Vec<&Value> = indices.iter().map(|i| &t.tenant.users[*i]).collect();
            let (served, links) = page(&all, &q, 50, 500, &url_of(&headers, &path), id_of);
            let served = served
                .iter()
                .map(|u| {
                    let uid = s(u, "id");
                    let scope = if direct.iter().any(|d| d == uid) { "USER" } else { "GROUP" };
                    json!({"id": uid, "scope": scope, "status": "ACTIVE", "credentials": {"userName": uid}, "created": "2025-01-01T00:00:00.000Z"})
                })
                .collect();
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn app_groups(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let path = format!("/okta/{tenant}/api/v1/apps/{id}/groups");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let app = match app_or_404(t, &id) {
                Ok(a) => a,
                Err(r) => return *r,
            };
            let mut all: Vec<Value> = strings(&app, "groups").into_iter().map(|g| json!({"id": g, "priority": 0})).collect();
            all.sort_by_key(id_of);
            let (served, links) = page(&all, &q, 20, 200, &url_of(&headers, &path), id_of);
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn groups(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/groups");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            let mut all: Vec<Value> = t
                .tenant
                .org()
                .groups
                .iter()
                .map(|g| {
                    json!({"id": s(g, "id"), "type": if s(g, "type").is_empty() { "OKTA_GROUP" } else { s(g, "type") },
                                "profile": {"name": s(g, "name"), "description": ""}})
                })
                .collect();
            all.sort_by_key(id_of);
            let (served, links) = page(&all, &q, 10000, 10000, &url_of(&headers, &path), id_of);
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn group_users(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let path = format!("/okta/{tenant}/api/v1/groups/{id}/users");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            if !t.tenant.org().groups.iter().any(|g| s(g, "id") == id) {
                return error(StatusCode::NOT_FOUND, "E0000007", &format!("Not found: Resource not found: {id} (UserGroup)"));
            }
            let indices = group_members(t, &id).to_vec();
            let all: Vec<&Value> = indices.iter().map(|i| &t.tenant.users[*i]).collect();
            let (served, links) = page(&all, &q, 1000, 1000, &url_of(&headers, &path), id_of);
            let served = served.iter().map(served_user).collect();
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn api_tokens(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, Query(q): Params, headers: HeaderMap) -> Response {
    let path = format!("/okta/{tenant}/api/v1/api-tokens");
    let limits = match gate(&state, &tenant, &path, &headers, None).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    state
        .with_tenant(&tenant, |t| {
            if t.tenant.org().api_tokens_forbidden {
                return error(StatusCode::FORBIDDEN, "E0000006", "You do not have permission to perform the requested action");
            }
            let mut all = t.tenant.org().api_tokens.clone();
            all.sort_by_key(id_of);
            let (served, links) = page(&all, &q, 20, 200, &url_of(&headers, &path), id_of);
            respond(t, Value::Array(served), links, limits)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `POST /oauth2/v1/token`: client credentials for the service app, proven with a client
/// assertion (`private_key_jwt`) signed by the key whose public half the org knows.
async fn token(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, body: String) -> Response {
    state
        .with_tenant(&tenant, |t| {
            let org = t.tenant.org().clone();
            let client = t.tenant.oauth_client_id.clone().unwrap_or_default();
            let form = |k: &str| super::oauth::field(&body, k).unwrap_or_default();
            if form("grant_type") != "client_credentials" {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "unsupported_grant_type"}))).into_response();
            }
            let verified = org.client_public_key.as_deref().is_some_and(|pem| {
                form("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                    && super::oauth::assertion_ok(&form("client_assertion"), pem, &client)
            });
            if !verified || form("client_id") != client {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"error": "invalid_client", "error_description": "The client_assertion signature is invalid."})),
                )
                    .into_response();
            }
            let scope = org.granted_scope.clone().unwrap_or_else(|| form("scope"));
            super::oauth::issue(t, &tenant, Some(json!(scope)))
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic Okta org: `users` users (every 25th an admin, every 40th deprovisioned, every 7th
/// without a factor), `apps` apps, `groups` groups; every user in one group, every group assigned
/// to some apps, some users assigned directly. Deterministic.
pub fn synthetic_tenant(users: usize, apps: usize, groups: usize) -> Tenant {
    let groups_n = groups.max(1);
    let list: Vec<Value> = (0..users)
        .map(|i| {
            let status = if i % 40 == 39 { "DEPROVISIONED" } else if i % 53 == 52 { "SUSPENDED" } else { "ACTIVE" };
            let mut u = json!({
                "id": format!("00u{i:07}"), "status": status, "created": "2024-01-15T09:00:00.000Z",
                "lastLogin": format!("2026-{:02}-15T09:00:00.000Z", 1 + i % 12),
                "profile": {"login": format!("user{i}@acme.com"), "email": format!("user{i}@acme.com"), "firstName": "User", "lastName": format!("{i}"),
                            "employeeNumber": format!("E{i}"), "department": if i % 2 == 0 { "Engineering" } else { "Sales" }},
                "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
                "groups": [format!("00g{:05}", i % groups_n)],
                "factors": if i % 7 == 3 { json!([]) } else { json!([{"factorType": "push", "status": "ACTIVE"}]) },
            });
            if i % 25 == 0 {
                u["roles"] = json!(["ORG_ADMIN"]);
            }
            u
        })
        .collect();
    let group_list: Vec<Value> = (0..groups).map(|g| json!({"id": format!("00g{g:05}"), "name": format!("Team {g}")})).collect();
    let app_list: Vec<Value> = (0..apps)
        .map(|a| {
            let groups: Vec<String> = (0..groups_n).filter(|g| g % apps.max(1) == a || g % 10 == 0).map(|g| format!("00g{g:05}")).collect();
            let direct: Vec<String> = (0..users).filter(|i| i % 97 == a % 97).take(20).map(|i| format!("00u{i:07}")).collect();
            json!({"id": format!("0oa{a:05}"), "label": format!("App {a}"), "name": "saml_app", "groups": groups, "users": direct})
        })
        .collect();
    let org = Org {
        apps: app_list,
        groups: group_list,
        api_tokens: vec![json!({"id": "00T0000001", "name": "audit-bot", "userId": "00u0000000", "clientName": "Okta API",
                                 "created": "2026-01-05T00:00:00.000Z", "expiresAt": "2027-02-04T00:00:00.000Z"})],
        ..Org::default()
    };
    Tenant { users: list, ..Tenant::new(App::new(org), "synthetic-okta-token") }
}
