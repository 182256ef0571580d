//! Flavour `config_api` (Remote Support / Privileged Remote Access): users in numbered pages
//! with `Link` headers, their security providers and (optionally) group policies, and what the
//! API account may do (the command API's info).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::accounts::{account, apply_groups, auth_source_of, snake_id};
use super::options::{BeyondtrustOptions, CONFIG_API};
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, text, time_at};
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig};
use crate::http::{AppClient, ListSpec, Pager};
use crate::model::{AccountRecord, AccountStatus, AuthSource, Collection, EntitlementKind, EntitlementRecord};

/// A `config_api` user, with its permission flags that are on (`perm_x` true, or a level other
/// than none / deny / disabled).
pub fn pra_account(v: &Value) -> Option<(AccountRecord, Vec<String>)> {
    let mut a = account(
        snake_id(v)?,
        text(v, "username"),
        text(v, "email_address"),
        text(v, "public_display_name").or_else(|| text(v, "private_display_name")).map(str::to_string),
        if v.get("enabled").and_then(|e| e.as_bool()) == Some(false) { AccountStatus::Disabled } else { AccountStatus::Active },
    );
    a.last_login_at = time_at(v, "last_authentication");
    a.created_at = time_at(v, "created_at");
    let mut perms: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("perm_"))
        .filter_map(|(k, val)| match val {
            Value::Bool(true) => Some(k.clone()),
            Value::String(level) if !["none", "deny", "disabled", "not_allowed", ""].contains(&level.to_lowercase().as_str()) => {
                Some(format!("{k}={level}"))
            }
            _ => None,
        })
        .collect();
    perms.sort();
    Some((a, perms))
}

