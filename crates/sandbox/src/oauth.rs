//! The sandbox's OAuth2 client-credentials endpoint, shared by every simulator:
//! `POST /oauth/{tenant}/token` (form or JSON body, client credentials in it or as Basic auth) issues short tokens for a tenant that has an
//! `oauth_client_id`; its `secret` is then the client secret. With the fault
//! `token_expires_after_requests: N`, a token stops working after N API requests (401), as a
//! token that expires mid-run does.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;

use super::state::{SandboxState, TenantState};

pub fn routes(state: Arc<SandboxState>) -> Router {
    Router::new().route("/oauth/{tenant}/token", post(token)).with_state(state)
}

pub fn field(body: &str, key: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        return v.get(key).and_then(|x| x.as_str()).map(str::to_string);
    }
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace('+', " ")).map(|v| percent_decode(&v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The client id and secret: from `Authorization: Basic` (RFC 6749 §2.3.1), else from the body.
fn client_credentials(headers: &HeaderMap, body: &str) -> (Option<String>, Option<String>) {
    use base64::Engine;
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match basic.as_deref().and_then(|b| b.split_once(':')) {
        Some((id, secret)) => (Some(id.to_string()), Some(secret.to_string())),
        None => (field(body, "client_id"), field(body, "client_secret")),
    }
}

pub async fn token(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap, body: String) -> Response {
    let (client_id, secret) = client_credentials(&headers, &body);
    state
        .with_tenant(&tenant, |t| {
            let ok = t.tenant.oauth_client_id.is_some()
                && field(&body, "grant_type").as_deref() == Some("client_credentials")
                && client_id == t.tenant.oauth_client_id
                && secret.as_deref() == Some(t.tenant.secret.as_str());
            if !ok {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
            }
            let scope = t.tenant.token_scope.clone();
            issue(t, &tenant, scope)
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A new Bearer token for the tenant (valid until the `token_expires_after_requests` fault
/// expires it), as the token response's body, with `scope` when given.
pub fn issue(t: &mut TenantState, tenant: &str, scope: Option<serde_json::Value>) -> Response {
    t.tokens_issued += 1;
    let token = format!("sbx-{}-{}", tenant, t.tokens_issued);
    t.issued_tokens.insert(token.clone(), 0);
    let mut body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600});
    if let Some(scope) = scope {
        body["scope"] = scope;
    }
    axum::Json(body).into_response()
}

/// Whether `jwt` is a client assertion (RFC 7523 §3) of `client_id`, signed by the key whose
/// public half is `public_pem` (RSA or EC): `iss` and `sub` the client, unexpired. The audience
/// is the token URL, which the sandbox does not know by name, so it is required but not compared.
pub fn assertion_ok(jwt: &str, public_pem: &str, client_id: &str) -> bool {
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let Ok(header) = decode_header(jwt) else { return false };
    let key = match header.alg {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(public_pem.as_bytes()),
        _ => DecodingKey::from_rsa_pem(public_pem.as_bytes()),
    };
    let Ok(key) = key else { return false };
    let mut v = Validation::new(header.alg);
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    v.set_issuer(&[client_id]);
    v.sub = Some(client_id.to_string());
    decode::<serde_json::Value>(jwt, &key, &v).is_ok()
}

/// Whether a request to a tenant's API is authenticated: `<scheme> <secret>` (e.g. `AccessKey`),
/// or a Bearer token this sandbox issued and that has not expired (several clients of one tenant
/// each hold their own). Counts the token's use.
pub fn authorized(t: &mut TenantState, headers: &HeaderMap, scheme: &str) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else { return false };
    value == format!("{scheme} {}", t.tenant.secret) || issued_token_ok(t, headers)
}

/// Whether the request carries a Bearer token this sandbox issued that has not expired; counts
/// the token's use.
pub fn issued_token_ok(t: &mut TenantState, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else { return false };
    let limit = t.tenant.faults.token_expires_after_requests;
    match value.strip_prefix("Bearer ").and_then(|given| t.issued_tokens.get_mut(given)) {
        Some(uses) => {
            *uses += 1;
            limit == 0 || *uses <= limit
        }
        None => false,
    }
}
