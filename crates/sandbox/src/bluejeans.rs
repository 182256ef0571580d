//! BlueJeans simulators (API-NOTES §2): the Meetings API's enterprise users and BlueJeans Events.
//!
//! - `/bluejeans/{tenant}/...`, the official swagger's shapes: `POST /oauth2/token` (JSON body,
//!   client credentials, 3600 s tokens), `GET /v1/enterprise/{ent}/users?pageSize&pageNumber`
//!   with a 1-based `pageNumber` (at most 1000 per page) and `{count, user: [...]}` (`email`,
//!   `isEnterpriseAdmin` unless the tenant sets `list_omits_admin`, `enterpriseJoinDate` in ms),
//!   `GET /v1/user/{id}` (`emailId`, `lastLogin` in ms) and `GET /v1/user/{id}/enterprise_profile`
//!   (`enterpriseAdmin`, `joinDate`).
//! - `/bluejeans-guide/{tenant}/...`, the guide's shapes: a 0-based `pageNumber`,
//!   `{count, users: [...]}` without the admin flag, details at `/v1/enterprise/{ent}/users/{id}`
//!   (with `isModeratorLess`, and `enterpriseJoinDate` as the guide's Unix timestamp in seconds).
//! - `/bluejeans-events/{tenant}/...`, BlueJeans Events (shapes inferred, API-NOTES §2.3):
//!   `POST /api/security/v1/oauth/accesstoken` (grant `client_credentials`, or `registration_app`
//!   with `properties {client_id, client_secret, api_key}`: a JWT living 86400 s, 401 for an
//!   expired key), `GET /api/scheduling/v1/users/{userId}/events?pageNumber&pageSize` (1-based
//!   pages of 10 unless asked, at most `events_page_max` (100); `{count, pageNumber, pageSize,
//!   events}` or, with `events_bare_array`, a bare array; `registration` without `apiKey`; with
//!   `events_summary`, without the people) and `.../events/{eventId}` (with `registration.apiKey`).
//!
//! Every API accepts the token as `Authorization: Bearer` or `?access_token=`. Canonical users:
//! `{id (number), username, firstName, lastName, email, isEnterpriseAdmin, enterpriseJoinDate,
//! lastLogin}`; events as in [`Enterprise::events`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// A BlueJeans enterprise's own part of a tenant file (kinds `bluejeans` and `bluejeans_events`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Enterprise {
    /// Events `{id, ownerId, title, start, end (ms), moderators, panelists, attendees (emails, or
    /// `{email, state, source}` with a registration state), approvalType,
    /// enableRegistration, apiKey, apiKeyExpired}`.
    pub events: Vec<Value>,
    /// The user list leaves out `isEnterpriseAdmin` (details must be read).
    pub list_omits_admin: bool,
    /// The registration app's credentials (`registration_app` grant).
    pub registration_client_id: Option<String>,
    pub registration_secret: Option<String>,
    /// The most events a page of a user's events holds, whatever `pageSize` asks (default 100).
    pub events_page_max: Option<usize>,
    /// The events list serves summaries: no moderators, panelists or attendees (the detail has them).
    pub events_summary: bool,
    /// The events list is a bare array without a count (still paged).
    pub events_bare_array: bool,
    /// Added to the events list's `count`.
    pub events_count_offset: i64,
}

static NO_ENTERPRISE: Enterprise = Enterprise {
    events: Vec::new(),
    list_omits_admin: false,
    registration_client_id: None,
    registration_secret: None,
    events_page_max: None,
    events_summary: false,
    events_bare_array: false,
    events_count_offset: 0,
};

impl Tenant {
    /// The enterprise's own part (empty for a tenant of another kind).
    pub fn enterprise(&self) -> &Enterprise {
        self.app.part::<Enterprise>().unwrap_or(&NO_ENTERPRISE)
    }

    /// The enterprise's own part, to change it (`None` for a tenant of another kind).
    pub fn enterprise_mut(&mut self) -> Option<&mut Enterprise> {
        self.app.part_mut::<Enterprise>()
    }
}

impl Part for Enterprise {
    const KIND: &'static str = "bluejeans";

