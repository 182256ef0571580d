//! What a collector is: the [`Collector`] trait (a kind's name, options and their checks,
//! `collect` and `probe`), its API flavour [`ApiCollector`] (the app's connection settings handed
//! over, once, here), and what collecting can say back: [`CollectError`] for a configuration
//! problem, [`EndpointCheck`] for `check`. A collector only reads; taking access away is a
//! [`super::revoke::Revoker`]'s to describe and `remediate`'s to send.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{AppConfig, ConfigError, HttpConfig, KindOptions, OptionsAt};
use crate::model::Collection;

/// One app kind: how its options are written and checked, and how it is collected and probed.
pub trait Collector: Send + Sync + 'static {
    /// The kind's name in the config (`kind = "..."`).
    const KIND: &'static str;
    /// Whether the kind reads an API (and so takes the shared HTTP keys); false: it reads a file.
    const USES_HTTP: bool = true;
    /// Option keys that hold secrets (refused when written inline).
    const SECRET_KEYS: &'static [&'static str] = &[];
    /// Longest lifetime the app allows for the credential the collector uses (SPEC §6).
    const MAX_CREDENTIAL_LIFETIME_DAYS: Option<i64> = None;
    /// An identity provider: its users are people (`[identity] source` may name it).
    const IDENTITY_PROVIDER: bool = false;
    /// It records which of its applications each user is assigned (`app_assignment`
    /// entitlements): another app's `idp` may link to one of them.
    const RECORDS_ASSIGNMENTS: bool = false;
    /// The kind's options: a serde struct with `deny_unknown_fields` and its defaults.
    type Options: KindOptions + Clone + Serialize + DeserializeOwned;

    /// Checks the options beyond their types (values that go together, URLs, choices, the auth
    /// they need) and resolves their relative paths.
    fn check(options: &mut Self::Options, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError>;

    /// Collects one app.
    fn collect(app: &AppConfig, options: &Self::Options) -> impl Future<Output = Result<Collection, CollectError>> + Send;

    /// `check`: one request to every endpoint kind the collector uses (or a look at the file).
    fn probe(app: &AppConfig, options: &Self::Options) -> impl Future<Output = Result<Vec<EndpointCheck>, CollectError>> + Send;
}

/// A kind that reads an API: [`Collector`] with the app's connection settings (`base_url`, auth,
/// limits) handed to `collect` and `probe`, so no kind looks them up itself.
pub trait ApiCollector: Send + Sync + 'static {
    const KIND: &'static str;
    const SECRET_KEYS: &'static [&'static str] = &[];
    const MAX_CREDENTIAL_LIFETIME_DAYS: Option<i64> = None;
    const IDENTITY_PROVIDER: bool = false;
    const RECORDS_ASSIGNMENTS: bool = false;
    type Options: KindOptions + Clone + Serialize + DeserializeOwned;

    fn check(options: &mut Self::Options, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError>;

    fn collect(
        app: &AppConfig,
        http: &HttpConfig,
        options: &Self::Options,
    ) -> impl Future<Output = Result<Collection, CollectError>> + Send;

    fn probe(
        app: &AppConfig,
        http: &HttpConfig,
        options: &Self::Options,
    ) -> impl Future<Output = Result<Vec<EndpointCheck>, CollectError>> + Send;
}

impl<T: ApiCollector> Collector for T {
    const KIND: &'static str = T::KIND;
    const SECRET_KEYS: &'static [&'static str] = T::SECRET_KEYS;
    const MAX_CREDENTIAL_LIFETIME_DAYS: Option<i64> = T::MAX_CREDENTIAL_LIFETIME_DAYS;
    const IDENTITY_PROVIDER: bool = T::IDENTITY_PROVIDER;
    const RECORDS_ASSIGNMENTS: bool = T::RECORDS_ASSIGNMENTS;
    type Options = T::Options;

    fn check(options: &mut Self::Options, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        T::check(options, http, at)
    }

    async fn collect(app: &AppConfig, options: &Self::Options) -> Result<Collection, CollectError> {
        T::collect(app, http_of(app)?, options).await
    }

    async fn probe(app: &AppConfig, options: &Self::Options) -> Result<Vec<EndpointCheck>, CollectError> {
        T::probe(app, http_of(app)?, options).await
    }
}

/// The connection settings of an API app (the config gives every API kind some).
pub fn http_of(app: &AppConfig) -> Result<&HttpConfig, CollectError> {
    app.http().ok_or_else(|| CollectError::Input { app: app.name.clone(), detail: "has no connection settings (base_url, auth)".into() })
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("app {app}: {detail}")]
    Input { app: String, detail: String },
}

impl CollectError {
    /// The message without the app's name (for a line that names the app already).
    pub fn detail(&self) -> String {
        match self {
            CollectError::Input { detail, .. } => detail.clone(),
        }
    }
}

/// One endpoint a collection needs, as `check` found it with one request.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointCheck {
    /// What it serves, for a reader: "users", "members of group jira-administrators".
    pub what: String,
    /// The method and path asked (never a query: it can hold a token).
    pub endpoint: String,
    pub outcome: CheckOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Answered; what it said (a total, a count).
    Ok(String),
    /// Refused (403): the permission or scope to grant.
    NotAllowed(String),
    /// 404: an id or path that does not exist.
    NotFound(String),
    /// Anything else (401, unreachable, unexpected answer).
    Failed(String),
    /// Not asked, and why (nothing to ask about: no group, no desk, no registration key).
    NotChecked(String),
}

impl EndpointCheck {
    /// Whether the endpoint can be read (or there was nothing to ask it).
    pub fn is_ok(&self) -> bool {
        matches!(self.outcome, CheckOutcome::Ok(_) | CheckOutcome::NotChecked(_))
    }

    /// One line for `check`.
    pub fn line(&self) -> String {
        let (word, detail) = match &self.outcome {
            CheckOutcome::Ok(d) => ("ok", d),
            CheckOutcome::NotAllowed(d) => ("NOT ALLOWED", d),
            CheckOutcome::NotFound(d) => ("NOT FOUND", d),
            CheckOutcome::Failed(d) => ("FAILED", d),
            CheckOutcome::NotChecked(d) => ("not checked", d),
        };
        let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
        format!("{}: {word} ({}){detail}", self.what, self.endpoint)
    }
}
