//! Kind `jira_service_management`: a Jira Cloud site with Jira Service Management (API-NOTES §1).
//!
//! What is read, on the engine (auth, retries, rate limit, paging, dedupe, counters):
//! 1. Every account. Flavour `cloud` (default): `GET /rest/api/3/users/search` (bare array, no
//!    total, `maxResults` up to 1000; a short page is normal mid-list because accounts hidden by
//!    privacy controls keep their slot, so the list ends only on an empty page). Flavour `guide`:
//!    the guide's `GET /rest/api/3/user/search`, a search that needs a query and stops at the
//!    1000th match, read as a sweep of name/email prefixes (a-z, 0-9) refined where a prefix hits
//!    the cap. `accountType` atlassian / app / customer -> human / service / customer; `active`
//!    false -> deactivated.
//! 2. Groups (`/rest/api/3/group/bulk`) and their members (`/rest/api/3/group/member`, inactive
//!    users included) -> `group` entitlements; a member of an admin group is an admin, with
//!    `admin_reason` naming the group.
//! 3. JSM service desks and their customers (`/rest/servicedeskapi/servicedesk/{id}/customer`,
//!    `X-ExperimentalApi: opt-in`, `start`/`limit`, `isLastPage`) -> `service_desk` entitlements;
//!    a customer not otherwise listed becomes a `customer` account.
//! 4. Optionally the organization admin API (`/admin/v1/orgs/{org}/users`, or with
//!    `org_api_version = "v2"` `/admin/v2/orgs/{org}/directories/-/users?expand=productAccess`;
//!    Bearer org API key, cursor paging): the emails of managed accounts (filling those Jira
//!    hides) and their last activity in Jira, so hidden emails match and the dormant rule works
//!    for this app; v2 also gives the date each account joined the organization (`created_at`,
//!    so the never-logged-in half of `invited_inactive` works for Jira).
//!
//! The API token's expiry is never reported by the API: it is known from `credential.expires`,
//! and Atlassian tokens live at most a year (the kind's maximum lifetime).

mod collect;
mod mapping;
mod merge;
mod options;
mod org;
mod probe;
mod revoke;
mod specs;

pub use collect::collect;
pub use mapping::{account_type, is_admin_group, user_account};
pub use options::{JsmFlavor, JsmOptions, OrgApiVersion, DEFAULTS};
pub use org::{org_account, OrgAccount, SiteKey};
pub use probe::probe;
pub use revoke::Revoke;

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `jira_service_management`.
pub struct JiraServiceManagement;

impl ApiCollector for JiraServiceManagement {
    const KIND: &'static str = "jira_service_management";
    const SECRET_KEYS: &'static [&'static str] = &["org_api_key"];
    /// Atlassian API tokens live at most a year.
    const MAX_CREDENTIAL_LIFETIME_DAYS: Option<i64> = Some(365);
    type Options = JsmOptions;

    fn check(options: &mut JsmOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        options::check(options, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &JsmOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &JsmOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http, options).await
    }
}

#[cfg(test)]
mod tests;
