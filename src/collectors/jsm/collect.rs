//! Collecting kind `jira_service_management`: everything read at once (`specs::fetch`), put
//! together (`merge`), with the coverage of every list and the site's credentials.

use super::mapping::host_of;
use super::merge::Merge;
use super::options::{flavor, org_v2, JsmFlavor, JsmOptions, DEFAULTS};
use super::org::{self, org_client, SiteKey};
use super::specs::fetch;
use crate::collectors::http_common::{combine, coverage_from, describe_client_error};
use crate::collectors::CollectError;
use crate::config::{AppConfig, AuthConfig, HttpConfig, KindOptions};
use crate::http::AppClient;
use crate::model::{Collection, CredentialRecord, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};

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
        (Some(org_client), Some(listing)) => (m.organization(listing, site, opts), Some(org_client.stats.clone())),
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
    Ok(Collection { accounts, entitlements, credentials, coverage, rules: opts.rules(), ..Default::default() })
}
