//! Collectors: one per app kind, and the registry of kinds.
//!
//! A collector describes how to read one app and hands back a [`Collection`](crate::model::Collection)
//! (accounts, entitlements, credential observations, coverage); the HTTP engine (`crate::http`)
//! does auth, retries, rate limits, paging, dedupe and counting. A collection problem (an API that
//! fails, throttles past its budget, or pages wrongly) is not an error here: it is coverage that
//! says `partial` or `failed`. An error is a configuration problem (an unreadable file, a missing
//! option or secret) and stops the run.
//!
//! A kind is a directory (`<kind>/`: its options, what it reads, its revocation plan) and one
//! line in [`registry::KINDS`]. Collectors only read; a [`Revoker`] only describes the calls that
//! would take access away (`remediate` sends them).

pub mod beyondtrust;
pub mod bluejeans;
pub mod bluejeans_events;
pub mod collector;
pub mod csv_export;
pub mod entra;
pub mod google_workspace;
pub mod http_common;
pub mod jsm;
pub mod messagebird;
pub mod okta;
pub mod registry;
pub mod revoke;
pub mod scim;

pub use collector::{http_of, ApiCollector, CheckOutcome, CollectError, Collector, EndpointCheck};
pub use registry::{collect, collect_reporting, kind_of, probe, Kind, Registered, Registry, KINDS, REGISTRY};
pub use revoke::{ByHand, PlannedCall, Revocation, RevokeTarget, Revoker};
