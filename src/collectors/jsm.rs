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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::http_common::{check_get, combine, coverage_from, describe_client_error, http_of, not_checked, said, text, time_at};
use super::{CollectError, Collector, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, CredentialConfig, HttpConfig, KindOptions, OptionsAt, SecretRef};
use crate::http::{AppClient, KindDefaults, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, Collection, CredentialRecord, EntitlementRecord, COVERAGE_COMPLETE, COVERAGE_FAILED,
    COVERAGE_PARTIAL,
};
use serde::{Deserialize, Serialize};

/// Options of kind `jira_service_management` (README "Jira Service Management").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct JsmOptions {
    /// `cloud` (default: the real `/rest/api/3/users/search`) or `guide` (the guide's
    /// `/rest/api/3/user/search`, read by a prefix sweep).
    pub flavor: Option<String>,
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
    pub org_api_version: Option<String>,
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
        if let Some(f) = options.flavor.as_deref().filter(|f| !["cloud", "guide"].contains(f)) {
            return Err(at.error(
                "flavor",
                format!("found \"{f}\", expected \"cloud\" (/rest/api/3/users/search) or \"guide\" (/rest/api/3/user/search)"),
            ));
        }
        if options.org_id.is_some() != options.org_api_key.is_some() {
            return Err(at.error(
                if options.org_id.is_some() { "org_api_key" } else { "org_id" },
                "the organization admin API needs both org_id and org_api_key (an organization API key from admin.atlassian.com)",
            ));
        }
        if let Some(u) = options.org_api_url.as_deref().filter(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
            return Err(at.error("org_api_url", format!("found \"{u}\", expected an http(s):// URL")));
        }
        if let Some(v) = options.org_api_version.as_deref().filter(|v| !["v1", "v2"].contains(v)) {
            return Err(at.error("org_api_version", format!("found \"{v}\", expected \"v1\" or \"v2\"")));
        }
        if options.site_id.is_some() && options.org_api_version.as_deref() != Some("v2") {
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

const ORG_DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 1,
    token_path: None,
    token_style: crate::http::TokenStyle::Form,
    permission_hint: " (the organization API key must belong to the organization in org_id)",
    auth_hint:
        "; organization API keys expire (after a week by default, at most a year): create one at admin.atlassian.com > Settings > API keys",
    requests_per_hour: None,
};

/// Admin groups when the config names none: Atlassian's default administrator groups.
const DEFAULT_ADMIN_GROUPS: [&str; 4] = ["jira-administrators", "site-admins", "org-admins", "administrators"];
/// Plus the per-site administrator group, `jira-admins-<site>`.
const DEFAULT_ADMIN_PREFIX: &str = "jira-admins-";

/// The first prefixes of the guide flavour's search sweep: every printable ASCII character a name
/// or an email can start with (the search ignores case: lower case only). The first characters
/// of the names and emails the sweep finds are added to it as it goes.
fn sweep_alphabet() -> BTreeSet<char> {
    ('!'..='~').filter(|c| !c.is_ascii_uppercase()).collect()
}
/// `user/search` returns at most this many matches per query.
const SEARCH_CAP: usize = 1000;
/// Prefixes longer than this that still hit the cap are reported, not refined further.
const SWEEP_MAX_DEPTH: usize = 12;

fn account_id(v: &Value) -> Option<String> {
    text(v, "accountId").map(str::to_string)
}

/// v1 writes `account_id`, v2 `accountId`.
fn org_account_id(v: &Value) -> Option<String> {
    text(v, "account_id").or_else(|| text(v, "accountId")).map(str::to_string)
}

fn desk_id(v: &Value) -> Option<String> {
    v.get("id").and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_u64().map(|n| n.to_string())))
}

fn group_key(v: &Value) -> Option<String> {
    text(v, "groupId").or_else(|| text(v, "name")).map(str::to_string)
}

/// `accountType` -> SPEC §4 account type.
pub fn account_type(v: &Value) -> AccountType {
    match text(v, "accountType").map(str::to_lowercase).as_deref() {
        Some("atlassian") => AccountType::Human,
        Some("app") => AccountType::Service,
        Some("customer") => AccountType::Customer,
        _ if text(v, "accountId").is_some_and(|id| id.starts_with("qm:")) => AccountType::Customer,
        _ => AccountType::Unknown,
    }
}

/// One Jira user (users/search, user/search, group members, customers) as an account.
pub fn user_account(v: &Value) -> Option<AccountRecord> {
    let id = account_id(v)?;
    let status = match v.get("active").and_then(|a| a.as_bool()) {
        Some(true) => AccountStatus::Active,
        Some(false) => AccountStatus::Deactivated,
        None => AccountStatus::Unknown,
    };
    Some(AccountRecord {
        account_id: id,
        username: None,
        email: text(v, "emailAddress").map(str::to_string),
        other_emails: Vec::new(),
        display_name: text(v, "displayName").map(str::to_string),
        status,
        account_type: account_type(v),
        ..Default::default()
    })
}

