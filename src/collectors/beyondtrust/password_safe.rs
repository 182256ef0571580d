//! Flavour `password_safe` (BeyondInsight / Password Safe): a signed-in session, users (one
//! unpaged list), user groups and their members, and sign-out whatever happens.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::accounts::{account, apply_groups, pascal_id};
use super::options::PASSWORD_SAFE;
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, id_text, text, time_at};
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig, Secret};
use crate::http::{AppClient, ListSpec, Listing, Pager};
use crate::model::{AccountRecord, AccountStatus, AccountType, AuthSource, Collection, EntitlementKind, EntitlementRecord};

/// A `password_safe` user (PascalCase; `DOMAIN\user` user names are kept as they are).
pub fn ps_account(v: &Value) -> Option<AccountRecord> {
    let status = if v.get("IsQuarantined").and_then(|x| x.as_bool()) == Some(true) {
        AccountStatus::Suspended
    } else if v.get("IsActive").and_then(|x| x.as_bool()) == Some(false) {
        AccountStatus::Disabled
    } else {
        AccountStatus::Active
    };
    let name = [text(v, "FirstName"), text(v, "LastName")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let mut a = account(pascal_id(v)?, text(v, "UserName"), text(v, "EmailAddress"), Some(name), status);
    if text(v, "UserType").is_some_and(|t| t.eq_ignore_ascii_case("Application")) {
        a.account_type = AccountType::Service;
    }
    // UserType BeyondInsight (a local user), ActiveDirectory, LDAP; Application says nothing.
    a.auth_source = match text(v, "UserType").map(str::to_ascii_lowercase).as_deref() {
        Some("beyondinsight") => AuthSource::Local,
        Some("activedirectory") | Some("ldap") => AuthSource::Ldap,
        _ => AuthSource::Unknown,
    };
    a.last_login_at = time_at(v, "LastLoginDate");
    a.created_at = time_at(v, "CreatedDate");
    Some(a)
}

/// The session cookie of a `SignAppin` response.
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
        .filter(|c| c.contains('='))
        .reduce(|a, b| format!("{a}; {b}"))
}

/// How a Password Safe app signs in: the `PS-Auth` API key header, or an OAuth client's token.
pub fn ps_sign_in_method(http: &HttpConfig) -> &'static str {
    match http.auth {
        crate::config::AuthConfig::Oauth2ClientCredentials { .. } => "an OAuth client's token",
        _ => "the API key",
    }
}

pub async fn password_safe(app: &AppConfig, http: &HttpConfig) -> Result<(Collection, AppClient), CollectError> {
    let mut client = AppClient::new(&app.name, http, &PASSWORD_SAFE).map_err(describe_client_error)?;
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let mut accounts = Vec::new();
    let mut entitlements = Vec::new();
    let mut last_login_known = false;
    let mut pages = Vec::new();
    match client.post_json("/Auth/SignAppin", &json!({})).await {
        Err(e) => errors.push(format!("{e} (signing in failed; nothing was read)")),
        Ok(signed) => {
            match session_cookie(&signed.headers) {
                Some(cookie) => client.session_headers.push(("Cookie".into(), Secret::new(cookie))),
                None => notes.push("Auth/SignAppin set no session cookie; the API key header alone is sent".into()),
            }
            // Everything between sign-in and sign-out; sign-out follows whatever happens here.
            let read = read_password_safe(&client, app, &mut accounts, &mut entitlements).await;
            match read {
                Ok((listing, known)) => {
                    last_login_known = known;
                    pages.push(listing);
                }
                Err(e) => errors.push(e),
            }
            match client.post_json("/Auth/Signout", &json!({})).await {
                Ok(_) => notes.push(format!("signed in with {} and signed out at the end", ps_sign_in_method(http))),
                Err(e) => notes.push(format!("signing out failed ({e}); the session ends when it times out on the appliance")),
            }
        }
    }
    let listing = combine(pages, errors, notes);
    let coverage = coverage_from(app, &client, &listing, accounts.len(), last_login_known && listing.complete).await;
    entitlements.sort();
    Ok((Collection { accounts, entitlements, credentials: Vec::new(), coverage, ..Default::default() }, client))
}

/// A Password Safe list: one response holds it all (API-NOTES §3.2: no paging parameters).
pub fn ps_spec(endpoint: &str, query: Vec<(String, String)>, id: fn(&Value) -> Option<String>, what: &str) -> ListSpec {
    ListSpec { endpoint: endpoint.into(), query, pager: Pager::Single, items: String::new(), id, what: what.into() }
}

pub fn ps_group_id(g: &Value) -> Option<String> {
    id_text(g.get("GroupID")).or_else(|| id_text(g.get("GroupId")))
}

/// Users (unpaged), user groups and their members, within a signed-in session. A group deleted
/// while its members are read is left out and named.
pub async fn read_password_safe(
    client: &AppClient,
    app: &AppConfig,
    accounts: &mut Vec<AccountRecord>,
    entitlements: &mut Vec<EntitlementRecord>,
) -> Result<(Listing, bool), String> {
    let mut users = client.list(&ps_spec("/Users", vec![("includeInactive".into(), "true".into())], pascal_id, "users")).await;
    if users.items.is_empty() && !users.complete {
        return Err(users.errors.join("; "));
    }
    let mut known = false;
    for u in std::mem::take(&mut users.items) {
        known |= u.get("LastLoginDate").is_some();
        accounts.extend(ps_account(&u));
    }
    if !known {
        users.notes.push("the Users list has no LastLoginDate: no dormant findings for this app".into());
    }
    let groups_spec = ps_spec("/UserGroups", Vec::new(), ps_group_id, "user groups");
    let mut groups = client.list(&groups_spec).await;
    if !groups.complete {
        let why = groups.errors.join("; ");
        groups.errors = vec![format!("{why} (user groups, and so admin groups, are unknown)")];
    }
    let names: BTreeMap<String, String> =
        groups.items.iter().filter_map(|g| Some((ps_group_id(g)?, text(g, "Name")?.to_string()))).collect();
    groups.items = Vec::new();
    let specs: Vec<(String, ListSpec)> = names
        .iter()
        .map(|(id, name)| {
            (id.clone(), ps_spec(&format!("/UserGroups/{id}/Users"), Vec::new(), pascal_id, &format!("members of user group {name}")))
        })
        .collect();
    let members = client.list_each(specs).await;
    let churn = client.recheck(&groups_spec, &members.not_found_ids(), "user group").await;
    let mut memberships: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut listings = vec![users, groups];
    for (id, mut listing) in members.read {
        let name = &names[&id];
        for m in std::mem::take(&mut listing.items) {
            if let Some(uid) = pascal_id(&m) {
                memberships.entry(uid).or_default().insert(name.clone());
            }
        }
        listings.push(listing);
    }
    apply_groups(accounts, entitlements, &memberships, app, EntitlementKind::Group);
    listings.push(churn.into_listing());
    let listing = combine(listings, Vec::new(), Vec::new());
    Ok((listing, known))
}
