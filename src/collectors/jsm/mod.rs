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

mod mapping;
mod merge;
mod org;
mod specs;

use serde_json::Value;

use super::http_common::{check_get, combine, coverage_from, describe_client_error, http_of, not_checked, said};
use super::revoke::{self, PlannedCall, Revocation, RevokeTarget};
use super::{CollectError, Collector, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, CredentialConfig, HttpConfig, KindOptions, OptionsAt, SecretRef};
use crate::http::{AppClient, KindDefaults};
use crate::model::{Collection, CredentialRecord, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
pub use mapping::{account_type, is_admin_group, user_account};
use mapping::{desk_id, host_of};
use merge::Merge;
pub use org::{org_account, OrgAccount, SiteKey};
use org::{org_client, org_spec, org_v2};
use serde::{Deserialize, Serialize};
use specs::{customers_spec, desks_spec, fetch, groups_spec, members_spec, search_spec, users_spec};

/// Options of kind `jira_service_management` (README "Jira Service Management").
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
        crate::model::AppRules { customers_in_orphans: self.customers_in_orphans }
    }
}

/// Kind `jira_service_management`.
pub struct JiraServiceManagement;

impl Collector for JiraServiceManagement {
    const KIND: &'static str = "jira_service_management";
    const SECRET_KEYS: &'static [&'static str] = &["org_api_key"];
    /// Atlassian API tokens live at most a year.
    const MAX_CREDENTIAL_LIFETIME_DAYS: Option<i64> = Some(365);
    type Options = JsmOptions;

    fn check(options: &mut JsmOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
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

    async fn collect(app: &AppConfig, options: &JsmOptions) -> Result<Collection, CollectError> {
        collect(app, http_of(app)?, options).await
    }

    async fn probe(app: &AppConfig, options: &JsmOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http_of(app)?, options).await
    }

    /// A customer leaves each service desk it is a customer of (`DELETE
    /// /rest/servicedeskapi/servicedesk/{desk}/customer`). An Atlassian account is suspended in
    /// the organization when the organization API is configured (`POST
    /// /admin/v1/orgs/{org}/directory/users/{id}/suspend-access`: every product of the
    /// organization, reversible with `restore-access`); otherwise, and for app accounts, it
    /// leaves each of its groups (`DELETE /rest/api/3/group/user`), which is what grants product
    /// access on a site.
    fn revocation(app: &AppConfig, options: &JsmOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let id = revoke::enc(&target.account_id);
        let mut out = Revocation::default();
        for desk in target.values(crate::model::EntitlementKind::ServiceDesk.as_str()) {
            // The label is "KEY (name)" or "id (name)"; the API takes either as serviceDeskId.
            let desk = desk.split(" (").next().unwrap_or(desk);
            out.calls.push(
                PlannedCall::new(
                    "DELETE",
                    revoke::join(&http.base_url, &format!("/rest/servicedeskapi/servicedesk/{}/customer", revoke::enc(desk))),
                    Some(serde_json::json!({"accountIds": [target.account_id]})),
                )
                .noting("header X-ExperimentalApi: opt-in; a DELETE with a body"),
            );
        }
        let customer = target.account_type == "customer";
        match (&options.org_id, customer || target.account_type == "service") {
            (Some(org), false) => {
                let base = options.org_api_url.as_deref().unwrap_or(org::DEFAULT_ORG_API_URL);
                let path = format!("/admin/v1/orgs/{}/directory/users/{id}/suspend-access", revoke::enc(org));
                out.calls.push(
                    PlannedCall::new("POST", revoke::join(base, &path), None)
                        .noting("with the organization API key (Bearer); restore-access undoes it"),
                );
            }
            _ if customer => {}
            _ => {
                for group in target.values(crate::model::EntitlementKind::Group.as_str()) {
                    let query = format!("groupname={}&accountId={id}", revoke::enc(group));
                    out.calls.push(PlannedCall::new(
                        "DELETE",
                        revoke::join(&http.base_url, &format!("/rest/api/3/group/user?{query}")),
                        None,
                    ));
                }
            }
        }
        if out.calls.is_empty() {
            out.manual.push(if customer {
                "a customer of no service desk read: remove it in the desk's customer list".into()
            } else {
                "in no group and no organization API configured: deactivate the account in admin.atlassian.com".into()
            });
        }
        out
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

fn flavor(opts: &JsmOptions) -> JsmFlavor {
    opts.flavor.unwrap_or_default()
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &JsmOptions) -> Result<Collection, CollectError> {
    let mut client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    client.extra_headers.push(("X-ExperimentalApi".into(), "opt-in".into()));
    let org = org_client(app, http, opts)?;
    let fetched = fetch(&client, org.as_ref(), http, opts).await;
    let guide = flavor(opts) == JsmFlavor::Guide;
    let host = host_of(&http.base_url);
    let site = if org_v2(opts) { SiteKey::CloudId(opts.site_id.as_deref()) } else { SiteKey::Host(&host) };

    let mut m = Merge::new(fetched.sweep_errors);
    let users_complete = m.users(&fetched.users, fetched.user_listings, &fetched.refused_prefixes, guide);
    let listed_accounts = m.accounts.list.len();
    m.members(fetched.groups, fetched.members, &app.admin_groups);
    m.customers(fetched.desks, fetched.customers);
    m.listings.extend(fetched.churn);
    m.licences(fetched.roles);
    if guide {
        m.cross_check(&client, fetched.org.as_ref(), site).await;
    }
    let hidden_before = m.without_email();
    let (last_login_known, org_stats) = match (&org, fetched.org) {
        (Some(org_client), Some(listing)) => (org::merge(&mut m, listing, site, opts), Some(org_client.stats.clone())),
        _ => {
            m.notes.push(
                "last login is unknown for this app (Jira's REST API does not report it; set org_id and org_api_key to read it from the organization admin API): no dormant or never-logged-in findings for it"
                    .into(),
            );
            (false, None)
        }
    };
    let hidden = m.without_email();
    if hidden > 0 {
        m.notes.push(format!(
            "{hidden} account(s) other than app accounts have no email (hidden by Atlassian profile visibility{}): they are listed as unmatchable; to match them, {}add action = link rows to the overrides file",
            if hidden_before > hidden { ", after the organization API filled what it could" } else { "" },
            if org.is_none() { "configure the organization admin API (org_id + org_api_key), which returns managed accounts' emails, or " } else { "" }
        ));
    }

    // Coverage over every list read (Jira reports no total of accounts).
    let mut combined = combine(std::mem::take(&mut m.listings), std::mem::take(&mut m.errors), std::mem::take(&mut m.notes));
    combined.total_reported = None;
    let (accounts, entitlements) = m.finish();
    let mut coverage = coverage_from(app, &client, &combined, accounts.len(), last_login_known).await;
    // Failed only when the user list itself read nothing (accounts seen in groups or desks alone
    // still make a partial picture).
    coverage.status = if combined.complete {
        COVERAGE_COMPLETE
    } else if !users_complete && listed_accounts == 0 {
        COVERAGE_FAILED
    } else {
        COVERAGE_PARTIAL
    };
    if let Some(s) = org_stats {
        coverage.requests += s.get(&s.requests);
        coverage.retries += s.get(&s.retries);
        coverage.throttled += s.get(&s.throttled);
        coverage.pages += s.get(&s.pages);
    }

    let mut credentials = vec![CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: match &http.auth {
            AuthConfig::Basic { username, .. } => format!("Atlassian API token of {username}"),
            _ => "Atlassian access token".into(),
        },
        max_lifetime_days: Some(365),
        source: "api".into(),
        observation: Some("Atlassian API tokens expire at most one year after creation; the API does not report the date".into()),
        ..Default::default()
    }];
    if org.is_some() {
        credentials.push(org::credential(opts));
    }
    Ok(Collection { accounts, entitlements, credentials, coverage, rules: opts.rules() })
}

