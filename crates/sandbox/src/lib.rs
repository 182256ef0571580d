//! The sandbox: simulated app APIs on 127.0.0.1, seeded from tenant files, with faults.
//!
//! Each tenant file (`sample-data/tenants/<name>.json`) describes one app's tenant: its kind, the
//! credential the simulator accepts, its users, and optional faults. The simulators answer in the
//! shape of the guide and of the real service where they differ (selected by path), check auth,
//! and count every request (for rate-limit tests). Faults are per tenant: 429 bursts with and
//! without `Retry-After`, intermittent 5xx with HTML bodies, slow pages, token expiry, users
//! added or removed between pages, a wrong total, a row repeated across pages, a body cut short,
//! a page that always fails.
//!
//! A simulator is one file and one line in [`registry::SIMS`]: its [`SimApp`] (kinds, routes,
//! base URLs) and its kind's [`Part`] of a tenant file.
//!
//! Must not: listen anywhere but the address it is given (127.0.0.1 by default), or depend on the
//! network.

pub mod atlassian;
pub mod beyondtrust;
pub mod bluejeans;
pub mod entra;
pub mod faults;
pub mod google;
pub mod messagebird;
pub mod oauth;
pub mod okta;
pub mod scim;
pub mod tickets;

mod app;
mod fault_spec;
mod registry;
mod server;
mod sim;
mod state;

pub use app::{App, Part};
pub use faults::Faults;
pub use registry::{sim_of, SIMS};
pub use server::{load_tenants, Sandbox, SandboxError};
pub use sim::{parse_part, SimApp};
pub use state::{SandboxState, Tenant, TenantState, TenantStats};

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Tenant, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_tenant_file_is_the_shared_keys_and_its_kinds_own() {
        let t = parse(
            r#"{"kind": "scim", "secret": "s", "users": [{"id": "u1"}], "groups": [{"id": "g"}], "scim_quirks": {"no_total": true}}"#,
        )
        .unwrap();
        assert_eq!((t.kind(), t.secret.as_str(), t.users.len()), ("scim", "s", 1));
        assert_eq!(t.provider().groups.len(), 1);
        assert!(t.provider().scim_quirks.no_total);
        let t = parse(r#"{"kind": "jira_service_management", "secret": "s", "org_api_key": "k", "service_desks": [{"id": "1"}]}"#).unwrap();
        assert_eq!(t.site().org_api_key.as_deref(), Some("k"));
        assert!(t.provider().groups.is_empty(), "another kind's part is empty");
        assert_eq!(parse(r#"{"kind": "messagebird", "secret": "s"}"#).unwrap().kind(), "messagebird");
    }

    #[test]
    fn a_key_of_another_kind_an_unknown_key_or_kind_is_refused() {
        let e = parse(r#"{"kind": "messagebird", "secret": "s", "events": []}"#).unwrap_err();
        assert!(e.contains("unknown field `events`"), "{e}");
        let e = parse(r#"{"kind": "scim", "secret": "s", "sercet": "x"}"#).unwrap_err();
        assert!(e.contains("unknown field `sercet`"), "{e}");
        let e = parse(r#"{"kind": "nope", "secret": "s"}"#).unwrap_err();
        assert!(e.contains("unknown kind `nope`"), "{e}");
        let e = parse(r#"{"secret": "s"}"#).unwrap_err();
        assert!(e.contains("missing field `kind`"), "{e}");
    }
}
