//! Faults a simulated tenant can be told to show, and the per-request decision.

use std::time::{Duration, Instant};

use super::app::App;
pub use super::fault_spec::{ChurnMode, Faults};
use super::state::{SandboxState, TenantState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

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

const HTML_ERROR: &str =
    "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><h1>Service Unavailable</h1></body></html>";

/// A user added by the `mutate_after_page` or churn faults, in the tenant kind's canonical shape.
fn late_joiner(app: &App, i: u32) -> serde_json::Value {
    let id = format!("added-{i:04}");
    app.new_user(&id, &format!("Late Joiner {i}"))
}

/// The address of a user the faults add (every kind's `new_user` uses it).
pub fn joiner_email(id: &str) -> String {
    format!("{id}@late-joiner.example")
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
        let user = state.tenant.app.new_user(&id, &format!("Churn Joiner{n}"));
        state.tenant.users.push(user);
        state.churn_log.push(format!("appended {id} before list request {n}"));
    }
    if insert {
        let id = format!("churn-{n:04}");
        let user = state.tenant.app.new_user(&id, &format!("Churn Joiner{n}"));
        state.tenant.users.insert(0, user);
        state.churn_log.push(format!("inserted {id} before list request {n}"));
    } else if !state.tenant.users.is_empty() {
        let gone = state.tenant.users.remove(0);
        state.churn_log.push(format!("deleted {} before list request {n}", user_id(&gone)));
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
        let (content_type, body) = state.tenant.app.body_429(n);
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
                let user = late_joiner(&state.tenant.app, i);
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
