//! Kind `google_workspace`: a Google Workspace customer through the Admin SDK Directory API, as
//! an identity provider (its users can be the roster) and as an app in its own right.
//!
//! Read: `users.list` (`customer=my_customer`, `maxResults=500`, `nextPageToken`), the
//! administrator roles (`roles.list`) and who holds them (`roleAssignments.list`), and each user's
//! third-party OAuth grants (`users/{userKey}/tokens`: app name, client id, scopes) as
//! `oauth_grant` entitlements; the Directory API has no list of the SSO apps a user is assigned,
//! so no other app links to this one with `idp`.
//!
//! Mapping: `archived` -> deactivated, `suspended` -> disabled (neither can sign in), else active;
//! `primaryEmail`, the other `emails` and `aliases`; `isAdmin` (Super Admin) and the roles held
//! (named; `isDelegatedAdmin` alone says "delegated administrator") -> admin; `isEnrolledIn2Sv`
//! -> mfa; `lastLoginTime` (`1970-01-01T00:00:00.000Z` is never); `relations` (manager),
//! `organizations` (department), `externalIds` (organization: the employee id).
//!
//! Auth: `google_service_account`: the service account's JSON key signs an RFC 7523 JWT bearer
//! grant at the key's `token_uri`, acting as `subject` (domain-wide delegation), asking for the
//! read scopes (and `admin.directory.user.security` for the OAuth grants, which has no read-only
//! form). A 403 `rateLimitExceeded` / `userRateLimitExceeded` is throttling, waited out.

mod options;
mod probe;
mod read;

pub use options::{GoogleWorkspaceOptions, DEFAULTS, ROLES_SCOPE, SECURITY_SCOPE, USERS_SCOPE};
pub use read::{collect, grant_value, role_label, user_account};

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `google_workspace`.
pub struct GoogleWorkspace;

/// The connection settings with the scopes the options need, where the config names none.
fn with_scope(http: &HttpConfig, opts: &GoogleWorkspaceOptions) -> HttpConfig {
    let mut http = http.clone();
    if let AuthConfig::GoogleServiceAccount { scope: scope @ None, .. } = &mut http.auth {
        *scope = Some(opts.scope());
    }
    http
}

impl ApiCollector for GoogleWorkspace {
    const KIND: &'static str = "google_workspace";
    const IDENTITY_PROVIDER: bool = true;
    type Options = GoogleWorkspaceOptions;

    fn check(options: &mut GoogleWorkspaceOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        options::check(options, at)?;
        match http.map(|h| &h.auth) {
            None | Some(AuthConfig::GoogleServiceAccount { .. }) => Ok(()),
            Some(_) => Err(at.error(
                "auth",
                "the Directory API takes a service account with domain-wide delegation: type = \"google_service_account\", key = { file = \"sa.json\" }, subject = \"<an administrator's address>\"",
            )),
        }
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &GoogleWorkspaceOptions) -> Result<Collection, CollectError> {
        collect(app, &with_scope(http, options), options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &GoogleWorkspaceOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe::probe(app, &with_scope(http, options), options).await
    }
}
