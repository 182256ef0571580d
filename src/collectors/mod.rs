//! Collectors: one per app kind, and the registry that picks one for an app.
//!
//! A collector describes how to read one app and hands back a [`Collection`] (accounts,
//! entitlements, credential observations, coverage). Kinds whose collector has not been built yet
//! are accepted by the config parser and refused here, by name, before anything is collected.

pub mod csv_export;

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
    AppKind::ALL.into_iter().filter(|k| matches!(k, AppKind::Csv)).collect()
}

/// Refuses, before any work starts, the apps whose kind cannot be collected yet.
pub fn check_supported(apps: &[&AppConfig]) -> Result<(), CollectError> {
    let supported = supported_kinds();
    for app in apps {
        if !supported.contains(&app.kind) {
            return Err(CollectError::Unsupported {
                app: app.name.clone(),
                kind: app.kind,
                supported: supported.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// Collects one app.
pub fn collect(app: &AppConfig) -> Result<Collection, CollectError> {
    match &app.source {
        AppSource::Csv(cfg) => csv_export::collect(app, cfg),
        _ => Err(CollectError::Unsupported {
            app: app.name.clone(),
            kind: app.kind,
            supported: supported_kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}
