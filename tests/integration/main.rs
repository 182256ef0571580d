//! The integration tests, linked into one test binary: every test file here is a module of it.
//!
//! One binary instead of one per file: each links the whole crate with polars (hundreds of MB in a
//! debug build), so separate binaries multiplied the build's disk use and link time.

mod common;

mod churn;
mod cli;
mod collect_beyondtrust;
mod collect_bluejeans;
mod collect_entra;
mod collect_google;
mod collect_jsm;
mod collect_okta;
mod collect_sandbox;
mod collect_scim;
mod engine;
mod hostile_input;
mod idp_roster;
mod new_kind;
mod readme;
mod remediate;
mod remind;
mod review_cycle;
mod tickets;
