//! The options of kind `jira_service_management`, its flavours and engine defaults: the types
//! every part of the kind shares.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, CredentialConfig, KindOptions, OptionsAt, SecretRef};
use crate::http::KindDefaults;

/// Options of kind `jira_service_management` (docs/src/kinds/jira-service-management.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct JsmOptions {
    /// `cloud` (default: the real `/rest/api/3/users/search`) or `guide` (the guide's
    /// `/rest/api/3/user/search`, read by a prefix sweep).
    pub flavor: Option<JsmFlavor>,
    /// Service desks whose customers are read; empty = every service desk of the site.
    #[serde(default)]
    pub service_desk_ids: Vec<String>,
    /// Read JSM service desks and their customers (default true).
    pub customers: Option<bool>,
    /// Customers are external by design and never orphaned; set this for a help desk whose
    /// customers must all be employees, to make an unmatched customer an orphan finding.
    #[serde(default)]
    pub customers_in_orphans: bool,
    /// Page size of group member and customer lists (default 50; the server may serve fewer).
    pub group_page_size: Option<u32>,
    /// Organization admin API: fills hidden emails and last activity of managed accounts.
    pub org_id: Option<String>,
    pub org_api_key: Option<SecretRef>,
    /// Default `https://api.atlassian.com`.
    pub org_api_url: Option<String>,
    /// `v1` (default: `/admin/v1/orgs/{org}/users`) or `v2`
    /// (`/admin/v2/orgs/{org}/directories/-/users`, which adds the date an account joined the
    /// organization).
    pub org_api_version: Option<OrgApiVersion>,
    /// The site's cloud id: with `org_api_version = "v2"`, only product activity whose ARI names
    /// this site counts (v2 names sites by ARI, not by URL).
    pub site_id: Option<String>,
    /// What is known about the organization API key (its own expiry, at most one year).
    pub org_credential: Option<CredentialConfig>,
}

impl KindOptions for JsmOptions {
    fn secrets(&self) -> Vec<&SecretRef> {
        self.org_api_key.iter().collect()
    }
    fn rules(&self) -> crate::model::AppRules {
        crate::model::AppRules { customers_in_orphans: self.customers_in_orphans, ..Default::default() }
    }
}

pub const DEFAULTS: KindDefaults = KindDefaults {
    // Atlassian does not publish its burst limits; 10 requests/s with 4 in flight stays clear of
    // them for one API token, and 429s (with or without Retry-After) slow the engine further.
    requests_per_second: 10.0,
    concurrency: 4,
    token_path: None,
    token_style: crate::http::TokenStyle::Form,
    permission_hint: " (listing users needs \"Browse users and groups\"; group members need \"Administer Jira\"; service desk customers need agent or admin access to the desk)",
    auth_hint: "; Atlassian API tokens expire at most a year after they were created and are revoked at once when their owner is deactivated: create a new one at id.atlassian.com > Security > API tokens",
    requests_per_hour: None,
};

crate::choice! {
    /// How the site's accounts are listed.
    JsmFlavor {
        /// The real `/rest/api/3/users/search`: every account.
        Cloud = "cloud" ("/rest/api/3/users/search"),
        /// The guide's `/rest/api/3/user/search`, read by a prefix sweep.
        Guide = "guide" ("/rest/api/3/user/search"),
    } default Cloud
}

crate::choice! {
    /// Which version of the organization admin API.
    OrgApiVersion {
        V1 = "v1",
        V2 = "v2",
    } default V1
}

pub fn flavor(opts: &JsmOptions) -> JsmFlavor {
    opts.flavor.unwrap_or_default()
}

/// Whether the organization admin API is read in its version 2.
pub fn org_v2(opts: &JsmOptions) -> bool {
    opts.org_api_version == Some(OrgApiVersion::V2)
}

/// Checks the options beyond their types (and resolves the org API key's relative path).
pub fn check(options: &mut JsmOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    at.rebase_secret(options.org_api_key.as_mut());
    if options.org_id.is_some() != options.org_api_key.is_some() {
        return Err(at.error(
            if options.org_id.is_some() { "org_api_key" } else { "org_id" },
            "the organization admin API needs both org_id and org_api_key (an organization API key from admin.atlassian.com)",
        ));
    }
    if let Some(u) = options.org_api_url.as_deref().filter(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
        return Err(at.error("org_api_url", format!("found \"{u}\", expected an http(s):// URL")));
    }
    if options.site_id.is_some() && options.org_api_version != Some(OrgApiVersion::V2) {
        return Err(at.error("site_id", "site_id is used with org_api_version = \"v2\" (v1 names the site by its URL)"));
    }
    Ok(())
}
