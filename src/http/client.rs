//! One app's HTTP client: TLS (verification on; a private CA via `ca_file`; skipping verification
//! only when set, loudly), auth, the rate limiter, retries and the counters coverage is made of.
//!
//! Only the endpoint path appears in messages: query strings can carry tokens (BlueJeans takes
//! `?access_token=`), so a full URL is never logged or put into an error.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::auth::{AuthError, AuthProvider, Renewal, TokenStyle};
use super::body::{error_text, read_capped, transport_detail, BodyError, ERROR_BODY_LIMIT};
use super::ratelimit::RateLimiter;
use super::retry::{is_retriable_status, parse_retry_after, RetryAfter, RetryPolicy};
pub use super::stats::Stats;
use crate::config::HttpConfig;

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// A request that failed, for one app: the app is named once, as a field; `failure` says what
/// happened (callers that name the app themselves take it alone).
#[derive(Debug, thiserror::Error)]
#[error("app {app}: {failure}")]
pub struct FetchError {
    pub app: String,
    pub failure: Failure,
}

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{method} {endpoint}: HTTP {status}: {hint}{excerpt}")]
    Status { method: &'static str, endpoint: String, status: u16, hint: String, excerpt: String },
    #[error("{method} {endpoint}: gave up after {attempts} attempt(s): {last}")]
    Exhausted { method: &'static str, endpoint: String, attempts: u32, last: String },
    #[error("{method} {endpoint}: {detail}")]
    Transport { method: &'static str, endpoint: String, detail: String },
    #[error("authentication: {0}")]
    Auth(AuthError),
    #[error("the time allowed for collecting it ran out ({secs} s; raise max_collect_seconds)")]
    Deadline { secs: u64 },
    #[error("{method} {endpoint}: the response is larger than max_response_mb allows ({mb} MB); reading it stopped there (a broken server or a proxy may stream without end; raise max_response_mb only if the API really sends pages this large)")]
    TooLarge { method: &'static str, endpoint: String, mb: u64 },
}

impl Failure {
    /// The HTTP status the API answered with, when it answered with one that is not a success.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// How many new tokens one request has fetched after 401s before its 401 stands.
const MAX_OWN_REFRESHES: u32 = 4;

/// The largest response body read by default (`max_response_mb`).
pub const DEFAULT_MAX_RESPONSE_MB: u64 = 256;
/// What to check, by status.
fn hint(status: u16, app_kind_hint: &str, auth_hint: &str) -> String {
    match status {
        400 => "the request was refused as malformed: check the app's options (ids, page size) against the API".into(),
        401 => format!("authentication failed: check the credential in auth (wrong, expired or revoked){auth_hint}"),
        403 => format!("the credential is not allowed to list users: check its scope, role or permission{app_kind_hint}"),
        404 => "not found: check base_url and the ids in the app's config".into(),
        _ => "unexpected response".into(),
    }
}

pub struct AppClient {
    pub app: String,
    base_url: String,
    client: reqwest::Client,
    pub auth: AuthProvider,
    pub limiter: RateLimiter,
    policy: RetryPolicy,
    pub stats: Arc<Stats>,
    started: Instant,
    max_duration: Duration,
    /// How many times a positional list that changes while it is read may be read.
    pub max_list_passes: u32,
    /// The largest response body read, in bytes (`max_response_mb`).
    max_body: usize,
    max_body_mb: u64,
    permission_hint: String,
    auth_hint: String,
    /// Headers sent with every request of this app (e.g. `X-ExperimentalApi`).
    pub extra_headers: Vec<(String, String)>,
    /// Send the token as this query parameter instead of an `Authorization` header (BlueJeans'
    /// original `?access_token=`). Query strings never reach a message, so neither does the token.
    pub token_query_param: Option<String>,
    /// Headers of a session (a cookie after a sign-in), sent with every later request. Kept out of
    /// every message like any secret.
    pub session_headers: Vec<(String, crate::config::Secret)>,
    /// The config's secrets of this app, resolved: removed from any response text quoted in a
    /// message (a server may echo a credential back).
    redact: Vec<crate::config::Secret>,
    /// Where the engine reports what it has read (the app's line of the progress display).
    pub progress: Option<Arc<super::progress::AppProgress>>,
}

/// A client that cannot be built: a configuration problem of the app named in `app`.
#[derive(Debug, thiserror::Error)]
#[error("app {app}: {failure}")]
pub struct ClientError {
    pub app: String,
    pub failure: ClientFailure,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientFailure {
    #[error("ca_file {path}: {detail}")]
    CaFile { path: String, detail: String },
    #[error("{0}")]
    Build(String),
    #[error("{0}")]
    Auth(AuthError),
}

/// How many times a list that changes while it is read is read at most (`max_list_passes`).
pub const DEFAULT_LIST_PASSES: u32 = 10;

/// Defaults of one kind (API-NOTES): rate, concurrency, page size, token endpoint.
#[derive(Debug, Clone)]
pub struct KindDefaults {
    pub requests_per_second: f64,
    pub concurrency: u32,
    pub token_path: Option<&'static str>,
    /// How the token endpoint wants the client credentials.
    pub token_style: TokenStyle,
    pub permission_hint: &'static str,
    /// Appended to the message of a 401 (e.g. how this kind's tokens expire).
    pub auth_hint: &'static str,
    /// A documented hourly request limit, kept unless the config sets `requests_per_hour`.
    pub requests_per_hour: Option<u32>,
}

impl AppClient {
    pub fn new(app: &str, cfg: &HttpConfig, defaults: &KindDefaults) -> Result<AppClient, ClientError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(Duration::from_secs(cfg.timeout_seconds.unwrap_or(60).max(1)))
            .connect_timeout(Duration::from_secs(15))
            .user_agent(concat!("access-audit/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5));
        if let Some(path) = &cfg.ca_file {
            let ca_error = |detail: String| ClientError {
                app: app.into(),
                failure: ClientFailure::CaFile { path: path.display().to_string(), detail },
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ca_error(format!("not a PEM certificate bundle: {e}")))?;
            if certs.is_empty() {
                return Err(ca_error("no certificate in the file".into()));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        if cfg.insecure_skip_verify {
            warn!("app {app}: TLS certificate verification is OFF (insecure_skip_verify = true): anyone on the network path can read and change this collection");
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build().map_err(|e| ClientError { app: app.into(), failure: ClientFailure::Build(e.to_string()) })?;
        let auth = AuthProvider::from_config(&cfg.auth, &cfg.base_url, defaults.token_path, defaults.token_style)
            .map_err(|e| ClientError { app: app.into(), failure: ClientFailure::Auth(e) })?;
        let policy =
            RetryPolicy { max_attempts: cfg.max_attempts.unwrap_or(RetryPolicy::default().max_attempts).max(1), ..RetryPolicy::default() };
        let stats = Arc::new(Stats::default());
        // Report into the sink of the app's collection (helper clients of the app included).
        let progress = super::progress::AppProgress::current();
        if let Some(p) = &progress {
            p.attach(stats.clone());
        }
        Ok(AppClient {
            app: app.into(),
            base_url: cfg.base_url.trim_end_matches('/').to_string(),
            client,
            auth,
            limiter: RateLimiter::new(
                cfg.requests_per_second.unwrap_or(defaults.requests_per_second),
                cfg.concurrency.unwrap_or(defaults.concurrency) as usize,
            )
            .with_hourly_budget(cfg.requests_per_hour.or(defaults.requests_per_hour), app),
            policy,
            stats,
            started: Instant::now(),
            max_duration: Duration::from_secs(cfg.max_collect_seconds.unwrap_or(3 * 3600).max(1)),
            max_list_passes: cfg.max_list_passes.unwrap_or(DEFAULT_LIST_PASSES).max(1),
            max_body: usize::try_from(cfg.max_response_mb.unwrap_or(DEFAULT_MAX_RESPONSE_MB).max(1).saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            max_body_mb: cfg.max_response_mb.unwrap_or(DEFAULT_MAX_RESPONSE_MB).max(1),
            permission_hint: defaults.permission_hint.to_string(),
            auth_hint: defaults.auth_hint.to_string(),
            extra_headers: Vec::new(),
            token_query_param: None,
            session_headers: Vec::new(),
            redact: cfg.auth.secrets().iter().filter_map(|r| r.resolve().ok()).collect(),
            progress,
        })
    }

    /// `text` without any secret this client holds or sends (config secrets, the header or token
    /// in use, session cookies), each replaced by `***`.
    pub async fn redacted(&self, text: String) -> String {
        let mut values: Vec<String> = self.redact.iter().map(|s| s.expose().to_string()).collect();
        values.extend(self.auth.secret_values().await);
        values.extend(self.session_headers.iter().map(|(_, v)| v.expose().to_string()));
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.into_iter().filter(|v| v.len() >= 4).fold(text, |t, v| t.replace(&v, "***"))
    }

    /// An error of this app's client.
    fn fail(&self, failure: Failure) -> FetchError {
        FetchError { app: self.app.clone(), failure }
    }

    /// How much of `max_collect_seconds` is left.
    pub fn time_left(&self) -> Duration {
        self.max_duration.saturating_sub(self.started.elapsed())
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The endpoint as it appears in messages: its path, never its query.
    pub fn shown(endpoint: &str) -> String {
        let no_query = endpoint.split('?').next().unwrap_or(endpoint);
        match no_query.find("://") {
            Some(i) => no_query[i + 3..].find('/').map(|j| no_query[i + 3 + j..].to_string()).unwrap_or_else(|| "/".into()),
            None => no_query.to_string(),
        }
    }

    fn url(&self, endpoint: &str) -> String {
        if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
            endpoint.to_string()
        } else {
            format!("{}/{}", self.base_url, endpoint.trim_start_matches('/'))
        }
    }

    /// A path the server gave (a `Link` target or a next-page link starting with `/`), resolved
    /// against the origin of `base_url` as a browser would, not appended to its path.
    pub fn resolve_link(&self, link: &str) -> String {
        if !link.starts_with('/') {
            return link.to_string();
        }
        let origin_end = self
            .base_url
            .find("://")
            .map(|i| i + 3)
            .and_then(|i| self.base_url[i..].find('/').map(|j| i + j))
            .unwrap_or(self.base_url.len());
        format!("{}{link}", &self.base_url[..origin_end])
    }

    /// Whether a URL is on `base_url`'s origin (scheme, host and port; a relative one is).
    pub fn same_origin(&self, url: &str) -> bool {
        !(url.starts_with("http://") || url.starts_with("https://")) || origin_of(url).eq_ignore_ascii_case(&origin_of(&self.base_url))
    }

    /// Makes sure a token can be had (OAuth: fetches one), for `check`.
    pub async fn check_auth(&self) -> Result<(), FetchError> {
        self.auth.query_token(&self.client).await.map(|_| ()).map_err(|e| self.fail(Failure::Auth(e)))
    }

    /// GET a JSON document with retries, rate limiting and auth.
    pub async fn get_json(&self, endpoint: &str, query: &[(String, String)]) -> Result<Fetched, FetchError> {
        self.request_json("GET", endpoint, query, None, true).await
    }

    /// POST a JSON body with the app's auth (e.g. BeyondTrust Password Safe's `Auth/SignAppin`).
    /// An empty response body is `null`.
    pub async fn post_json(&self, endpoint: &str, body: &Value) -> Result<Fetched, FetchError> {
        self.request_json("POST", endpoint, &[], Some(body), true).await
    }

    /// Any method (`PATCH`, `PUT`, `DELETE`...) with an optional JSON body, the app's auth,
    /// retries and rate limit: a write, as `remediate --apply` sends it. The request must be
    /// one that can be sent twice (a retried PATCH of `active` is).
    pub async fn send_json(&self, method: &'static str, endpoint: &str, body: Option<&Value>) -> Result<Fetched, FetchError> {
        self.request_json(method, endpoint, &[], body, true).await
    }

    /// POST a JSON body that carries its own credentials (no `Authorization`), with the same
    /// retries, rate limit and counters; e.g. BlueJeans' registration token endpoint.
    pub async fn post_json_unauthenticated(&self, endpoint: &str, body: &Value) -> Result<Fetched, FetchError> {
        self.request_json("POST", endpoint, &[], Some(body), false).await
    }

    async fn request_json(
        &self,
        method: &'static str,
        endpoint: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        with_auth: bool,
    ) -> Result<Fetched, FetchError> {
        let verb = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let shown = Self::shown(endpoint);
        let url = self.url(endpoint);
        let attempts = self.policy.attempts();
        let mut attempt = 0u32;
        let bucket = budget_bucket(method, &shown);
        // New tokens this request had fetched after a 401: bounded here, and per app by
        // `auth::MAX_REFUSED_TOKENS` (new tokens refused before any request succeeded with one).
        let mut refreshes = 0u32;
        loop {
            if self.started.elapsed() > self.max_duration {
                return Err(self.fail(Failure::Deadline { secs: self.max_duration.as_secs() }));
            }
            attempt += 1;
            let waited = self.limiter.respect_budget(&bucket).await;
            if !waited.is_zero() {
                self.stats.waited_ms.fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
            }
            let permit = self.limiter.acquire().await;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let mut request = self.client.request(verb.clone(), &url);
            if let Some(body) = body {
                request = request.json(body);
            }
            request = request.query(query).header(ACCEPT, "application/json");
            for (k, v) in &self.session_headers {
                request = request.header(k.as_str(), v.expose());
            }
            let mut generation = 0u64;
            request = match &self.token_query_param {
                _ if !with_auth => request,
                Some(param) => {
                    let (token, g) = self.auth.query_token(&self.client).await.map_err(|e| self.fail(Failure::Auth(e)))?;
                    generation = g;
                    request.query(&[(param.as_str(), token.expose())])
                }
                None => {
                    let (name, value, g) = self.auth.header(&self.client).await.map_err(|e| self.fail(Failure::Auth(e)))?;
                    generation = g;
                    request.header(name, value)
                }
            };
            for (k, v) in &self.extra_headers {
                request = request.header(k.as_str(), v.as_str());
            }
            let outcome = request.send().await;
            drop(permit);
            let (retry_after, throttled, last) = match outcome {
                Err(e) => {
                    let retriable = e.is_connect() || e.is_timeout() || e.is_request() || e.is_body();
                    let detail = transport_detail(e);
                    if !retriable || detail.contains("certificate") {
                        return Err(self.fail(Failure::Transport { method, endpoint: shown, detail }));
                    }
                    (None, false, detail)
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let server_budget = server_budget(&headers);
                    if let Some((remaining, reset_in)) = server_budget {
                        self.limiter.observe_budget(&bucket, remaining, reset_in).await;
                    }
                    if status == 401 && with_auth && refreshes < MAX_OWN_REFRESHES {
                        let renewal = self.auth.invalidate(generation).await.map_err(|e| self.fail(Failure::Auth(e)))?;
                        if renewal != Renewal::Impossible {
                            debug!("app {}: 401 on {shown}; retrying with a new token ({renewal:?})", self.app);
                            // Only a token this request had to have fetched counts: retrying with
                            // one another request fetched costs nothing and always moves on.
                            refreshes += u32::from(renewal == Renewal::Dropped);
                            attempt -= 1;
                            let _ = read_capped(response, ERROR_BODY_LIMIT).await;
                            continue;
                        }
                    }
                    if (200..300).contains(&status) && with_auth {
                        self.auth.confirm(generation);
                    }
                    if is_retriable_status(status) {
                        // `Retry-After`, else the reset of the server's own limit (Okta sends
                        // `X-Rate-Limit-Reset` with its 429s).
                        let ra = headers
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .map(|v| parse_retry_after(v, chrono::Utc::now()))
                            .or_else(|| server_budget.filter(|_| status == 429).map(|(_, reset_in)| RetryAfter::Delay(reset_in)));
                        if status == 429 {
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            // A Retry-After with a real delay says when to come back, and that
                            // wait is honoured; without one (or with `0`) the app slows down.
                            if !matches!(ra, Some(RetryAfter::Delay(d)) if !d.is_zero()) {
                                self.limiter.throttled().await;
                            }
                        }
                        // Drain (a little of) the body so the connection can be reused.
                        let _ = read_capped(response, ERROR_BODY_LIMIT).await;
                        (ra, status == 429, format!("HTTP {status}"))
                    } else if !(200..300).contains(&status) {
                        let text = self.redacted(error_text(response).await).await;
                        if status == 403 && says_rate_limited(&text) {
                            // Google answers its quota limits with a 403 whose reason is
                            // `rateLimitExceeded` / `userRateLimitExceeded`: throttling, not a refusal.
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            self.limiter.throttled().await;
                            (None, true, format!("HTTP 403 {}", excerpt(&text).trim()))
                        } else {
                            return Err(self.fail(Failure::Status {
                                method,
                                endpoint: shown,
                                status,
                                hint: hint(status, &self.permission_hint, &self.auth_hint),
                                excerpt: excerpt(&text),
                            }));
                        }
                    } else {
                        match read_capped(response, self.max_body).await {
                            Err(BodyError::TooLarge) => {
                                return Err(self.fail(Failure::TooLarge { method, endpoint: shown, mb: self.max_body_mb }));
                            }
                            Err(BodyError::Transport(e)) => {
                                (None, false, format!("the response body was cut short ({})", transport_detail(e)))
                            }
                            Ok(bytes) if method != "GET" && bytes.iter().all(u8::is_ascii_whitespace) => {
                                self.limiter.succeeded().await;
                                return Ok(Fetched { status, headers, body: Value::Null });
                            }
                            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                                Ok(body) => {
                                    self.limiter.succeeded().await;
                                    return Ok(Fetched { status, headers, body });
                                }
                                Err(e) if e.is_eof() || e.is_syntax() => {
                                    (None, false, format!("the response is not complete JSON ({} bytes; {e})", bytes.len()))
                                }
                                Err(e) => (None, false, format!("the response is not JSON: {e}")),
                            },
                        }
                    }
                }
            };
            if attempt >= attempts {
                return Err(self.fail(Failure::Exhausted { method, endpoint: shown, attempts: attempt, last }));
            }
            let delay = self.policy.delay(attempt, retry_after.filter(|r| *r != RetryAfter::Invalid), throttled, fastrand::f64());
            let waited = self.stats.waited_ms.fetch_add(delay.as_millis() as u64, Ordering::Relaxed) + delay.as_millis() as u64;
            if Duration::from_millis(waited) > self.policy.max_total_wait {
                return Err(self.fail(Failure::Exhausted {
                    method,
                    endpoint: shown,
                    attempts: attempt,
                    last: format!("{last}; the app's retry time budget ({} s) is spent", self.policy.max_total_wait.as_secs()),
                }));
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            debug!("app {}: {shown}: {last}; retry {attempt} in {} ms", self.app, delay.as_millis());
            tokio::time::sleep(delay).await;
        }
    }
}

/// The scheme, host and port of a URL (`https://acme.okta.com`), the default port left out.
pub fn origin_of(url: &str) -> String {
    let Some(i) = url.find("://") else { return String::new() };
    let rest = &url[i + 3..];
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let scheme = &url[..i];
    let host = match (scheme, host.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h,
        _ => host,
    };
    format!("{scheme}://{}", host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host))
}

/// Whether an error body says the request was rate limited (Google's error `reason`s).
fn says_rate_limited(body: &str) -> bool {
    ["\"rateLimitExceeded\"", "\"userRateLimitExceeded\"", "\"RATE_LIMIT_EXCEEDED\""].iter().any(|r| body.contains(r))
}

/// The endpoint a server's per-endpoint limit applies to: the method and the path, with every
/// segment that holds a digit (an id) as `*` (`GET /api/v1/users/*/factors`).
fn budget_bucket(method: &str, path: &str) -> String {
    let shape: Vec<&str> = path.split('/').map(|seg| if seg.chars().any(|c| c.is_ascii_digit()) { "*" } else { seg }).collect();
    format!("{method} {}", shape.join("/"))
}

/// What the server says is left of its limit for this endpoint and when that resets
/// (`X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset`, epoch seconds, as Okta sends them; also
/// `X-RateLimit-*`).
fn server_budget(headers: &HeaderMap) -> Option<(u64, Duration)> {
    let number = |names: [&str; 2]| {
        names.iter().find_map(|n| headers.get(*n)).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
    };
    let remaining = number(["x-rate-limit-remaining", "x-ratelimit-remaining"])?;
    let reset = number(["x-rate-limit-reset", "x-ratelimit-reset"])?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    // An epoch in the past (or a clock apart from the server's) says nothing to wait for; a
    // value under a day is a delay in seconds, as some servers send it.
    let secs = if reset < 86_400 { reset } else { reset.saturating_sub(now) };
    Some((remaining, Duration::from_secs(secs.min(3600)) + Duration::from_millis(250)))
}

fn excerpt(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        String::new()
    } else if t.starts_with('<') {
        " (the server answered with an HTML page)".into()
    } else {
        format!(" ({})", crate::text::clip(t, 200))
    }
}
