//! Faults a simulated tenant can be told to show, and the per-request decision.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{SandboxState, TenantState};

/// Faults of one tenant. Everything off by default.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
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
    /// Added to the reported total.
    pub total_offset: i64,
    /// Every page after the first starts with the last row of the page before.
    pub repeat_row: bool,
    /// Every Nth response body is cut short.
    pub truncate_every: u32,
    /// This page (0-based) always fails with a 500.
    pub fail_page: Option<u32>,
    /// Server-side limit: past this many requests in any second, 429 without `Retry-After`.
    pub server_rps: Option<f64>,
    /// The credential has expired: every API request is refused with 401 (Atlassian API tokens
    /// expire after at most a year).
    pub credential_expired: bool,
}

const HTML_ERROR: &str =
    "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><h1>Service Unavailable</h1></body></html>";

/// A user added by the `mutate_after_page` fault, in the tenant kind's canonical shape.
fn late_joiner(kind: &str, i: u32) -> serde_json::Value {
    let id = format!("added-{i:04}");
    match kind {
        "jira_service_management" => serde_json::json!({
            "accountId": id, "accountType": "atlassian", "displayName": format!("Late Joiner {i}"),
            "email": format!("{id}@late-joiner.example"), "active": true
        }),
        _ => serde_json::json!({
            "id": id, "email": format!("{id}@late-joiner.example"), "firstName": "Late", "lastName": format!("Joiner {i}"),
            "role": "member", "status": "active", "createdAt": "2026-12-31T08:00:00Z", "updatedAt": "2026-12-31T08:00:00Z"
        }),
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
        let (content_type, body) = body_429(&state.tenant.kind, n);
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
    if page.is_some() && f.fail_page == page {
        state.stats.served_5xx += 1;
        return Some((StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/html")], HTML_ERROR).into_response());
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
                let user = late_joiner(&state.tenant.kind, i);
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
