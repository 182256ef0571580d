//! `check` of kind `jira_service_management`: one request per endpoint kind the collection uses.

use serde_json::Value;

use super::mapping::desk_id;
use super::options::{flavor, org_v2, JsmFlavor, JsmOptions, DEFAULTS};
use super::org::{org_client, org_spec};
use super::specs::{self, customers_spec, desks_spec, groups_spec, members_spec, search_spec, users_spec};
use crate::collectors::http_common::{check_get, describe_client_error, not_checked, said};
use crate::collectors::{CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::AppClient;

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
