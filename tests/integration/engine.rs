//! The HTTP engine on its own, over loopback: OAuth refresh after a 401, TLS with a private CA,
//! and no secret in any error.

use crate::common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use access_audit::config::{AuthConfig, HttpConfig, SecretRef};
use access_audit::http::{AppClient, KindDefaults};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

const DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 50.0,
    concurrency: 2,
    token_path: Some("/token"),
    token_style: access_audit::http::TokenStyle::Form,
    permission_hint: "",
    auth_hint: "",
    requests_per_hour: None,
};

fn secret_file(dir: &std::path::Path, name: &str, value: &str) -> SecretRef {
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    SecretRef::File(p)
}

fn http(base_url: String, auth: AuthConfig) -> HttpConfig {
    HttpConfig {
        base_url,
        auth,
        ca_file: None,
        insecure_skip_verify: false,
        requests_per_second: None,
        requests_per_hour: None,
        concurrency: None,
        page_size: None,
        timeout_seconds: Some(10),
        max_attempts: Some(3),
        max_collect_seconds: None,
        max_list_passes: None,
        max_response_mb: None,
    }
}

#[derive(Default)]
struct TokenServer {
    issued: AtomicU32,
    served: AtomicU32,
}

async fn token(State(s): State<Arc<TokenServer>>, body: String) -> impl IntoResponse {
    if !body.contains("client_secret=canary-client-secret") || !body.contains("grant_type=client_credentials") {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"})));
    }
    let n = s.issued.fetch_add(1, Ordering::SeqCst) + 1;
    (StatusCode::OK, axum::Json(json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": 3600})))
}

/// Accepts only the newest token; after two requests it revokes it (a token that expired mid-run).
async fn items(State(s): State<Arc<TokenServer>>, headers: HeaderMap) -> impl IntoResponse {
    let current = format!("Bearer tok-{}", s.issued.load(Ordering::SeqCst));
    let served = s.served.fetch_add(1, Ordering::SeqCst) + 1;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != current || served == 3 {
        if served == 3 {
            s.issued.fetch_add(1, Ordering::SeqCst); // the old token no longer works
        }
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "access_denied"})));
    }
    (StatusCode::OK, axum::Json(json!({"items": [1, 2, 3]})))
}

/// The token server on 127.0.0.1 and a client of it whose client secret is `secret`.
async fn oauth_client(state: Arc<TokenServer>, secret: &str, dir: &std::path::Path) -> AppClient {
    let app = Router::new().route("/token", post(token)).route("/items", get(items)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let auth = AuthConfig::Oauth2ClientCredentials {
        client_id: "audit".into(),
        client_secret: secret_file(dir, "s", secret),
        token_url: None,
        scope: None,
    };
    AppClient::new("oauth-app", &http(format!("http://{addr}"), auth), &DEFAULTS).unwrap()
}

#[tokio::test]
async fn oauth_token_is_cached_and_refreshed_once_after_a_401() {
    let state = Arc::new(TokenServer::default());
    let dir = tempfile::tempdir().unwrap();
    let client = oauth_client(state.clone(), "canary-client-secret", dir.path()).await;
    for _ in 0..2 {
        assert_eq!(client.get_json("/items", &[]).await.unwrap().body["items"][0], 1);
    }
    assert_eq!(state.issued.load(Ordering::SeqCst), 1, "the token is cached");
    // The third request is refused: the engine fetches a new token once and succeeds.
    let third = client.get_json("/items", &[]).await.unwrap();
    assert_eq!(third.status, 200);
    let info = client.auth.token_info().await.unwrap();
    assert_eq!(info.fetched, 2);
    assert_eq!(info.expires_in_secs, Some(3600));
}

#[tokio::test]
async fn a_refused_client_secret_is_reported_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let client = oauth_client(Arc::new(TokenServer::default()), "wrong-canary-9911", dir.path()).await;
    let e = client.get_json("/items", &[]).await.unwrap_err().to_string();
    assert!(e.contains("401") && e.contains("client secret"), "{e}");
    assert!(!e.contains("wrong-canary-9911"), "{e}");
    assert!(!format!("{:?}", client.auth).contains("wrong-canary-9911"));
}

/// A one-shot HTTPS server with a certificate from a private CA made here.
async fn tls_server() -> (std::net::SocketAddr, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (acceptor, ca_pem) = common::private_ca_tls();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"items":[{"id":"a"}]}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, ca_pem)
}

