//! What one simulator is: the kinds it serves, how it reads their part of a tenant file, its
//! routes, and the URLs a tenant of it is served at.

use std::sync::Arc;

use axum::Router;

use super::app::App;
use super::state::{SandboxState, Tenant};

/// One simulated product (one file of this crate), registered in [`super::registry::SIMS`].
pub trait SimApp: Sync {
    /// The kinds it serves, as in a tenant file and the config.
    fn kinds(&self) -> &'static [&'static str];

    /// The kind's own part of a tenant file (the shared keys taken out).
    fn parse(&self, kind: &'static str, own: serde_json::Map<String, serde_json::Value>) -> Result<App, String>;

    /// Its routes (every path starts with its own prefix and the tenant's name).
    fn routes(&self, state: Arc<SandboxState>) -> Router;

    /// Every base URL a tenant is served at, one per flavour, with what to set beside it;
    /// `base(prefix)` is the tenant's URL under a path prefix.
    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String>;
}

/// A kind's part read from its tenant file keys.
pub fn parse_part<P: super::app::Part + serde::de::DeserializeOwned>(
    kind: &'static str,
    own: serde_json::Map<String, serde_json::Value>,
) -> Result<App, String> {
    let part: P = serde_json::from_value(serde_json::Value::Object(own)).map_err(|e| e.to_string())?;
    Ok(App::with_kind(kind, part))
}
