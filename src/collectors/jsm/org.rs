//! The organization admin API (v1 and v2): its client, its list, and what it adds to the site's
//! accounts (hidden emails, last activity in Jira, the date an account joined).

use serde_json::Value;

/// Where the organization API is unless `org_api_url` says otherwise.
pub const DEFAULT_ORG_API_URL: &str = "https://api.atlassian.com";

use super::mapping::{host_of, org_account_id};
use super::options::JsmOptions;
use crate::collectors::http_common::{describe_client_error, text, time_at};
use crate::collectors::CollectError;
use crate::config::{AppConfig, AuthConfig, HttpConfig};
use crate::http::{AppClient, KindDefaults, ListSpec, Pager};
use crate::model::CredentialRecord;

pub(super) const ORG_DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 1,
    token_path: None,
    token_style: crate::http::TokenStyle::Form,
    permission_hint: " (the organization API key must belong to the organization in org_id)",
    auth_hint:
        "; organization API keys expire (after a week by default, at most a year): create one at admin.atlassian.com > Settings > API keys",
    requests_per_hour: None,
};

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
    /// v2's `managementSource`: `synced` (from the identity provider) is single sign-on.
    pub auth_source: crate::model::AuthSource,
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
        // v2: an account synced from the organization's identity provider signs in through it.
        auth_source: match text(v, "managementSource") {
            Some(s) if s.eq_ignore_ascii_case("synced") => crate::model::AuthSource::Sso,
            _ => crate::model::AuthSource::Unknown,
        },
    }
}

pub(super) fn org_spec(org: &str, v2: bool) -> ListSpec {
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
pub(super) fn org_client(app: &AppConfig, http: &HttpConfig, opts: &JsmOptions) -> Result<Option<AppClient>, CollectError> {
    let (Some(_), Some(key)) = (&opts.org_id, &opts.org_api_key) else { return Ok(None) };
    let cfg = HttpConfig {
        base_url: opts.org_api_url.clone().unwrap_or_else(|| DEFAULT_ORG_API_URL.into()),
        auth: AuthConfig::Bearer { token: key.clone() },
        ca_file: None,
        insecure_skip_verify: false,
        page_size: None,
        ..http.clone()
    };
    AppClient::new(&format!("{} (organization API)", app.name), &cfg, &ORG_DEFAULTS).map(Some).map_err(describe_client_error)
}

/// The organization API key, as the config describes it (the API does not report its expiry).
pub(super) fn credential(opts: &JsmOptions) -> CredentialRecord {
    let c = opts.org_credential.clone().unwrap_or_default();
    let at = |d: Option<crate::config::ConfigDate>| d.and_then(|d| d.0.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
    CredentialRecord {
        credential_id: "org-api-key".into(),
        label: c.label.unwrap_or_else(|| "Atlassian organization API key".into()),
        owner: c.owner,
        created_at: at(c.created),
        expires_at: at(c.expires),
        max_lifetime_days: Some(c.max_lifetime_days.unwrap_or(365)),
        source: "config".into(),
        observation: Some("organization API keys expire (a week by default, at most a year); the API does not report the date".into()),
        ..Default::default()
    }
}