    fn new_user(id: &str, name: &str) -> Value {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        json!({"id": id, "username": id, "firstName": first, "lastName": last, "email": super::faults::joiner_email(id), "enterpriseJoinDate": 1798704000000i64})
    }
}

/// The BlueJeans simulator: the Meetings API in both shapes and BlueJeans Events.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["bluejeans", "bluejeans_events"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Enterprise>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        routes(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        let ent = tenant.organization_id.as_deref().unwrap_or("?");
        vec![
            format!("{} (flavor api, enterprise_id {ent})", base("bluejeans")),
            format!("{} (flavor guide)", base("bluejeans-guide")),
            format!("{} (bluejeans_events; users_url = the flavor api URL)", base("bluejeans-events")),
        ]
    }
}

fn routes(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/bluejeans/{tenant}/oauth2/token", post(super::oauth::token))
        .route("/bluejeans-guide/{tenant}/oauth2/token", post(super::oauth::token))
        .route("/bluejeans/{tenant}/v1/enterprise/{ent}/users", get(users::<false>))
        .route("/bluejeans-guide/{tenant}/v1/enterprise/{ent}/users", get(users::<true>))
        .route("/bluejeans/{tenant}/v1/user/{id}", get(user_detail))
        .route("/bluejeans/{tenant}/v1/user/{id}/enterprise_profile", get(enterprise_profile))
        .route("/bluejeans-guide/{tenant}/v1/enterprise/{ent}/users/{id}", get(guide_user_detail))
        .route("/bluejeans-events/{tenant}/api/security/v1/oauth/accesstoken", post(events_token))
        .route("/bluejeans-events/{tenant}/api/scheduling/v1/users/{user}/events", get(events))
        .route("/bluejeans-events/{tenant}/api/scheduling/v1/users/{user}/events/{event}", get(event_detail))
        .with_state(state)
}

type Params = Query<HashMap<String, String>>;

fn s<'a>(u: &'a Value, key: &str) -> &'a str {
    u.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

fn id_of(u: &Value) -> String {
    match u.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(x)) => x.clone(),
        _ => String::new(),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"code": status.as_u16(), "message": message}))).into_response()
}

/// Bearer header or `?access_token=`: a token this sandbox issued and that has not expired.
fn authorized(t: &mut TenantState, headers: &HeaderMap, q: &HashMap<String, String>) -> bool {
    if super::oauth::authorized(t, headers, "Bearer") {
        return true;
    }
    let Some(given) = q.get("access_token") else { return false };
    let mut h = HeaderMap::new();
    match format!("Bearer {given}").parse() {
        Ok(v) => {
            h.insert("authorization", v);
            super::oauth::authorized(t, &h, "Bearer")
        }
        Err(_) => false,
    }
}

async fn gate(
    state: &SandboxState,
    tenant: &str,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    page: Option<u32>,
) -> Result<(), Box<Response>> {
    super::faults::gate(
        state,
        tenant,
        page,
        || error(StatusCode::NOT_FOUND, "not found"),
        |t| match authorized(t, headers, q) {
            true => Ok(()),
            false => Err(Box::new(error(StatusCode::UNAUTHORIZED, "Unauthorized: invalid or expired access token"))),
        },
    )
    .await
}

fn number(q: &HashMap<String, String>, key: &str) -> Option<usize> {
    q.get(key).and_then(|v| v.parse().ok())
}

