//! Auth providers: how a request of one app is signed.
//!
//! Basic, Bearer, `AccessKey`, a static header, and OAuth2 client credentials (token fetched once,
//! cached, refreshed shortly before it expires and once more when a request comes back 401).
//! Secrets are resolved when the provider is built and live only in [`Secret`]s; they never reach
//! a log line, an error or `Debug` output. The lifetime of an OAuth token becomes a credential
//! observation.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::grant::Grant;
pub use super::grant::TokenStyle;
use crate::config::{AuthConfig, Secret};

/// Refresh an OAuth token this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// New tokens in a row the API may refuse (401) before any request succeeds with one; then the
/// app fails with that reason instead of fetching tokens without end.
pub const MAX_REFUSED_TOKENS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("secret for {what}: {detail}")]
    Secret { what: String, detail: String },
    #[error("token endpoint {url}: {detail}")]
    Token { url: String, detail: String },
    #[error("{0}")]
    Config(String),
}

#[derive(Clone)]
pub struct CachedToken {
    value: Secret,
    expires_at: Instant,
    /// Which token this is (1 for the first fetched): a request that was refused knows which
    /// one it sent, so that it throws away only that one, never a newer one another request
    /// has just fetched.
    generation: u64,
}

/// How the tokens of one provider fared: the newest that a request succeeded with, and how many
/// new ones in a row were refused before any request succeeded with them.
#[derive(Debug, Default)]
pub struct TokenHealth {
    good: std::sync::atomic::AtomicU64,
    /// The newest token dropped after a 401 (requests refused with it, or an older one, wait for
    /// the next rather than dropping again).
    dropped: std::sync::atomic::AtomicU64,
    refused_in_a_row: std::sync::atomic::AtomicU32,
}

/// What the token endpoint said about the token (for coverage and credential observations).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenInfo {
    pub fetched: u32,
    pub expires_in_secs: Option<u64>,
    /// The response's `scope` (a string or, as BlueJeans sends it, an object): what the token
    /// may do, never a secret.
    pub scope: Option<serde_json::Value>,
}

/// What a refused request can do about its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Another request already fetched a newer token: retry with it.
    NewerExists,
    /// The refused token was dropped: the retry fetches a new one.
    Dropped,
    /// A fixed credential: a new one cannot be had.
    Impossible,
}

#[derive(Clone)]
pub enum AuthProvider {
    /// A fixed `Authorization` (or other) header value.
    Static { header: HeaderName, value: Secret },
    Oauth2 {
        token_url: String,
        client_id: String,
        grant: Grant,
        scope: Option<String>,
        cache: Arc<Mutex<Option<CachedToken>>>,
        info: Arc<Mutex<TokenInfo>>,
        health: Arc<TokenHealth>,
    },
}

impl std::fmt::Debug for AuthProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthProvider::Static { header, .. } => write!(f, "Static({header}: ***)"),
            AuthProvider::Oauth2 { token_url, client_id, .. } => write!(f, "Oauth2({token_url}, client {client_id}, secret ***)"),
        }
    }
}

fn resolve(what: &str, r: &crate::config::SecretRef) -> Result<Secret, AuthError> {
    r.resolve().map_err(|detail| AuthError::Secret { what: what.into(), detail })
}

