//! `check` of a Google Workspace customer: one request to every endpoint the collection reads,
//! each refusal named with the scope (and administrator privilege) to grant.

use super::options::{GoogleWorkspaceOptions, DEFAULTS, ROLES_SCOPE, SECURITY_SCOPE, USERS_SCOPE};
use super::read::{tokens_path, DIRECTORY};
use crate::collectors::http_common::{check_get, describe_client_error};
use crate::collectors::revoke::enc;
use crate::collectors::{CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::AppClient;

fn grant(scope: &str, privilege: &str) -> String {
    format!("the scope {scope} to the service account's client id (domain-wide delegation), and the {privilege} privilege to the administrator it acts as")
}

pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &GoogleWorkspaceOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS)
        .map_err(describe_client_error)?
        .with_policy(crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() });
    let customer = enc(opts.customer());
    let mut checks = Vec::new();
    let q = vec![("customer".to_string(), opts.customer().to_string()), ("maxResults".to_string(), "1".to_string())];
    let (users, f) = check_get(&client, "users", &format!("{DIRECTORY}/users"), &q, &grant(USERS_SCOPE, "Users: Read")).await;
    let first = f.as_ref().and_then(|f| f.body.get("users")?.as_array()?.first()?.get("id")?.as_str().map(str::to_string));
    checks.push(users);
    if opts.roles() {
        let one = vec![("maxResults".to_string(), "1".to_string())];
        for (what, path) in [("administrator roles", "roles"), ("role assignments", "roleassignments")] {
            let (c, _) = check_get(
                &client,
                what,
                &format!("{DIRECTORY}/customer/{customer}/{path}"),
                &one,
                &grant(ROLES_SCOPE, "Admin roles: Read"),
            )
            .await;
            checks.push(c);
        }
    }
    if opts.oauth_tokens() {
        let check = match &first {
            Some(id) => {
                check_get(
                    &client,
                    "a user's OAuth grants",
                    &tokens_path(id),
                    &[],
                    &format!("{} (or set oauth_tokens = false)", grant(SECURITY_SCOPE, "Security")),
                )
                .await
                .0
            }
            None => crate::collectors::http_common::not_checked("a user's OAuth grants", "", "no user was listed"),
        };
        checks.push(EndpointCheck { endpoint: format!("GET {DIRECTORY}/users/{{userKey}}/tokens"), ..check });
    }
    Ok(checks)
}
