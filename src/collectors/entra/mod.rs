//! Kind `entra`: a Microsoft Entra ID directory through Microsoft Graph v1.0, as the identity
//! provider every other app is reviewed against, and as an app in its own right.
//!
//! Read: `/users` (`$select`, `$top=999`, `@odata.nextLink`; `signInActivity` when the directory
//! allows it, else a note and last sign-in unknown; the manager by `$expand`), `/groups` and each
//! group's direct `/members`, `/directoryRoles` and their members (a role-assignable group's
//! direct members hold its role), `/servicePrincipals` and each one's `appRoleAssignedTo` (users,
//! and groups reaching their direct members only: Entra does not pass an assignment on to nested
//! groups), `/reports/authenticationMethods/userRegistrationDetails` (`isMfaRegistered`), and
//! `/applications` with their `passwordCredentials` / `keyCredentials` and owners.
//!
//! Mapping: `accountEnabled` false -> disabled; a guest whose invitation is pending
//! (`externalUserState` PendingAcceptance) -> invited; else active. `mail`, else the UPN (a
//! guest's `#EXT#` UPN read back to its address); `otherMails` and the UPN as other addresses;
//! `employeeId`, `department`, the manager's address; synced from Active Directory
//! (`onPremisesSyncEnabled`) -> signs in through a directory, a guest through its home
//! organisation, others with their Entra password. Any directory role makes an admin (named);
//! assignments -> `app_assignment` `<appId> · <name> · direct` or `· via group <name>`; app
//! registrations' secrets and certificates -> credentials (end date, first owner).
//!
//! Auth: client credentials, with a client secret (`oauth2_client_credentials`) or a certificate
//! (`oauth2_private_key_jwt` with `certificate`), at `<authority>/<tenant_id>/oauth2/v2.0/token`
//! for the scope `https://graph.microsoft.com/.default`.

mod options;
mod probe;
mod read;

pub use options::{default_scope, EntraOptions, AUTHORITY, DEFAULTS, PERMISSIONS};
pub use read::{assignment_value, collect, user_account};

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `entra`.
pub struct Entra;

/// The connection settings with the directory's token endpoint and the Graph scope filled in
/// where the config leaves them out.
fn with_defaults(http: &HttpConfig, opts: &EntraOptions) -> HttpConfig {
    let mut http = http.clone();
    let scope_default = default_scope(&http.base_url);
    match &mut http.auth {
        AuthConfig::Oauth2ClientCredentials { token_url, scope, .. } | AuthConfig::Oauth2PrivateKeyJwt { token_url, scope, .. } => {
            if token_url.is_none() {
                *token_url = opts.token_url();
            }
            if scope.is_none() {
                *scope = Some(scope_default);
            }
        }
        _ => {}
    }
    http
}

impl ApiCollector for Entra {
    const KIND: &'static str = "entra";
    const IDENTITY_PROVIDER: bool = true;
    const RECORDS_ASSIGNMENTS: bool = true;
    type Options = EntraOptions;

    fn check(options: &mut EntraOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        options::check(options, at)?;
        match http.map(|h| &h.auth) {
            Some(AuthConfig::Oauth2ClientCredentials { token_url, .. } | AuthConfig::Oauth2PrivateKeyJwt { token_url, .. }) => {
                if token_url.is_none() && options.tenant_id.is_none() {
                    return Err(at.error(
                        "tenant_id",
                        "missing: the directory (tenant) id, for the token endpoint <authority>/<tenant_id>/oauth2/v2.0/token (or set auth.token_url)",
                    ));
                }
                Ok(())
            }
            Some(_) => Err(at.error(
                "auth",
                "Microsoft Graph takes an app registration's client credentials: type = \"oauth2_client_credentials\" (a client secret) or \"oauth2_private_key_jwt\" (a certificate)",
            )),
            None => Ok(()),
        }
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &EntraOptions) -> Result<Collection, CollectError> {
        collect(app, &with_defaults(http, options), options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &EntraOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe::probe(app, &with_defaults(http, options), options).await
    }
}
