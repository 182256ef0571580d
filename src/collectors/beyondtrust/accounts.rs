//! What the three flavours share: ids, admin groups, the account skeleton, sign-in sources and
//! group memberships as entitlements.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::collectors::http_common::id_text;
use crate::config::AppConfig;
use crate::model::{AccountRecord, AccountStatus, AccountType, AuthSource, EntitlementKind, EntitlementRecord};

const DEFAULT_ADMIN_GROUPS: [&str; 2] = ["Administrators", "Admins"];

pub fn snake_id(v: &Value) -> Option<String> {
    id_text(v.get("id"))
}

pub fn pascal_id(v: &Value) -> Option<String> {
    id_text(v.get("UserID")).or_else(|| id_text(v.get("UserId")))
}

pub fn is_admin_group(name: &str, configured: &[String]) -> bool {
    if configured.is_empty() {
        DEFAULT_ADMIN_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(name))
    } else {
        configured.iter().any(|g| g.eq_ignore_ascii_case(name))
    }
}

pub fn account(id: String, username: Option<&str>, email: Option<&str>, name: Option<String>, status: AccountStatus) -> AccountRecord {
    AccountRecord {
        account_id: id,
        username: username.map(str::to_string),
        email: email.map(str::to_string),
        other_emails: Vec::new(),
        display_name: name.filter(|n| !n.is_empty()),
        status,
        account_type: AccountType::Human,
        ..Default::default()
    }
}

/// A sign-in type as the APIs name it (`local`, `ldap`, `saml`, a security provider's `type`):
/// local; a directory (LDAP, Active Directory, RADIUS, Kerberos); single sign-on (SAML, SCIM,
/// OIDC); anything else claims nothing.
pub fn auth_source_of(kind: &str) -> AuthSource {
    match kind.trim().to_ascii_lowercase().as_str() {
        "local" => AuthSource::Local,
        "ldap" | "ad" | "active_directory" | "activedirectory" | "radius" | "kerberos" => AuthSource::Ldap,
        "saml" | "saml2" | "scim" | "oidc" | "sso" => AuthSource::Sso,
        _ => AuthSource::Unknown,
    }
}

/// Marks members of admin groups and records group entitlements.
pub fn apply_groups(
    accounts: &mut [AccountRecord],
    entitlements: &mut Vec<EntitlementRecord>,
    memberships: &BTreeMap<String, BTreeSet<String>>,
    app: &AppConfig,
    kind: EntitlementKind,
) {
    let index: HashMap<String, usize> = accounts.iter().enumerate().map(|(i, a)| (a.account_id.clone(), i)).collect();
    for (id, groups) in memberships {
        let Some(i) = index.get(id) else { continue };
        let a = &mut accounts[*i];
        for g in groups {
            let privileged = is_admin_group(g, &app.admin_groups);
            if privileged {
                let reason = format!("group {g}");
                a.admin_reason = Some(match a.admin_reason.take() {
                    Some(r) if !r.contains(&reason) => format!("{r}; {reason}"),
                    Some(r) => r,
                    None => reason,
                });
                a.is_admin = true;
            }
            if !a.groups.contains(g) {
                a.groups.push(g.clone());
            }
            entitlements.push(EntitlementRecord { account_id: id.clone(), kind, value: g.clone(), privileged });
        }
        a.groups.sort();
    }
}