/// `GET /v1/enterprise/{ent}/users`: 1-based pages and `user` (swagger) or 0-based and `users` (guide).
async fn users<const GUIDE: bool>(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, ent)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let size = number(&q, "pageSize").unwrap_or(100).clamp(1, 1000);
    let first = if GUIDE { 0 } else { 1 };
    let page = number(&q, "pageNumber").unwrap_or(first);
    if page < first {
        return error(StatusCode::BAD_REQUEST, "pageNumber is a 1-based value");
    }
    if let Err(r) = gate(&state, &tenant, &headers, &q, Some((page - first) as u32)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            if t.tenant.organization_id.as_deref() != Some(ent.as_str()) {
                return error(StatusCode::FORBIDDEN, "enterpriseId does not match the enterprise of the access token");
            }
            let start = (page - first) * size;
            let all = &t.tenant.users;
            let omit_admin = GUIDE || t.tenant.enterprise().list_omits_admin;
            let mut items: Vec<Value> = all.iter().skip(start).take(size).map(|u| list_user(u, GUIDE, omit_admin)).collect();
            if t.tenant.faults.repeat_row && start > 0 && start <= all.len() {
                items.insert(0, list_user(&all[start - 1], GUIDE, omit_admin));
            }
            let count = (all.len() as i64 + t.tenant.faults.total_offset).max(0);
            let body = if GUIDE { json!({"count": count, "users": items}) } else { json!({"count": count, "user": items}) };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn list_user(u: &Value, guide: bool, omit_admin: bool) -> Value {
    let mut o = json!({"id": u.get("id").cloned().unwrap_or(Value::Null), "username": s(u, "username"), "firstName": s(u, "firstName"),
                       "lastName": s(u, "lastName"), "uri": format!("/v1/user/{}", id_of(u))});
    if guide {
        o["emailId"] = json!(s(u, "email"));
    } else {
        o["middleName"] = json!("");
        o["email"] = json!(s(u, "email"));
        o["enterpriseJoinDate"] = u.get("enterpriseJoinDate").cloned().unwrap_or(Value::Null);
    }
    if !omit_admin {
        o["isEnterpriseAdmin"] = json!(u.get("isEnterpriseAdmin").and_then(|v| v.as_bool()).unwrap_or(false));
    }
    if let Some(m) = u.get("isModeratorLess") {
        o["isModeratorLess"] = m.clone();
    }
    o
}

/// Indices by key ("user:<id>", "owner:<userId>"), built once per tenant state.
fn lookup<'a>(t: &'a mut TenantState, key: &str) -> &'a [usize] {
    if t.lookup.is_none() {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in t.tenant.users.iter().enumerate() {
            index.entry(format!("user:{}", id_of(u))).or_default().push(i);
        }
        for (i, e) in t.tenant.enterprise().events.iter().enumerate() {
            index.entry(format!("owner:{}", s(e, "ownerId"))).or_default().push(i);
        }
        t.lookup = Some(index);
    }
    t.lookup.as_ref().and_then(|m| m.get(key)).map(Vec::as_slice).unwrap_or(&[])
}

fn find_user(t: &mut TenantState, id: &str) -> Option<Value> {
    let i = lookup(t, &format!("user:{id}")).first().copied()?;
    t.tenant.users.get(i).cloned()
}

async fn detail(
    state: Arc<SandboxState>,
    tenant: String,
    id: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
    f: fn(&Value) -> Value,
) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, &q, None).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| match find_user(t, &id).map(|u| f(&u)) {
            Some(body) => finish_body(t, body.to_string()),
            None => error(StatusCode::NOT_FOUND, "User not found"),
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn user_detail(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    detail(state, tenant, id, q, headers, |u| {
        json!({"id": u.get("id"), "username": s(u, "username"), "firstName": s(u, "firstName"), "lastName": s(u, "lastName"),
               "emailId": s(u, "email"), "company": "Acme", "timezone": "Europe/Berlin", "lastLogin": u.get("lastLogin"),
               "dateJoined": u.get("enterpriseJoinDate"), "failedLoginCount": 0, "isVerified": true})
    })
    .await
}

async fn enterprise_profile(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    detail(state, tenant, id, q, headers, |u| {
        json!({"id": u.get("id"), "enterprise": 28663, "enterpriseAdmin": u.get("isEnterpriseAdmin").and_then(|v| v.as_bool()).unwrap_or(false),
               "joinDate": u.get("enterpriseJoinDate"), "expiryDate": null})
    })
    .await
}

async fn guide_user_detail(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, _ent, id)): Path<(String, String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    detail(state, tenant, id, q, headers, |u| {
        // The guide: "enterpriseJoinDate integer Unix timestamp" (seconds; the swagger's are ms).
        let seconds = |k: &str| u.get(k).and_then(|v| v.as_i64()).map(|ms| ms / 1000);
        json!({"id": u.get("id"), "username": s(u, "username"), "firstName": s(u, "firstName"), "lastName": s(u, "lastName"),
               "emailId": s(u, "email"), "isEnterpriseAdmin": u.get("isEnterpriseAdmin").and_then(|v| v.as_bool()).unwrap_or(false),
               "isModeratorLess": u.get("isModeratorLess").and_then(|v| v.as_bool()).unwrap_or(false),
               "enterpriseJoinDate": seconds("enterpriseJoinDate"), "lastLogin": u.get("lastLogin")})
    })
    .await
}

