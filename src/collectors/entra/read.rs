//! Reading an Entra ID directory through Microsoft Graph: its users (with managers and last
//! sign-in), groups and their direct members, directory roles and their members, enterprise apps
//! and who is assigned to each, the MFA registration report, and the app registrations' secrets
//! and certificates; then one account per user.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::options::{EntraOptions, DEFAULTS};
use crate::collectors::http_common::{combine, coverage_from, describe_client_error, text, time_at};
use crate::collectors::revoke::enc;
use crate::collectors::CollectError;
use crate::config::{AppConfig, AuthConfig, HttpConfig};
use crate::http::{AppClient, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AppRules, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

pub const USERS: &str = "/users";
/// The user properties read (`signInActivity` is asked for apart: it needs a licence and a permission).
pub const USER_FIELDS: &str = "id,displayName,mail,userPrincipalName,accountEnabled,userType,externalUserState,externalUserStateChangeDateTime,createdDateTime,employeeId,department,onPremisesSyncEnabled,otherMails";
pub const REGISTRATION: &str = "/reports/authenticationMethods/userRegistrationDetails";
/// The tenant Microsoft's own first-party apps belong to (their assignments are not the company's).
const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

pub fn graph_id(v: &Value) -> Option<String> {
    text(v, "id").map(str::to_string)
}

/// A Graph collection: `{value: [...], "@odata.nextLink": "<the next page's URL>"}`, `$top` a
/// page where the endpoint takes it (0: it takes no query options, the server's page size).
pub fn graph_list(endpoint: String, query: Vec<(String, String)>, page_size: u32, what: String) -> ListSpec {
    ListSpec {
        endpoint,
        query,
        pager: Pager::Cursor {
            token_param: "$skiptoken".into(),
            limit_param: (page_size > 0).then(|| "$top".to_string()),
            page_size: page_size.max(1),
            next: "@odata.nextLink".into(),
            next_is_url: true,
        },
        items: "value".into(),
        id: graph_id,
        what,
    }
}

/// The users list, with `signInActivity` and the manager when asked.
pub fn users_spec(page_size: u32, sign_in: bool, manager: bool) -> ListSpec {
    let select = if sign_in { format!("{USER_FIELDS},signInActivity") } else { USER_FIELDS.to_string() };
    let mut query = vec![("$select".to_string(), select)];
    if manager {
        query.push(("$expand".into(), "manager($select=id,mail,userPrincipalName)".into()));
    }
    graph_list(USERS.into(), query, page_size, "users".into())
}

pub fn groups_spec() -> ListSpec {
    graph_list("/groups".into(), vec![("$select".into(), "id,displayName".into())], 999, "groups".into())
}

pub fn service_principals_spec() -> ListSpec {
    graph_list(
        "/servicePrincipals".into(),
        vec![("$select".into(), "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled".into())],
        999,
        "enterprise apps (service principals)".into(),
    )
}

pub fn roles_spec() -> ListSpec {
    // "This method does not support the OData query parameters."
    graph_list("/directoryRoles".into(), Vec::new(), 0, "directory roles".into())
}

pub fn registration_spec() -> ListSpec {
    // Only $filter and $orderBy are supported: the server's page size.
    graph_list(REGISTRATION.into(), Vec::new(), 0, "MFA registration details".into())
}

pub fn applications_spec() -> ListSpec {
    graph_list(
        "/applications".into(),
        vec![("$select".into(), "id,appId,displayName,passwordCredentials,keyCredentials".into())],
        999,
        "app registrations".into(),
    )
}

/// The entitlement value of an assignment: `<app id> · <name> · direct` or `· via group <name>`.
pub fn assignment_value(app_id: &str, name: &str, how: &str) -> String {
    format!("{app_id} · {name} · {how}")
}

/// A user's address: `mail`, else the UPN when it is one (a guest's `#EXT#` UPN read back to
/// the address it stands for).
fn address(u: &Value) -> Option<String> {
    if let Some(m) = text(u, "mail").filter(|m| m.contains('@')) {
        return Some(m.to_string());
    }
    let upn = text(u, "userPrincipalName")?;
    if upn.contains("#EXT#") {
        return crate::roster::decode_ext_upn(upn);
    }
    upn.contains('@').then(|| upn.to_string())
}

/// The latest successful sign-in: `lastSuccessfulSignInDateTime`, else the later of the
/// interactive and non-interactive sign-ins.
fn last_sign_in(u: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let a = u.get("signInActivity")?;
    time_at(a, "lastSuccessfulSignInDateTime")
        .or_else(|| time_at(a, "lastSignInDateTime").max(time_at(a, "lastNonInteractiveSignInDateTime")))
}

/// One user as an account (without its roles, groups, assignments and MFA).
pub fn user_account(u: &Value) -> Option<AccountRecord> {
    let id = graph_id(u)?;
    let upn = text(u, "userPrincipalName").map(str::to_string);
    let email = address(u);
    let mut other_emails: Vec<String> = u
        .get("otherMails")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str())
        .chain(upn.as_deref().filter(|x| !x.contains("#EXT#")))
        .filter(|m| m.contains('@') && !email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(m)))
        .map(str::to_string)
        .collect();
    other_emails.sort();
    other_emails.dedup();
    let guest = text(u, "userType").is_some_and(|t| t.eq_ignore_ascii_case("guest"));
    let pending = text(u, "externalUserState").is_some_and(|s| s.eq_ignore_ascii_case("PendingAcceptance"));
    let status = match u.get("accountEnabled").and_then(Value::as_bool) {
        Some(false) => AccountStatus::Disabled,
        Some(true) if pending => AccountStatus::Invited,
        Some(true) => AccountStatus::Active,
        None => AccountStatus::Unknown,
    };
    let auth_source = if u.get("onPremisesSyncEnabled").and_then(Value::as_bool) == Some(true) {
        AuthSource::Ldap
    } else if guest {
        AuthSource::Sso
    } else {
        AuthSource::Local
    };
    let invited_at = (status == AccountStatus::Invited)
        .then(|| time_at(u, "externalUserStateChangeDateTime").or_else(|| time_at(u, "createdDateTime")))
        .flatten();
    Some(AccountRecord {
        account_id: id,
        username: upn,
        email,
        other_emails,
        display_name: text(u, "displayName").map(str::to_string),
        status,
        account_type: AccountType::Human,
        created_at: time_at(u, "createdDateTime"),
        last_login_at: last_sign_in(u),
        invited_at,
        auth_source,
        employee_id: text(u, "employeeId").map(str::to_string),
        department: text(u, "department").map(str::to_string),
        ..Default::default()
    })
}

