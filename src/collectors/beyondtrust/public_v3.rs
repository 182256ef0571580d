//! Flavour `public_v3` (the guide): users `{users, total}` by offset/limit and groups.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::accounts::{account, apply_groups, auth_source_of, snake_id};
use super::options::PUBLIC_V3;
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, id_text, text, time_at};
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig};
use crate::http::{AppClient, ListSpec, Pager};
use crate::model::{AccountRecord, AccountStatus, AccountType, Collection, EntitlementKind};

/// A `public_v3` user.
pub fn v3_account(v: &Value) -> Option<AccountRecord> {
    let mut a = account(
        snake_id(v)?,
        text(v, "username"),
        text(v, "email_address"),
        text(v, "display_name").map(str::to_string),
        if v.get("enabled").and_then(|e| e.as_bool()) == Some(false) { AccountStatus::Disabled } else { AccountStatus::Active },
    );
    if matches!(text(v, "account_type"), Some(t) if t.eq_ignore_ascii_case("api") || t.eq_ignore_ascii_case("service")) {
        a.account_type = AccountType::Service;
    }
    // The guide: "account_type: local, LDAP, SAML, etc. Determines authentication method".
    a.auth_source = text(v, "account_type").map(auth_source_of).unwrap_or_default();
    a.last_login_at = time_at(v, "last_login");
    a.created_at = time_at(v, "created_at");
    Some(a)
}

pub async fn public_v3(app: &AppConfig, http: &HttpConfig) -> Result<(Collection, AppClient), CollectError> {
    let client = AppClient::new(&app.name, http, &PUBLIC_V3).map_err(describe_client_error)?;
    let page_size = http.page_size.unwrap_or(100).clamp(1, 1000);
    let users_spec = ListSpec {
        endpoint: "/api/public/v3/users".into(),
        query: Vec::new(),
        pager: Pager::offset_limit(page_size, Some("total")),
        items: "users".into(),
        id: snake_id,
        what: "users".into(),
    };
    let groups_spec = ListSpec {
        endpoint: "/api/public/v3/groups".into(),
        query: Vec::new(),
        pager: Pager::offset_limit(100, Some("total")),
        items: "groups".into(),
        id: snake_id,
        what: "groups".into(),
    };
    let (mut users, mut groups) = tokio::join!(client.list(&users_spec), client.list(&groups_spec));
    let names: HashMap<String, String> = groups.items.iter().filter_map(|g| Some((snake_id(g)?, text(g, "name")?.to_string()))).collect();
    let mut accounts = Vec::new();
    let mut memberships: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut unnamed = 0usize;
    for u in &users.items {
        let Some(a) = v3_account(u) else { continue };
        for g in u.get("group_memberships").and_then(|g| g.as_array()).into_iter().flatten() {
            // Ids (the guide) or objects with an id and a name.
            let id = id_text(Some(g)).or_else(|| snake_id(g));
            let name = text(g, "name").map(str::to_string).or_else(|| id.as_ref().and_then(|i| names.get(i).cloned()));
            // Only an id the groups list does not name is counted as unnamed.
            match name.or_else(|| {
                id.map(|i| {
                    unnamed += 1;
                    format!("group {i}")
                })
            }) {
                Some(n) => {
                    memberships.entry(a.account_id.clone()).or_default().insert(n);
                }
                None => continue,
            }
        }
        accounts.push(a);
    }
    let mut entitlements = Vec::new();
    apply_groups(&mut accounts, &mut entitlements, &memberships, app, EntitlementKind::Group);
    let mut notes = Vec::new();
    if unnamed > 0 {
        notes.push(format!("{unnamed} group membership(s) name a group id the groups list does not have"));
    }
    users.items = Vec::new();
    groups.items = Vec::new();
    let listing = combine(vec![users, groups], Vec::new(), notes);
    let coverage = coverage_from(app, &client, &listing, accounts.len(), listing.complete).await;
    entitlements.sort();
    Ok((Collection { accounts, entitlements, credentials: Vec::new(), coverage, ..Default::default() }, client))
}
