//! Faults a simulated tenant can be told to show, and the per-request decision.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{SandboxState, TenantState};

/// Faults of one tenant. Everything off by default.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// The first N API requests get 429.
    pub burst_429: u32,
    /// `Retry-After` on those 429s: seconds ("2", "0"), "date+N" (an HTTP date N seconds ahead),
    /// or none.
    pub retry_after: Option<String>,
    /// Every Nth request gets a 503 with an HTML body.
    pub error_5xx_every: u32,
    /// Delay before every page.
    pub slow_ms: u64,
    /// OAuth tenants: a token is refused (401) after this many API requests, as one that expires
    /// mid-run.
    pub token_expires_after_requests: u32,
    /// After page P (0-based) was served, the next page request first adds `add_users` users at
    /// the front of the list and removes `remove_users` from it. Once.
    pub mutate_after_page: Option<u32>,
    pub add_users: u32,
    pub remove_users: u32,
    /// Churn while the user list is read, as a directory changes under a collector: before
    /// user-list request number `churn_from` (0-based, counted over the whole run, every pass and
    /// retry included) and each of the next `churn_changes - 1`, one change (see [`ChurnMode`]):
    /// the first account of the list, which was already read, is deleted (it was before the
    /// cursor, so the next page silently skips a stable account), or a new account is inserted at
    /// the front (the next page repeats one).
    pub churn_from: Option<u32>,
    pub churn_changes: u32,
    pub churn_mode: ChurnMode,
    /// Added to the reported total.
    pub total_offset: i64,
    /// Every page after the first starts with the last row of the page before.
    pub repeat_row: bool,
    /// Every Nth response body is cut short.
    pub truncate_every: u32,
    /// This page (0-based) of the user list streams a JSON body without end (a broken server or
    /// a proxy in between).
    pub endless_page: Option<u32>,
    /// This page (0-based) always fails with a 500.
    pub fail_page: Option<u32>,
    /// Server-side limit: past this many requests in any second, 429 without `Retry-After`.
    pub server_rps: Option<f64>,
    /// The credential has expired: every API request is refused with 401 (Atlassian API tokens
    /// expire after at most a year).
    pub credential_expired: bool,
    /// Paths (any part of them, e.g. "/group/member") the credential is not allowed to read:
    /// answered 403, as an API account without the permission.
    pub forbid: Vec<String>,
    /// The user with this id is deleted right before the first request that is not for a page
    /// of the user list, once the list has been read: a user deleted while the collector reads
    /// each user's details, events or group policies (which then answer 404).
    pub delete_user_after_list: Option<String>,
}

/// The 403 of the `forbid` fault, for any simulator: the tenant is the second part of the path
/// (`/<flavour>/<tenant>/...`).
pub async fn forbid(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<SandboxState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_string();
    let tenant = path.split('/').nth(2).unwrap_or("");
    let refused = state.with_tenant(tenant, |t| t.tenant.faults.forbid.iter().any(|f| !f.is_empty() && path.contains(f.as_str())));
    if refused == Some(true) {
        return (
            StatusCode::FORBIDDEN,
            [("content-type", "application/json")],
            r#"{"errorMessages":["You do not have the permission to see the specified resource."],"errors":{}}"#,
        )
            .into_response();
    }
    next.run(request).await
}

/// Which changes the churn fault makes.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ChurnMode {
    /// A deletion, then an insertion, then a deletion...
    #[default]
    DeleteThenInsert,
    /// An insertion, then a deletion...
    InsertThenDelete,
    /// Only insertions at the front.
    Insert,
    /// Only deletions of accounts already read.
    Delete,
    /// Each change deletes an account already read and, at the same instant, appends a new one at
    /// the end: the total stays the same, and so does the count a pass reads, while the next page
    /// silently skips a stable account.
    DeleteAndAppend,
}

const HTML_ERROR: &str =
    "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><h1>Service Unavailable</h1></body></html>";

/// A user added by the `mutate_after_page` or churn faults, in the tenant kind's canonical shape.
fn late_joiner(kind: &str, i: u32) -> serde_json::Value {
    let id = format!("added-{i:04}");
    new_user(kind, &id, &format!("Late Joiner {i}"))
}

