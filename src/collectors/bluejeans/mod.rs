//! Kind `bluejeans` (API-NOTES §2; the service was shut down in 2024, so this is for archived
//! tenants and replicas, built from the official swagger and the guides); its users, options and
//! OAuth client are those `bluejeans_events` reads too.
//!
//! OAuth2 client credentials at `{base_url}/oauth2/token` (a JSON body; the token's
//! `expires_in` is recorded; it is refreshed before it expires and after a 401; with
//! `token_in_query` it travels as `?access_token=`, which no message ever shows). Users from
//! `GET /v1/enterprise/{enterprise_id}/users?pageSize&pageNumber`: flavour `api` (the swagger:
//! 1-based pages, `{count, user: [...]}`, `email`) or `guide` (0-based pages, `{count, users:
//! [...]}`, `emailId`); either wrapper key is accepted in both. Per-user details where the list
//! lacks the admin flag (`user_details = "auto"`), or for every user (`"always"`, which also
//! gives last login): flavour `api` reads `/v1/user/{id}/enterprise_profile` (admin, join date)
//! and, for last login, `/v1/user/{id}`; flavour `guide` reads `/v1/enterprise/{id}/users/{id}`.
//! `isEnterpriseAdmin` -> admin; `isModeratorLess` -> a `permission` entitlement;
//! `enterpriseJoinDate` -> `created_at`; `lastLogin` -> `last_login_at` (epoch milliseconds as the
//! swagger says, or seconds as the guide's "Unix timestamp": told apart by magnitude). A user
//! without an email is a meeting room or room system: a `service` account.

mod options;
mod probe;
mod revoke;
#[cfg(test)]
mod tests;
mod users;

pub use options::{check_options, BluejeansFlavor, BluejeansOptions, UserDetails, DEFAULTS};
pub use probe::probe_users;
pub use revoke::Revoke;
pub use users::{
    client, collect, enterprise_users, flag, millis, oauth_credential, user_account, user_entitlements, user_id, users_client, users_spec,
};

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `bluejeans`: the Meetings API's enterprise users.
pub struct Bluejeans;

impl ApiCollector for Bluejeans {
    const KIND: &'static str = "bluejeans";
    const SECRET_KEYS: &'static [&'static str] = &["registration_client_secret"];
    type Options = BluejeansOptions;

    fn check(options: &mut BluejeansOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        check_options(options, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &BluejeansOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    /// `check`: the users list, the token's scope, a user's details.
    async fn probe(app: &AppConfig, http: &HttpConfig, options: &BluejeansOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
        let users = client(app, http, options, &DEFAULTS)?.with_policy(policy);
        Ok(probe_users(&users, http, options).await.0)
    }
}
