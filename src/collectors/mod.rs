//! Collectors: one per app kind, and the registry that picks one for an app.
//!
//! A collector describes how to read one app and hands back a [`Collection`] (accounts,
//! entitlements, credential observations, coverage); the HTTP engine (`crate::http`) does auth,
//! retries, rate limits, paging, dedupe and counting. A collection problem (an API that fails,
//! throttles past its budget, or pages wrongly) is not an error here: it is coverage that says
//! `partial` or `failed`. An error is a configuration problem (an unreadable file, a missing
//! option or secret) and stops the run. Kinds whose collector has not been built yet are accepted
//! by the config parser and refused here, by name, before anything is collected.

pub mod beyondtrust;
pub mod bluejeans;
pub mod csv_export;
mod http_common;
pub mod jsm;
pub mod messagebird;
pub mod scim;

use crate::config::{AppConfig, AppKind, AppSource};
use crate::model::Collection;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("app {app}: {detail}")]
    Input { app: String, detail: String },
    #[error("app {app}: kind \"{kind}\" has no collector in this version of access-audit yet (supported now: {supported}); remove the app from the config or use --app to select others")]
    Unsupported { app: String, kind: AppKind, supported: String },
}

impl CollectError {
    /// The message without the app's name (for a line that names the app already).
    pub fn detail(&self) -> String {
        match self {
            CollectError::Input { detail, .. } => detail.clone(),
            CollectError::Unsupported { kind, supported, .. } => {
                format!("kind \"{kind}\" has no collector in this version of access-audit yet (supported now: {supported})")
            }
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

/// Kinds that can be collected by this build.
pub fn supported_kinds() -> Vec<AppKind> {
    vec![
        AppKind::Csv,
        AppKind::Messagebird,
        AppKind::JiraServiceManagement,
        AppKind::Bluejeans,
        AppKind::BluejeansEvents,
        AppKind::Beyondtrust,
        AppKind::Scim,
    ]
}

fn unsupported(app: &AppConfig) -> CollectError {
    CollectError::Unsupported {
        app: app.name.clone(),
        kind: app.kind,
        supported: supported_kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "),
    }
}

/// Refuses, before any work starts, the apps whose kind cannot be collected yet.
pub fn check_supported(apps: &[&AppConfig]) -> Result<(), CollectError> {
    match apps.iter().find(|a| !supported_kinds().contains(&a.kind)) {
        Some(app) => Err(unsupported(app)),
        None => Ok(()),
    }
}

/// Collects one app. Each app runs as its own task (API apps) or on a blocking thread (exports),
/// so that parsing the JSON of several apps uses every core, not only the one that drives the run.
pub async fn collect(app: &AppConfig) -> Result<Collection, CollectError> {
    collect_reporting(app, std::sync::Arc::default()).await
}

/// [`collect`], reporting into `progress` (the app's line of the progress display).
pub async fn collect_reporting(
    app: &AppConfig,
    progress: std::sync::Arc<crate::http::progress::AppProgress>,
) -> Result<Collection, CollectError> {
    let stopped = |name: &str, e: tokio::task::JoinError| CollectError::Input {
        app: name.to_string(),
        detail: format!("the collector stopped: {e}"),
    };
    let owned = app.clone();
    match &app.source {
        AppSource::Csv(cfg) => {
            let cfg = cfg.clone();
            tokio::task::spawn_blocking(move || csv_export::collect(&owned, &cfg)).await.unwrap_or_else(|e| Err(stopped(&app.name, e)))
        }
        _ => tokio::spawn(progress.scope(async move { collect_api(&owned).await })).await.unwrap_or_else(|e| Err(stopped(&app.name, e))),
    }
}

async fn collect_api(app: &AppConfig) -> Result<Collection, CollectError> {
    match &app.source {
        AppSource::Csv(_) => Err(unsupported(app)),
        AppSource::Messagebird { http, options } => messagebird::collect(app, http, options).await,
        AppSource::JiraServiceManagement { http, options } => jsm::collect(app, http, options).await,
        AppSource::Bluejeans { http, options } => bluejeans::collect(app, http, options).await,
        AppSource::BluejeansEvents { http, options } => bluejeans::collect_events(app, http, options).await,
        AppSource::Beyondtrust { http, options } => beyondtrust::collect(app, http, options).await,
        AppSource::Scim { http, options } => scim::collect(app, http, options).await,
    }
}

/// `check`: a look at one app's source: the export file, or one request to every endpoint kind
/// the collector will use (users, groups and their members, desks and customers, details, the
/// organization API...), each reported ok, not allowed (with what to grant) or not found.
pub async fn probe(app: &AppConfig) -> Result<Vec<EndpointCheck>, CollectError> {
    match &app.source {
        AppSource::Csv(cfg) => {
            let c = collect(app).await?;
            let outcome = match c.coverage.errors.first() {
                None => CheckOutcome::Ok(format!("{} account(s) readable", c.accounts.len())),
                Some(e) => CheckOutcome::Failed(format!(
                    "{} account(s) readable; {} row(s) unreadable: {e}",
                    c.accounts.len(),
                    c.coverage.errors.len()
                )),
            };
            Ok(vec![EndpointCheck { what: "export".into(), endpoint: cfg.path.display().to_string(), outcome }])
        }
        AppSource::Messagebird { http, options } => messagebird::probe(app, http, options).await,
        AppSource::JiraServiceManagement { http, options } => jsm::probe(app, http, options).await,
        AppSource::Bluejeans { http, options } => bluejeans::probe(app, http, options, false).await,
        AppSource::BluejeansEvents { http, options } => bluejeans::probe(app, http, options, true).await,
        AppSource::Beyondtrust { http, options } => beyondtrust::probe(app, http, options).await,
        AppSource::Scim { http, options } => scim::probe(app, http, options).await,
    }
}