/// A new user of a tenant of `kind`, in the shape its simulator serves from.
pub fn new_user(kind: &str, id: &str, name: &str) -> serde_json::Value {
    let email = format!("{id}@late-joiner.example");
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    match kind {
        "jira_service_management" => serde_json::json!({
            "accountId": id, "accountType": "atlassian", "displayName": name, "email": email, "active": true
        }),
        "scim" => serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": email, "displayName": name,
            "active": true, "emails": [{"value": email, "type": "work", "primary": true}],
            "meta": {"resourceType": "User", "created": "2026-12-31T08:00:00Z"}
        }),
        "beyondtrust" => serde_json::json!({
            "id": id, "username": id, "display_name": name, "email": email, "enabled": true, "created_at": "2026-12-31T08:00:00Z"
        }),
        "bluejeans" | "bluejeans_events" => serde_json::json!({
            "id": id, "username": id, "firstName": first, "lastName": last, "email": email, "enterpriseJoinDate": 1798704000000i64
        }),
        _ => serde_json::json!({
            "id": id, "email": email, "firstName": first, "lastName": last,
            "role": "member", "status": "active", "createdAt": "2026-12-31T08:00:00Z", "updatedAt": "2026-12-31T08:00:00Z"
        }),
    }
}

/// The id of a tenant user, whatever its kind calls it.
pub fn user_id(u: &serde_json::Value) -> String {
    match u.get("id").or_else(|| u.get("accountId")) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// The page of a list position: `offset` items in, at `size` per page. A page asked for from a
/// little before a page boundary (an overlapping read) counts as the page it mostly covers.
pub fn page_of(offset: usize, size: usize) -> u32 {
    offset.div_ceil(size.max(1)) as u32
}

/// One change of the churn fault, if this user-list request is due one.
fn churn(state: &mut TenantState) {
    let f = &state.tenant.faults;
    let Some(from) = f.churn_from else { return };
    let n = state.list_requests;
    let from = u64::from(from);
    if n < from || n >= from + u64::from(f.churn_changes) {
        return;
    }
    let odd = (n - from) % 2 == 1;
    let mode = f.churn_mode;
    let insert = match mode {
        ChurnMode::DeleteThenInsert => odd,
        ChurnMode::InsertThenDelete => !odd,
        ChurnMode::Insert => true,
        ChurnMode::Delete | ChurnMode::DeleteAndAppend => false,
    };
    state.id_order = None;
    state.members = None;
    state.lookup = None;
    if mode == ChurnMode::DeleteAndAppend {
        let id = format!("churn-{n:04}");
        let user = new_user(state.tenant.kind(), &id, &format!("Churn Joiner{n}"));
        state.tenant.users.push(user);
        state.churn_log.push(format!("appended {id} before list request {n}"));
    }
    if insert {
        let id = format!("churn-{n:04}");
        let user = new_user(state.tenant.kind(), &id, &format!("Churn Joiner{n}"));
        state.tenant.users.insert(0, user);
        state.churn_log.push(format!("inserted {id} before list request {n}"));
    } else if !state.tenant.users.is_empty() {
        let gone = state.tenant.users.remove(0);
        state.churn_log.push(format!("deleted {} before list request {n}", user_id(&gone)));
    }
}

/// The body of a 429, in the kind's style. Jira sends JSON or, from some edges, an HTML page.
fn body_429(kind: &str, n: u64) -> (&'static str, &'static str) {
    match kind {
        "jira_service_management" if n % 2 == 0 => ("text/html", "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><div id=\"error429\">Rate limit exceeded</div></body></html>"),
        "jira_service_management" => ("application/json", r#"{"errorMessages":["The request has been rate-limited. Please try again later."],"errors":{},"status":429}"#),
        _ => ("application/json", r#"{"errors":[{"code":29,"description":"Too many requests","parameter":null}]}"#),
    }
}

/// A fault to answer with instead of the response, if any. Counts the request. `page` is the
/// page of the tenant's user list being read (`None` for other lists, which `fail_page` and
/// the user mutations leave alone).
pub fn before_page(state: &mut TenantState, page: Option<u32>) -> Option<Response> {
    let now = Instant::now();
    state.stats.requests += 1;
    state.stats.request_times.push(now);
    let n = state.stats.requests;
    let f = state.tenant.faults.clone();
    if n <= f.burst_429 as u64 {
        state.stats.served_429 += 1;
        let mut headers = HeaderMap::new();
        if let Some(ra) = &f.retry_after {
            let value = match ra.strip_prefix("date+") {
                Some(secs) => {
                    let at = chrono::Utc::now() + chrono::Duration::seconds(secs.parse().unwrap_or(1));
                    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
                }
                None => ra.clone(),
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert("retry-after", v);
            }
        }
        let (content_type, body) = body_429(state.tenant.kind(), n);
        headers.insert("content-type", HeaderValue::from_static(content_type));
        return Some((StatusCode::TOO_MANY_REQUESTS, headers, body).into_response());
    }
    if let Some(rps) = f.server_rps {
        let window = Duration::from_secs(1);
        let recent = state.stats.request_times.iter().rev().take_while(|t| now.duration_since(**t) < window).count();
        if recent as f64 > rps.ceil() {
            state.stats.served_429 += 1;
            return Some((StatusCode::TOO_MANY_REQUESTS, "rate limited").into_response());
        }
    }
    if f.error_5xx_every > 0 && n % f.error_5xx_every as u64 == 0 {
        state.stats.served_5xx += 1;
        return Some((StatusCode::SERVICE_UNAVAILABLE, [("content-type", "text/html")], HTML_ERROR).into_response());
    }
    if page.is_some() && f.endless_page == page {
        use futures_util::StreamExt;
        let head = futures_util::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"users\":[")) });
        let rows = futures_util::stream::repeat_with(|| {
            Ok(axum::body::Bytes::from_static(b"{\"id\":\"endless\",\"email\":\"endless@stream.example\",\"role\":\"member\"},"))
        });
        return Some(
            (StatusCode::OK, [("content-type", "application/json")], axum::body::Body::from_stream(head.chain(rows))).into_response(),
        );
    }
    if page.is_some() && f.fail_page == page {
        state.stats.served_5xx += 1;
        return Some((StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/html")], HTML_ERROR).into_response());
    }
    if page.is_some() {
        churn(state);
        state.list_requests += 1;
    } else if let (Some(id), true) = (&f.delete_user_after_list, state.list_requests > 0) {
        if let Some(i) = state.tenant.users.iter().position(|u| user_id(u) == *id) {
            state.tenant.users.remove(i);
            state.id_order = None;
            state.members = None;
            state.lookup = None;
            state.churn_log.push(format!("deleted {id} after the user list was read"));
        }
    }
    if let (Some(after), Some(page)) = (f.mutate_after_page, page) {
        if page > after && !state.mutated {
            state.mutated = true;
            state.id_order = None;
            state.members = None;
            state.lookup = None;
            let removed = (f.remove_users as usize).min(state.tenant.users.len());
            state.tenant.users.drain(..removed);
            for i in 0..f.add_users {
                let user = late_joiner(state.tenant.kind(), i);
                state.tenant.users.insert(0, user);
            }
        }
    }
    None
}

/// The body as served: cut short on every Nth response when asked.
pub fn finish_body(state: &mut TenantState, body: String) -> Response {
    state.stats.pages_served += 1;
    let f = &state.tenant.faults;
    if f.truncate_every > 0 && state.stats.requests % f.truncate_every as u64 == 0 {
        let cut = body.len() / 2;
        let mut end = cut;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        return (StatusCode::OK, [("content-type", "application/json")], body[..end].to_string()).into_response();
    }
    (StatusCode::OK, [("content-type", "application/json")], body).into_response()
}

/// The checks every simulated request goes through, in order: the tenant exists (else
/// `not_found`), the `slow_ms` delay, auth (`authorize` returns the refusal, which counts as a
/// request), then the faults of [`before_page`]. `Err` is the response to send instead.
pub async fn gate(
    state: &SandboxState,
    tenant: &str,
    page: Option<u32>,
    not_found: impl FnOnce() -> Response,
    authorize: impl FnOnce(&mut TenantState) -> Result<(), Box<Response>>,
) -> Result<(), Box<Response>> {
    let Some(slow) = state.with_tenant(tenant, |t| t.tenant.faults.slow_ms) else {
        return Err(Box::new(not_found()));
    };
    if slow > 0 {
        tokio::time::sleep(Duration::from_millis(slow)).await;
    }
    state
        .with_tenant(tenant, |t| {
            if let Err(r) = authorize(t) {
                t.stats.requests += 1;
                return Err(r);
            }
            match before_page(t, page) {
                Some(r) => Err(Box::new(r)),
                None => Ok(()),
            }
        })
        .unwrap_or(Ok(()))
}
