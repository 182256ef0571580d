//! `check` of kind `beyondtrust`: one request per endpoint kind the flavour's collection uses.

use serde_json::json;

use super::accounts::snake_id;
use super::config_api::{api_permissions, ApiPermissions, API_INFO, CONFIGURATION_WRITES};
use super::options::{flavor, BeyondtrustFlavor, BeyondtrustOptions, CONFIG_API, PASSWORD_SAFE, PUBLIC_V3};
use super::password_safe::{ps_sign_in_method, session_cookie};
use crate::collectors::http_common::{check_get, classify, describe_client_error, id_text, not_checked, said};
use crate::collectors::{CheckOutcome, CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig, Secret};
use crate::http::AppClient;

/// `check`: one request per endpoint kind the flavour's collection uses. `public_v3`: users and
/// groups; `config_api`: users and, with `group_policies`, the first user's group policies;
/// `password_safe`: sign in, users, user groups and the first group's users, sign out.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
    let mut checks = Vec::new();
    match flavor(opts) {
        BeyondtrustFlavor::PasswordSafe => {
            let grant = "the User Accounts Management feature (read) to the run-as user's group";
            let mut client = AppClient::new(&app.name, http, &PASSWORD_SAFE).map_err(describe_client_error)?.with_policy(policy);
            let signed = match client.post_json("/Auth/SignAppin", &json!({})).await {
                Ok(f) => f,
                Err(e) => {
                    let outcome = classify(&e, "the API registration to the run-as user (and this host)");
                    checks.push(EndpointCheck { what: "sign in".into(), endpoint: "POST /Auth/SignAppin".into(), outcome });
                    return Ok(checks);
                }
            };
            checks.push(EndpointCheck {
                what: "sign in".into(),
                endpoint: "POST /Auth/SignAppin".into(),
                outcome: CheckOutcome::Ok(format!("with {}", ps_sign_in_method(http))),
            });
            if let Some(c) = session_cookie(&signed.headers) {
                client.session_headers.push(("Cookie".into(), Secret::new(c)));
            }
            let (users, f) = check_get(&client, "users", "/Users", &[("includeInactive".into(), "true".into())], grant).await;
            let n = f.and_then(|f| f.body.as_array().map(|a| a.len()));
            checks.push(said(users, n.map(|n| format!("{n} user(s)")).unwrap_or_default()));
            let (groups, f) = check_get(&client, "user groups", "/UserGroups", &[], grant).await;
            let first = f.and_then(|f| f.body.as_array().and_then(|a| a.first().cloned()));
            checks.push(groups);
            match first.and_then(|g| id_text(g.get("GroupID")).or_else(|| id_text(g.get("GroupId")))) {
                Some(id) => {
                    checks.push(check_get(&client, "users of a user group", &format!("/UserGroups/{id}/Users"), &[], grant).await.0)
                }
                None => checks.push(not_checked("users of a user group", "GET /UserGroups/{id}/Users", "no user group was listed")),
            }
            let out = client.post_json("/Auth/Signout", &json!({})).await;
            checks.push(EndpointCheck {
                what: "sign out".into(),
                endpoint: "POST /Auth/Signout".into(),
                outcome: match out {
                    Ok(_) => CheckOutcome::Ok(String::new()),
                    Err(e) => classify(&e, "nothing (the session times out on the appliance)"),
                },
            });
        }
        BeyondtrustFlavor::ConfigApi => {
            let grant = "the Configuration API permission to the API account (/login > Management > API Configuration)";
            let mut client = AppClient::new(&app.name, http, &CONFIG_API).map_err(describe_client_error)?.with_policy(policy);
            client.extra_headers.push(("Connection".into(), "close".into()));
            let (users, f) = check_get(&client, "users", "/api/config/v1/user", &[("per_page".into(), "1".into())], grant).await;
            let total = f.as_ref().and_then(|f| f.headers.get("x-bt-pagination-total").and_then(|v| v.to_str().ok()).map(str::to_string));
            let first = f.and_then(|f| f.body.as_array().and_then(|a| a.first().and_then(snake_id)));
            checks.push(said(users, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default()));
            if opts.group_policies {
                match first {
                    Some(id) => checks.push(
                        check_get(&client, "group policies of a user", &format!("/api/config/v1/user/{id}/group-policies"), &[], grant)
                            .await
                            .0,
                    ),
                    None => checks.push(not_checked(
                        "group policies of a user",
                        "GET /api/config/v1/user/{id}/group-policies",
                        "no user was listed",
                    )),
                }
            }
            // What the API account may do: more than reading is said, and fails the check.
            let (check, f) = check_get(&client, "API account permissions", API_INFO, &[], grant).await;
            let check = match f.map(|f| api_permissions(&f.body)) {
                Some(ApiPermissions { scope: Some(scope), write: Some(true), unavoidable: false }) => EndpointCheck {
                    outcome: CheckOutcome::Failed(format!(
                        "{scope}: broader than a read-only audit needs (give the API account read_only for the command API)"
                    )),
                    ..check
                },
                Some(ApiPermissions { scope: Some(scope), unavoidable: true, .. }) => {
                    said(check, format!("{scope} ({CONFIGURATION_WRITES})"))
                }
                Some(ApiPermissions { scope: Some(scope), .. }) => said(check, scope),
                Some(ApiPermissions { scope: None, .. }) => said(check, "the answer names no permission level"),
                None => check,
            };
            checks.push(check);
        }
        BeyondtrustFlavor::PublicV3 => {
            let grant = "read access to users and groups to the API account";
            let client = AppClient::new(&app.name, http, &PUBLIC_V3).map_err(describe_client_error)?.with_policy(policy);
            let one = [("offset".to_string(), "0".to_string()), ("limit".to_string(), "1".to_string())];
            let (users, f) = check_get(&client, "users", "/api/public/v3/users", &one, grant).await;
            let total = f.and_then(|f| f.body.get("total").map(|t| t.to_string()));
            checks.push(said(users, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default()));
            checks.push(check_get(&client, "groups", "/api/public/v3/groups", &one, grant).await.0);
        }
    }
    Ok(checks)
}