/// `check`: one request per endpoint kind the collection uses: users, groups, the members of
/// the first group, service desks and the customers of the first one (unless `customers =
/// false`), and the organization API when configured.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &JsmOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
    let mut client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?.with_policy(policy.clone());
    client.extra_headers.push(("X-ExperimentalApi".into(), "opt-in".into()));
    let one = |param: &str| vec![(param.to_string(), "1".to_string())];
    let browse = "the global permission \"Browse users and groups\" to the API token's account";
    let mut checks = Vec::new();
    let users = if flavor(opts) == JsmFlavor::Guide { search_spec(1, "a") } else { users_spec(1) };
    let mut query = users.query.clone();
    query.extend(one("maxResults"));
    let (check, _) = check_get(&client, "users", &users.endpoint, &query, browse).await;
    checks.push(said(check, "Jira reports no total"));
    let groups = groups_spec();
    let (check, f) = check_get(&client, "groups", &groups.endpoint, &one("maxResults"), browse).await;
    let first_group = f.as_ref().and_then(|f| f.body.get("values")?.as_array()?.first().cloned());
    let total = f.as_ref().and_then(|f| crate::http::pager::number_at(&f.body, "total"));
    checks.push(said(check, total.map(|t| format!("{t} group(s)")).unwrap_or_default()));
    match first_group.as_ref().and_then(|g| members_spec(g, 1)) {
        Some(spec) => {
            let mut query = spec.query.clone();
            query.extend(one("maxResults"));
            let (check, _) = check_get(
                &client,
                &spec.what,
                &spec.endpoint,
                &query,
                "the global permission \"Administer Jira\" (needed to list group members)",
            )
            .await;
            checks.push(check);
        }
        None => checks.push(not_checked("group members", "GET /rest/api/3/group/member", "no group was listed")),
    }
    let (check, f) = check_get(
        &client,
        "product licences (application roles)",
        specs::APPLICATION_ROLES,
        &[],
        "the global permission \"Administer Jira\" (without it, licences are unknown; accounts are still read)",
    )
    .await;
    let roles = f.and_then(|f| f.body.as_array().map(|a| a.len()));
    checks.push(said(check, roles.map(|n| format!("{n} application role(s)")).unwrap_or_default()));
    if opts.customers.unwrap_or(true) {
        let desks = desks_spec();
        let (check, f) =
            check_get(&client, "service desks", &desks.endpoint, &one("limit"), "agent or administrator access to the service desks").await;
        let listed: Vec<Value> = f.and_then(|f| f.body.get("values").and_then(|v| v.as_array()).cloned()).unwrap_or_default();
        checks.push(check);
        let desk = opts.service_desk_ids.first().cloned().or_else(|| listed.first().and_then(desk_id));
        match desk {
            Some(id) => {
                let spec = customers_spec(&id, 1);
                let (check, _) =
                    check_get(&client, &spec.what, &spec.endpoint, &one("limit"), "agent or administrator access to this service desk")
                        .await;
                checks.push(check);
            }
            None => checks.push(not_checked(
                "service desk customers",
                "GET /rest/servicedeskapi/servicedesk/{id}/customer",
                "no service desk was listed",
            )),
        }
    }
    if let (Some(org), Some(org_id)) = (org_client(app, http, opts)?, &opts.org_id) {
        let org = org.with_policy(policy);
        let spec = org_spec(org_id, org_v2(opts));
        let (check, f) = check_get(
            &org,
            "organization accounts",
            &spec.endpoint,
            &spec.query,
            "an organization API key of this organization (admin.atlassian.com > Settings > API keys)",
        )
        .await;
        checks.push(said(
            check,
            match f.and_then(|f| crate::http::pager::number_at(&f.body, "meta.total")) {
                Some(t) => format!("{t} managed account(s)"),
                None => "it reports no total".into(),
            },
        ));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests;
