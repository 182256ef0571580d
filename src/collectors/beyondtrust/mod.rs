//! Kind `beyondtrust`, three API flavours (config `flavor`, API-NOTES §3). Appliances usually
//! present certificates from a private CA: `ca_file` trusts it (the engine names that option in
//! every certificate error).
//!
//! - `public_v3` (the guide): OAuth2 client credentials at `{base_url}/oauth2/token` (3600 s),
//!   `GET /api/public/v3/users?offset&limit` (`{users, total}`), `GET /api/public/v3/groups`;
//!   `enabled`, `last_login`, `group_memberships` (group ids, named through the groups list).
//! - `config_api` (Remote Support / Privileged Remote Access): the token request carries the client
//!   credentials as Basic auth; `GET /api/config/v1/user?per_page=100&current_page=N`, numbered
//!   pages that end where the `Link` header has no `rel="next"` (`X-BT-Pagination-Total` lets
//!   them be read concurrently and checked; a list that changes is read again), a bare array;
//!   `perm_admin` and the
//!   other `perm_*` flags, `last_authentication`, `created_at`; optionally each user's group
//!   policies. The documented limit is 20 requests/s per API account (the default here), and the
//!   connection is closed after each call as the API asks.
//! - `password_safe` (BeyondInsight / Password Safe): `POST Auth/SignAppin` with the `PS-Auth`
//!   header (or, with `oauth2_client_credentials`, a Bearer token from `POST Auth/connect/token`)
//!   opens a session (its cookie goes with every later call), `GET Users?includeInactive=true`
//!   (a bare array, unpaged), `GET UserGroups` and each group's users; `POST Auth/Signout` at the
//!   end, also after an error.
//!
//! Admins: `perm_admin` (or the configured `admin_roles` flags) in `config_api`; membership of an
//! admin group (configured `admin_groups`, default "Administrators") in every flavour.

mod accounts;
mod collect;
mod config_api;
mod options;
mod password_safe;
mod probe;
mod public_v3;
mod revoke;
#[cfg(test)]
mod tests;

pub use accounts::auth_source_of;
pub use collect::collect;
pub use config_api::{api_permissions, pra_account, ApiPermissions, API_INFO, CONFIGURATION_WRITES};
pub use options::{BeyondtrustFlavor, BeyondtrustOptions};
pub use password_safe::ps_account;
pub use probe::probe;
pub use public_v3::v3_account;
pub use revoke::Revoke;

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `beyondtrust`.
pub struct Beyondtrust;

impl ApiCollector for Beyondtrust {
    const KIND: &'static str = "beyondtrust";
    type Options = BeyondtrustOptions;

    fn check(options: &mut BeyondtrustOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        options::check(options, http, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &BeyondtrustOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &BeyondtrustOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http, options).await
    }
}
