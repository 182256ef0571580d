//! Reading a SCIM service provider: Users and Groups through the engine's `startIndex` pager,
//! each User mapped to an account, and `check`'s requests.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::options::{preset, ScimOptions, DEFAULTS};
use crate::collectors::http_common::{check_get, combine, coverage_from, describe_client_error, said, text, time_at};
use crate::collectors::{CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::{AppClient, ListSpec, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

/// A boolean written as `true` or `"True"`.
pub fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn scim_id(v: &Value) -> Option<String> {
    match v.get("id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `value`s of a multi-valued attribute (`roles`, `entitlements`, `groups`): objects with
/// `value` / `display`, or plain strings.
fn values<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v.get(key).and_then(|x| x.as_array()).map(|a| a.iter().collect()).unwrap_or_default()
}

/// Email, other emails: primary first, else `work`, else the first.
pub fn emails(v: &Value) -> (Option<String>, Vec<String>) {
    let list: Vec<(String, bool, bool)> = values(v, "emails")
        .into_iter()
        .filter_map(|e| {
            let value = e.as_str().or_else(|| text(e, "value"))?.trim().to_string();
            Some((value, boolean(e.get("primary")).unwrap_or(false), text(e, "type").is_some_and(|t| t.eq_ignore_ascii_case("work"))))
        })
        .filter(|(e, _, _)| e.contains('@'))
        .collect();
    let main = list.iter().find(|e| e.1).or_else(|| list.iter().find(|e| e.2)).or(list.first()).map(|e| e.0.clone());
    let mut others: Vec<String> = list.into_iter().map(|e| e.0).filter(|e| Some(e) != main.as_ref()).collect();
    others.dedup();
    (main, others)
}

/// One SCIM User as an account (without its groups, roles and entitlements).
pub fn user_account(v: &Value) -> Option<AccountRecord> {
    let id = scim_id(v)?;
    let user_name = text(v, "userName");
    let (mut email, others) = emails(v);
    if email.is_none() {
        email = user_name.filter(|u| u.contains('@')).map(str::to_string);
    }
    let name = text(v, "displayName").map(str::to_string).or_else(|| {
        let n = v.get("name")?;
        text(n, "formatted").map(str::to_string).or_else(|| {
            let parts: Vec<&str> = ["givenName", "familyName"].iter().filter_map(|k| text(n, k)).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    });
    let status = match boolean(v.get("active")) {
        Some(true) => AccountStatus::Active,
        Some(false) => AccountStatus::Disabled,
        None => AccountStatus::Unknown,
    };
    let account_type = match text(v, "userType").map(str::to_lowercase).as_deref() {
        Some("service") | Some("bot") | Some("application") | Some("app") => AccountType::Service,
        _ => AccountType::Human,
    };
    Some(AccountRecord {
        account_id: id,
        username: user_name.map(str::to_string),
        email,
        other_emails: others,
        display_name: name,
        status,
        account_type,
        is_admin: false,
        admin_reason: None,
        created_at: v.get("meta").and_then(|m| time_at(m, "created")),
        last_login_at: None,
        invited_at: None,
        groups: Vec::new(),
        auth_source: AuthSource::Sso,
        ..Default::default()
    })
}

/// The list of one SCIM endpoint, read by the engine's `startIndex` pager.
fn list_spec(endpoint: &str, count: u32, start_base: Option<u32>, what: &str) -> ListSpec {
    ListSpec {
        endpoint: endpoint.into(),
        query: Vec::new(),
        pager: Pager::StartIndex { page_size: count, base: start_base },
        items: "Resources|resources".into(),
        id: scim_id,
        what: what.into(),
    }
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &ScimOptions) -> Result<Collection, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    let cap = opts.preset.as_deref().and_then(preset).map(|p| p.max_count).unwrap_or(1000);
    let count = http.page_size.unwrap_or(100).clamp(1, cap);
    let users_path = opts.users_path.clone().unwrap_or_else(|| "/Users".into());
    let groups_path = opts.groups_path.clone().unwrap_or_else(|| "/Groups".into());
    let users_spec = list_spec(&users_path, count, opts.start_index, "users");
    let (mut users, groups) = if groups_path.is_empty() {
        (client.list(&users_spec).await, None)
    } else {
        let groups_spec = list_spec(&groups_path, count, opts.start_index, "groups");
        let (u, g) = tokio::join!(client.list(&users_spec), client.list(&groups_spec));
        (u, Some(g))
    };
    let mut accounts = Vec::with_capacity(users.items.len());
    let mut entitlements = Vec::new();
    let mut memberships: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in &users.items {
        let Some(mut a) = user_account(u) else { continue };
        let mut reasons = Vec::new();
        for r in values(u, "roles") {
            let Some(value) = r.as_str().or_else(|| text(r, "value")).or_else(|| text(r, "display")) else { continue };
            let privileged = opts.admin_roles.iter().any(|x| x.eq_ignore_ascii_case(value));
            if privileged {
                reasons.push(format!("role {value}"));
            }
            entitlements.push(EntitlementRecord {
                account_id: a.account_id.clone(),
                kind: EntitlementKind::Role,
                value: value.into(),
                privileged,
            });
        }
        for e in values(u, "entitlements") {
            if let Some(value) = e.as_str().or_else(|| text(e, "value")) {
                entitlements.push(EntitlementRecord {
                    account_id: a.account_id.clone(),
                    kind: EntitlementKind::Entitlement,
                    value: value.into(),
                    privileged: false,
                });
            }
        }
        for g in values(u, "groups") {
            if let Some(name) = text(g, "display").or_else(|| text(g, "value")).or_else(|| g.as_str()) {
                memberships.entry(a.account_id.clone()).or_default().insert(name.to_string());
            }
        }
        if !reasons.is_empty() {
            a.is_admin = true;
            a.admin_reason = Some(reasons.join("; "));
        }
        accounts.push(a);
    }
    let mut parts = Vec::new();
    if let Some(mut groups) = groups {
        for g in &groups.items {
            let Some(name) = text(g, "displayName").or_else(|| text(g, "display")).map(str::to_string).or_else(|| scim_id(g)) else {
                continue;
            };
            for m in values(g, "members") {
                if let Some(id) = text(m, "value").or_else(|| m.as_str()) {
                    memberships.entry(id.to_string()).or_default().insert(name.clone());
                }
            }
        }
        groups.items = Vec::new();
        parts.push(groups);
    }
    let index: std::collections::HashMap<String, usize> = accounts.iter().enumerate().map(|(i, a)| (a.account_id.clone(), i)).collect();
    let mut unknown_members = 0usize;
    for (id, groups) in memberships {
        let Some(i) = index.get(&id) else {
            unknown_members += 1;
            continue;
        };
        let a = &mut accounts[*i];
        for g in groups {
            let privileged = app.admin_groups.iter().any(|x| x.eq_ignore_ascii_case(&g));
            if privileged {
                let reason = format!("group {g}");
                a.admin_reason = Some(match a.admin_reason.take() {
                    Some(r) => format!("{r}; {reason}"),
                    None => reason,
                });
                a.is_admin = true;
            }
            a.groups.push(g.clone());
            entitlements.push(EntitlementRecord { account_id: id.clone(), kind: EntitlementKind::Group, value: g, privileged });
        }
        a.groups.sort();
    }
    users.items = Vec::new();
    parts.insert(0, users);
    let mut listing = combine(parts, Vec::new(), Vec::new());
    if unknown_members > 0 {
        listing.notes.push(format!(
            "{unknown_members} group member id(s) are not among the users read (members that are groups, or users not listed)"
        ));
    }
    listing.notes.push("SCIM does not report last login: no dormant or never-logged-in findings for this app".into());
    let coverage = coverage_from(app, &client, &listing, accounts.len(), false).await;
    entitlements.sort();
    entitlements.dedup();
    let credentials = vec![CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: "SCIM token".into(),
        source: "api".into(),
        observation: Some("SCIM bearer token; the service provider does not report when it expires".into()),
        ..Default::default()
    }];
    Ok(Collection { accounts, entitlements, credentials, coverage, ..Default::default() })
}

/// `check`: one user, and one group when groups are read.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &ScimOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS)
        .map_err(describe_client_error)?
        .with_policy(crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() });
    let one = [("startIndex".to_string(), "1".to_string()), ("count".to_string(), "1".to_string())];
    let grant = "a SCIM token allowed to read Users and Groups";
    let users_path = opts.users_path.clone().unwrap_or_else(|| "/Users".into());
    let (users, f) = check_get(&client, "users", &users_path, &one, grant).await;
    let total = |f: Option<crate::http::client::Fetched>, what: &str| match f
        .and_then(|f| crate::http::pager::number_at(&f.body, "totalResults"))
    {
        Some(t) => format!("the server reports {t} {what}"),
        None => "the server reports no totalResults".into(),
    };
    let mut checks = vec![said(users, total(f, "user(s)"))];
    let groups_path = opts.groups_path.clone().unwrap_or_else(|| "/Groups".into());
    if !groups_path.is_empty() {
        let (groups, f) = check_get(&client, "groups", &groups_path, &one, grant).await;
        checks.push(said(groups, total(f, "group(s)")));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_with_every_shape_of_email_and_boolean() {
        let u = json!({"id": "2819c223", "userName": "bjensen@example.com", "displayName": "Babs Jensen", "active": "True",
                       "emails": [{"value": "babs@home.example", "type": "home"}, {"value": "bjensen@example.com", "type": "work", "primary": "true"}],
                       "meta": {"created": "2010-01-23T04:56:22Z"}});
        let a = user_account(&u).unwrap();
        assert_eq!((a.email.as_deref(), a.status.as_str()), (Some("bjensen@example.com"), "active"));
        assert_eq!(a.other_emails, vec!["babs@home.example"]);
        assert!(a.created_at.is_some());
        let no_primary = user_account(&json!({"id": 1, "userName": "x", "active": false,
                                              "emails": [{"value": "a@x.example"}, {"value": "w@x.example", "type": "work"}],
                                              "name": {"givenName": "Al", "familyName": "Ex"}}))
        .unwrap();
        assert_eq!((no_primary.email.as_deref(), no_primary.status.as_str()), (Some("w@x.example"), "disabled"));
        assert_eq!(no_primary.display_name.as_deref(), Some("Al Ex"));
        let bare = user_account(&json!({"id": "u3", "userName": "c@x.example", "userType": "Service"})).unwrap();
        assert_eq!((bare.email.as_deref(), bare.status.as_str(), bare.account_type.as_str()), (Some("c@x.example"), "unknown", "service"));
        assert_eq!(boolean(Some(&json!("False"))), Some(false));
    }

    #[test]
    fn presets() {
        assert_eq!(preset("atlassian").map(|p| p.max_count), Some(100));
        assert!(preset("nope").is_none());
    }
}