/// A JWT like the one the guide shows (not signed for real: the signature is a placeholder).
fn jwt(event: &str, now: i64, lifetime: i64) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2FuZGJveA",
        b64(&json!({"alg": "HS512"})),
        b64(
            &json!({"eventId": event, "grant_type": "registration_app", "iss": "Primetime", "userRole": "REGISTRATION_APP", "exp": now + lifetime, "iat": now})
        )
    )
}

/// `POST /api/security/v1/oauth/accesstoken`: client credentials (for the Events API) or
/// `registration_app` (a registration token for one event, from its `apiKey`).
async fn events_token(state: State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap, body: String) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if s(&v, "grant_type") != "registration_app" {
        return super::oauth::token(state, Path(tenant), headers, body).await;
    }
    let props = v.get("properties").cloned().unwrap_or(Value::Null);
    state
        .with_tenant(&tenant, |t| {
            t.stats.requests += 1;
            let app_ok = t.tenant.enterprise().registration_client_id.as_deref() == Some(s(&props, "client_id"))
                && t.tenant.enterprise().registration_secret.as_deref() == Some(s(&props, "client_secret"));
            if !app_ok {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
            }
            let Some(event) =
                t.tenant.enterprise().events.iter().find(|e| !s(e, "apiKey").is_empty() && s(e, "apiKey") == s(&props, "api_key"))
            else {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_grant", "error_description": "unknown api_key"})))
                    .into_response();
            };
            if event.get("apiKeyExpired").and_then(|x| x.as_bool()).unwrap_or(false) {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"error": "invalid_grant", "error_description": "the event's registration key has expired"})),
                )
                    .into_response();
            }
            let now = chrono::Utc::now().timestamp();
            axum::Json(json!({"access_token": jwt(s(event, "id"), now, 86400), "expires_in": 86400})).into_response()
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn person(email: &Value) -> Value {
    match email.as_str() {
        Some(e) => json!({"email": e, "name": e.split('@').next().unwrap_or("")}),
        None => email.clone(),
    }
}

/// An event as the scheduling API returns it; `with_key`: the detail, with `registration.apiKey`.
fn event_json(e: &Value, with_key: bool) -> Value {
    let list = |k: &str| Value::Array(e.get(k).and_then(|v| v.as_array()).into_iter().flatten().map(person).collect());
    let registration = e.get("enableRegistration").and_then(|v| v.as_bool()).unwrap_or(false);
    let mut o = json!({
        "id": s(e, "id"), "title": s(e, "title"), "start": e.get("start"), "end": e.get("end"), "timezone": "Europe/Berlin",
        "enableChat": true, "enableQnA": true,
        // Moderators as objects, panelists as bare emails: both forms occur.
        "moderators": list("moderators"), "panelists": e.get("panelists").cloned().unwrap_or(json!([])), "attendees": list("attendees"),
        "enableRegistration": registration,
    });
    if registration {
        // Attendees may carry their registration `state` (APPROVED / PENDING / DECLINED).
        let count = |state: &str| {
            e.get("attendees")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter(|a| s(a, "state").eq_ignore_ascii_case(state))
                .count()
        };
        let approval = e.get("approvalType").and_then(|v| v.as_str()).unwrap_or("AUTO");
        o["registration"] = json!({"approvalType": approval,
                                   "approvalCount": {"approved": count("APPROVED"), "declined": count("DECLINED"), "pending": count("PENDING")}});
        if with_key {
            o["registration"]["apiKey"] = json!(s(e, "apiKey"));
        }
    }
    o
}

