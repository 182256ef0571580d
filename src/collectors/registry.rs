//! The kinds this build collects: one line each in [`KINDS`], a [`Collector`] and, where its API
//! can take access away, a [`Revoker`] registered beside it. The config parser reads the kinds
//! from [`REGISTRY`]; `collect`, `probe` and `remediate` find a kind's code through [`kind_of`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use super::collector::{CollectError, Collector, EndpointCheck};
use super::revoke::{ByHand, Revocation, RevokeTarget, Revoker};
use super::{beyondtrust, bluejeans, bluejeans_events, csv_export, entra, google_workspace, jsm, messagebird, okta, scim};
use crate::config::{AppConfig, AppKind, AppOptions, ConfigError, HttpConfig, KindSchema, KindSet, OptionsAt};
use crate::http::AppClient;
use crate::model::Collection;

/// Every kind this build collects, in the order the book lists them (docs/src/SUMMARY.md). Adding a kind: one line here.
pub static KINDS: &[&dyn Kind] = &[
    &Registered::<csv_export::Csv>::new(),
    &Registered::<messagebird::Messagebird, messagebird::Revoke>::new(),
    &Registered::<jsm::JiraServiceManagement, jsm::Revoke>::new(),
    &Registered::<bluejeans::Bluejeans, bluejeans::Revoke>::new(),
    &Registered::<bluejeans_events::BluejeansEvents, bluejeans_events::Revoke>::new(),
    &Registered::<beyondtrust::Beyondtrust, beyondtrust::Revoke>::new(),
    &Registered::<scim::Scim, scim::Revoke>::new(),
    &Registered::<okta::Okta, okta::Revoke>::new(),
    &Registered::<entra::Entra>::new(),
    &Registered::<google_workspace::GoogleWorkspace>::new(),
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

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A registered kind, whatever its options type.
pub trait Kind: KindSchema {
    fn collect<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Collection, CollectError>>;
    fn probe<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Vec<EndpointCheck>, CollectError>>;
    /// How one account decided `revoke` is taken away (the kind's [`Revoker`]).
    fn revocation(&self, app: &AppConfig, target: &RevokeTarget) -> Result<Revocation, CollectError>;
    /// The client `remediate --apply` sends the kind's plans with; `None`: never sent by the tool.
    fn revocation_client(&self, app: &AppConfig) -> Option<Result<AppClient, CollectError>>;
}

/// A [`Collector`], and its [`Revoker`] (by hand unless the kind has one), as a [`Kind`].
pub struct Registered<C: Collector, R = ByHand<<C as Collector>::Options>>(PhantomData<fn() -> (C, R)>);

impl<C: Collector, R: Revoker<Options = C::Options>> Default for Registered<C, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Collector, R: Revoker<Options = C::Options>> Registered<C, R> {
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

impl<C: Collector, R: Revoker<Options = C::Options>> KindSchema for Registered<C, R> {
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
    fn identity_provider(&self) -> bool {
        C::IDENTITY_PROVIDER
    }
    fn records_assignments(&self) -> bool {
        C::RECORDS_ASSIGNMENTS
    }
    fn parse_options(&self, keys: toml::Table, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<AppOptions, ConfigError> {
        let mut options: C::Options = at.deserialize(keys)?;
        C::check(&mut options, http, at)?;
        Ok(AppOptions::new(options))
    }
}

impl<C: Collector, R: Revoker<Options = C::Options>> Kind for Registered<C, R> {
    fn collect<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Collection, CollectError>> {
        Box::pin(async move {
            let mut collection = C::collect(app, Self::options(app)?).await?;
            // The kind's rules travel with what it collected, in the snapshot.
            collection.rules.max_credential_lifetime_days = C::MAX_CREDENTIAL_LIFETIME_DAYS;
            Ok(collection)
        })
    }
    fn probe<'a>(&'a self, app: &'a AppConfig) -> BoxFuture<'a, Result<Vec<EndpointCheck>, CollectError>> {
        Box::pin(async move { C::probe(app, Self::options(app)?).await })
    }
    fn revocation(&self, app: &AppConfig, target: &RevokeTarget) -> Result<Revocation, CollectError> {
        Ok(R::revocation(app, Self::options(app)?, target))
    }
    fn revocation_client(&self, app: &AppConfig) -> Option<Result<AppClient, CollectError>> {
        match Self::options(app) {
            Ok(options) => R::client(app, options),
            Err(e) => Some(Err(e)),
        }
    }
}

pub fn kind_of(app: &AppConfig) -> Result<&'static dyn Kind, CollectError> {
    REGISTRY.kind(app.kind).ok_or_else(|| CollectError::Input {
        app: app.name.clone(),
        detail: format!("kind \"{}\" has no collector in this build", app.kind),
    })
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
