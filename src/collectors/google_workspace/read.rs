//! Reading a Google Workspace customer through the Admin SDK Directory API: its users, the
//! administrator roles and who holds them, and each user's third-party OAuth grants; then one
//! account per user.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::options::{GoogleWorkspaceOptions, DEFAULTS};
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, text, time_at};
use crate::collectors::revoke::enc;
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig};
use crate::http::each::failures;
use crate::http::{AppClient, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AppRules, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

pub const DIRECTORY: &str = "/admin/directory/v1";
/// What `lastLoginTime` says of a user who never signed in.
const NEVER: &str = "1970-01-01T00:00:00";

fn user_id(v: &Value) -> Option<String> {
    text(v, "id").map(str::to_string)
}

fn role_id(v: &Value) -> Option<String> {
    text(v, "roleId").map(str::to_string)
}

fn assignment_id(v: &Value) -> Option<String> {
    text(v, "roleAssignmentId").map(str::to_string)
}

/// A Directory API list: `{<items>: [...], nextPageToken}`, `maxResults` a page.
fn directory_list(
    path: &str,
    query: Vec<(String, String)>,
    items: &str,
    page_size: u32,
    what: &str,
    id: fn(&Value) -> Option<String>,
) -> ListSpec {
    ListSpec {
        endpoint: format!("{DIRECTORY}{path}"),
        query,
        pager: Pager::Cursor {
            token_param: "pageToken".into(),
            limit_param: Some("maxResults".into()),
            page_size,
            next: "nextPageToken".into(),
            next_is_url: false,
        },
        items: items.into(),
        id,
        what: what.into(),
    }
}

pub fn users_spec(customer: &str, page_size: u32) -> ListSpec {
    directory_list("/users", vec![("customer".into(), customer.into())], "users", page_size, "users", user_id)
}

pub fn roles_spec(customer: &str) -> ListSpec {
    directory_list(&format!("/customer/{}/roles", enc(customer)), Vec::new(), "items", 100, "administrator roles", role_id)
}

pub fn assignments_spec(customer: &str) -> ListSpec {
    directory_list(&format!("/customer/{}/roleassignments", enc(customer)), Vec::new(), "items", 100, "role assignments", assignment_id)
}

/// The path of a user's OAuth grants.
pub fn tokens_path(user: &str) -> String {
    format!("{DIRECTORY}/users/{}/tokens", enc(user))
}

/// A role's name as the admin console shows it: `_SEED_ADMIN_ROLE` is Super Admin, the other
/// system roles `_GROUPS_ADMIN_ROLE` -> Groups Admin.
pub fn role_label(name: &str) -> String {
    match name {
        "_SEED_ADMIN_ROLE" => "Super Admin".into(),
        n if n.starts_with('_') && n.ends_with("_ROLE") => n
            .trim_start_matches('_')
            .trim_end_matches("_ROLE")
            .split('_')
            .map(|w| {
                let lower = w.to_lowercase();
                let mut c = lower.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" "),
        n => n.to_string(),
    }
}

/// The first of a user's list fields (`relations`, `organizations`, `externalIds`) that matches.
fn first_of<'a>(u: &'a Value, key: &str, keep: impl Fn(&Value) -> bool) -> Option<&'a Value> {
    let list = u.get(key)?.as_array()?;
    list.iter().filter(|x| keep(x)).max_by_key(|x| x.get("primary").and_then(Value::as_bool).unwrap_or(false))
}