/// A directory object of a members list that is a user (groups, devices and apps are not).
fn is_user(v: &Value) -> bool {
    text(v, "@odata.type").is_none_or(|t| t == "#microsoft.graph.user")
}

fn is_group(v: &Value) -> bool {
    text(v, "@odata.type") == Some("#microsoft.graph.group")
}

/// What was read of the directory.
struct Read {
    users: Vec<Value>,
    listings: Vec<Listing>,
    sign_in_read: bool,
    groups: BTreeMap<String, String>,
    /// Group id -> its direct user members.
    members: BTreeMap<String, BTreeSet<String>>,
    /// Role name -> (user ids directly, group ids).
    roles: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
    /// Enterprise apps read, with who is assigned: (app id, name) -> (user ids, group ids).
    assignments: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)>,
    /// Apps whose assignments were not read completely, as `<app id> · <name>`.
    apps_incomplete: BTreeSet<String>,
    /// User id -> isMfaRegistered.
    mfa: HashMap<String, bool>,
    applications: Vec<Value>,
    /// Application id -> owners (addresses or UPNs).
    owners: BTreeMap<String, Vec<String>>,
    users_complete: bool,
    apps_listed: bool,
    errors: Vec<String>,
    notes: Vec<String>,
}

/// The users list, as far as the directory allows: without `signInActivity` when it is refused
/// (a note says last sign-in is unknown), without the manager when Graph will not expand it.
async fn read_users(client: &AppClient, page_size: u32, opts: &EntraOptions, notes: &mut Vec<String>) -> (Listing, bool, bool) {
    let (mut sign_in, mut manager) = (opts.sign_in_activity(), opts.managers());
    loop {
        let l = client.list(&users_spec(page_size, sign_in, manager)).await;
        let refused = |code: &str| l.pages == 0 && l.items.is_empty() && l.errors.iter().any(|e| e.contains(code));
        if sign_in && refused("HTTP 403") {
            notes.push(
                "last sign-in unknown: Graph refused signInActivity (HTTP 403: it needs AuditLog.Read.All and Entra ID P1 or P2); the users were read without it"
                    .into(),
            );
            sign_in = false;
            continue;
        }
        if manager && refused("HTTP 400") {
            notes.push("managers unknown: Graph refused $expand=manager on the users list (HTTP 400)".into());
            manager = false;
            continue;
        }
        return (l, sign_in, manager);
    }
}