async fn events(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, user)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, &q, None).await {
        return *r;
    }
    let Some(page) = number(&q, "pageNumber").or(Some(1)).filter(|p| *p >= 1) else {
        return error(StatusCode::BAD_REQUEST, "pageNumber is a 1-based value");
    };
    state
        .with_tenant(&tenant, |t| {
            if find_user(t, &user).is_none() {
                return error(StatusCode::NOT_FOUND, "User not found");
            }
            let e = t.tenant.enterprise();
            let size = number(&q, "pageSize").unwrap_or(10).clamp(1, e.events_page_max.unwrap_or(100).max(1));
            let owned = lookup(t, &format!("owner:{user}")).to_vec();
            let e = t.tenant.enterprise();
            let list: Vec<Value> = owned
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .map(|i| {
                    let mut event = event_json(&e.events[*i], false);
                    if e.events_summary {
                        for k in ["moderators", "panelists", "attendees"] {
                            event.as_object_mut().map(|o| o.remove(k));
                        }
                    }
                    event
                })
                .collect();
            let body = if e.events_bare_array {
                Value::Array(list)
            } else {
                json!({"count": (owned.len() as i64 + e.events_count_offset).max(0), "pageNumber": page, "pageSize": size, "events": list})
            };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn event_detail(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, user, event)): Path<(String, String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, &q, None).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let owned = lookup(t, &format!("owner:{user}")).to_vec();
            match owned.iter().map(|i| &t.tenant.enterprise().events[*i]).find(|e| s(e, "id") == event).map(|e| event_json(e, true)) {
                Some(body) => finish_body(t, body.to_string()),
                None => error(StatusCode::NOT_FOUND, "Event not found"),
            }
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic BlueJeans tenant for tests and benchmarks: `users` enterprise users (every 40th an
/// admin, the list without the admin flag when `omit_admin`) and `events` events spread over
/// them (every 4th registration-enabled, every 50th of those with an expired key), with
/// moderators, panelists and attendees from the users and from outside. Deterministic.
pub fn synthetic_tenant(users: usize, events: usize, omit_admin: bool) -> Tenant {
    let list: Vec<Value> = (0..users)
        .map(|i| {
            json!({"id": 100_000 + i, "username": format!("user{i}"), "firstName": "User", "lastName": format!("{i}"),
                   "email": format!("user{i}@acme.com"), "isEnterpriseAdmin": i % 40 == 0,
                   "enterpriseJoinDate": 1_600_000_000_000i64 + i as i64 * 86_400_000, "lastLogin": 1_790_000_000_000i64 - (i as i64 % 400) * 86_400_000})
        })
        .collect();
    let users = users.max(1);
    let events: Vec<Value> = (0..events)
        .map(|e| {
            let owner = 100_000 + (e * 7) % users;
            let start = 1_790_000_000_000i64 + e as i64 * 3_600_000;
            let registration = e % 4 == 0;
            json!({"id": format!("ev-{e:06}"), "ownerId": owner.to_string(), "title": format!("Town hall {e}"), "start": start, "end": start + 3_600_000,
                   "moderators": [format!("user{}@acme.com", (e * 7) % users)], "panelists": [format!("user{}@acme.com", (e * 11 + 1) % users)],
                   "attendees": [format!("user{}@acme.com", (e * 13 + 2) % users), format!("guest{}@partner.example", e % 97)],
                   "enableRegistration": registration, "apiKey": if registration { format!("key-{e:06}") } else { String::new() },
                   "apiKeyExpired": registration && e % 200 == 0})
        })
        .collect();
    let enterprise = Enterprise {
        events,
        list_omits_admin: omit_admin,
        registration_client_id: Some("synthetic-registration-app".into()),
        registration_secret: Some("synthetic-registration-secret".into()),
        ..Enterprise::default()
    };
    Tenant {
        oauth_client_id: Some("synthetic-client".into()),
        organization_id: Some("28663".into()),
        users: list,
        ..Tenant::new(App::with_kind("bluejeans_events", enterprise), "synthetic-client-secret")
    }
}
