//! `check` of an Entra directory: one request to every endpoint the collection reads, each
//! refusal named with the Microsoft Graph application permission to grant.

use super::options::{EntraOptions, DEFAULTS};
use super::read::{graph_id, REGISTRATION, USERS};
use crate::collectors::http_common::{check_get, describe_client_error, not_checked, said};
use crate::collectors::revoke::enc;
use crate::collectors::{CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::AppClient;

fn grant(permission: &str) -> String {
    format!("the Microsoft Graph application permission {permission} to the app registration (with admin consent)")
}

/// The first item's id of a Graph collection.
fn first_id(f: Option<&crate::http::client::Fetched>) -> Option<String> {
    f?.body.get("value").and_then(|v| v.as_array()).and_then(|a| a.first()).and_then(graph_id)
}

/// One check of an item's sub-list: of the first item listed, else not asked.
async fn child(client: &AppClient, what: &str, template: &str, parent: Option<&String>, path: &str, permission: &str) -> EndpointCheck {
    match parent {
        Some(id) => {
            let endpoint = path.replace("{id}", &enc(id));
            // The members and assignments lists take $top; an app registration's owners are few.
            let q = if template.ends_with("/owners") { Vec::new() } else { top() };
            let (c, _) = check_get(client, what, &endpoint, &q, &grant(permission)).await;
            EndpointCheck { endpoint: format!("GET {template}"), ..c }
        }
        None => not_checked(what, &format!("GET {template}"), "none was listed"),
    }
}

fn top() -> Vec<(String, String)> {
    vec![("$top".to_string(), "1".to_string())]
}

pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &EntraOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS)
        .map_err(describe_client_error)?
        .with_policy(crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() });
    let mut checks = Vec::new();
    let mut q = top();
    q.push(("$select".into(), "id".into()));
    let (users, _) = check_get(&client, "users", USERS, &q, &grant("User.Read.All")).await;
    checks.push(users);
    if opts.sign_in_activity() {
        let mut q = top();
        q.push(("$select".into(), "id,signInActivity".into()));
        let (c, _) = check_get(
            &client,
            "last sign-in (signInActivity)",
            USERS,
            &q,
            &format!("{} and Entra ID P1 or P2 (or set sign_in_activity = false)", grant("AuditLog.Read.All")),
        )
        .await;
        checks.push(EndpointCheck { endpoint: "GET /users?$select=signInActivity".into(), ..c });
    }
    if opts.groups() || opts.apps() {
        let (c, f) = check_get(&client, "groups", "/groups", &top(), &grant("GroupMember.Read.All")).await;
        let first = first_id(f.as_ref());
        checks.push(c);
        checks.push(
            child(&client, "a group's members", "/groups/{id}/members", first.as_ref(), "/groups/{id}/members", "GroupMember.Read.All")
                .await,
        );
    }
    let (c, f) = check_get(&client, "directory roles", "/directoryRoles", &[], &grant("RoleManagement.Read.Directory")).await;
    let first = first_id(f.as_ref());
    checks.push(c);
    checks.push(
        child(
            &client,
            "a directory role's members",
            "/directoryRoles/{id}/members",
            first.as_ref(),
            "/directoryRoles/{id}/members",
            "RoleManagement.Read.Directory",
        )
        .await,
    );
    if opts.apps() {
        let (c, f) = check_get(&client, "enterprise apps", "/servicePrincipals", &top(), &grant("Application.Read.All")).await;
        let first = first_id(f.as_ref());
        checks.push(c);
        checks.push(
            child(
                &client,
                "an app's assignments",
                "/servicePrincipals/{id}/appRoleAssignedTo",
                first.as_ref(),
                "/servicePrincipals/{id}/appRoleAssignedTo",
                "Application.Read.All",
            )
            .await,
        );
    }
    if opts.mfa() {
        let (c, _) = check_get(
            &client,
            "MFA registration",
            REGISTRATION,
            &[],
            &format!("{} and Entra ID P1 or P2 (or set mfa = false)", grant("AuditLog.Read.All")),
        )
        .await;
        checks.push(c);
    }
    if opts.app_registrations() {
        let (c, f) = check_get(&client, "app registrations", "/applications", &top(), &grant("Application.Read.All")).await;
        let first = first_id(f.as_ref());
        let n = f.as_ref().and_then(|f| f.body.get("value").and_then(|v| v.as_array()).map(Vec::len));
        checks.push(said(c, n.map(|_| "readable".to_string()).unwrap_or_default()));
        checks.push(
            child(
                &client,
                "an app registration's owners",
                "/applications/{id}/owners",
                first.as_ref(),
                "/applications/{id}/owners",
                "Application.Read.All",
            )
            .await,
        );
    }
    Ok(checks)
}
