//! Jira's JSON items as accounts: ids, account types, admin groups, desk labels, hosts.

use serde_json::Value;

use crate::collectors::http_common::text;
use crate::model::{AccountRecord, AccountStatus, AccountType};

/// Admin groups when the config names none: Atlassian's default administrator groups.
pub(super) const DEFAULT_ADMIN_GROUPS: [&str; 4] = ["jira-administrators", "site-admins", "org-admins", "administrators"];

/// Plus the per-site administrator group, `jira-admins-<site>`.
pub(super) const DEFAULT_ADMIN_PREFIX: &str = "jira-admins-";

pub(super) fn account_id(v: &Value) -> Option<String> {
    text(v, "accountId").map(str::to_string)
}

/// v1 writes `account_id`, v2 `accountId`.
pub(super) fn org_account_id(v: &Value) -> Option<String> {
    text(v, "account_id").or_else(|| text(v, "accountId")).map(str::to_string)
}

pub(super) fn desk_id(v: &Value) -> Option<String> {
    v.get("id").and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_u64().map(|n| n.to_string())))
}

pub(super) fn group_key(v: &Value) -> Option<String> {
    text(v, "groupId").or_else(|| text(v, "name")).map(str::to_string)
}

/// `accountType` -> SPEC §4 account type.
pub fn account_type(v: &Value) -> AccountType {
    match text(v, "accountType").map(str::to_lowercase).as_deref() {
        Some("atlassian") => AccountType::Human,
        Some("app") => AccountType::Service,
        Some("customer") => AccountType::Customer,
        _ if text(v, "accountId").is_some_and(|id| id.starts_with("qm:")) => AccountType::Customer,
        _ => AccountType::Unknown,
    }
}

/// One Jira user (users/search, user/search, group members, customers) as an account.
pub fn user_account(v: &Value) -> Option<AccountRecord> {
    let id = account_id(v)?;
    let status = match v.get("active").and_then(|a| a.as_bool()) {
        Some(true) => AccountStatus::Active,
        Some(false) => AccountStatus::Deactivated,
        None => AccountStatus::Unknown,
    };
    Some(AccountRecord {
        account_id: id,
        username: None,
        email: text(v, "emailAddress").map(str::to_string),
        other_emails: Vec::new(),
        display_name: text(v, "displayName").map(str::to_string),
        status,
        account_type: account_type(v),
        ..Default::default()
    })
}

/// Whether a group is an admin group, by the configured list (or Atlassian's defaults).
pub fn is_admin_group(name: &str, configured: &[String]) -> bool {
    if configured.is_empty() {
        DEFAULT_ADMIN_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(name)) || name.to_lowercase().starts_with(DEFAULT_ADMIN_PREFIX)
    } else {
        configured.iter().any(|g| g.eq_ignore_ascii_case(name))
    }
}

/// The host of a URL or of a bare host name (`https://acme.atlassian.net/x` -> `acme.atlassian.net`).
pub(super) fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', '?']).next().unwrap_or("").to_lowercase()
}

/// The desk's label in entitlements: `KEY (Project name)`, or its id.
pub(super) fn desk_label(desk: &Value) -> String {
    let id = desk_id(desk).unwrap_or_default();
    match (text(desk, "projectKey"), text(desk, "projectName")) {
        (Some(k), Some(n)) => format!("{k} ({n})"),
        (Some(k), None) => k.to_string(),
        (None, Some(n)) => format!("{id} ({n})"),
        _ => id,
    }
}

/// The first characters (lower case) of a user's name words and email: the prefixes that find it.
pub(super) fn first_chars(v: &Value) -> Vec<char> {
    let name = text(v, "displayName").unwrap_or("");
    let email = text(v, "emailAddress").unwrap_or("");
    name.split_whitespace()
        .chain([email])
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}