#[tokio::test]
async fn tls_with_a_private_ca_needs_ca_file_and_says_so() {
    let (addr, ca_pem) = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(dir.path(), "k", "k-123456");
    let base = format!("https://localhost:{}", addr.port());
    // Without the CA: a clear error naming the option to set.
    let plain = AppClient::new("pra", &http(base.clone(), AuthConfig::Bearer { token: key.clone() }), &DEFAULTS).unwrap();
    let e = plain.get_json("/items", &[]).await.unwrap_err().to_string();
    assert!(e.contains("ca_file"), "{e}");
    // With ca_file: it works.
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, &ca_pem).unwrap();
    let mut cfg = http(base.clone(), AuthConfig::Bearer { token: key.clone() });
    cfg.ca_file = Some(ca_path);
    let trusted = AppClient::new("pra", &cfg, &DEFAULTS).unwrap();
    assert_eq!(trusted.get_json("/items", &[]).await.unwrap().body["items"][0]["id"], "a");
    // insecure_skip_verify works too, but only because it was set explicitly.
    let mut cfg = http(base, AuthConfig::Bearer { token: key });
    cfg.insecure_skip_verify = true;
    let insecure = AppClient::new("pra", &cfg, &DEFAULTS).unwrap();
    assert!(insecure.get_json("/items", &[]).await.is_ok());
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    let mut cfg = http("https://x.example".into(), AuthConfig::Bearer { token: secret_file(dir.path(), "k", "k-1") });
    cfg.ca_file = Some(ca);
    let e = AppClient::new("pra", &cfg, &DEFAULTS).err().unwrap().to_string();
    assert!(e.contains("ca_file") && (e.contains("no certificate") || e.contains("PEM")), "{e}");
}

/// A server that echoes the credential in its error body (some do, in "invalid token X"): the
/// message quotes the body without it.
#[tokio::test]
async fn a_credential_echoed_in_an_error_body_is_redacted() {
    async fn echo(headers: HeaderMap) -> impl IntoResponse {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (StatusCode::BAD_REQUEST, format!("invalid credential: {auth} (token {})", auth.trim_start_matches("Bearer ")))
    }
    let app = Router::new().route("/items", get(echo));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "canary-bearer-77aa31");
    let client = AppClient::new("echo", &http(format!("http://{addr}"), AuthConfig::Bearer { token }), &DEFAULTS).unwrap();
    let e = client.get_json("/items", &[]).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 400") && e.contains("invalid credential: ***"), "{e}");
    assert!(!e.contains("canary-bearer-77aa31"), "{e}");
}

