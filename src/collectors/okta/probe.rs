//! `check` of an Okta org: one request to every endpoint the collection reads, each refusal
//! named with the scope (or administrator role) to grant.

use super::options::{OktaOptions, DEFAULTS};
use super::read::{okta_id, DEPROVISIONED, USERS};
use crate::collectors::http_common::{check_get, describe_client_error, not_checked, oauth_scope, said};
use crate::collectors::revoke::enc;
use crate::collectors::{CheckOutcome, CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::AppClient;

fn grant(scope: &str) -> String {
    format!("the {scope} scope to the service app (an API token: a Read-only Administrator's)")
}

/// The first item's id of an answer that is an array (or `{value: [...]}`).
fn first_id(f: Option<&crate::http::client::Fetched>) -> Option<String> {
    let body = &f?.body;
    body.as_array().or_else(|| body.get("value").and_then(|v| v.as_array())).and_then(|a| a.first()).and_then(okta_id)
}

pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &OktaOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS)
        .map_err(describe_client_error)?
        .with_policy(crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() });
    let one = vec![("limit".to_string(), "1".to_string())];
    let mut checks = Vec::new();
    let (users, f) = check_get(&client, "users", USERS, &one, &grant("okta.users.read")).await;
    let first_user = first_id(f.as_ref());
    checks.push(users);
    if let Some(scope) = client.auth.token_info().await.and_then(|i| i.scope) {
        let (text, write) = oauth_scope(&scope);
        let text = text.unwrap_or_else(|| "the scope names no permission".into());
        checks.push(EndpointCheck {
            what: "OAuth token scope".into(),
            endpoint: format!("POST {}", DEFAULTS.token_path.unwrap_or_default()),
            outcome: if write == Some(true) {
                CheckOutcome::Failed(format!("{text}: broader than a read-only audit needs (grant the okta.*.read scopes only)"))
            } else {
                CheckOutcome::Ok(text)
            },
        });
    }
    if opts.deprovisioned() {
        let mut q = one.clone();
        q.push(("filter".into(), DEPROVISIONED.into()));
        checks.push(check_get(&client, "deprovisioned users", USERS, &q, &grant("okta.users.read")).await.0);
    }
    if opts.factors() {
        match &first_user {
            Some(id) => {
                let endpoint = format!("{USERS}/{}/factors", enc(id));
                let (c, _) = check_get(&client, "a user's factors", &endpoint, &[], &grant("okta.users.read (okta.factors.read)")).await;
                checks.push(EndpointCheck { endpoint: "GET /api/v1/users/{id}/factors".into(), ..c });
            }
            None => checks.push(not_checked("a user's factors", "GET /api/v1/users/{id}/factors", "no user was listed")),
        }
    }
    let (assignees, f) =
        check_get(&client, "users with administrator roles", "/api/v1/iam/assignees/users", &one, &grant("okta.roles.read")).await;
    let admin = first_id(f.as_ref());
    checks.push(assignees);
    match admin.or(first_user) {
        Some(id) => {
            let endpoint = format!("{USERS}/{}/roles", enc(&id));
            let (c, _) = check_get(&client, "a user's roles", &endpoint, &[], &grant("okta.roles.read")).await;
            checks.push(EndpointCheck { endpoint: "GET /api/v1/users/{id}/roles".into(), ..c });
        }
        None => checks.push(not_checked("a user's roles", "GET /api/v1/users/{id}/roles", "no user was listed")),
    }
    if opts.groups() || opts.apps() {
        let (groups, f) = check_get(&client, "groups", "/api/v1/groups", &one, &grant("okta.groups.read")).await;
        let first_group = first_id(f.as_ref());
        checks.push(groups);
        if opts.groups() {
            match first_group {
                Some(id) => {
                    let endpoint = format!("/api/v1/groups/{}/users", enc(&id));
                    let (c, _) = check_get(&client, "a group's members", &endpoint, &one, &grant("okta.groups.read")).await;
                    checks.push(EndpointCheck { endpoint: "GET /api/v1/groups/{id}/users".into(), ..c });
                }
                None => checks.push(not_checked("a group's members", "GET /api/v1/groups/{id}/users", "no group was listed")),
            }
        }
    }
    if opts.apps() {
        let (apps, f) = check_get(&client, "apps", "/api/v1/apps", &one, &grant("okta.apps.read")).await;
        let first_app = first_id(f.as_ref());
        checks.push(apps);
        for (what, path) in [("an app's assigned users", "users"), ("an app's assigned groups", "groups")] {
            match &first_app {
                Some(id) => {
                    let endpoint = format!("/api/v1/apps/{}/{path}", enc(id));
                    let (c, _) = check_get(&client, what, &endpoint, &one, &grant("okta.apps.read")).await;
                    checks.push(EndpointCheck { endpoint: format!("GET /api/v1/apps/{{id}}/{path}"), ..c });
                }
                None => checks.push(not_checked(what, &format!("GET /api/v1/apps/{{id}}/{path}"), "no app was listed")),
            }
        }
    }
    if opts.api_tokens() {
        let (c, f) = check_get(
            &client,
            "API tokens",
            "/api/v1/api-tokens",
            &one,
            "the okta.apiTokens.read scope (an API token: a Super Administrator's), or set api_tokens = false",
        )
        .await;
        let n = f.as_ref().and_then(|f| f.body.as_array().map(Vec::len));
        checks.push(said(c, n.map(|_| "readable".to_string()).unwrap_or_default()));
    }
    Ok(checks)
}
