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
        _ => tokio::spawn(async move { collect_api(&owned).await }).await.unwrap_or_else(|e| Err(stopped(&app.name, e))),
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

/// `check`: a quick look at one app's source (the file; or one request to the API).
pub async fn probe(app: &AppConfig) -> Result<String, CollectError> {
    match &app.source {
        AppSource::Csv(_) => {
            let c = collect(app).await?;
            let mut line = format!("{} account(s) readable", c.accounts.len());
            if let Some(e) = c.coverage.errors.first() {
                line.push_str(&format!("; {} row(s) unreadable: {e}", c.coverage.errors.len()));
            }
            Ok(line)
        }
        AppSource::Messagebird { http, options } => messagebird::probe(app, http, options).await,
        AppSource::JiraServiceManagement { http, options } => jsm::probe(app, http, options).await,
        AppSource::Bluejeans { http, options } => bluejeans::probe(app, http, options, false).await,
        AppSource::BluejeansEvents { http, options } => bluejeans::probe(app, http, options, true).await,
        AppSource::Beyondtrust { http, options } => beyondtrust::probe(app, http, options).await,
        AppSource::Scim { http, options } => scim::probe(app, http, options).await,
    }
}
