//! The connection settings every API kind shares: base URL, auth, limits.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::at::OptionsAt;
use super::error::ConfigError;
use super::secret::SecretRef;

/// Authentication of an HTTP app. Every secret is a [`SecretRef`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    Basic {
        username: String,
        password: SecretRef,
    },
    Bearer {
        token: SecretRef,
    },
    AccessKey {
        key: SecretRef,
    },
    Oauth2ClientCredentials {
        client_id: String,
        client_secret: SecretRef,
        token_url: Option<String>,
        scope: Option<String>,
    },
    Header {
        name: String,
        value: SecretRef,
    },
    PsAuth {
        key: SecretRef,
        runas: String,
        password: Option<SecretRef>,
    },
    /// Okta API token: `Authorization: SSWS <token>`.
    Ssws {
        token: SecretRef,
    },
    /// OAuth 2.0 client credentials proven with a signed assertion instead of a secret
    /// (RFC 7523 `private_key_jwt`): an Okta service app's key (`key_id` is its `kid`), or an
    /// Entra app's certificate (`certificate`: its PEM, whose thumbprint goes in the `x5t`).
    Oauth2PrivateKeyJwt {
        client_id: String,
        private_key: SecretRef,
        key_id: Option<String>,
        certificate: Option<PathBuf>,
        token_url: Option<String>,
        scope: Option<String>,
    },
    /// A Google service account's JSON key, impersonating `subject` (domain-wide delegation):
    /// the RFC 7523 JWT bearer grant at the key's `token_uri`.
    GoogleServiceAccount {
        key: SecretRef,
        subject: String,
        scope: Option<String>,
    },
}

impl AuthConfig {
    pub fn secrets(&self) -> Vec<&SecretRef> {
        match self {
            AuthConfig::Basic { password, .. } => vec![password],
            AuthConfig::Bearer { token } => vec![token],
            AuthConfig::AccessKey { key } => vec![key],
            AuthConfig::Oauth2ClientCredentials { client_secret, .. } => vec![client_secret],
            AuthConfig::Header { value, .. } => vec![value],
            AuthConfig::PsAuth { key, password, .. } => std::iter::once(key).chain(password.as_ref()).collect(),
            AuthConfig::Ssws { token } => vec![token],
            AuthConfig::Oauth2PrivateKeyJwt { private_key, .. } => vec![private_key],
            AuthConfig::GoogleServiceAccount { key, .. } => vec![key],
        }
    }

    pub fn secrets_mut(&mut self) -> Vec<&mut SecretRef> {
        match self {
            AuthConfig::Basic { password, .. } => vec![password],
            AuthConfig::Bearer { token } => vec![token],
            AuthConfig::AccessKey { key } => vec![key],
            AuthConfig::Oauth2ClientCredentials { client_secret, .. } => vec![client_secret],
            AuthConfig::Header { value, .. } => vec![value],
            AuthConfig::PsAuth { key, password, .. } => {
                let mut v = vec![key];
                if let Some(p) = password {
                    v.push(p);
                }
                v
            }
            AuthConfig::Ssws { token } => vec![token],
            AuthConfig::Oauth2PrivateKeyJwt { private_key, .. } => vec![private_key],
            AuthConfig::GoogleServiceAccount { key, .. } => vec![key],
        }
    }
}

/// Connection settings shared by every HTTP kind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub base_url: String,
    pub auth: AuthConfig,
    /// PEM file of a private CA to trust (appliances with their own certificates).
    pub ca_file: Option<PathBuf>,
    /// Turns TLS verification off. Only when set explicitly; loudly reported.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    pub requests_per_second: Option<f64>,
    /// At most this many requests in any hour (0: no hourly limit).
    pub requests_per_hour: Option<u32>,
    pub concurrency: Option<u32>,
    pub page_size: Option<u32>,
    pub timeout_seconds: Option<u64>,
    pub max_attempts: Option<u32>,
    pub max_collect_seconds: Option<u64>,
    /// How many times a list that changes while it is read may be read (default 10).
    pub max_list_passes: Option<u32>,
    /// The largest response body read, in MB (default 256): a server that streams without end
    /// fails that page instead of exhausting memory.
    pub max_response_mb: Option<u64>,
}

/// The keys of [`HttpConfig`], taken out of an API app's table before its kind sees the rest.
pub(super) const HTTP_KEYS: [&str; 13] = [
    "base_url",
    "auth",
    "ca_file",
    "insecure_skip_verify",
    "requests_per_second",
    "requests_per_hour",
    "concurrency",
    "page_size",
    "timeout_seconds",
    "max_attempts",
    "max_collect_seconds",
    "max_list_passes",
    "max_response_mb",
];

impl HttpConfig {
    /// A connection to `base_url` with the engine's defaults for everything but how it signs in
    /// (a service that is not an app, e.g. a ticket desk).
    pub fn connection(base_url: &str, auth: AuthConfig, ca_file: Option<PathBuf>) -> HttpConfig {
        HttpConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            ca_file,
            insecure_skip_verify: false,
            requests_per_second: None,
            requests_per_hour: None,
            concurrency: None,
            page_size: None,
            timeout_seconds: None,
            max_attempts: None,
            max_collect_seconds: None,
            max_list_passes: None,
            max_response_mb: None,
        }
    }

    /// Parses and checks the shared keys of an API app.
    pub(super) fn parse(keys: toml::Table, at: &OptionsAt) -> Result<HttpConfig, ConfigError> {
        let mut cfg: HttpConfig = at.deserialize(keys)?;
        for s in cfg.auth.secrets_mut() {
            at.rebase_secret(Some(s));
        }
        cfg.ca_file = cfg.ca_file.map(|p| at.rebase(&p));
        if let AuthConfig::Oauth2PrivateKeyJwt { certificate: Some(c), .. } = &mut cfg.auth {
            *c = at.rebase(c);
        }
        if !(cfg.base_url.starts_with("https://") || cfg.base_url.starts_with("http://")) {
            return Err(at.error("base_url", format!("found \"{}\", expected an http(s):// URL", cfg.base_url)));
        }
        if let Some(r) = cfg.requests_per_second {
            if r.is_nan() || r <= 0.0 {
                return Err(at.error("requests_per_second", format!("found {r}, expected a number above 0")));
            }
        }
        Ok(cfg)
    }
}
