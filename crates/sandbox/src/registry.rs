//! The simulators of this sandbox, one line each, and how a tenant file finds its kind's.

use serde::Deserialize;

use super::sim::SimApp;
use super::state::{Shared, Tenant};
use super::{atlassian, beyondtrust, bluejeans, entra, google, messagebird, okta, scim, tickets};

/// Every simulated kind. Adding a kind: its simulator file and one line here.
pub static SIMS: &[&dyn SimApp] = &[
    &messagebird::Sim,
    &atlassian::Sim,
    &bluejeans::Sim,
    &beyondtrust::Sim,
    &scim::Sim,
    &okta::Sim,
    &entra::Sim,
    &google::Sim,
    &tickets::Sim,
];

/// A tenant file is one JSON object: `kind`, the shared keys, and the kind's own keys (read by
/// its simulator); an unknown key, or a key of another kind, is an error.
impl<'de> Deserialize<'de> for Tenant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut own = serde_json::Map::deserialize(d)?;
        // The shared keys are the fields of `Shared` (no hand-kept list to drift from them).
        let names = match serde_json::to_value(Shared::default()) {
            Ok(serde_json::Value::Object(m)) => m.into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let shared: serde_json::Map<String, serde_json::Value> = names.iter().filter_map(|k| own.remove_entry(k)).collect();
        let shared: Shared = serde_json::from_value(serde_json::Value::Object(shared)).map_err(D::Error::custom)?;
        let kind = own.remove("kind").ok_or_else(|| D::Error::custom("missing field `kind`"))?;
        let kind = kind.as_str().ok_or_else(|| D::Error::custom("`kind` is not a string"))?.to_string();
        let Some((sim, kind)) = SIMS.iter().find_map(|s| s.kinds().iter().find(|k| **k == kind).map(|k| (*s, *k))) else {
            let known: Vec<&str> = SIMS.iter().flat_map(|s| s.kinds().iter().copied()).collect();
            return Err(D::Error::custom(format!("unknown kind `{kind}`, expected one of {}", known.join(", "))));
        };
        let app = sim.parse(kind, own).map_err(D::Error::custom)?;
        let Shared { secret, organization_id, users, faults, oauth_client_id, username, token_scope } = shared;
        Ok(Tenant { secret, organization_id, users, faults, oauth_client_id, username, token_scope, app })
    }
}

/// The simulator of a kind.
pub fn sim_of(kind: &str) -> Option<&'static dyn SimApp> {
    SIMS.iter().copied().find(|s| s.kinds().contains(&kind))
}
