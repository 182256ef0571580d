//! Faults a simulated tenant can be told to show, and the per-request decision.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::TenantState;

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
}

const HTML_ERROR: &str =
    "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><h1>Service Unavailable</h1></body></html>";

/// A fault to answer with instead of the page, if any. Counts the request.
pub fn before_page(state: &mut TenantState, page: u32) -> Option<Response> {
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
        let body = r#"{"errors":[{"code":29,"description":"Too many requests","parameter":null}]}"#;
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
    if f.fail_page == Some(page) {
        state.stats.served_5xx += 1;
        return Some((StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/html")], HTML_ERROR).into_response());
    }
    if let Some(after) = f.mutate_after_page {
        if page > after && !state.mutated {
            state.mutated = true;
            state.id_order = None;
            let removed = (f.remove_users as usize).min(state.tenant.users.len());
            state.tenant.users.drain(..removed);
            for i in 0..f.add_users {
                let id = format!("added-{i:04}");
                let user = serde_json::json!({
                    "id": id, "email": format!("{id}@late-joiner.example"), "firstName": "Late", "lastName": format!("Joiner {i}"),
                    "role": "member", "status": "active", "createdAt": "2026-12-31T08:00:00Z", "updatedAt": "2026-12-31T08:00:00Z"
                });
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