async fn read(client: &AppClient, http: &HttpConfig, opts: &EntraOptions) -> Read {
    let page_size = http.page_size.unwrap_or(999).clamp(1, 999);
    let mut notes = Vec::new();
    let maybe = |on: bool, spec: ListSpec| async move {
        match on {
            true => Some(client.list(&spec).await),
            false => None,
        }
    };
    let roles_list = roles_spec();
    let ((users, sign_in_read, _managers_read), groups, sps, roles, registration, applications) = tokio::join!(
        read_users(client, page_size, opts, &mut notes),
        maybe(opts.groups() || opts.apps(), groups_spec()),
        maybe(opts.apps(), service_principals_spec()),
        client.list(&roles_list),
        maybe(opts.mfa(), registration_spec()),
        maybe(opts.app_registrations(), applications_spec()),
    );
    if !opts.sign_in_activity() {
        notes.push("last sign-in not read (sign_in_activity = false)".into());
    }
    if !opts.managers() {
        notes.push("managers not read (managers = false)".into());
    }
    let mut r = Read {
        users: Vec::new(),
        listings: Vec::new(),
        sign_in_read,
        groups: BTreeMap::new(),
        members: BTreeMap::new(),
        roles: BTreeMap::new(),
        assignments: BTreeMap::new(),
        apps_incomplete: BTreeSet::new(),
        mfa: HashMap::new(),
        applications: Vec::new(),
        owners: BTreeMap::new(),
        users_complete: users.complete,
        apps_listed: sps.as_ref().is_some_and(|s| s.complete) && groups.as_ref().is_some_and(|g| g.complete),
        errors: Vec::new(),
        notes,
    };
    let mut users = users;
    r.users = std::mem::take(&mut users.items);
    r.listings.push(users);
    if let Some(mut g) = groups {
        for item in std::mem::take(&mut g.items) {
            if let Some(id) = graph_id(&item) {
                r.groups.insert(id, text(&item, "displayName").unwrap_or("?").to_string());
            }
        }
        r.listings.push(g);
    }
    // Enterprise apps: Microsoft's own first-party apps and managed identities left out.
    let mut apps: Vec<(String, String, String)> = Vec::new();
    let mut first_party = 0usize;
    if let Some(mut s) = sps {
        for sp in std::mem::take(&mut s.items) {
            let Some(id) = graph_id(&sp) else { continue };
            if text(&sp, "appOwnerOrganizationId") == Some(MICROSOFT_TENANT) || text(&sp, "servicePrincipalType") == Some("ManagedIdentity")
            {
                first_party += 1;
                continue;
            }
            let app_id = text(&sp, "appId").unwrap_or(&id).to_string();
            let name = text(&sp, "displayName").unwrap_or("?").to_string();
            apps.push((id, app_id, name));
        }
        r.listings.push(s);
    }
    if first_party > 0 {
        r.notes.push(format!("{first_party} Microsoft first-party app(s) and managed identities: their assignments not read"));
    }
    let mut role_list: Vec<(String, String)> = Vec::new();
    {
        let mut roles = roles;
        for role in std::mem::take(&mut roles.items) {
            if let Some(id) = graph_id(&role) {
                role_list.push((id, text(&role, "displayName").unwrap_or("?").to_string()));
            }
        }
        r.listings.push(roles);
    }
    match registration {
        Some(mut l) if l.complete => {
            for item in std::mem::take(&mut l.items) {
                if let (Some(id), Some(m)) = (graph_id(&item), item.get("isMfaRegistered").and_then(Value::as_bool)) {
                    r.mfa.insert(id, m);
                }
            }
            r.listings.push(l);
        }
        Some(l) if l.errors.iter().any(|e| e.contains("HTTP 403")) && l.items.is_empty() => r.notes.push(
            "MFA registration unknown: Graph refused the registration report (HTTP 403: it needs AuditLog.Read.All and Entra ID P1 or P2)"
                .into(),
        ),
        Some(mut l) => {
            // Part of the report: what was read is used; the rest is unknown, and the app partial.
            for item in std::mem::take(&mut l.items) {
                if let (Some(id), Some(m)) = (graph_id(&item), item.get("isMfaRegistered").and_then(Value::as_bool)) {
                    r.mfa.insert(id, m);
                }
            }
            r.listings.push(l);
        }
        None => r.notes.push("MFA registration not read (mfa = false)".into()),
    }
    if let Some(mut a) = applications {
        r.applications = std::mem::take(&mut a.items);
        r.listings.push(a);
    }

    let members_of = |id: &str, name: &str| {
        graph_list(format!("/groups/{}/members", enc(id)), vec![("$select".into(), "id".into())], 999, format!("members of group {name}"))
    };
    let member_specs: Vec<(String, ListSpec)> = r.groups.iter().map(|(id, name)| (id.clone(), members_of(id, name))).collect();
    let role_specs: Vec<(String, ListSpec)> = role_list
        .iter()
        .map(|(id, name)| {
            (
                id.clone(),
                graph_list(
                    format!("/directoryRoles/{}/members", enc(id)),
                    vec![("$select".into(), "id".into())],
                    999,
                    format!("members of directory role {name}"),
                ),
            )
        })
        .collect();
    let assignment_specs: Vec<(String, ListSpec)> = apps
        .iter()
        .map(|(id, _, name)| {
            (
                id.clone(),
                graph_list(
                    format!("/servicePrincipals/{}/appRoleAssignedTo", enc(id)),
                    Vec::new(),
                    999,
                    format!("assignments of app {name}"),
                ),
            )
        })
        .collect();
    let with_credentials: Vec<(String, ListSpec)> = r
        .applications
        .iter()
        .filter(|a| {
            ["passwordCredentials", "keyCredentials"].iter().any(|k| a.get(*k).and_then(Value::as_array).is_some_and(|l| !l.is_empty()))
        })
        .filter_map(|a| {
            let id = graph_id(a)?;
            let spec = graph_list(
                format!("/applications/{}/owners", enc(&id)),
                vec![("$select".into(), "id,mail,userPrincipalName".into())],
                0,
                format!("owners of app registration {}", text(a, "displayName").unwrap_or("?")),
            );
            Some((id, spec))
        })
        .collect();
    // Each sub-list is cut down to what is used as soon as it is read.
    let directory_objects = |mut l: Listing| {
        let items = std::mem::take(&mut l.items);
        let users: BTreeSet<String> = items.iter().filter(|v| is_user(v)).filter_map(graph_id).collect();
        let groups: BTreeSet<String> = items.iter().filter(|v| is_group(v)).filter_map(graph_id).collect();
        (users, groups, l)
    };
    let (members, role_members, assigned, owners) = tokio::join!(
        client.list_each_map(member_specs, directory_objects),
        client.list_each_map(role_specs, directory_objects),
        client.list_each_map(assignment_specs, |mut l| {
            let mut users = BTreeSet::new();
            let mut groups = BTreeSet::new();
            for a in std::mem::take(&mut l.items) {
                let Some(p) = text(&a, "principalId") else { continue };
                match text(&a, "principalType") {
                    Some("User") => users.insert(p.to_string()),
                    Some("Group") => groups.insert(p.to_string()),
                    _ => false,
                };
            }
            (users, groups, l)
        }),
        client.list_each_map(with_credentials, |mut l| {
            let list: Vec<String> = std::mem::take(&mut l.items)
                .iter()
                .filter_map(|o| text(o, "mail").or_else(|| text(o, "userPrincipalName")).map(str::to_string))
                .collect();
            (list, l)
        }),
    );
    // Deleted while the directory was read: left out and named.
    let group_gone = client.recheck(&groups_spec(), &members.not_found_ids(), "group").await;
    let app_gone = client.recheck(&service_principals_spec(), &assigned.not_found_ids(), "app").await;
    let registration_gone = client.recheck(&applications_spec(), &owners.not_found_ids(), "app registration").await;
    let mut sub_lists = Vec::new();
    let mut nested = 0usize;
    for (id, (users, groups, l)) in members.read {
        nested += groups.len();
        r.members.insert(id, users);
        sub_lists.push(l);
    }
    if nested > 0 {
        r.notes.push(format!(
            "{nested} group(s) are members of other groups: Entra does not pass an app assignment or a role on to a nested group's members, so neither does this report"
        ));
    }
    let role_name = |id: &str| role_list.iter().find(|(r, _)| r == id).map(|(_, n)| n.clone()).unwrap_or_else(|| id.to_string());
    for (id, (users, groups, l)) in role_members.read {
        r.roles.insert(role_name(&id), (users, groups));
        sub_lists.push(l);
    }
    let app_of = |id: &str| apps.iter().find(|(i, _, _)| i == id).map(|(_, a, n)| (a.clone(), n.clone()));
    for id in assigned.not_found_ids() {
        if !app_gone.gone.contains(&id) {
            if let Some((a, n)) = app_of(&id) {
                r.apps_incomplete.insert(format!("{a} · {n}"));
            }
        }
    }
    for (id, (users, groups, l)) in assigned.read {
        let Some((app_id, name)) = app_of(&id) else { continue };
        if !l.complete {
            r.apps_incomplete.insert(format!("{app_id} · {name}"));
        }
        r.assignments.insert((app_id, name), (users, groups));
        sub_lists.push(l);
    }
    for (id, (list, l)) in owners.read {
        r.owners.insert(id, list);
        sub_lists.push(l);
    }
    r.applications.retain(|a| graph_id(a).is_none_or(|id| !registration_gone.gone.contains(&id)));
    let (errors, more_notes) = crate::http::each::summarize(&sub_lists, "group members, role members, app assignments and owners");
    r.errors.extend(errors);
    r.notes.extend(more_notes);
    for (failed, what) in [
        (&members.failed, "groups' members"),
        (&role_members.failed, "roles' members"),
        (&assigned.failed, "apps' assignments"),
        (&owners.failed, "app registrations' owners"),
    ] {
        r.errors.extend(crate::http::each::failures(failed, what));
    }
    for g in [group_gone, app_gone, registration_gone] {
        r.listings.push(g.into_listing());
    }
    r
}

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &EntraOptions) -> Result<Collection, CollectError> {
    let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
    let r = read(&client, http, opts).await;
    let addresses: HashMap<String, String> = r
        .users
        .iter()
        .filter_map(|u| Some((graph_id(u)?, address(u).or_else(|| text(u, "userPrincipalName").map(str::to_string))?)))
        .collect();

    let mut accounts = Vec::with_capacity(r.users.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for u in &r.users {
        let Some(mut a) = user_account(u) else { continue };
        a.manager_email = u.get("manager").and_then(|m| address(m).or_else(|| graph_id(m).and_then(|id| addresses.get(&id).cloned())));
        a.mfa = r.mfa.get(&a.account_id).copied();
        index.insert(a.account_id.clone(), accounts.len());
        accounts.push(a);
    }
    let mut entitlements = Vec::new();
    let name_of = |gid: &str| r.groups.get(gid).cloned().unwrap_or_else(|| gid.to_string());
    // Groups (direct membership), admin when the config names them.
    for (gid, members) in &r.members {
        let name = name_of(gid);
        let privileged = app.admin_groups.iter().any(|x| x.eq_ignore_ascii_case(&name));
        for uid in members {
            let Some(i) = index.get(uid) else { continue };
            let a = &mut accounts[*i];
            a.groups.push(name.clone());
            if privileged {
                add_reason(a, format!("group {name}"));
            }
            entitlements.push(EntitlementRecord { account_id: uid.clone(), kind: EntitlementKind::Group, value: name.clone(), privileged });
        }
    }
    // Directory roles: held directly, or through a role-assignable group's direct members.
    for (role, (users, groups)) in &r.roles {
        let mut holders: Vec<(String, String)> = users.iter().map(|u| (u.clone(), format!("role {role}"))).collect();
        for gid in groups {
            for uid in r.members.get(gid).into_iter().flatten() {
                holders.push((uid.clone(), format!("role {role} (through group {})", name_of(gid))));
            }
        }
        for (uid, reason) in holders {
            let Some(i) = index.get(&uid) else { continue };
            add_reason(&mut accounts[*i], reason);
            entitlements.push(EntitlementRecord { account_id: uid, kind: EntitlementKind::Role, value: role.clone(), privileged: true });
        }
    }
    for a in &mut accounts {
        a.groups.sort();
        a.groups.dedup();
    }
    // Assignments: direct, and through a group to its direct members only (as Entra assigns).
    let mut unknown = 0usize;
    for ((app_id, name), (users, groups)) in &r.assignments {
        for uid in users {
            if index.contains_key(uid) {
                entitlements.push(assignment(uid, app_id, name, "direct"));
            } else {
                unknown += 1;
            }
        }
        for gid in groups {
            for uid in r.members.get(gid).into_iter().flatten().filter(|u| index.contains_key(*u)) {
                entitlements.push(assignment(uid, app_id, name, &format!("via group {}", name_of(gid))));
            }
        }
    }
    let mut notes = r.notes;
    if unknown > 0 {
        notes.push(format!("{unknown} app assignment(s) name users not among the users read (left out)"));
    }
    let without_email = accounts.iter().filter(|a| a.email.is_none()).count();
    if without_email > 0 {
        notes.push(format!("{without_email} user(s) have no address (mail or UPN): they are listed as unmatchable"));
    }
    let mut errors = r.errors;
    if !r.apps_incomplete.is_empty() {
        errors.push(format!(
            "the assignments of {} app(s) were not read completely ({}): no outside_idp finding is claimed for the apps linked to them",
            r.apps_incomplete.len(),
            crate::http::list::ids_excerpt(r.apps_incomplete.iter())
        ));
    }
    let credentials = credentials(&client, http, &r.applications, &r.owners).await;
    let listing = combine(r.listings, errors, notes);
    let coverage = coverage_from(app, &client, &listing, accounts.len(), r.sign_in_read).await;
    entitlements.sort();
    entitlements.dedup();
    let rules = AppRules {
        assignments_read: opts.apps() && r.users_complete && r.apps_listed,
        people_complete: r.users_complete,
        incomplete_assignments: r.apps_incomplete.into_iter().collect(),
        ..Default::default()
    };
    Ok(Collection { accounts, entitlements, credentials, coverage, rules, ..Default::default() })
}

fn assignment(uid: &str, app_id: &str, name: &str, how: &str) -> EntitlementRecord {
    EntitlementRecord {
        account_id: uid.to_string(),
        kind: EntitlementKind::AppAssignment,
        value: assignment_value(app_id, name, how),
        privileged: false,
    }
}

fn add_reason(a: &mut AccountRecord, reason: String) {
    a.is_admin = true;
    a.admin_reason = Some(match a.admin_reason.take() {
        Some(r) if r.split("; ").any(|x| x == reason) => r,
        Some(r) => format!("{r}; {reason}"),
        None => reason,
    });
}

/// The collector's own credential, and every app registration's secrets and certificates
/// (owners, end dates).
async fn credentials(
    client: &AppClient,
    http: &HttpConfig,
    applications: &[Value],
    owners: &BTreeMap<String, Vec<String>>,
) -> Vec<CredentialRecord> {
    let info = client.auth.token_info().await;
    let (label, own_client) = match &http.auth {
        AuthConfig::Oauth2PrivateKeyJwt { client_id, .. } => {
            ("Entra app registration (client credentials, certificate)", client_id.clone())
        }
        AuthConfig::Oauth2ClientCredentials { client_id, .. } => {
            ("Entra app registration (client credentials, client secret)", client_id.clone())
        }
        _ => ("Entra app registration", String::new()),
    };
    let mut out = vec![CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: label.into(),
        source: "api".into(),
        observation: Some(format!(
            "client {own_client}; its secrets and certificates are listed with the other app registrations{}",
            info.as_ref().and_then(|i| i.expires_in_secs).map(|s| format!("; access tokens live {s} s")).unwrap_or_default()
        )),
        token_lifetime_seconds: info.as_ref().and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
        ..Default::default()
    }];
    for a in applications {
        let Some(id) = graph_id(a) else { continue };
        let app_id = text(a, "appId").unwrap_or(&id);
        let name = text(a, "displayName").unwrap_or("?");
        let mut who = owners.get(&id).cloned().unwrap_or_default();
        who.sort();
        for (key, kind, prefix) in
            [("passwordCredentials", "client secret", "app-secret"), ("keyCredentials", "certificate", "app-certificate")]
        {
            for c in a.get(key).and_then(Value::as_array).into_iter().flatten() {
                let key_id = text(c, "keyId").unwrap_or("?");
                let shown = text(c, "displayName").or_else(|| text(c, "hint")).unwrap_or(key_id);
                out.push(CredentialRecord {
                    credential_id: format!("{prefix}:{app_id}:{key_id}"),
                    label: format!("{kind} \"{shown}\" of app registration {name}"),
                    owner: who.first().cloned(),
                    created_at: time_at(c, "startDateTime"),
                    expires_at: time_at(c, "endDateTime"),
                    source: "api".into(),
                    observation: Some(match who.len() {
                        0 => format!("app {app_id}; the app registration has no owner"),
                        1 => format!("app {app_id}; owner {}", who[0]),
                        _ => format!("app {app_id}; owners {}", who.join(", ")),
                    }),
                    ..Default::default()
                });
            }
        }
    }
    out
}