/// Whether a group is an admin group, by the configured list (or Atlassian's defaults).
pub fn is_admin_group(name: &str, configured: &[String]) -> bool {
    if configured.is_empty() {
        DEFAULT_ADMIN_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(name)) || name.to_lowercase().starts_with(DEFAULT_ADMIN_PREFIX)
    } else {
        configured.iter().any(|g| g.eq_ignore_ascii_case(name))
    }
}

/// The host of a URL or of a bare host name (`https://acme.atlassian.net/x` -> `acme.atlassian.net`).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', '?']).next().unwrap_or("").to_lowercase()
}

/// What the organization admin API says about one managed account.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgAccount {
    pub email: Option<String>,
    pub last_active: Option<chrono::DateTime<chrono::Utc>>,
    /// The Jira products with access (`product_access[].key`).
    pub products: Vec<String>,
    /// Whether the last activity came from a Jira product entry of another site (no entry named this one).
    pub other_site: bool,
    /// When the account joined the organization (v2's `addedToOrg`).
    pub added_to_org: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which product entries of the organization API belong to this site: v1 names the site by URL
/// (`url`), v2 by ARI (`id` = `ari:cloud:<product>::site/<cloud id>`); with v2 and no `site_id`
/// configured every Jira entry counts.
#[derive(Debug, Clone, Copy)]
pub enum SiteKey<'a> {
    Host(&'a str),
    CloudId(Option<&'a str>),
}

/// One user of the organization API (v1 or v2): the email, and the last activity in Jira on this
/// site (`product_access` / `productAccess` entries whose key starts with `jira` and that belong
/// to the site, see [`SiteKey`]; any Jira entry when none does). Activity in other products does
/// not count.
pub fn org_account(v: &Value, site: SiteKey) -> OrgAccount {
    let jira: Vec<&Value> = v
        .get("product_access")
        .or_else(|| v.get("productAccess"))
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter(|p| text(p, "key").is_some_and(|k| k.to_lowercase().starts_with("jira")))
        .collect();
    let belongs = |p: &Value| match site {
        SiteKey::Host(host) => text(p, "url").is_some_and(|u| host_of(u) == host),
        SiteKey::CloudId(Some(id)) => text(p, "id").is_some_and(|ari| ari.rsplit('/').next() == Some(id)),
        SiteKey::CloudId(None) => true,
    };
    let on_site: Vec<&Value> = jira.iter().copied().filter(|p| belongs(p)).collect();
    let (used, other_site) = if on_site.is_empty() && !jira.is_empty() { (jira.clone(), true) } else { (on_site, false) };
    let active = |p: &Value| time_at(p, "last_active").or_else(|| time_at(p, "lastActiveTimestamp"));
    let mut products: Vec<String> = used.iter().filter_map(|p| text(p, "key").map(str::to_string)).collect();
    products.sort();
    products.dedup();
    OrgAccount {
        email: text(v, "email").map(str::to_string),
        last_active: used.iter().filter_map(|p| active(p)).max(),
        products,
        other_site: other_site && used.iter().any(|p| active(p).is_some()),
        added_to_org: time_at(v, "addedToOrg"),
    }
}

fn start_at(page_size: u32, is_last: Option<&str>, total: Option<&str>, served: Option<&str>) -> Pager {
    Pager::start_at("startAt", "maxResults", page_size, is_last, total, served)
}

fn users_spec(page_size: u32) -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/users/search".into(),
        query: Vec::new(),
        pager: start_at(page_size, None, None, None),
        items: String::new(),
        id: account_id,
        what: "users".into(),
    }
}

fn search_spec(page_size: u32, prefix: &str) -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/user/search".into(),
        query: vec![("query".into(), prefix.into())],
        pager: start_at(page_size, None, None, None),
        items: String::new(),
        id: account_id,
        what: format!("users matching \"{prefix}\""),
    }
}