pub async fn config_api(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<(Collection, AppClient), CollectError> {
    let mut client = AppClient::new(&app.name, http, &CONFIG_API).map_err(describe_client_error)?;
    client.extra_headers.push(("Connection".into(), "close".into()));
    let page_size = http.page_size.unwrap_or(100).clamp(1, 100);
    let spec = ListSpec {
        endpoint: "/api/config/v1/user".into(),
        query: Vec::new(),
        pager: Pager::LinkHeader {
            page_param: "current_page".into(),
            size_param: "per_page".into(),
            page_size,
            first_page: 1,
            total_header: Some("x-bt-pagination-total".into()),
        },
        items: String::new(),
        id: snake_id,
        what: "users".into(),
    };
    // The security providers say how each user signs in (local, LDAP, SAML...).
    let providers_spec = ListSpec {
        endpoint: "/api/config/v1/security-provider".into(),
        what: "security providers".into(),
        // The users' numbered pages, at their most (100): there are few providers.
        pager: spec.pager.with_page_size(100),
        ..spec.clone()
    };
    let (mut users, providers) = tokio::join!(client.list(&spec), client.list(&providers_spec));
    let mut notes = Vec::new();
    let provider_kind: HashMap<String, AuthSource> = if providers.complete {
        providers.items.iter().filter_map(|p| Some((snake_id(p)?, auth_source_of(text(p, "type").unwrap_or(""))))).collect()
    } else {
        notes.push(format!(
            "sign-in sources are unknown: the security providers could not be read ({})",
            providers.errors.first().map(String::as_str).unwrap_or("incomplete list")
        ));
        HashMap::new()
    };
    let admin_flags: Vec<String> = if opts.admin_roles.is_empty() { vec!["perm_admin".into()] } else { opts.admin_roles.clone() };
    let mut accounts = Vec::new();
    let mut entitlements = Vec::new();
    for u in &users.items {
        let Some((mut a, perms)) = pra_account(u) else { continue };
        if let Some(kind) =
            u.get("security_provider_id").and_then(|p| crate::collectors::http_common::id_text(Some(p))).and_then(|p| provider_kind.get(&p))
        {
            a.auth_source = *kind;
        }
        let admin: Vec<&String> = perms.iter().filter(|p| admin_flags.iter().any(|f| p.split('=').next() == Some(f.as_str()))).collect();
        if !admin.is_empty() {
            a.is_admin = true;
            a.admin_reason = Some(
                admin
                    .iter()
                    .map(|p| if p.as_str() == "perm_admin" { "perm_admin (Administrator)".to_string() } else { p.to_string() })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        for p in &perms {
            let privileged = admin.contains(&p);
            entitlements.push(EntitlementRecord {
                account_id: a.account_id.clone(),
                kind: EntitlementKind::Permission,
                value: p.clone(),
                privileged,
            });
        }
        accounts.push(a);
    }
    users.items = Vec::new();
    let mut errors = Vec::new();
    if opts.group_policies {
        let ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
        if let Some(note) = hourly_budget_note(client.limiter.requests_per_hour, users.pages, ids.len()) {
            notes.push(note);
        }
        // Each user's policies: numbered pages with the `Link` header, as every list of this API.
        let specs: Vec<(String, ListSpec)> = ids
            .into_iter()
            .map(|id| {
                let spec = ListSpec {
                    endpoint: format!("/api/config/v1/user/{id}/group-policies"),
                    what: format!("group policies of user {id}"),
                    pager: spec.pager.with_page_size(100),
                    ..spec.clone()
                };
                (id, spec)
            })
            .collect();
        let read = client.list_each(specs).await;
        let churn = client.recheck(&spec, &read.not_found_ids(), "user").await;
        let mut memberships: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut policy_lists = Vec::with_capacity(read.read.len());
        for (id, mut listing) in read.read {
            for p in std::mem::take(&mut listing.items) {
                if let Some(n) = text(&p, "name") {
                    memberships.entry(id.clone()).or_default().insert(n.to_string());
                }
            }
            policy_lists.push(listing);
        }
        let (list_errors, list_notes) = crate::http::each::summarize(&policy_lists, "the users' group policies");
        errors.extend(list_errors);
        notes.extend(list_notes);
        accounts.retain(|a| !churn.gone.contains(&a.account_id));
        entitlements.retain(|e| !churn.gone.contains(&e.account_id));
        let unread = policy_lists.iter().filter(|l| !l.complete).count();
        errors.extend(churn.errors);
        notes.extend(churn.notes);
        apply_groups(&mut accounts, &mut entitlements, &memberships, app, EntitlementKind::GroupPolicy);
        notes.push(format!("group policies read for {} user(s)", accounts.len() - unread));
    } else {
        notes.push("group policies not read (group_policies = true reads them, one request per user)".into());
    }
    let listing = combine(vec![users], errors, notes);
    let coverage = coverage_from(app, &client, &listing, accounts.len(), listing.complete).await;
    entitlements.sort();
    Ok((Collection { accounts, entitlements, credentials: Vec::new(), coverage, ..Default::default() }, client))
}

/// What the hourly request limit means for reading every user's group policies (one request per
/// user after the list's pages), when the run needs more than one hour's budget.
pub fn hourly_budget_note(per_hour: Option<u32>, pages_so_far: u64, users: usize) -> Option<String> {
    let budget = u64::from(per_hour?);
    let needed = pages_so_far + users as u64;
    (needed > budget).then(|| {
        let hours = needed.div_ceil(budget) - 1;
        format!(
            "group policies of {users} user(s) take {needed} requests, more than the API's {budget} per hour: the run waits about {hours} h for the hourly limit (max_collect_seconds bounds it; requests_per_hour sets the limit)"
        )
    })
}

/// `GET /api/command/v2/info`: the API versions and the API account's permissions.
pub const API_INFO: &str = "/api/command/v2/info";

/// What the API account may do, from the command API's info document (`get_api_info`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiPermissions {
    /// Every `perm_*` as `perm_x=value` (sorted); `None` when the document names none.
    pub scope: Option<String>,
    /// More than reading: a `full_access` level (`perm_command`, where `read_only` exists), or
    /// the Configuration API.
    pub write: Option<bool>,
    /// The write access is only the Configuration API's, which has no read-only level: the
    /// least that collecting through it needs.
    pub unavoidable: bool,
}

/// The Configuration API permission: it reads and writes, and has no read-only level.
pub const CONFIGURATION_WRITES: &str =
    "perm_configuration=1 lets the API account use the Configuration API, which writes as well as reads; BeyondTrust offers no read-only Configuration API permission, so collecting through it needs this much";

/// The API account's permissions from the info document (`permissions`, or `perm_*` keys at
/// its top), in the API guide's shape: `perm_command` is `full_access`, `read_only` or `deny`;
/// the others (`perm_configuration`, `perm_reporting`, `perm_backup`...) are 1 or 0 (numbers,
/// strings or booleans are read alike). `perm_command=full_access` (a read-only level exists) is
/// broader than an audit needs; `perm_configuration=1` writes too, but cannot be narrowed.
pub fn api_permissions(info: &Value) -> ApiPermissions {
    let perms = info.get("permissions").filter(|p| p.is_object()).unwrap_or(info);
    let mut levels: Vec<(String, String)> = perms
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("perm_"))
        .filter_map(|(k, v)| {
            let level = match v {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => u8::from(*b).to_string(),
                _ => return None,
            };
            Some((k.clone(), level))
        })
        .collect();
    levels.sort();
    if levels.is_empty() {
        return ApiPermissions::default();
    }
    let full = levels.iter().any(|(_, v)| v.eq_ignore_ascii_case("full_access"));
    let configuration = levels.iter().any(|(k, v)| k == "perm_configuration" && v == "1");
    ApiPermissions {
        scope: Some(levels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")),
        write: Some(full || configuration),
        unavoidable: configuration && !full,
    }
}
