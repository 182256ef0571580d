//! Kind `okta`: an Okta org through its management API (v1), as the identity provider every
//! other app is reviewed against, and as an app in its own right.
//!
//! Read: `/api/v1/users` (every status: the plain list leaves deprovisioned users out, so they
//! are a second list, `filter=status eq "DEPROVISIONED"`), each signing-in user's
//! `/users/{id}/factors` (the second factor), the administrators (`/iam/assignees/users`, then
//! each one's `/users/{id}/roles`), `/groups` and `/groups/{id}/users`, `/apps` with
//! `/apps/{id}/users` (`scope` USER: assigned directly, GROUP: through a group) and
//! `/apps/{id}/groups`, and `/api-tokens`. Every list is paged by the `Link: <...>; rel="next"`
//! header only (Okta's cursor); every endpoint's own limit (`X-Rate-Limit-Remaining` /
//! `-Reset`) is respected before it answers 429.
//!
//! Mapping: ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY -> active; STAGED, PROVISIONED ->
//! invited; SUSPENDED -> suspended; DEPROVISIONED -> deactivated. `profile.email` (else an
//! address-shaped `login`), `secondEmail`, `employeeNumber`, `department`, `managerId` (an
//! address, or a user's id, login or employee number) -> the manager's address; `lastLogin`;
//! `credentials.provider.type` -> how the user signs in. Any administrator role makes an admin
//! (the role named); groups -> `group` entitlements (admin when in `admin_groups`); assignments
//! -> `app_assignment` entitlements `<app id> · <label> · direct` or `· via group <name>`; an
//! enrolled (ACTIVE) factor -> `mfa`. API tokens are credentials (owner, expiry).
//!
//! Auth: `ssws` (an API token) or `oauth2_private_key_jwt` (a service app proving its key; Okta
//! takes no client secret for its management scopes), asking for the read scopes.

mod options;
mod probe;
mod read;
mod revoke;

pub use options::{default_scope, OktaOptions, DEFAULTS, SCOPES};
pub use read::{assignment_value, collect, user_account};
pub use revoke::Revoke;

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `okta`.
pub struct Okta;

/// The connection settings with the read scopes asked for when the config names none.
fn with_scope(http: &HttpConfig) -> HttpConfig {
    let mut http = http.clone();
    if let AuthConfig::Oauth2PrivateKeyJwt { scope: scope @ None, .. } = &mut http.auth {
        *scope = Some(default_scope());
    }
    http
}

impl ApiCollector for Okta {
    const KIND: &'static str = "okta";
    const IDENTITY_PROVIDER: bool = true;
    const RECORDS_ASSIGNMENTS: bool = true;
    type Options = OktaOptions;

    fn check(options: &mut OktaOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        if let Some(HttpConfig {
            auth:
                AuthConfig::Oauth2ClientCredentials { .. }
                | AuthConfig::Basic { .. }
                | AuthConfig::AccessKey { .. }
                | AuthConfig::PsAuth { .. }
                | AuthConfig::GoogleServiceAccount { .. },
            ..
        }) = http
        {
            return Err(at.error(
                "auth",
                "Okta takes an API token (type = \"ssws\") or a service app's signed assertion (type = \"oauth2_private_key_jwt\"); its management API takes no client secret",
            ));
        }
        options::check(options, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &OktaOptions) -> Result<Collection, CollectError> {
        collect(app, &with_scope(http), options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &OktaOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe::probe(app, &with_scope(http), options).await
    }
}