/// The first characters (lower case) of a user's name words and email: the prefixes that find it.
fn first_chars(v: &Value) -> Vec<char> {
    let name = text(v, "displayName").unwrap_or("");
    let email = text(v, "emailAddress").unwrap_or("");
    name.split_whitespace()
        .chain([email])
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// What the guide flavour's sweep found.
struct Sweep {
    items: Vec<Value>,
    listings: Vec<Listing>,
    errors: Vec<String>,
    /// Prefixes the API refused (HTTP 400): accounts only they would find are left to the
    /// cross-check.
    refused: Vec<String>,
}

/// Flavour `guide`: every account through `user/search`, by a sweep of prefixes, in rounds. A
/// prefix whose matches reach the search cap is refined (`a` -> `a!`..`a~` and every other first
/// character seen), so no account behind the cap is lost; a character that a found name or email
/// starts with and that was not asked yet is asked in the next round. Queries of one round run
/// concurrently.
async fn sweep(client: &AppClient, page_size: u32) -> Sweep {
    let mut alphabet = sweep_alphabet();
    let mut asked: BTreeSet<String> = BTreeSet::new();
    let mut capped: Vec<String> = Vec::new();
    let mut round: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
    let mut seen = BTreeSet::new();
    let mut out = Sweep { items: Vec::new(), listings: Vec::new(), errors: Vec::new(), refused: Vec::new() };
    let concurrency = client.limiter.concurrency.max(1);
    while !round.is_empty() {
        round.retain(|p| asked.insert(p.clone()));
        let results: Vec<(String, Listing)> = stream::iter(round.drain(..))
            .map(|prefix| async move {
                let listing = client.list(&search_spec(page_size, &prefix)).await;
                (prefix, listing)
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut found_chars: BTreeSet<char> = BTreeSet::new();
        for (prefix, mut listing) in results {
            if listing.items.len() >= SEARCH_CAP {
                if prefix.chars().count() < SWEEP_MAX_DEPTH {
                    round.extend(alphabet.iter().map(|c| format!("{prefix}{c}")));
                    capped.push(prefix.clone());
                } else {
                    out.errors.push(format!(
                        "app {}: user/search: \"{prefix}\" still matches {SEARCH_CAP}+ accounts; accounts beyond the search cap may be missing (use flavor = \"cloud\")",
                        client.app
                    ));
                }
            }
            if !listing.errors.is_empty() && listing.errors.iter().all(|e| e.contains("HTTP 400")) {
                // The API does not take this character as a query: a note, and the cross-check.
                out.refused.push(prefix.clone());
                listing.errors.clear();
                listing.complete = true;
            }
            for item in std::mem::take(&mut listing.items) {
                found_chars.extend(first_chars(&item));
                if let Some(id) = account_id(&item) {
                    if seen.insert(id) {
                        out.items.push(item);
                    }
                }
            }
            out.listings.push(listing);
        }
        let new: Vec<char> = found_chars.into_iter().filter(|c| !alphabet.contains(c)).collect();
        alphabet.extend(new.iter().copied());
        round.extend(new.iter().map(|c| c.to_string()));
        for p in &capped {
            round.extend(new.iter().map(|c| format!("{p}{c}")));
        }
    }
    out
}

/// Flavour `guide`: the accounts other sources name (group members, desk customers, Jira users of
/// the organization API) that the sweep did not return, each looked up by its id
/// (`user/search?accountId=`). Returns those search does return (the sweep missed them: it is
/// not a complete list) and the number it does not return at all (hidden from search, as from
/// every user list).
async fn cross_check(client: &AppClient, candidates: Vec<String>) -> (Vec<Value>, usize, Vec<String>) {
    let concurrency = client.limiter.concurrency.max(1);
    let results: Vec<(String, Result<Vec<Value>, String>)> = stream::iter(candidates)
        .map(|id| async move {
            let query = vec![("accountId".to_string(), id.clone()), ("maxResults".to_string(), "1".to_string())];
            let r = client.get_json("/rest/api/3/user/search", &query).await.map(|f| f.body.as_array().cloned().unwrap_or_default());
            (id, r.map_err(|e| e.to_string()))
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut found = Vec::new();
    let mut hidden = 0usize;
    let mut errors = Vec::new();
    for (id, r) in results {
        match r {
            Ok(items) => match items.into_iter().find(|v| account_id(v).as_deref() == Some(id.as_str())) {
                Some(v) => found.push(v),
                None => hidden += 1,
            },
            Err(e) => errors.push(format!("{e} (looking up account {id} that another source lists)")),
        }
    }
    found.sort_by_key(account_id);
    errors.sort();
    (found, hidden, errors)
}

fn groups_spec() -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/group/bulk".into(),
        query: Vec::new(),
        pager: start_at(50, Some("isLast"), Some("total"), Some("maxResults")),
        items: "values".into(),
        id: group_key,
        what: "groups".into(),
    }
}

fn members_spec(group: &Value, page_size: u32) -> Option<ListSpec> {
    let name = text(group, "name").unwrap_or("?");
    let by = match (text(group, "groupId"), text(group, "name")) {
        (Some(id), _) => ("groupId", id),
        (None, Some(name)) => ("groupname", name),
        _ => return None,
    };
    Some(ListSpec {
        endpoint: "/rest/api/3/group/member".into(),
        query: vec![(by.0.into(), by.1.into()), ("includeInactiveUsers".into(), "true".into())],
        pager: start_at(page_size, Some("isLast"), Some("total"), Some("maxResults")),
        items: "values".into(),
        id: account_id,
        what: format!("members of group {name}"),
    })
}

fn desks_spec() -> ListSpec {
    ListSpec {
        endpoint: "/rest/servicedeskapi/servicedesk".into(),
        query: Vec::new(),
        pager: Pager::start_at("start", "limit", 50, Some("isLastPage"), None, Some("limit")),
        items: "values".into(),
        id: desk_id,
        what: "service desks".into(),
    }
}

fn customers_spec(desk: &str, page_size: u32) -> ListSpec {
    ListSpec {
        endpoint: format!("/rest/servicedeskapi/servicedesk/{desk}/customer"),
        query: Vec::new(),
        pager: Pager::start_at("start", "limit", page_size, Some("isLastPage"), None, Some("limit")),
        items: "values".into(),
        id: account_id,
        what: format!("customers of service desk {desk}"),
    }
}

fn org_v2(opts: &JsmOptions) -> bool {
    opts.org_api_version.as_deref() == Some("v2")
}

fn org_spec(org: &str, v2: bool) -> ListSpec {
    let (endpoint, query, limit_param, page_size) = if v2 {
        // The cursor carries the first request's parameters ("if present, all other parameters
        // are discarded"); sending them again does no harm.
        (
            format!("/admin/v2/orgs/{org}/directories/-/users"),
            vec![("expand".to_string(), "productAccess".to_string())],
            Some("limit".to_string()),
            100,
        )
    } else {
        (format!("/admin/v1/orgs/{org}/users"), Vec::new(), None, 0)
    };
    ListSpec {
        endpoint,
        query,
        pager: Pager::Cursor { token_param: "cursor".into(), limit_param, page_size, next: "links.next".into(), next_is_url: false },
        items: "data".into(),
        id: org_account_id,
        what: "organization accounts".into(),
    }
}

/// The client of the organization admin API: its own URL and Bearer key, the app's other settings.
fn org_client(app: &AppConfig, http: &HttpConfig, opts: &JsmOptions) -> Result<Option<AppClient>, CollectError> {
    let (Some(_), Some(key)) = (&opts.org_id, &opts.org_api_key) else { return Ok(None) };
    let cfg = HttpConfig {
        base_url: opts.org_api_url.clone().unwrap_or_else(|| "https://api.atlassian.com".into()),
        auth: AuthConfig::Bearer { token: key.clone() },
        ca_file: None,
        insecure_skip_verify: false,
        page_size: None,
        ..http.clone()
    };
    AppClient::new(&format!("{} (organization API)", app.name), &cfg, &ORG_DEFAULTS).map(Some).map_err(describe_client_error)
}

fn flavor(opts: &JsmOptions) -> &str {
    opts.flavor.as_deref().unwrap_or("cloud")
}

/// The desk's label in entitlements: `KEY (Project name)`, or its id.
fn desk_label(desk: &Value) -> String {
    let id = desk_id(desk).unwrap_or_default();
    match (text(desk, "projectKey"), text(desk, "projectName")) {
        (Some(k), Some(n)) => format!("{k} ({n})"),
        (Some(k), None) => k.to_string(),
        (None, Some(n)) => format!("{id} ({n})"),
        _ => id,
    }
}

/// Accounts by id, in the order first seen.
#[derive(Default)]
struct Accounts {
    list: Vec<AccountRecord>,
    index: HashMap<String, usize>,
}

impl Accounts {
    fn get_or_add(&mut self, item: &Value) -> Option<(&mut AccountRecord, bool)> {
        let id = account_id(item)?;
        let added = match self.index.get(&id) {
            Some(_) => false,
            None => {
                let a = user_account(item)?;
                self.index.insert(id.clone(), self.list.len());
                self.list.push(a);
                true
            }
        };
        let i = self.index[&id];
        Some((&mut self.list[i], added))
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut AccountRecord> {
        self.index.get(id).map(|i| &mut self.list[*i])
    }
}

/// Everything read from the APIs, before it is put together.
struct Fetched {
    /// Flavour cloud: the one users listing; guide: one per search query (items moved to `users`).
    users: Vec<Value>,
    user_listings: Vec<Listing>,
    sweep_errors: Vec<String>,
    /// Guide flavour: prefixes the API refused as queries.
    refused_prefixes: Vec<String>,
    groups: Listing,
    members: Vec<(String, Listing)>,
    desks: Option<Listing>,
    customers: Vec<(String, Listing)>,
    org: Option<Listing>,
}

/// Reads the four sources concurrently: users, groups with members, desks with customers, and
/// the organization API (another host, with its own limits).
async fn fetch(client: &AppClient, org: Option<&AppClient>, http: &HttpConfig, opts: &JsmOptions) -> Fetched {
    let page_size = http.page_size.unwrap_or(1000).clamp(1, 1000);
    let group_page = opts.group_page_size.unwrap_or(50).clamp(1, 1000);
    let concurrency = client.limiter.concurrency.max(1);
    let users = async {
        if flavor(opts) == "guide" {
            sweep(client, page_size).await
        } else {
            let mut l = client.list(&users_spec(page_size)).await;
            Sweep { items: std::mem::take(&mut l.items), listings: vec![l], errors: Vec::new(), refused: Vec::new() }
        }
    };
    let groups = async {
        let mut groups = client.list(&groups_spec()).await;
        let specs: Vec<(String, ListSpec)> = std::mem::take(&mut groups.items)
            .iter()
            .filter_map(|g| Some((text(g, "name").unwrap_or("?").to_string(), members_spec(g, group_page)?)))
            .collect();
        let members: Vec<(String, Listing)> = stream::iter(specs)
            .map(|(name, spec)| async move {
                let listing = client.list(&spec).await;
                (name, listing)
            })
            .buffered(concurrency)
            .collect()
            .await;
        (groups, members)
    };
    let desks = async {
        if !opts.customers.unwrap_or(true) {
            return (None, Vec::new());
        }
        let mut desks = client.list(&desks_spec()).await;
        let desk_items = std::mem::take(&mut desks.items);
        let wanted: Vec<(String, String)> = if opts.service_desk_ids.is_empty() {
            desk_items.iter().filter_map(|d| Some((desk_id(d)?, desk_label(d)))).collect()
        } else {
            // A configured desk the list does not show is still read (it may be a project key).
            opts.service_desk_ids
                .iter()
                .map(|want| {
                    let found =
                        desk_items.iter().find(|d| desk_id(d).as_deref() == Some(want) || text(d, "projectKey") == Some(want.as_str()));
                    (found.and_then(desk_id).unwrap_or_else(|| want.clone()), found.map(desk_label).unwrap_or_else(|| want.clone()))
                })
                .collect()
        };
        let customers: Vec<(String, Listing)> = stream::iter(wanted)
            .map(|(id, label)| async move {
                let listing = client.list(&customers_spec(&id, group_page)).await;
                (label, listing)
            })
            .buffered(concurrency)
            .collect()
            .await;
        (Some(desks), customers)
    };
    let organization = async {
        match (org, &opts.org_id) {
            (Some(org), Some(id)) => Some(org.list(&org_spec(id, org_v2(opts))).await),
            _ => None,
        }
    };
    let (users, (groups, members), (desks, customers), org) = tokio::join!(users, groups, desks, organization);
    Fetched {
        users: users.items,
        user_listings: users.listings,
        sweep_errors: users.errors,
        refused_prefixes: users.refused,
        groups,
        members,
        desks,
        customers,
        org,
    }
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &JsmOptions) -> Result<Collection, CollectError> {
    let mut client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    client.extra_headers.push(("X-ExperimentalApi".into(), "opt-in".into()));
    let org = org_client(app, http, opts)?;
    let fetched = fetch(&client, org.as_ref(), http, opts).await;
    let mut listings: Vec<Listing> = Vec::new();
    let mut errors: Vec<String> = fetched.sweep_errors;
    let mut notes: Vec<String> = Vec::new();
    let guide = flavor(opts) == "guide";

    // 1. Accounts.
    let mut accounts = Accounts::default();
    for item in &fetched.users {
        accounts.get_or_add(item);
    }
    let users_complete = fetched.user_listings.iter().all(|l| l.complete) && errors.is_empty();
    if guide {
        notes.push(format!(
            "flavor guide: accounts were found by {} user/search queries (every printable first character of a name or an email, and every other first character found, refined where a prefix reached the 1000-match cap), and cross-checked by id against group members, desk customers and the organization API; a search is not a list: an account that no prefix and no other source finds cannot be seen this way (flavor = \"cloud\" lists every account)",
            fetched.user_listings.len()
        ));
        if !fetched.refused_prefixes.is_empty() {
            notes.push(format!(
                "user/search refused {} prefix(es) as queries (HTTP 400: {}); accounts only they would find are left to the cross-check",
                fetched.refused_prefixes.len(),
                fetched.refused_prefixes.join(" ")
            ));
        }
    }
    listings.extend(fetched.user_listings);
    let listed_accounts = accounts.list.len();

    // 2. Group memberships.
    let mut entitlements: Vec<EntitlementRecord> = Vec::new();
    listings.push(fetched.groups);
    let mut only_in_groups = 0usize;
    let mut admin_reasons: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Accounts other sources name that the user list did not (the guide flavour cross-checks them).
    let mut elsewhere: BTreeSet<String> = BTreeSet::new();
    for (name, mut listing) in fetched.members {
        let privileged = is_admin_group(&name, &app.admin_groups);
        for m in &listing.items {
            let Some((account, added)) = accounts.get_or_add(m) else { continue };
            only_in_groups += added as usize;
            if added {
                elsewhere.insert(account.account_id.clone());
            }
            if account.account_type == AccountType::Unknown {
                // The guide's search results carry no accountType; member objects do.
                account.account_type = account_type(m);
            }
            if !account.groups.contains(&name) {
                account.groups.push(name.clone());
            }
            if privileged {
                admin_reasons.entry(account.account_id.clone()).or_default().insert(format!("group {name}"));
            }
            entitlements.push(EntitlementRecord {
                account_id: account.account_id.clone(),
                kind: "group".into(),
                value: name.clone(),
                privileged,
            });
        }
        listing.items = Vec::new();
        listings.push(listing);
    }
    for (id, reasons) in admin_reasons {
        if let Some(a) = accounts.get_mut(&id) {
            a.is_admin = true;
            a.admin_reason = Some(reasons.into_iter().collect::<Vec<_>>().join("; "));
        }
    }
    if only_in_groups > 0 {
        notes.push(format!("{only_in_groups} account(s) were found only as group members (not in the user list) and are included"));
    }

    // 3. Service desk customers.
    let mut customer_accounts = 0usize;
    let mut deactivated_customers: BTreeSet<String> = BTreeSet::new();
    match fetched.desks {
        Some(desks) => listings.push(desks),
        None => notes.push("customers = false: JSM service desk customers were not read".into()),
    }
    for (label, mut listing) in fetched.customers {
        for c in &listing.items {
            let Some((account, added)) = accounts.get_or_add(c) else { continue };
            if added {
                account.account_type = AccountType::Customer;
                customer_accounts += 1;
                elsewhere.insert(account.account_id.clone());
            } else if account.account_type == AccountType::Unknown {
                account.account_type = AccountType::Customer;
            }
            if account.email.is_none() {
                account.email = text(c, "emailAddress").map(str::to_string);
            }
            if account.status == "deactivated" {
                deactivated_customers.insert(account.account_id.clone());
            }
            entitlements.push(EntitlementRecord {
                account_id: account.account_id.clone(),
                kind: "service_desk".into(),
                value: label.clone(),
                privileged: false,
            });
        }
        listing.items = Vec::new();
        listings.push(listing);
    }
    if customer_accounts > 0 {
        notes.push(format!("{customer_accounts} customer account(s) were found only in service desk customer lists and are included"));
    }
    if !deactivated_customers.is_empty() {
        let ids: Vec<&String> = deactivated_customers.iter().collect();
        notes.push(format!(
            "{} account(s) deactivated in Jira are still customers of a service desk (remove them from the desk): {}",
            ids.len(),
            crate::text::first_of(&ids, 10)
        ));
    }

    // The guide flavour's sweep is a search, not a list: every account another source names
    // (and the organization API's Jira users) that it did not return is looked up by id.
    let host = host_of(&http.base_url);
    let site = if org_v2(opts) { SiteKey::CloudId(opts.site_id.as_deref()) } else { SiteKey::Host(&host) };
    if guide {
        let mut candidates = elsewhere;
        for item in fetched.org.iter().flat_map(|l| l.items.iter()) {
            if let Some(id) = org_account_id(item) {
                if accounts.get_mut(&id).is_none() && !org_account(item, site).products.is_empty() {
                    candidates.insert(id);
                }
            }
        }
        let (found, hidden, lookup_errors) = cross_check(&client, candidates.into_iter().collect()).await;
        if !found.is_empty() {
            let ids: Vec<String> = found.iter().filter_map(account_id).collect();
            for v in &found {
                accounts.get_or_add(v);
            }
            errors.push(format!(
                "app {}: flavor guide: the user/search sweep missed {} account(s) that user/search returns when asked by id ({}); they were found through group members, desk customers or the organization API and are included, but a sweep shown to miss accounts is not a complete list: accounts no other source names may be missing too (use flavor = \"cloud\")",
                app.name,
                ids.len(),
                crate::text::first_of(&ids, 10)
            ));
        }
        if hidden > 0 {
            notes.push(format!(
                "{hidden} account(s) that group members, desk customers or the organization API name are not returned by user/search even by id (hidden from search, as from every user list): included from the list that names them"
            ));
        }
        errors.extend(lookup_errors);
    }

    // 4. The organization admin API: emails and last activity.
    // App accounts have no email by nature; the others have theirs hidden by privacy controls.
    let no_email = |accounts: &Accounts| accounts.list.iter().filter(|a| a.email.is_none() && a.account_type != "service").count();
    let hidden_before = no_email(&accounts);
    let mut last_login_known = false;
    let mut org_stats = None;
    if let (Some(org_client), Some(mut listing)) = (&org, fetched.org) {
        let mut filled = 0usize;
        let mut with_activity = 0usize;
        let mut other_site = 0usize;
        let mut joined = 0usize;
        for item in &listing.items {
            let Some(id) = org_account_id(item) else { continue };
            let Some(account) = accounts.get_mut(&id) else { continue };
            let o = org_account(item, site);
            if account.created_at.is_none() && o.added_to_org.is_some() {
                account.created_at = o.added_to_org;
                joined += 1;
            }
            if account.email.is_none() && o.email.is_some() {
                account.email = o.email.clone();
                filled += 1;
            }
            if o.last_active.is_some() {
                with_activity += 1;
                other_site += o.other_site as usize;
            }
            account.last_login_at = o.last_active;
            for p in o.products {
                entitlements.push(EntitlementRecord { account_id: id.clone(), kind: "product".into(), value: p, privileged: false });
            }
        }
        last_login_known = listing.complete;
        notes.push(format!(
            "organization admin API: {} managed account(s) read; {filled} hidden email(s) filled; last activity in Jira known for {with_activity} account(s) (the API's dates lag by up to a day; accounts not managed by the organization have none and get no dormant findings)",
            listing.items.len()
        ));
        if other_site > 0 {
            notes.push(format!(
                "{other_site} account(s) have Jira activity only under another site {} than {}; that activity was used",
                if org_v2(opts) { "id" } else { "URL" },
                if org_v2(opts) { "site_id" } else { "base_url" }
            ));
        }
        if org_v2(opts) {
            notes.push(format!("organization admin API v2: {joined} account(s) have the date they joined the organization as created_at"));
            if opts.site_id.is_none() {
                notes.push("site_id is not set: Jira activity on every site of the organization counts as activity on this one (set site_id, the site's cloud id, to count only this site)".into());
            }
        }
        if !listing.complete {
            notes.push("the organization admin API could not be read completely: last login is unknown for this app and no dormant findings are made for it".into());
        }
        listing.items = Vec::new();
        org_stats = Some(org_client.stats.clone());
        listings.push(listing);
    } else {
        notes.push(
            "last login is unknown for this app (Jira's REST API does not report it; set org_id and org_api_key to read it from the organization admin API): no dormant or never-logged-in findings for it"
                .into(),
        );
    }
    let hidden = no_email(&accounts);
    if hidden > 0 {
        notes.push(format!(
            "{hidden} account(s) other than app accounts have no email (hidden by Atlassian profile visibility{}): they are listed as unmatchable; to match them, {}add action = link rows to the overrides file",
            if hidden_before > hidden { ", after the organization API filled what it could" } else { "" },
            if org.is_none() { "configure the organization admin API (org_id + org_api_key), which returns managed accounts' emails, or " } else { "" }
        ));
    }

    // Coverage over every list read (Jira reports no total of accounts).
    let mut combined = combine(listings, errors, notes);
    combined.total_reported = None;
    let mut coverage = coverage_from(app, &client, &combined, accounts.list.len(), last_login_known).await;
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
        let c = opts.org_credential.clone().unwrap_or_default();
        let at = |d: Option<crate::config::ConfigDate>| d.and_then(|d| d.0.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
        credentials.push(CredentialRecord {
            credential_id: "org-api-key".into(),
            label: c.label.unwrap_or_else(|| "Atlassian organization API key".into()),
            owner: c.owner,
            created_at: at(c.created),
            expires_at: at(c.expires),
            max_lifetime_days: Some(c.max_lifetime_days.unwrap_or(365)),
            source: "config".into(),
            observation: Some("organization API keys expire (a week by default, at most a year); the API does not report the date".into()),
            ..Default::default()
        });
    }
    for a in &mut accounts.list {
        a.groups.sort();
    }
    entitlements.sort();
    entitlements.dedup();
    let rules = opts.rules();
    Ok(Collection { accounts: accounts.list, entitlements, credentials, coverage, rules })
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
    let users = if flavor(opts) == "guide" { search_spec(1, "a") } else { users_spec(1) };
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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_types_statuses_and_hidden_emails() {
        let a =
            user_account(&json!({"accountId": "5b10", "accountType": "atlassian", "displayName": "Mia Krystof", "active": false})).unwrap();
        assert_eq!((a.account_type.as_str(), a.status.as_str(), a.email), ("human", "deactivated", None));
        let bot = user_account(&json!({"accountId": "b1", "accountType": "app", "active": true, "emailAddress": null})).unwrap();
        assert_eq!((bot.account_type.as_str(), bot.email), ("service", None), "a null email is no email");
        let c = user_account(&json!({"accountId": "qm:a713:5ad6", "emailAddress": "fred@example.com", "active": true})).unwrap();
        assert_eq!(c.account_type, "customer", "qm: ids are customers even without accountType");
        assert_eq!(user_account(&json!({"accountId": "x", "accountType": "unknown"})).unwrap().account_type, "unknown");
        assert_eq!(user_account(&json!({"accountId": "x", "emailAddress": "  "})).unwrap().email, None);
        assert!(user_account(&json!({"displayName": "no id"})).is_none());
    }

    #[test]
    fn admin_groups_configured_or_atlassian_defaults() {
        assert!(is_admin_group("site-admins", &[]));
        assert!(is_admin_group("jira-admins-acme", &[]));
        assert!(!is_admin_group("jira-software-users", &[]));
        let configured = vec!["Platform-Admins".to_string()];
        assert!(is_admin_group("platform-admins", &configured));
        assert!(!is_admin_group("site-admins", &configured), "a configured list replaces the defaults");
    }

    #[test]
    fn org_activity_counts_jira_on_this_site_only() {
        let v = json!({"account_id": "a1", "email": "ann@acme.com", "last_active": "2026-12-20", "product_access": [
            {"key": "jira-servicedesk", "url": "https://acme.atlassian.net", "last_active": "2026-05-01"},
            {"key": "jira-software", "url": "other.atlassian.net", "last_active": "2026-12-01"},
            {"key": "confluence", "url": "acme.atlassian.net", "last_active": "2026-12-20"}]});
        let o = org_account(&v, SiteKey::Host("acme.atlassian.net"));
        assert_eq!(o.email.as_deref(), Some("ann@acme.com"));
        assert_eq!(o.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-05-01"), "not Confluence, not the other site");
        assert_eq!(o.products, vec!["jira-servicedesk"]);
        assert!(!o.other_site);
        let elsewhere = org_account(&v, SiteKey::Host("127.0.0.1:9"));
        assert!(elsewhere.other_site, "no entry names this site: any Jira entry, flagged");
        assert_eq!(elsewhere.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-01"));
        let never = org_account(&json!({"account_id": "a2", "product_access": []}), SiteKey::Host("acme.atlassian.net"));
        assert_eq!((never.last_active, never.other_site, never.added_to_org), (None, false, None));
    }

    #[test]
    fn org_v2_names_sites_by_ari() {
        let v = json!({"accountId": "a1", "email": "ann@acme.com", "addedToOrg": "2025-02-03T10:00:00.000Z", "productAccess": [
            {"key": "jira-servicedesk", "id": "ari:cloud:jira-servicedesk::site/c0ffee", "lastActiveTimestamp": "2026-05-01T08:00:00.000Z"},
            {"key": "jira-software", "id": "ari:cloud:jira-software::site/other", "lastActiveTimestamp": "2026-12-01T08:00:00.000Z"},
            {"key": "confluence", "id": "ari:cloud:confluence::site/c0ffee", "lastActiveTimestamp": "2026-12-20T08:00:00.000Z"}]});
        assert_eq!(org_account_id(&v).as_deref(), Some("a1"));
        let o = org_account(&v, SiteKey::CloudId(Some("c0ffee")));
        assert_eq!(o.last_active.map(|d| d.to_rfc3339()).as_deref(), Some("2026-05-01T08:00:00+00:00"));
        assert_eq!(o.added_to_org.map(|d| d.date_naive().to_string()).as_deref(), Some("2025-02-03"));
        assert!(!o.other_site);
        let any = org_account(&v, SiteKey::CloudId(None));
        assert_eq!(any.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-01"), "every Jira site counts");
        assert_eq!(any.products, vec!["jira-servicedesk", "jira-software"]);
        let elsewhere = org_account(&v, SiteKey::CloudId(Some("nope")));
        assert!(elsewhere.other_site);
    }

    #[test]
    fn hosts_and_desk_labels() {
        assert_eq!(host_of("https://Acme.atlassian.net/rest"), "acme.atlassian.net");
        assert_eq!(host_of("acme.atlassian.net"), "acme.atlassian.net");
        assert_eq!(desk_label(&json!({"id": "1", "projectKey": "IT", "projectName": "IT Help"})), "IT (IT Help)");
        assert_eq!(desk_label(&json!({"id": 7})), "7");
    }
}