/// Issue 25 item 4: a token that dies after a few uses, with many requests in flight. Each
/// refused request throws away only the token it sent, retries with the newest, and one fetch
/// at a time serves everyone waiting: every request succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_dies_after_a_few_uses_serves_many_requests_in_flight() {
    #[derive(Default)]
    struct Server {
        issued: AtomicU32,
        uses: std::sync::Mutex<std::collections::HashMap<String, u32>>,
        refused: AtomicU32,
    }
    async fn token(State(s): State<Arc<Server>>) -> impl IntoResponse {
        let n = s.issued.fetch_add(1, Ordering::SeqCst) + 1;
        axum::Json(json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": 3600}))
    }
    async fn item(State(s): State<Arc<Server>>, headers: HeaderMap) -> impl IntoResponse {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let ok = {
            let mut uses = s.uses.lock().unwrap();
            let used = uses.entry(auth).or_default();
            *used += 1;
            *used <= 5
        };
        if ok {
            (StatusCode::OK, axum::Json(json!({"ok": true})))
        } else {
            s.refused.fetch_add(1, Ordering::SeqCst);
            (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_token"})))
        }
    }
    let state = Arc::new(Server::default());
    let app = Router::new().route("/token", post(token)).route("/item", get(item)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let auth = AuthConfig::Oauth2ClientCredentials {
        client_id: "audit".into(),
        client_secret: secret_file(dir.path(), "s", "x"),
        token_url: None,
        scope: None,
    };
    let mut cfg = http(format!("http://{addr}"), auth);
    cfg.concurrency = Some(4);
    cfg.requests_per_second = Some(1000.0);
    let client = AppClient::new("expiring", &cfg, &DEFAULTS).unwrap();
    let results = futures_util::future::join_all((0..40).map(|_| client.get_json("/item", &[]))).await;
    let failed: Vec<String> = results.iter().filter_map(|r| r.as_ref().err().map(|e| e.to_string())).collect();
    assert!(failed.is_empty(), "{} of 40 failed, first: {:?}", failed.len(), failed.first());
    let issued = state.issued.load(Ordering::SeqCst);
    assert!(state.refused.load(Ordering::SeqCst) > 0, "tokens did die while requests were in flight");
    assert!((8..=20).contains(&issued), "a new token only when the last one died, one fetch at a time: {issued}");
}

/// A token refused right after it was issued, every time: refreshed again up to a bound, then
/// the request fails with the reason (not a token storm, not a loop).
#[tokio::test]
async fn new_tokens_refused_right_away_fail_with_the_reason() {
    async fn token(State(s): State<Arc<TokenServer>>) -> impl IntoResponse {
        let n = s.issued.fetch_add(1, Ordering::SeqCst) + 1;
        axum::Json(json!({"access_token": format!("tok-{n}"), "expires_in": 3600}))
    }
    async fn refuse() -> impl IntoResponse {
        (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_token"})))
    }
    let state = Arc::new(TokenServer::default());
    let app = Router::new().route("/token", post(token)).route("/items", get(refuse)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let auth = AuthConfig::Oauth2ClientCredentials {
        client_id: "audit".into(),
        client_secret: secret_file(dir.path(), "s", "x"),
        token_url: None,
        scope: None,
    };
    let client = AppClient::new("refusing", &http(format!("http://{addr}"), auth), &DEFAULTS).unwrap();
    let e = client.get_json("/items", &[]).await.unwrap_err().to_string();
    assert!(e.contains("refused (HTTP 401) 3 newly issued tokens in a row"), "{e}");
    assert_eq!(state.issued.load(Ordering::SeqCst), 3);
}

/// Issue 25 item 3, in the engine: of the items whose own request answered 404, one that the
/// parent list no longer holds was deleted meanwhile (gone, noted), one it still holds is an
/// error that does not blame the config.
#[tokio::test]
async fn a_404_for_a_listed_item_is_churn_only_when_the_list_no_longer_has_it() {
    use access_audit::http::{ListSpec, Pager};
    #[derive(Default)]
    struct Server {
        reads: AtomicU32,
    }
    async fn parents(State(s): State<Arc<Server>>) -> impl IntoResponse {
        // The first read lists a, b and c; b is deleted before the next read.
        if s.reads.fetch_add(1, Ordering::SeqCst) == 0 {
            axum::Json(json!([{"id": "a"}, {"id": "b"}, {"id": "c"}]))
        } else {
            axum::Json(json!([{"id": "a"}, {"id": "c"}]))
        }
    }
    async fn children(axum::extract::Path(id): axum::extract::Path<String>) -> axum::response::Response {
        match id.as_str() {
            "a" => axum::Json(json!([{"id": "a1"}, {"id": "a2"}])).into_response(),
            _ => (StatusCode::NOT_FOUND, axum::Json(json!({"message": "Not found"}))).into_response(),
        }
    }
    let state = Arc::new(Server::default());
    let app = Router::new().route("/parents", get(parents)).route("/parents/{id}/children", get(children)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "t-123456");
    let client = AppClient::new("tree", &http(format!("http://{addr}"), AuthConfig::Bearer { token }), &DEFAULTS).unwrap();
    let spec = |endpoint: String, what: &str| ListSpec {
        endpoint,
        query: Vec::new(),
        pager: Pager::Single,
        items: String::new(),
        id: |v| v.get("id").and_then(|x| x.as_str()).map(str::to_string),
        what: what.into(),
    };
    let parent = spec("/parents".into(), "parents");
    let listed = client.list(&parent).await;
    let ids: Vec<String> = listed.items.iter().filter_map(|v| (parent.id)(v)).collect();
    let read = client.list_each(ids.iter().map(|id| (id.clone(), spec(format!("/parents/{id}/children"), "children"))).collect()).await;
    assert_eq!(read.read.len(), 1);
    assert_eq!(read.read[0].1.items.len(), 2);
    assert_eq!(read.not_found_ids(), ["b", "c"]);
    let churn = client.recheck(&parent, &read.not_found_ids(), "parent").await;
    assert_eq!(churn.gone.iter().collect::<Vec<_>>(), ["b"]);
    assert_eq!(churn.notes.len(), 1, "{:?}", churn.notes);
    assert!(churn.notes[0].contains("1 parent(s) deleted during collection") && churn.notes[0].contains(": b"), "{:?}", churn.notes);
    assert_eq!(churn.errors.len(), 1);
    assert!(churn.errors[0].contains("1 parent(s) answered HTTP 404 although parents still lists them: c"), "{:?}", churn.errors);
    assert!(!churn.errors[0].contains("check base_url"));
}
