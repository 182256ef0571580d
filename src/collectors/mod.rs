//! Collectors: one per app kind, and the registry of kinds.
//!
//! A collector describes how to read one app and hands back a [`Collection`] (accounts,
//! entitlements, credential observations, coverage); the HTTP engine (`crate::http`) does auth,
//! retries, rate limits, paging, dedupe and counting. A collection problem (an API that fails,
//! throttles past its budget, or pages wrongly) is not an error here: it is coverage that says
//! `partial` or `failed`. An error is a configuration problem (an unreadable file, a missing
//! option or secret) and stops the run.
//!
//! A kind is one [`Collector`] (its name, its options type and their checks, `collect`, `probe`)
//! and one line in [`KINDS`]; the config parser reads the kinds from [`REGISTRY`].

pub mod beyondtrust;
pub mod bluejeans;
pub mod csv_export;
pub mod http_common;
pub mod jsm;
pub mod messagebird;
pub mod revoke;
pub mod scim;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{AppConfig, AppKind, AppOptions, ConfigError, HttpConfig, KindOptions, KindSchema, KindSet, OptionsAt};
use crate::http::AppClient;
use crate::model::Collection;
pub use revoke::{PlannedCall, Revocation, RevokeTarget};

/// Every kind this build collects, in the order the README lists them. Adding a kind: one line here.
pub static KINDS: &[&dyn Kind] = &[
    &Registered::<csv_export::Csv>::new(),
    &Registered::<messagebird::Messagebird>::new(),
    &Registered::<jsm::JiraServiceManagement>::new(),
    &Registered::<bluejeans::Bluejeans>::new(),
    &Registered::<bluejeans::BluejeansEvents>::new(),
    &Registered::<beyondtrust::Beyondtrust>::new(),
    &Registered::<scim::Scim>::new(),
];

/// The kinds, for the config parser: `Config::load(path, &collectors::REGISTRY)`.
pub static REGISTRY: Registry = Registry;

pub struct Registry;

impl KindSet for Registry {
    fn schemas(&self) -> Vec<&'static dyn KindSchema> {
        KINDS.iter().map(|k| *k as &'static dyn KindSchema).collect()
    }
}

impl Registry {
    /// The collector of a kind.
    pub fn kind(&self, kind: AppKind) -> Option<&'static dyn Kind> {
        KINDS.iter().copied().find(|k| k.kind() == kind)
    }
}

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
    /// The kind's options: a serde struct with `deny_unknown_fields` and its defaults.
    type Options: KindOptions + Clone + Serialize + DeserializeOwned;

    /// Checks the options beyond their types (values that go together, URLs, choices, the auth
    /// they need) and resolves their relative paths.
    fn check(options: &mut Self::Options, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError>;

    /// Collects one app.
    fn collect(app: &AppConfig, options: &Self::Options) -> impl Future<Output = Result<Collection, CollectError>> + Send;

    /// `check`: one request to every endpoint kind the collector uses (or a look at the file).
    fn probe(app: &AppConfig, options: &Self::Options) -> impl Future<Output = Result<Vec<EndpointCheck>, CollectError>> + Send;

    /// How one account decided `revoke` is disabled or removed through the API (`remediate`
    /// writes it as a plan); by default the kind has no API to do it with.
    fn revocation(_app: &AppConfig, _options: &Self::Options, _target: &RevokeTarget) -> Revocation {
        Revocation::manual("no API: disable the account in the app's admin console")
    }

    /// The client `remediate --apply` sends this kind's plan with; `None` (the default): the
    /// plan is never carried out by the tool.
    fn revocation_client(_app: &AppConfig, _options: &Self::Options) -> Option<Result<AppClient, CollectError>> {
        None
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A registered kind, whatever its options type.
pub trait Kind: KindSchema {
    fn collect<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Collection, CollectError>>;
    fn probe<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Vec<EndpointCheck>, CollectError>>;
    fn revocation(&self, app: &AppConfig, target: &RevokeTarget) -> Result<Revocation, CollectError>;
    fn revocation_client(&self, app: &AppConfig) -> Option<Result<AppClient, CollectError>>;
}

/// A [`Collector`] as a [`Kind`].
pub struct Registered<C>(PhantomData<fn() -> C>);

impl<C: Collector> Default for Registered<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Collector> Registered<C> {
    pub const fn new() -> Self {
        Registered(PhantomData)
    }

    fn options(app: &AppConfig) -> Result<&C::Options, CollectError> {
        app.options.get::<C::Options>().ok_or_else(|| CollectError::Input {
            app: app.name.clone(),
            detail: format!("its options are not those of kind \"{}\"", C::KIND),
        })
    }
}

impl<C: Collector> KindSchema for Registered<C> {
    fn kind(&self) -> AppKind {
        AppKind::new(C::KIND)
    }
    fn uses_http(&self) -> bool {
        C::USES_HTTP
    }
    fn secret_keys(&self) -> &'static [&'static str] {
        C::SECRET_KEYS
    }
    fn max_credential_lifetime_days(&self) -> Option<i64> {
        C::MAX_CREDENTIAL_LIFETIME_DAYS
    }
    fn parse_options(&self, keys: toml::Table, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<AppOptions, ConfigError> {
        let mut options: C::Options = at.deserialize(keys)?;
        C::check(&mut options, http, at)?;
        Ok(AppOptions::new(options))
    }
}

impl<C: Collector> Kind for Registered<C> {
    fn collect<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Collection, CollectError>> {
        Box::pin(async move { C::collect(app, Self::options(app)?).await })
    }
    fn probe<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Vec<EndpointCheck>, CollectError>> {
        Box::pin(async move { C::probe(app, Self::options(app)?).await })
    }
    fn revocation(&self, app: &AppConfig, target: &RevokeTarget) -> Result<Revocation, CollectError> {
        Ok(C::revocation(app, Self::options(app)?, target))
    }
    fn revocation_client(&self, app: &AppConfig) -> Option<Result<AppClient, CollectError>> {
        match Self::options(app) {
            Ok(options) => C::revocation_client(app, options),
            Err(e) => Some(Err(e)),
        }
    }
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

pub fn kind_of(app: &AppConfig) -> Result<&'static dyn Kind, CollectError> {
    REGISTRY.kind(app.kind).ok_or_else(|| CollectError::Input {
        app: app.name.clone(),
        detail: format!("kind \"{}\" has no collector in this build", app.kind),
    })
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

/// Collects one app, as its own task (parsing the JSON of several apps uses every core, not only
/// the one that drives the run; a kind that reads a file does so on a blocking thread).
pub async fn collect(app: &AppConfig) -> Result<Collection, CollectError> {
    collect_reporting(app, std::sync::Arc::default()).await
}

/// [`collect`], reporting into `progress` (the app's line of the progress display).
pub async fn collect_reporting(
    app: &AppConfig,
    progress: std::sync::Arc<crate::http::progress::AppProgress>,
) -> Result<Collection, CollectError> {
    let kind = kind_of(app)?;
    let owned = app.clone();
    tokio::spawn(progress.scope(async move { kind.collect(&owned).await }))
        .await
        .unwrap_or_else(|e| Err(CollectError::Input { app: app.name.clone(), detail: format!("the collector stopped: {e}") }))
}

/// `check`: a look at one app's source: the export file, or one request to every endpoint kind
/// the collector will use (users, groups and their members, desks and customers, details, the
/// organization API...), each reported ok, not allowed (with what to grant) or not found.
pub async fn probe(app: &AppConfig) -> Result<Vec<EndpointCheck>, CollectError> {
    kind_of(app)?.probe(app).await
}
