//! Reading an Okta org: its users (every status), their factors and administrator roles, its
//! groups and their members, its apps and who is assigned to each, and its API tokens; then one
//! account per user.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::options::{OktaOptions, DEFAULTS};
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, text, time_at};
use crate::collectors::revoke::enc;
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig};
use crate::http::each::{failures, summarize};
use crate::http::{AppClient, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AppRules, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

/// The users endpoint.
pub const USERS: &str = "/api/v1/users";
/// Statuses in which a user can sign in (and so is asked for factors).
const SIGNS_IN: [&str; 4] = ["ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"];
/// The filter that lists deprovisioned users (the plain list leaves them out).
pub const DEPROVISIONED: &str = "status eq \"DEPROVISIONED\"";

pub fn okta_id(v: &Value) -> Option<String> {
    text(v, "id").map(str::to_string)
}

/// A list paged only by the `Link: <...>; rel="next"` header, `limit` per page.
pub fn link_list(endpoint: String, query: Vec<(String, String)>, limit: u32, what: String) -> ListSpec {
    ListSpec {
        endpoint,
        query,
        pager: Pager::LinkNext { limit_param: "limit".into(), page_size: limit },
        items: String::new(),
        id: okta_id,
        what,
    }
}

/// The users list: every user but the deprovisioned ones, or (with `deprovisioned`) only them.
pub fn users_spec(limit: u32, deprovisioned: bool) -> ListSpec {
    if deprovisioned {
        link_list(USERS.into(), vec![("filter".into(), DEPROVISIONED.into())], limit, "deprovisioned users".into())
    } else {
        link_list(USERS.into(), Vec::new(), limit, "users".into())
    }
}

pub fn apps_spec() -> ListSpec {
    link_list("/api/v1/apps".into(), Vec::new(), 200, "apps".into())
}

pub fn groups_spec() -> ListSpec {
    link_list("/api/v1/groups".into(), Vec::new(), 10_000, "groups".into())
}

/// The users holding an administrator role: `{value: [...], _links: {next: {href}}}`.
pub fn assignees_spec() -> ListSpec {
    ListSpec {
        endpoint: "/api/v1/iam/assignees/users".into(),
        query: Vec::new(),
        pager: Pager::Cursor {
            token_param: "after".into(),
            limit_param: Some("limit".into()),
            page_size: 100,
            next: "_links.next.href".into(),
            next_is_url: true,
        },
        items: "value".into(),
        id: okta_id,
        what: "users with administrator roles".into(),
    }
}

pub fn tokens_spec() -> ListSpec {
    link_list("/api/v1/api-tokens".into(), Vec::new(), 200, "API tokens".into())
}

/// An app's label, else its name, else its id.
fn app_label(a: &Value) -> String {
    text(a, "label").or_else(|| text(a, "name")).or_else(|| text(a, "id")).unwrap_or("?").to_string()
}

fn group_name(g: &Value) -> String {
    g.get("profile").and_then(|p| text(p, "name")).or_else(|| text(g, "id")).unwrap_or("?").to_string()
}

/// The entitlement value of an app assignment: `<app id> · <label> · direct` or `· via group <name>`.
pub fn assignment_value(app_id: &str, label: &str, how: &str) -> String {
    format!("{app_id} · {label} · {how}")
}

/// One user as an account (without its roles, factors, groups and apps).
pub fn user_account(u: &Value, opts: &OktaOptions) -> Option<AccountRecord> {
    let id = okta_id(u)?;
    let empty = Value::Null;
    let p = u.get("profile").unwrap_or(&empty);
    let login = text(p, "login").map(str::to_string);
    let email = text(p, "email").map(str::to_string).or_else(|| login.clone().filter(|l| l.contains('@')));
    let other_emails: Vec<String> =
        text(p, "secondEmail").filter(|e| e.contains('@') && Some(*e) != email.as_deref()).map(str::to_string).into_iter().collect();
    let display_name = text(p, "displayName").map(str::to_string).or_else(|| {
        let parts: Vec<&str> = ["firstName", "lastName"].iter().filter_map(|k| text(p, k)).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let okta_status = text(u, "status").unwrap_or("");
    let status = match okta_status {
        "ACTIVE" | "PASSWORD_EXPIRED" | "LOCKED_OUT" | "RECOVERY" => AccountStatus::Active,
        "STAGED" | "PROVISIONED" => AccountStatus::Invited,
        "SUSPENDED" => AccountStatus::Suspended,
        "DEPROVISIONED" => AccountStatus::Deactivated,
        _ => AccountStatus::Unknown,
    };
    let account_type = match text(p, "userType") {
        Some(t) if opts.is_service_type(t) => AccountType::Service,
        _ => AccountType::Human,
    };
    let provider = u.get("credentials").and_then(|c| c.get("provider")).and_then(|p| text(p, "type")).unwrap_or("");
    let auth_source = match provider {
        "OKTA" | "IMPORT" => AuthSource::Local,
        "ACTIVE_DIRECTORY" | "LDAP" => AuthSource::Ldap,
        "FEDERATION" | "SOCIAL" => AuthSource::Sso,
        _ => AuthSource::Unknown,
    };
    let invited_at =
        matches!(status, AccountStatus::Invited).then(|| time_at(u, "statusChanged").or_else(|| time_at(u, "created"))).flatten();
    Some(AccountRecord {
        account_id: id,
        username: login,
        email,
        other_emails,
        display_name,
        status,
        account_type,
        created_at: time_at(u, "created"),
        last_login_at: time_at(u, "lastLogin"),
        invited_at,
        auth_source,
        employee_id: text(p, "employeeNumber").map(str::to_string),
        department: text(p, "department").map(str::to_string),
        ..Default::default()
    })
}

/// Whether a user can sign in (and so has factors worth asking for).
fn signs_in(u: &Value) -> bool {
    text(u, "status").is_some_and(|s| SIGNS_IN.contains(&s))
}

/// Whether a user's factors include an enrolled one.
fn enrolled(factors: &Value) -> bool {
    factors.as_array().is_some_and(|list| list.iter().any(|f| text(f, "status") == Some("ACTIVE")))
}

/// The manager's address from `profile.managerId` (an address, a user id, a login or an
/// employee number, as orgs fill it in) or `profile.manager` when it is an address.
fn manager_email(u: &Value, by_key: &HashMap<String, String>) -> Option<String> {
    let p = u.get("profile")?;
    for key in ["managerId", "manager"] {
        let Some(v) = text(p, key) else { continue };
        if let Some(found) = by_key.get(&v.to_lowercase()) {
            return Some(found.clone());
        }
        if v.contains('@') {
            return Some(v.to_string());
        }
    }
    None
}

/// What was read of the org, list by list.
struct Read {
    users: Vec<Value>,
    listings: Vec<Listing>,
    apps: Vec<Value>,
    groups: BTreeMap<String, String>,
    /// Group id -> member user ids.
    members: BTreeMap<String, BTreeSet<String>>,
    /// App id -> (user id, scope) assigned.
    /// App id -> (user id, assigned directly) assigned.
    app_users: BTreeMap<String, Vec<(String, bool)>>,
    /// App id -> group ids assigned.
    app_groups: BTreeMap<String, Vec<String>>,
    /// Apps whose assignments were not read completely.
    apps_incomplete: BTreeSet<String>,
    /// User id -> roles.
    roles: BTreeMap<String, Vec<Value>>,
    /// User id -> factors.
    factors: BTreeMap<String, Value>,
    tokens: Option<Vec<Value>>,
    /// The users and the apps were listed completely (the assignments can be relied on, app by app).
    lists_complete: bool,
    /// Every user was listed, deprovisioned ones too (the users can be the roster).
    people_complete: bool,
    errors: Vec<String>,
    notes: Vec<String>,
}

/// Reads everything, concurrently where one list does not need another.
async fn read(client: &AppClient, http: &HttpConfig, opts: &OktaOptions) -> Read {
    let limit = http.page_size.unwrap_or(200).clamp(1, 200);
    let live_spec = users_spec(limit, false);
    let assignees_spec = assignees_spec();
    let (live, deprovisioned, apps, groups, assignees, tokens) = tokio::join!(
        client.list(&live_spec),
        async {
            match opts.deprovisioned() {
                true => Some(client.list(&users_spec(limit, true)).await),
                false => None,
            }
        },
        async {
            match opts.apps() {
                true => Some(client.list(&apps_spec()).await),
                false => None,
            }
        },
        async {
            match opts.groups() || opts.apps() {
                true => Some(client.list(&groups_spec()).await),
                false => None,
            }
        },
        client.list(&assignees_spec),
        async {
            match opts.api_tokens() {
                true => Some(client.list(&tokens_spec()).await),
                false => None,
            }
        },
    );
    let mut r = Read {
        users: Vec::new(),
        listings: Vec::new(),
        apps: Vec::new(),
        groups: BTreeMap::new(),
        members: BTreeMap::new(),
        app_users: BTreeMap::new(),
        app_groups: BTreeMap::new(),
        apps_incomplete: BTreeSet::new(),
        roles: BTreeMap::new(),
        factors: BTreeMap::new(),
        tokens: None,
        lists_complete: live.complete && deprovisioned.as_ref().is_none_or(|d| d.complete) && apps.as_ref().is_some_and(|a| a.complete),
        people_complete: live.complete && deprovisioned.as_ref().is_some_and(|d| d.complete),
        errors: Vec::new(),
        notes: Vec::new(),
    };
    let mut live = live;
    r.users = std::mem::take(&mut live.items);
    r.listings.push(live);
    if let Some(mut d) = deprovisioned {
        r.users.extend(std::mem::take(&mut d.items));
        r.listings.push(d);
    } else {
        r.notes.push("deprovisioned users not read (deprovisioned = false)".into());
    }
    // A user on both lists (deprovisioned between the two reads) is kept once, as last read.
    let mut seen = BTreeSet::new();
    r.users.reverse();
    r.users.retain(|u| okta_id(u).is_some_and(|id| seen.insert(id)));
    r.users.reverse();

    // Roles: of the users the assignees list names; of every user when the org has no such list.
    let role_holders: Vec<String> = if assignees.not_found {
        r.notes.push("this org has no /api/v1/iam/assignees/users: every user's roles were read".into());
        r.users.iter().filter(|u| text(u, "status") != Some("DEPROVISIONED")).filter_map(okta_id).collect()
    } else {
        let mut a = assignees;
        let ids = a.items.iter().filter_map(okta_id).collect();
        a.items = Vec::new();
        r.listings.push(a);
        ids
    };
    let factor_users: Vec<String> = if opts.factors() {
        r.users.iter().filter(|u| signs_in(u)).filter_map(okta_id).collect()
    } else {
        r.notes.push("factors not read (factors = false): second-factor enrolment is unknown".into());
        Vec::new()
    };
    if let Some(mut g) = groups {
        for item in std::mem::take(&mut g.items) {
            if let Some(id) = okta_id(&item) {
                r.groups.insert(id, group_name(&item));
            }
        }
        r.listings.push(g);
    }
    if let Some(mut a) = apps {
        r.apps = std::mem::take(&mut a.items);
        r.listings.push(a);
    }

    let per = |ids: &[String], path: &str| -> Vec<(String, Vec<String>)> {
        ids.iter().map(|id| (id.clone(), vec![format!("{USERS}/{}/{path}", enc(id))])).collect()
    };
    let member_specs: Vec<(String, ListSpec)> = if opts.groups() {
        r.groups
            .iter()
            .map(|(id, name)| {
                (id.clone(), link_list(format!("/api/v1/groups/{}/users", enc(id)), Vec::new(), 1000, format!("members of group {name}")))
            })
            .collect()
    } else {
        Vec::new()
    };
    let app_specs = |path: &str, limit: u32, what: &str| -> Vec<(String, ListSpec)> {
        r.apps
            .iter()
            .filter_map(|a| {
                let id = okta_id(a)?;
                let spec =
                    link_list(format!("/api/v1/apps/{}/{path}", enc(&id)), Vec::new(), limit, format!("{what} of app {}", app_label(a)));
                Some((id, spec))
            })
            .collect()
    };
    let (roles, factors, members, app_users, app_groups) = tokio::join!(
        client.get_each(per(&role_holders, "roles")),
        client.get_each(per(&factor_users, "factors")),
        // Each sub-list is cut down to the ids as soon as it is read (an org's members and
        // assignments are millions of records).
        client.list_each_map(member_specs, |mut l| (
            std::mem::take(&mut l.items).iter().filter_map(okta_id).collect::<BTreeSet<String>>(),
            l
        )),
        client.list_each_map(app_specs("users", 500, "users assigned"), |mut l| {
            let list: Vec<(String, bool)> =
                std::mem::take(&mut l.items).iter().filter_map(|v| Some((okta_id(v)?, text(v, "scope") != Some("GROUP")))).collect();
            (list, l)
        }),
        client.list_each_map(app_specs("groups", 200, "groups assigned"), |mut l| (
            std::mem::take(&mut l.items).iter().filter_map(okta_id).collect::<Vec<String>>(),
            l
        )),
    );

    // A user deleted after the users were listed answers 404 for its roles and factors.
    let mut missing: Vec<String> = roles.not_found_ids();
    missing.extend(factors.not_found_ids());
    missing.sort();
    missing.dedup();
    let gone = client.recheck(&live_spec, &missing, "user").await;
    if let Some(e) = failures(&roles.failed, "users' administrator roles") {
        r.errors.push(e);
    }
    if let Some(e) = failures(&factors.failed, "users' factors") {
        r.errors.push(e);
    }
    for (id, bodies) in roles.read {
        r.roles.insert(id, bodies.into_iter().next().and_then(|b| b.as_array().cloned()).unwrap_or_default());
    }
    for (id, bodies) in factors.read {
        r.factors.insert(id, bodies.into_iter().next().unwrap_or(Value::Null));
    }
    r.users.retain(|u| okta_id(u).is_none_or(|id| !gone.gone.contains(&id)));
    r.listings.push(gone.into_listing());

    // Groups and apps deleted meanwhile answer 404 for their members and assignments.
    let group_gone = client.recheck(&groups_spec(), &members.not_found_ids(), "group").await;
    let mut member_lists = Vec::new();
    for (id, (ids, l)) in members.read {
        r.members.insert(id, ids);
        member_lists.push(l);
    }
    let mut app_missing = app_users.not_found_ids();
    app_missing.extend(app_groups.not_found_ids());
    app_missing.sort();
    app_missing.dedup();
    let app_gone = client.recheck(&apps_spec(), &app_missing, "app").await;
    for id in &app_missing {
        if !app_gone.gone.contains(id) {
            r.apps_incomplete.insert(id.clone());
        }
    }
    let mut assignment_lists = Vec::new();
    for (id, (list, l)) in app_users.read {
        if !l.complete {
            r.apps_incomplete.insert(id.clone());
        }
        r.app_users.insert(id, list);
        assignment_lists.push(l);
    }
    for (id, (list, l)) in app_groups.read {
        if !l.complete {
            r.apps_incomplete.insert(id.clone());
        }
        r.app_groups.insert(id, list);
        assignment_lists.push(l);
    }
    r.apps.retain(|a| okta_id(a).is_none_or(|id| !app_gone.gone.contains(&id)));
    for (lists, what) in [(&member_lists, "group members"), (&assignment_lists, "app assignments")] {
        let (errors, notes) = summarize(lists, what);
        r.errors.extend(errors);
        r.notes.extend(notes);
    }
    r.listings.push(group_gone.into_listing());
    r.listings.push(app_gone.into_listing());

    match tokens {
        Some(mut t) if t.complete => r.tokens = Some(std::mem::take(&mut t.items)),
        Some(t) if t.errors.iter().any(|e| e.contains("HTTP 403")) => r.notes.push(
            "API tokens not read: the API refused (HTTP 403; they are listed for a super administrator's token or the okta.apiTokens.read scope): their owners and expiry are unknown"
                .into(),
        ),
        Some(t) => r.errors.extend(t.errors),
        None => r.notes.push("API tokens not read (api_tokens = false)".into()),
    }
    r
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &OktaOptions) -> Result<Collection, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    let mut r = read(&client, http, opts).await;

    // Addresses by every key a manager may be named by: id, login, email, employee number.
    let mut by_key: HashMap<String, String> = HashMap::new();
    for u in &r.users {
        let Some(email) = u.get("profile").and_then(|p| text(p, "email")) else { continue };
        let p = &u["profile"];
        for k in [text(u, "id"), text(p, "login"), text(p, "email"), text(p, "employeeNumber")].into_iter().flatten() {
            by_key.entry(k.to_lowercase()).or_insert_with(|| email.to_string());
        }
    }
    let mut accounts = Vec::with_capacity(r.users.len());
    let mut entitlements = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Each user's record is dropped once it is an account.
    for u in std::mem::take(&mut r.users) {
        let u = &u;
        let Some(mut a) = user_account(u, opts) else { continue };
        a.manager_email = manager_email(u, &by_key);
        if let Some(f) = r.factors.get(&a.account_id) {
            a.mfa = Some(enrolled(f));
        }
        let mut reasons = Vec::new();
        for role in r.roles.get(&a.account_id).into_iter().flatten() {
            let label = text(role, "label").or_else(|| text(role, "type")).unwrap_or("?");
            let through_group = text(role, "assignmentType") == Some("GROUP");
            reasons.push(format!("role {label}{}", if through_group { " (through a group)" } else { "" }));
            entitlements.push(EntitlementRecord {
                account_id: a.account_id.clone(),
                kind: EntitlementKind::Role,
                value: label.to_string(),
                privileged: true,
            });
        }
        if !reasons.is_empty() {
            a.is_admin = true;
            a.admin_reason = Some(reasons.join("; "));
        }
        index.insert(a.account_id.clone(), accounts.len());
        accounts.push(a);
    }
    // Groups.
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (gid, members) in &r.members {
        let name = r.groups.get(gid).map(String::as_str).unwrap_or(gid.as_str());
        let privileged = app.admin_groups.iter().any(|x| x.eq_ignore_ascii_case(name));
        for uid in members {
            let Some(i) = index.get(uid) else { continue };
            groups_of.entry(uid.as_str()).or_default().push(gid.as_str());
            let a = &mut accounts[*i];
            a.groups.push(name.to_string());
            if privileged {
                a.is_admin = true;
                let reason = format!("group {name}");
                a.admin_reason = Some(match a.admin_reason.take() {
                    Some(r) => format!("{r}; {reason}"),
                    None => reason,
                });
            }
            entitlements.push(EntitlementRecord {
                account_id: uid.clone(),
                kind: EntitlementKind::Group,
                value: name.to_string(),
                privileged,
            });
        }
    }
    for a in &mut accounts {
        a.groups.sort();
        a.groups.dedup();
    }
    // App assignments: direct, and through each assigned group the user is a member of.
    let mut unknown_assignees = 0usize;
    for app_item in &r.apps {
        let Some(app_id) = okta_id(app_item) else { continue };
        let label = app_label(app_item);
        let assigned_groups: BTreeSet<&str> = r.app_groups.get(&app_id).into_iter().flatten().map(String::as_str).collect();
        for (uid, direct) in r.app_users.remove(&app_id).into_iter().flatten() {
            if !index.contains_key(&uid) {
                unknown_assignees += 1;
                continue;
            }
            let mut hows = Vec::new();
            if direct {
                hows.push("direct".to_string());
            }
            for gid in groups_of.get(uid.as_str()).into_iter().flatten().filter(|g| assigned_groups.contains(*g)) {
                hows.push(format!("via group {}", r.groups.get(*gid).map(String::as_str).unwrap_or(gid)));
            }
            if hows.is_empty() {
                hows.push("via group".into());
            }
            for how in hows {
                entitlements.push(EntitlementRecord {
                    account_id: uid.clone(),
                    kind: EntitlementKind::AppAssignment,
                    value: assignment_value(&app_id, &label, &how),
                    privileged: false,
                });
            }
        }
    }
    let mut notes = r.notes;
    if unknown_assignees > 0 {
        notes.push(format!("{unknown_assignees} app assignment(s) name users not among the users read (left out)"));
    }
    let without_email = accounts.iter().filter(|a| a.email.is_none()).count();
    if without_email > 0 {
        notes.push(format!("{without_email} user(s) have no email in their profile: they are listed as unmatchable"));
    }
    let mut errors = r.errors;
    if !r.apps_incomplete.is_empty() {
        let names: Vec<String> = r
            .apps
            .iter()
            .filter(|a| okta_id(a).is_some_and(|id| r.apps_incomplete.contains(&id)))
            .map(app_label)
            .chain(r.apps_incomplete.iter().filter(|id| !r.apps.iter().any(|a| okta_id(a).as_deref() == Some(id.as_str()))).cloned())
            .collect();
        errors.push(format!(
            "the assignments of {} app(s) were not read completely ({}): no outside_idp finding is claimed for the apps linked to them",
            names.len(),
            crate::http::list::ids_excerpt(names.iter())
        ));
    }
    let credentials = credentials(&client, http, r.tokens.as_deref(), &by_key).await;
    let listing = combine(r.listings, errors, notes);
    let mut coverage = coverage_from(app, &client, &listing, accounts.len(), true).await;
    coverage.total_reported = None;
    entitlements.sort();
    entitlements.dedup();
    // The apps whose assignments were not read completely, as `<id> · <label>` (a link names one by either).
    let label_of = |id: &String| r.apps.iter().find(|a| okta_id(a).as_deref() == Some(id.as_str())).map(app_label);
    let rules = AppRules {
        assignments_read: opts.apps() && r.lists_complete,
        people_complete: r.people_complete,
        incomplete_assignments: r.apps_incomplete.iter().map(|id| format!("{id} · {}", label_of(id).unwrap_or_default())).collect(),
        ..Default::default()
    };
    Ok(Collection { accounts, entitlements, credentials, coverage, rules, ..Default::default() })
}

/// The collector's own credential, and the org's API tokens (owner, expiry).
async fn credentials(
    client: &AppClient,
    http: &HttpConfig,
    tokens: Option<&[Value]>,
    by_key: &HashMap<String, String>,
) -> Vec<CredentialRecord> {
    let info = client.auth.token_info().await;
    let own = match &http.auth {
        crate::config::AuthConfig::Ssws { .. } => CredentialRecord {
            credential_id: crate::model::APP_CREDENTIAL.into(),
            label: "Okta API token (SSWS)".into(),
            source: "api".into(),
            observation: Some(
                "an Okta API token acts with its administrator's roles; it expires after 30 days without use (the org's API tokens are listed beside it)".into(),
            ),
            ..Default::default()
        },
        _ => {
            let (scope, write) = info.as_ref().and_then(|i| i.scope.as_ref()).map(crate::collectors::http_common::oauth_scope).unwrap_or((None, None));
            CredentialRecord {
                credential_id: crate::model::APP_CREDENTIAL.into(),
                label: "Okta service app (OAuth 2.0, private_key_jwt)".into(),
                source: "api".into(),
                observation: Some(match info.as_ref().and_then(|i| i.expires_in_secs) {
                    Some(secs) => format!("client credentials with a signed assertion; access tokens live {secs} s"),
                    None => "client credentials with a signed assertion".into(),
                }),
                token_lifetime_seconds: info.as_ref().and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
                scope,
                write_access: write,
                ..Default::default()
            }
        }
    };
    let mut out = vec![own];
    for t in tokens.into_iter().flatten() {
        let Some(id) = okta_id(t) else { continue };
        let owner = text(t, "userId").map(|u| by_key.get(&u.to_lowercase()).cloned().unwrap_or_else(|| u.to_string()));
        let client_name = text(t, "clientName").unwrap_or("Okta API");
        out.push(CredentialRecord {
            credential_id: format!("api-token:{id}"),
            label: format!("API token \"{}\"", text(t, "name").unwrap_or("?")),
            owner,
            created_at: time_at(t, "created"),
            expires_at: time_at(t, "expiresAt"),
            source: "api".into(),
            observation: Some(format!(
                "an Okta API token ({client_name}); it acts with its owner's administrator roles and expires after 30 days without use (expiresAt moves with each use)"
            )),
            ..Default::default()
        });
    }
    out
}
