//! The TOML configuration of SPEC §2: schema, validation and error positions.
//!
//! Owns: parsing `config.toml` into typed settings, refusing unknown keys and inline secrets, and
//! turning every problem into a [`ConfigError`] that names the file, the line, the key, what was
//! found and what was expected. Relative paths are resolved against the config file's directory.
//! Must not: read rosters or exports, resolve secrets (that happens only where they are used), or
//! print anything. toml's own error rendering quotes the offending line, which could hold a secret,
//! so errors are rebuilt here from the message and the position only.
//!
//! Files: `schema` (the sections that are not apps), `http` (the keys every API kind shares),
//! `kind` (what the parser asks of a kind: [`KindSet`], [`KindSchema`], [`OptionsAt`]; the kinds
//! themselves, with their options types, are the collectors' registry), `dates`, `secret`,
//! `positions` (lines and keys for errors). This module parses the app-independent parts and each
//! `[[apps]]` table's shared keys, then hands the rest to the app's kind.

mod app;
mod at;
mod dates;
mod error;
mod file;
mod http;
mod kind;
mod positions;
mod schema;
pub mod secret;
mod sod;

pub use app::AppConfig;
pub use at::OptionsAt;
pub use dates::ConfigDate;
pub use error::ConfigError;
pub use file::Config;
pub use http::{AuthConfig, HttpConfig};
pub use kind::{AppKind, AppOptions, KindOptions, KindSchema, KindSet};
pub use schema::{
    check_delimiter, Campaign, CampaignBy, CredentialConfig, Evidence, Identity, IdentityColumns, IdentitySource, IdpLink, JiraTickets,
    Notify, PathSection, Recommend, Review, RosterFormat, ServiceNowTickets, SmtpTls, TicketGrouping, Tickets,
};
pub use secret::{Secret, SecretRef};
pub use sod::{glob_matches, SodMatcher, SodRule, SodSide, DEFAULT_CONTROLS as SOD_DEFAULT_CONTROLS};

#[cfg(test)]
mod tests;
