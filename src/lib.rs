//! access-audit: user-access reviews and compliance evidence from SaaS admin APIs, admin-console
//! exports and an HR/IdP roster.
//!
//! The pipeline runs one way (docs/src/architecture.md, its layers checked by
//! `scripts/module-graph.sh`): `collectors` -> `model::snapshot` -> `correlate` -> `findings` ->
//! `report`; `evidence` reads a pack back (review, diff) and `remediate` turns its decisions into
//! changes. `pipeline` strings the stages together for the commands.

pub mod collectors;
pub mod config;
pub mod correlate;
pub mod csvio;
pub mod dates;
pub mod evidence;
pub mod files;
pub mod findings;
pub mod http;
pub mod model;
pub mod notify;
pub mod pipeline;
pub mod remediate;
pub mod report;
pub mod roster;
pub mod signing;
pub mod text;
