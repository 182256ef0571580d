//! MessageBird / Bird simulators.
//!
//! - The guide's REST API: `GET /messagebird/{tenant}/users?offset&limit` with
//!   `Authorization: AccessKey <key>`, offset/limit (default 20, max 100) and
//!   `{offset, limit, count, totalCount, links, items}`.
//! - The current Bird API: `GET /bird/{tenant}/organizations/{org}/users?limit&pageToken`
//!   (limit 1-100, default 10), `{results: [{user, status, ...}], nextPageToken}`, no total,
//!   user status `pending` for invitations.
//!
//! Both serve the same canonical users of the tenant file:
//! `{id, email, firstName, lastName, role, status, createdAt, updatedAt}`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant};

/// A MessageBird / Bird workspace's own part of a tenant file: nothing beyond the shared keys
/// (`organization_id` is the Bird organization).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {}

impl Part for Workspace {
    const KIND: &'static str = "messagebird";

    fn new_user(id: &str, name: &str) -> Value {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        json!({
            "id": id, "email": super::faults::joiner_email(id), "firstName": first, "lastName": last,
            "role": "member", "status": "active", "createdAt": "2026-12-31T08:00:00Z", "updatedAt": "2026-12-31T08:00:00Z"
        })
    }
}

/// The MessageBird / Bird simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["messagebird"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Workspace>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        Router::new()
            .route("/messagebird/{tenant}/users", get(guide_users))
            .route("/bird/{tenant}/organizations/{org}/users", get(bird_users))
            .with_state(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        vec![
            format!("{} (flavor messagebird)", base("messagebird")),
            format!("{} (flavor bird, organization_id {})", base("bird"), tenant.organization_id.as_deref().unwrap_or("?")),
        ]
    }
}

const UNAUTHORIZED: &str = r#"{"errors":[{"code":2,"description":"Request not allowed (incorrect access_key)","parameter":"access_key"}]}"#;

#[derive(Debug, Deserialize)]
pub struct GuideQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// Runs the shared checks; `Err` is the response to send instead of a page.
async fn gate(state: &SandboxState, tenant: &str, headers: &HeaderMap, page: u32) -> Result<(), Box<Response>> {
    super::faults::gate(
        state,
        tenant,
        Some(page),
        || (StatusCode::NOT_FOUND, r#"{"errors":[{"code":20,"description":"tenant not found"}]}"#).into_response(),
        |t| match super::oauth::authorized(t, headers, "AccessKey") {
            true => Ok(()),
            false => Err(Box::new((StatusCode::UNAUTHORIZED, UNAUTHORIZED).into_response())),
        },
    )
    .await
}

async fn guide_users(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<GuideQuery>,
    headers: HeaderMap,
) -> Response {
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    if let Err(r) = gate(&state, &tenant, &headers, super::faults::page_of(offset, limit)).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let users = &t.tenant.users;
            let total = users.len();
            let mut items: Vec<Value> = users.iter().skip(offset).take(limit).cloned().collect();
            if t.tenant.faults.repeat_row && offset > 0 && offset <= total {
                items.insert(0, users[offset - 1].clone());
            }
            let reported = (total as i64 + t.tenant.faults.total_offset).max(0);
            let body = json!({
                "offset": offset,
                "limit": limit,
                "count": items.len(),
                "totalCount": reported,
                "links": {
                    "first": format!("/users?offset=0&limit={limit}"),
                    "previous": if offset > 0 { Value::String(format!("/users?offset={}&limit={limit}", offset.saturating_sub(limit))) } else { Value::Null },
                    "next": if offset + limit < total { Value::String(format!("/users?offset={}&limit={limit}", offset + limit)) } else { Value::Null },
                    "last": format!("/users?offset={}&limit={limit}", total.saturating_sub(1) / limit * limit),
                },
                "items": items,
            });
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BirdQuery {
    limit: Option<usize>,
    page_token: Option<String>,
}

fn user_id(u: &Value) -> &str {
    u.get("id").and_then(|v| v.as_str()).unwrap_or("")
}

fn bird_result(u: &Value) -> Value {
    let s = |k: &str| u.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (user_status, membership) = match s("status").as_str() {
        "invited" => ("pending", "invited"),
        "suspended" => ("active", "banned"),
        _ => ("active", "active"),
    };
    let email = s("email");
    json!({
        "user": {
            "id": s("id"),
            "status": user_status,
            "name": format!("{} {}", s("firstName"), s("lastName")).trim(),
            "activeSessions": 0,
            "createdAt": s("createdAt"),
            "updatedAt": s("updatedAt"),
            "emails": if email.is_empty() { json!([]) } else { json!([{ "id": format!("e-{}", s("id")), "userId": s("id"), "email": email, "verified": true, "passwordSet": true, "tokenSet": false, "createdAt": s("createdAt"), "updatedAt": s("updatedAt") }]) },
            "defaultEmail": email,
            "locale": "en", "timezone": "UTC", "badges": [],
        },
        "status": membership,
        "role": s("role"),
        "createdAt": s("createdAt"),
        "updatedAt": s("updatedAt"),
        "attributes": {},
    })
}

async fn bird_users(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, org)): Path<(String, String)>,
    Query(q): Query<BirdQuery>,
    headers: HeaderMap,
) -> Response {
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"code":"ValidationError","message":"Request validation failed: limit must be between 1 and 100"}"#,
        )
            .into_response();
    }
    let after: Option<String> = match &q.page_token {
        None => None,
        Some(t) => match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t).ok().and_then(|b| String::from_utf8(b).ok()) {
            Some(id) => Some(id),
            None => {
                return (StatusCode::UNPROCESSABLE_ENTITY, r#"{"code":"ValidationError","message":"invalid pageToken"}"#).into_response()
            }
        },
    };
    let org_ok = state.with_tenant(&tenant, |t| t.tenant.organization_id.as_deref() == Some(org.as_str())).unwrap_or(false);
    if !org_ok {
        return (StatusCode::NOT_FOUND, r#"{"code":"NotFound","message":"Resource not found"}"#).into_response();
    }
    // The page number only matters for `fail_page` and mutations: count the pages of this read.
    let page = state
        .with_tenant(&tenant, |t| {
            let Some(a) = after.as_ref() else { return 0 };
            t.by_id();
            let (order, users) = (t.id_order.as_deref().unwrap_or(&[]), &t.tenant.users);
            let seen = order.partition_point(|i| user_id(&users[*i]) <= a.as_str());
            (seen / limit) as u32
        })
        .unwrap_or(0);
    if let Err(r) = gate(&state, &tenant, &headers, page).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            // A keyset cursor: users in id order, the token is the last id served.
            t.by_id();
            let (order, all) = (t.id_order.as_deref().unwrap_or(&[]), &t.tenant.users);
            let start = after.as_ref().map(|a| order.partition_point(|i| user_id(&all[*i]) <= a.as_str())).unwrap_or(0);
            let chunk: Vec<&Value> = order.iter().skip(start).take(limit).map(|i| &all[*i]).collect();
            let mut results: Vec<Value> = chunk.iter().map(|u| bird_result(u)).collect();
            if t.tenant.faults.repeat_row && start > 0 {
                results.insert(0, bird_result(&all[order[start - 1]]));
            }
            let total = order.len();
            let next = if start + limit < total {
                let last = chunk.last().and_then(|u| u.get("id")).and_then(|v| v.as_str()).unwrap_or("");
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last)
            } else {
                String::new()
            };
            let body = json!({ "results": results, "nextPageToken": next });
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}
