//! Reading the workspace's users: the guide's `/users` (offset/limit, total) or Bird's
//! organization members (cursor), each mapped to an account; and `check`'s request.

use serde_json::Value;

use super::options::{MessagebirdFlavor, MessagebirdOptions, DEFAULTS};
use crate::collectors::http_common::{check_get, coverage_from, describe_client_error, said, text, time_at};
use crate::collectors::{CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::{AppClient, ListSpec, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

const DEFAULT_ADMIN_ROLES: [&str; 3] = ["admin", "owner", "organization-admin"];

/// Roles of an item: `role`, `roles` (strings or `{name}`/`{id}` objects), `roleRefs[].id`.
fn roles_of(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = text(v, "role") {
        out.push(r.to_string());
    }
    for key in ["roles", "roleRefs"] {
        for r in v.get(key).and_then(|x| x.as_array()).into_iter().flatten() {
            if let Some(s) = r.as_str().or_else(|| text(r, "name")).or_else(|| text(r, "id")) {
                out.push(s.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn admin(roles: &[String], admin_roles: &[String]) -> Option<String> {
    let hit: Vec<&String> = roles.iter().filter(|r| admin_roles.iter().any(|a| a.eq_ignore_ascii_case(r))).collect();
    if hit.is_empty() {
        None
    } else {
        Some(hit.iter().map(|r| format!("role {r}")).collect::<Vec<_>>().join("; "))
    }
}

/// One user of the guide's `/users`.
pub fn guide_account(item: &Value, admin_roles: &[String]) -> Option<(AccountRecord, Vec<String>)> {
    let id = text(item, "id")?.to_string();
    let status = match text(item, "status").map(str::to_lowercase).as_deref() {
        Some("active") => AccountStatus::Active,
        Some("invited") | Some("pending") => AccountStatus::Invited,
        Some("suspended") | Some("blocked") => AccountStatus::Suspended,
        Some("disabled") => AccountStatus::Disabled,
        Some("deleted") => AccountStatus::Deactivated,
        _ => AccountStatus::Unknown,
    };
    let name = [text(item, "firstName"), text(item, "lastName")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let roles = roles_of(item);
    let created_at = time_at(item, "createdAt");
    let reason = admin(&roles, admin_roles);
    Some((
        AccountRecord {
            account_id: id,
            username: None,
            email: text(item, "email").map(str::to_string),
            other_emails: Vec::new(),
            display_name: Some(name).filter(|n| !n.is_empty()),
            status,
            account_type: AccountType::Human,
            is_admin: reason.is_some(),
            admin_reason: reason,
            created_at,
            last_login_at: None,
            invited_at: if status == AccountStatus::Invited { created_at } else { None },
            groups: Vec::new(),
            auth_source: AuthSource::Unknown,
            ..Default::default()
        },
        roles,
    ))
}

/// One membership of Bird's `/organizations/{org}/users`.
pub fn bird_account(item: &Value, admin_roles: &[String]) -> Option<(AccountRecord, Vec<String>)> {
    let user = item.get("user")?;
    let id = text(user, "id")?.to_string();
    let membership = text(item, "status").map(str::to_lowercase);
    let user_status = text(user, "status").map(str::to_lowercase);
    let status = match (membership.as_deref(), user_status.as_deref()) {
        (Some("banned") | Some("suspended"), _) => AccountStatus::Suspended,
        (Some("invited") | Some("requested-to-join"), _) | (_, Some("pending")) => AccountStatus::Invited,
        (Some("active"), _) | (None, Some("active")) => AccountStatus::Active,
        (Some("removed") | Some("deleted"), _) => AccountStatus::Deactivated,
        _ => AccountStatus::Unknown,
    };
    let mut emails: Vec<String> =
        user.get("emails").and_then(|e| e.as_array()).into_iter().flatten().filter_map(|e| text(e, "email").map(str::to_string)).collect();
    let primary = text(user, "defaultEmail").filter(|e| e.contains('@')).map(str::to_string).or_else(|| emails.first().cloned());
    emails.retain(|e| Some(e) != primary.as_ref());
    let roles = roles_of(item);
    let reason = admin(&roles, admin_roles);
    let invited = time_at(item, "createdAt");
    Some((
        AccountRecord {
            account_id: id,
            username: None,
            email: primary,
            other_emails: emails,
            display_name: text(user, "name").map(str::to_string),
            status,
            account_type: AccountType::Human,
            is_admin: reason.is_some(),
            admin_reason: reason,
            created_at: time_at(user, "createdAt"),
            last_login_at: None,
            invited_at: if status == "invited" { invited } else { None },
            groups: Vec::new(),
            auth_source: AuthSource::Unknown,
            ..Default::default()
        },
        roles,
    ))
}

fn guide_id(v: &Value) -> Option<String> {
    text(v, "id").map(str::to_string)
}

fn bird_id(v: &Value) -> Option<String> {
    v.get("user").and_then(|u| text(u, "id")).map(str::to_string)
}

/// The list to read, by flavour.
pub fn list_spec(http: &HttpConfig, opts: &MessagebirdOptions, app: &str) -> Result<ListSpec, CollectError> {
    let page_size = http.page_size.unwrap_or(100).clamp(1, 100);
    match opts.flavor.unwrap_or_default() {
        MessagebirdFlavor::Messagebird => Ok(ListSpec {
            endpoint: "/users".into(),
            query: Vec::new(),
            pager: Pager::offset_limit(page_size, Some("totalCount")),
            items: "items".into(),
            id: guide_id,
            what: "users".into(),
        }),
        MessagebirdFlavor::Bird => {
            let org = opts.organization_id.as_deref().ok_or_else(|| CollectError::Input {
                app: app.into(),
                detail: "flavor = \"bird\" needs organization_id (the organization's UUID from the Bird dashboard)".into(),
            })?;
            Ok(ListSpec {
                endpoint: format!("/organizations/{org}/users"),
                query: Vec::new(),
                pager: Pager::cursor("pageToken", "limit", page_size, "nextPageToken"),
                items: "results".into(),
                id: bird_id,
                what: "organization members".into(),
            })
        }
    }
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &MessagebirdOptions) -> Result<Collection, CollectError> {
    let spec = list_spec(http, opts, &app.name)?;
    let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    let admin_roles: Vec<String> =
        if opts.admin_roles.is_empty() { DEFAULT_ADMIN_ROLES.iter().map(|s| s.to_string()).collect() } else { opts.admin_roles.clone() };
    let bird = opts.flavor == Some(MessagebirdFlavor::Bird);
    let listing = client.list(&spec).await;
    let mut accounts = Vec::with_capacity(listing.items.len());
    let mut entitlements = Vec::new();
    let mut unreadable = 0usize;
    for item in &listing.items {
        let mapped = if bird { bird_account(item, &admin_roles) } else { guide_account(item, &admin_roles) };
        match mapped {
            Some((account, roles)) => {
                for r in roles {
                    let privileged = admin_roles.iter().any(|a| a.eq_ignore_ascii_case(&r));
                    entitlements.push(EntitlementRecord {
                        account_id: account.account_id.clone(),
                        kind: EntitlementKind::Role,
                        value: r,
                        privileged,
                    });
                }
                accounts.push(account);
            }
            None => unreadable += 1,
        }
    }
    let mut coverage = coverage_from(app, &client, &listing, accounts.len(), false).await;
    if unreadable > 0 {
        coverage.errors.push(format!("{unreadable} item(s) without an id could not be read as accounts"));
        coverage.status = crate::model::COVERAGE_PARTIAL;
    }
    coverage.notes.push("the API does not report last login: no dormant or never-logged-in findings for this app".into());
    let credentials = vec![CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: format!("{} access key", if bird { "Bird" } else { "MessageBird" }),
        source: "api".into(),
        observation: Some("AccessKey authentication; the API does not report when a key expires".into()),
        ..Default::default()
    }];
    entitlements.sort();
    entitlements.dedup();
    Ok(Collection { accounts, entitlements, credentials, coverage, ..Default::default() })
}

/// `check`: the users list (the only endpoint this kind reads), one user.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &MessagebirdOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let spec = list_spec(http, opts, &app.name)?;
    // A check is one request, or two when the first fails in passing.
    let client = AppClient::new(&app.name, http, &DEFAULTS)
        .map_err(describe_client_error)?
        .with_policy(crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() });
    let query = spec.pager.with_page_size(1).position_query(0);
    let (check, fetched) =
        check_get(&client, "users", &spec.endpoint, &query, "an organization-level access key that may read the organization's members")
            .await;
    let total = fetched.and_then(|f| spec.pager.total(&f.body, &f.headers));
    Ok(vec![said(
        check,
        match total {
            Some(t) => format!("the API reports {t} user(s)"),
            None => "this API reports no total".into(),
        },
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles() -> Vec<String> {
        DEFAULT_ADMIN_ROLES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn guide_user_maps_status_role_and_invitation() {
        let item = json!({"id": "u1", "email": "ann@acme.com", "firstName": "Ann", "lastName": "Lee", "role": "admin", "status": "invited", "createdAt": "2026-11-01T10:00:00Z"});
        let (a, r) = guide_account(&item, &roles()).unwrap();
        assert_eq!((a.status.as_str(), a.is_admin, a.admin_reason.as_deref()), ("invited", true, Some("role admin")));
        assert_eq!(a.display_name.as_deref(), Some("Ann Lee"));
        assert_eq!(a.invited_at, a.created_at);
        assert_eq!(r, vec!["admin"]);
        assert!(guide_account(&json!({"email": "x@y.z"}), &roles()).is_none(), "no id");
    }

    #[test]
    fn bird_membership_maps_pending_banned_and_emails() {
        let item = json!({"user": {"id": "b1", "status": "pending", "name": "Bo", "defaultEmail": "text",
            "emails": [{"email": "bo@acme.com"}, {"email": "bo@old.example"}], "createdAt": "2025-11-27T03:50:53.094Z"},
            "status": "active", "createdAt": "2026-12-01T00:00:00Z", "roleRefs": [{"id": "owner", "type": "organization"}]});
        let (a, _) = bird_account(&item, &roles()).unwrap();
        assert_eq!(a.status, "invited", "a pending user is an invitation");
        assert_eq!(a.email.as_deref(), Some("bo@acme.com"), "defaultEmail \"text\" is not an address");
        assert_eq!(a.other_emails, vec!["bo@old.example"]);
        assert!(a.is_admin);
        assert!(a.invited_at.is_some());
        let banned = json!({"user": {"id": "b2", "status": "active"}, "status": "banned"});
        assert_eq!(bird_account(&banned, &roles()).unwrap().0.status, "suspended");
    }
}
