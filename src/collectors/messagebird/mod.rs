//! Kind `messagebird`, both flavours (config `flavor`):
//!
//! - `messagebird` (the guide): `GET {base_url}/users?offset&limit` (limit up to 100) with
//!   `Authorization: AccessKey`, `{offset, limit, count, totalCount, items}`, user `status`
//!   invited / active / suspended and `role`;
//! - `bird` (the current API, API-NOTES §4): `GET {base_url}/organizations/{organization_id}/users`
//!   with `limit` (1-100) and `pageToken` / `nextPageToken`, no total, memberships whose user is
//!   `pending` until the invitation is accepted.
//!
//! Neither reports last login. The access key's expiry is not reported either: it is known only
//! when the config's `credential.expires` states it.

mod options;
mod read;
mod revoke;

pub use options::{MessagebirdFlavor, MessagebirdOptions, DEFAULTS};
pub use read::{bird_account, collect, guide_account, list_spec, probe};
pub use revoke::Revoke;

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `messagebird`.
pub struct Messagebird;

impl ApiCollector for Messagebird {
    const KIND: &'static str = "messagebird";
    type Options = MessagebirdOptions;

    fn check(_: &mut MessagebirdOptions, _: Option<&HttpConfig>, _: &OptionsAt) -> Result<(), ConfigError> {
        Ok(())
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &MessagebirdOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &MessagebirdOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http, options).await
    }
}