impl AuthProvider {
    /// Builds the provider; `default_token_url` is the kind's token endpoint when the config names
    /// none; `style`: how that endpoint wants the client credentials.
    pub fn from_config(
        cfg: &AuthConfig,
        base_url: &str,
        default_token_url: Option<&str>,
        style: TokenStyle,
    ) -> Result<AuthProvider, AuthError> {
        Ok(match cfg {
            AuthConfig::Basic { username, password } => {
                let pw = resolve("auth.password", password)?;
                let raw = format!("{username}:{}", pw.expose());
                AuthProvider::Static {
                    header: AUTHORIZATION,
                    value: Secret::new(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))),
                }
            }
            AuthConfig::Bearer { token } => AuthProvider::Static {
                header: AUTHORIZATION,
                value: Secret::new(format!("Bearer {}", resolve("auth.token", token)?.expose())),
            },
            AuthConfig::AccessKey { key } => AuthProvider::Static {
                header: AUTHORIZATION,
                value: Secret::new(format!("AccessKey {}", resolve("auth.key", key)?.expose())),
            },
            AuthConfig::Header { name, value } => AuthProvider::Static {
                header: HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| AuthError::Config(format!("auth.name \"{name}\" is not a valid header name")))?,
                value: resolve("auth.value", value)?,
            },
            AuthConfig::Oauth2ClientCredentials { client_id, client_secret, token_url, scope } => {
                let grant = Grant::Secret { client_secret: resolve("auth.client_secret", client_secret)?, style };
                AuthProvider::oauth(token_url.clone(), base_url, default_token_url, client_id, grant, scope.clone())?
            }
            AuthConfig::Oauth2PrivateKeyJwt { client_id, private_key, key_id, certificate, token_url, scope } => {
                let pem = resolve("auth.private_key", private_key)?;
                let grant = Grant::client_assertion(pem, key_id.clone(), certificate.as_deref())
                    .map_err(|detail| AuthError::Secret { what: "auth.private_key".into(), detail })?;
                AuthProvider::oauth(token_url.clone(), base_url, default_token_url, client_id, grant, scope.clone())?
            }
            AuthConfig::GoogleServiceAccount { key, subject, scope } => {
                let json = resolve("auth.key", key)?;
                let (grant, token_uri, email) = Grant::google_service_account(&json, subject)
                    .map_err(|detail| AuthError::Secret { what: "auth.key".into(), detail })?;
                AuthProvider::oauth(token_uri, base_url, default_token_url, &email, grant, scope.clone())?
            }
            AuthConfig::Ssws { token } => AuthProvider::Static {
                header: AUTHORIZATION,
                value: Secret::new(format!("SSWS {}", resolve("auth.token", token)?.expose())),
            },
            AuthConfig::PsAuth { key, runas, password } => {
                // BeyondTrust Password Safe: `PS-Auth key=<key>; runas=<user>; pwd=[<password>];`
                let key = resolve("auth.key", key)?;
                let pwd = match password {
                    Some(p) => format!(" pwd=[{}];", resolve("auth.password", p)?.expose()),
                    None => String::new(),
                };
                AuthProvider::Static {
                    header: AUTHORIZATION,
                    value: Secret::new(format!("PS-Auth key={}; runas={runas};{pwd}", key.expose())),
                }
            }
        })
    }

    /// An OAuth provider: `token_url`, else the kind's token endpoint on `base_url`.
    fn oauth(
        token_url: Option<String>,
        base_url: &str,
        default_token_url: Option<&str>,
        client_id: &str,
        grant: Grant,
        scope: Option<String>,
    ) -> Result<AuthProvider, AuthError> {
        let url = match (token_url, default_token_url) {
            (Some(u), _) => u,
            (None, Some(path)) if path.starts_with("http") => path.to_string(),
            (None, Some(path)) => format!("{}{}", base_url.trim_end_matches('/'), path),
            (None, None) => return Err(AuthError::Config("auth.token_url is required for this kind".into())),
        };
        Ok(AuthProvider::Oauth2 {
            token_url: url,
            client_id: client_id.to_string(),
            grant,
            scope,
            cache: Arc::new(Mutex::new(None)),
            info: Arc::new(Mutex::new(TokenInfo::default())),
            health: Arc::new(TokenHealth::default()),
        })
    }

    /// The header to put on a request, fetching or refreshing a token when needed, and which
    /// token it carries (0 for a fixed credential).
    pub async fn header(&self, client: &reqwest::Client) -> Result<(HeaderName, HeaderValue, u64), AuthError> {
        match self {
            AuthProvider::Static { header, value } => Ok((header.clone(), sensitive(value.expose())?, 0)),
            AuthProvider::Oauth2 { .. } => {
                let (token, generation) = self.token(client).await?;
                Ok((AUTHORIZATION, sensitive(&format!("Bearer {}", token.expose()))?, generation))
            }
        }
    }

    /// Every secret value this provider sends, for redaction: the static header value and the
    /// credential inside it, or the client secret and the current access token.
    pub async fn secret_values(&self) -> Vec<String> {
        match self {
            AuthProvider::Static { value, .. } => {
                let v = value.expose();
                let mut out = vec![v.to_string()];
                if let Some((_, rest)) = v.split_once(' ') {
                    out.push(rest.to_string());
                }
                out
            }
            AuthProvider::Oauth2 { grant, cache, .. } => {
                let mut out = grant.secret_values();
                if let Some(t) = cache.lock().await.as_ref() {
                    out.push(t.value.expose().to_string());
                }
                out
            }
        }
    }

    /// The bare token, for APIs that take it as a query parameter (`?access_token=`), and which
    /// token it is.
    pub async fn query_token(&self, client: &reqwest::Client) -> Result<(Secret, u64), AuthError> {
        match self {
            AuthProvider::Oauth2 { .. } => self.token(client).await,
            AuthProvider::Static { value, .. } => {
                let v = value.expose();
                Ok((Secret::new(v.strip_prefix("Bearer ").unwrap_or(v)), 0))
            }
        }
    }

    /// After a 401 for a request that sent token `generation`: drop that token, so that the next
    /// request fetches a new one, unless another request already has (the newer token is kept:
    /// the refused request retries with it). An error when [`MAX_REFUSED_TOKENS`] new tokens in a
    /// row were refused before any request succeeded with one: the API does not accept this
    /// client's tokens.
    pub async fn invalidate(&self, generation: u64) -> Result<Renewal, AuthError> {
        use std::sync::atomic::Ordering;
        let AuthProvider::Oauth2 { cache, health, token_url, .. } = self else { return Ok(Renewal::Impossible) };
        let mut guard = cache.lock().await;
        match guard.as_ref() {
            Some(t) if t.generation > generation => return Ok(Renewal::NewerExists),
            None if health.dropped.load(Ordering::Acquire) >= generation => return Ok(Renewal::NewerExists),
            _ => {}
        }
        health.dropped.fetch_max(generation, Ordering::AcqRel);
        if health.good.load(Ordering::Acquire) < generation {
            // This token never worked: refused right after it was issued.
            let refused = health.refused_in_a_row.fetch_add(1, Ordering::AcqRel) + 1;
            if refused >= MAX_REFUSED_TOKENS {
                return Err(AuthError::Token {
                    url: token_url.clone(),
                    detail: format!(
                        "the API refused (HTTP 401) {refused} newly issued tokens in a row, each before any request succeeded with it: check that the API client may call this API (its grant, scope or role) and that the token endpoint belongs to this API"
                    ),
                });
            }
        }
        *guard = None;
        Ok(Renewal::Dropped)
    }

    /// A request succeeded with token `generation`: it works, and the count of refused new
    /// tokens starts again.
    pub fn confirm(&self, generation: u64) {
        use std::sync::atomic::Ordering;
        if let AuthProvider::Oauth2 { health, .. } = self {
            health.good.fetch_max(generation, Ordering::AcqRel);
            health.refused_in_a_row.store(0, Ordering::Release);
        }
    }

    pub async fn token_info(&self) -> Option<TokenInfo> {
        match self {
            AuthProvider::Oauth2 { info, .. } => Some(info.lock().await.clone()),
            AuthProvider::Static { .. } => None,
        }
    }

    /// The current token, fetched when there is none or it is about to expire. One fetch at a
    /// time: a request that finds another fetching waits for that token.
    async fn token(&self, client: &reqwest::Client) -> Result<(Secret, u64), AuthError> {
        let AuthProvider::Oauth2 { token_url, client_id, grant, scope, cache, info, .. } = self else {
            unreachable!("only OAuth providers have tokens")
        };
        let mut guard = cache.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires_at > Instant::now() + REFRESH_MARGIN {
                return Ok((t.value.clone(), t.generation));
            }
        }
        let secrets = grant.secret_values();
        let clean = |text: &str| secrets.iter().filter(|v| v.len() >= 4).fold(text.to_string(), |t, v| t.replace(v.as_str(), "***"));
        let err = |detail: String| AuthError::Token { url: token_url.clone(), detail };
        let form = grant.form(token_url, client_id, scope.as_deref()).map_err(err)?;
        let request = client.post(token_url).header(reqwest::header::ACCEPT, "application/json");
        let request = match grant {
            Grant::Secret { style: TokenStyle::Json, .. } => request
                .json(&form.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>()),
            Grant::Secret { style: TokenStyle::BasicForm, client_secret } => {
                let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{}", client_secret.expose()));
                let rest: Vec<_> = form.iter().filter(|(k, _)| *k != "client_id" && *k != "client_secret").collect();
                request
                    .header(
                        AUTHORIZATION,
                        sensitive(&format!("Basic {basic}")).map_err(|_| err("the client secret cannot be sent in a header".into()))?,
                    )
                    .form(&rest)
            }
            _ => request.form(&form),
        };
        // The cause chain says why (a TLS certificate from a private CA: set ca_file).
        let response = request.send().await.map_err(|e| err(format!("request failed: {}", clean(&super::body::transport_detail(e)))))?;
        let status = response.status();
        // A token response is small; a server that streams without end is cut off at 1 MB.
        let text = match super::body::read_capped(response, 1024 * 1024).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(super::body::BodyError::TooLarge) => return Err(err("the response is larger than 1 MB: not a token response".into())),
            Err(super::body::BodyError::Transport(e)) => return Err(err(format!("reading the response failed: {e}"))),
        };
        if !status.is_success() {
            return Err(err(format!("HTTP {status}: {} ({})", grant.check_hint(), crate::text::clip(&clean(&text), 200))));
        }
        let body: serde_json::Value = serde_json::from_str(&text).map_err(|_| err("the response is not JSON".into()))?;
        let access = body.get("access_token").and_then(|v| v.as_str()).ok_or_else(|| err("the response has no access_token".into()))?;
        let expires_in = body.get("expires_in").and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
        let lifetime = Duration::from_secs(expires_in.unwrap_or(3600).max(1));
        let token = Secret::new(access);
        let mut i = info.lock().await;
        i.fetched += 1;
        i.expires_in_secs = expires_in;
        i.scope = body.get("scope").filter(|s| !s.is_null()).cloned();
        let generation = u64::from(i.fetched);
        *guard = Some(CachedToken { value: token.clone(), expires_at: Instant::now() + lifetime, generation });
        Ok((token, generation))
    }
}

/// A header value marked sensitive (reqwest then keeps it out of its own `Debug` output).
fn sensitive(v: &str) -> Result<HeaderValue, AuthError> {
    let mut h =
        HeaderValue::from_str(v).map_err(|_| AuthError::Config("the secret contains characters not allowed in an HTTP header".into()))?;
    h.set_sensitive(true);
    Ok(h)
}