/// One user as an account (without roles and grants).
pub fn user_account(u: &Value) -> Option<AccountRecord> {
    let id = text(u, "id")?.to_string();
    let email = text(u, "primaryEmail").filter(|e| e.contains('@')).map(str::to_string);
    let mut other_emails: Vec<String> = u
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| text(e, "address"))
        .chain(u.get("aliases").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str))
        .filter(|a| a.contains('@') && !email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(a)))
        .map(str::to_string)
        .collect();
    other_emails.sort();
    other_emails.dedup();
    let flag = |k: &str| u.get(k).and_then(Value::as_bool) == Some(true);
    // A suspended or archived user cannot sign in (Google's own offboarding states).
    let status = if flag("archived") {
        AccountStatus::Deactivated
    } else if flag("suspended") {
        AccountStatus::Disabled
    } else {
        AccountStatus::Active
    };
    let name = u.get("name");
    let display_name = name.and_then(|n| text(n, "fullName")).map(str::to_string).or_else(|| {
        let parts: Vec<&str> = ["givenName", "familyName"].iter().filter_map(|k| name.and_then(|n| text(n, k))).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let last_login_at = text(u, "lastLoginTime").filter(|t| !t.starts_with(NEVER)).and_then(|_| time_at(u, "lastLoginTime"));
    Some(AccountRecord {
        account_id: id,
        username: text(u, "primaryEmail").map(str::to_string),
        email,
        other_emails,
        display_name,
        status,
        account_type: AccountType::Human,
        created_at: time_at(u, "creationTime"),
        last_login_at,
        auth_source: AuthSource::Unknown,
        mfa: u.get("isEnrolledIn2Sv").and_then(Value::as_bool),
        employee_id: first_of(u, "externalIds", |x| text(x, "type") == Some("organization"))
            .and_then(|x| text(x, "value"))
            .map(str::to_string),
        department: first_of(u, "organizations", |x| text(x, "department").is_some())
            .and_then(|x| text(x, "department"))
            .map(str::to_string),
        manager_email: first_of(u, "relations", |x| text(x, "type") == Some("manager"))
            .and_then(|x| text(x, "value"))
            .filter(|v| v.contains('@'))
            .map(str::to_string),
        ..Default::default()
    })
}

/// The entitlement value of an OAuth grant: `<app name> · <client id> · <scopes>`.
pub fn grant_value(token: &Value) -> String {
    let mut scopes: Vec<&str> = token.get("scopes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    scopes.sort();
    format!("{} · {} · {}", text(token, "displayText").unwrap_or("?"), text(token, "clientId").unwrap_or("?"), scopes.join(" "))
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &GoogleWorkspaceOptions) -> Result<Collection, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    let page_size = http.page_size.unwrap_or(500).clamp(1, 500);
    let users_list = users_spec(opts.customer(), page_size);
    let (roles_list, assignments_list) = (roles_spec(opts.customer()), assignments_spec(opts.customer()));
    let (mut users, roles, assignments) = tokio::join!(
        client.list(&users_list),
        async {
            match opts.roles() {
                true => Some(client.list(&roles_list).await),
                false => None,
            }
        },
        async {
            match opts.roles() {
                true => Some(client.list(&assignments_list).await),
                false => None,
            }
        }
    );
    let mut listings: Vec<Listing> = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let user_items = std::mem::take(&mut users.items);
    let people_complete = users.complete;
    listings.push(users);

    // Roles and who holds them (users; a role assigned to a group is named, not expanded).
    let mut role_names: HashMap<String, String> = HashMap::new();
    let mut held: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match (roles, assignments) {
        (Some(mut r), Some(mut a)) => {
            for role in std::mem::take(&mut r.items) {
                if let (Some(id), Some(name)) = (text(&role, "roleId"), text(&role, "roleName")) {
                    role_names.insert(id.to_string(), role_label(name));
                }
            }
            let mut to_groups = 0usize;
            for item in std::mem::take(&mut a.items) {
                let (Some(role), Some(who)) = (text(&item, "roleId"), text(&item, "assignedTo")) else { continue };
                if text(&item, "assigneeType").is_some_and(|t| t.eq_ignore_ascii_case("group")) {
                    to_groups += 1;
                    continue;
                }
                held.entry(who.to_string()).or_default().push(role_names.get(role).cloned().unwrap_or_else(|| format!("role {role}")));
            }
            if to_groups > 0 {
                notes.push(format!(
                    "{to_groups} administrator role assignment(s) name a group: its members hold the role too (groups are not read)"
                ));
            }
            listings.push(r);
            listings.push(a);
        }
        _ => notes.push("administrator roles not read (roles = false): admins are known from isAdmin and isDelegatedAdmin only".into()),
    }

    // Each user's OAuth grants, for the users who can sign in.
    let mut grants: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    if opts.oauth_tokens() {
        let asked: Vec<(String, Vec<String>)> = user_items
            .iter()
            .filter(|u| {
                !(u.get("suspended").and_then(Value::as_bool) == Some(true) || u.get("archived").and_then(Value::as_bool) == Some(true))
            })
            .filter_map(|u| text(u, "id").map(|id| (id.to_string(), vec![tokens_path(id)])))
            .collect();
        let read = client.get_each(asked).await;
        let gone = client.recheck(&users_list, &read.not_found_ids(), "user").await;
        let refused = read.failed.iter().filter(|(_, why)| why.contains("HTTP 403")).count();
        if refused > 0 && refused == read.failed.len() && read.read.is_empty() {
            notes.push(format!(
                "OAuth grants not read: the API refused (HTTP 403; grant the {} scope, and the Security privilege to the administrator acted as)",
                super::options::SECURITY_SCOPE
            ));
        } else if let Some(e) = failures(&read.failed, "users' OAuth grants") {
            errors.push(e);
        }
        for (id, bodies) in read.read {
            let items = bodies.into_iter().next().and_then(|b| b.get("items").and_then(Value::as_array).cloned()).unwrap_or_default();
            grants.insert(id, items);
        }
        listings.push(gone.into_listing());
    } else {
        notes.push("OAuth grants not read (oauth_tokens = false)".into());
    }

    let mut accounts = Vec::with_capacity(user_items.len());
    let mut entitlements = Vec::new();
    for u in &user_items {
        let Some(mut a) = user_account(u) else { continue };
        let mut reasons: Vec<String> = Vec::new();
        if u.get("isAdmin").and_then(Value::as_bool) == Some(true) {
            reasons.push("role Super Admin".into());
        }
        for role in held.get(&a.account_id).into_iter().flatten() {
            let reason = format!("role {role}");
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
            entitlements.push(EntitlementRecord {
                account_id: a.account_id.clone(),
                kind: EntitlementKind::Role,
                value: role.clone(),
                privileged: true,
            });
        }
        if reasons.is_empty() && u.get("isDelegatedAdmin").and_then(Value::as_bool) == Some(true) {
            reasons.push("delegated administrator".into());
        }
        if !reasons.is_empty() {
            a.is_admin = true;
            a.admin_reason = Some(reasons.join("; "));
        }
        for t in grants.get(&a.account_id).into_iter().flatten() {
            let privileged =
                t.get("scopes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).any(|s| opts.privileged_scope(s));
            entitlements.push(EntitlementRecord {
                account_id: a.account_id.clone(),
                kind: EntitlementKind::OauthGrant,
                value: grant_value(t),
                privileged,
            });
        }
        accounts.push(a);
    }
    let without_email = accounts.iter().filter(|a| a.email.is_none()).count();
    if without_email > 0 {
        notes.push(format!("{without_email} user(s) have no primaryEmail: they are listed as unmatchable"));
    }
    let credentials = vec![own_credential(&client, opts).await];
    let listing = combine(listings, errors, notes);
    let coverage = coverage_from(app, &client, &listing, accounts.len(), true).await;
    entitlements.sort();
    entitlements.dedup();
    let rules = AppRules { people_complete, ..Default::default() };
    Ok(Collection { accounts, entitlements, credentials, coverage, rules, ..Default::default() })
}

/// The service account the collector acts through.
async fn own_credential(client: &AppClient, opts: &GoogleWorkspaceOptions) -> CredentialRecord {
    let info = client.auth.token_info().await;
    let tokens = opts.oauth_tokens();
    CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: "Google service account (domain-wide delegation)".into(),
        source: "api".into(),
        observation: Some(format!(
            "a service account's key acting as an administrator; a key has no end date unless the organisation's policy sets one{}",
            if tokens {
                "; users' OAuth grants are readable only with admin.directory.user.security, which can also revoke them"
            } else {
                ""
            }
        )),
        token_lifetime_seconds: info.as_ref().and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
        scope: Some(opts.scope()),
        write_access: Some(tokens),
        write_unavoidable: tokens.then_some(true),
        ..Default::default()
    }
}
