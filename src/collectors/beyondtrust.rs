//! Kind `beyondtrust`, three API flavours (config `flavor`, API-NOTES §3). Appliances usually
//! present certificates from a private CA: `ca_file` trusts it (the engine names that option in
//! every certificate error).
//!
//! - `public_v3` (the guide): OAuth2 client credentials at `{base_url}/oauth2/token` (3600 s),
//!   `GET /api/public/v3/users?offset&limit` (`{users, total}`), `GET /api/public/v3/groups`;
//!   `enabled`, `last_login`, `group_memberships` (group ids, named through the groups list).
//! - `config_api` (Remote Support / Privileged Remote Access): the token request carries the client
//!   credentials as Basic auth; `GET /api/config/v1/user?per_page=100&current_page=N`, numbered
//!   pages that end where the `Link` header has no `rel="next"` (`X-BT-Pagination-Total` lets
//!   them be read concurrently and checked; a list that changes is read again), a bare array;
//!   `perm_admin` and the
//!   other `perm_*` flags, `last_authentication`, `created_at`; optionally each user's group
//!   policies. The documented limit is 20 requests/s per API account (the default here), and the
//!   connection is closed after each call as the API asks.
//! - `password_safe` (BeyondInsight / Password Safe): `POST Auth/SignAppin` with the `PS-Auth`
//!   header (or, with `oauth2_client_credentials`, a Bearer token from `POST Auth/connect/token`)
//!   opens a session (its cookie goes with every later call), `GET Users?includeInactive=true`
//!   (a bare array, unpaged), `GET UserGroups` and each group's users; `POST Auth/Signout` at the
//!   end, also after an error.
//!
//! Admins: `perm_admin` (or the configured `admin_roles` flags) in `config_api`; membership of an
//! admin group (configured `admin_groups`, default "Administrators") in every flavour.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use super::http_common::{
    check_get, classify, combine, coverage_from, describe_client_error, http_of, id_text, not_checked, said, text, time_at,
};
use super::revoke::{self, PlannedCall, Revocation, RevokeTarget};
use super::{CheckOutcome, CollectError, Collector, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, HttpConfig, KindOptions, OptionsAt, Secret};
use crate::http::{AppClient, KindDefaults, ListSpec, Listing, Pager, TokenStyle};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};
use serde::{Deserialize, Serialize};

/// Options of kind `beyondtrust` (README "BeyondTrust").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BeyondtrustOptions {
    /// `public_v3` (default, the guide), `config_api` (Remote Support / PRA) or `password_safe`.
    pub flavor: Option<BeyondtrustFlavor>,
    /// `config_api`: the permission flags that make an admin (default `perm_admin`).
    #[serde(default)]
    pub admin_roles: Vec<String>,
    /// `config_api`: read each user's group policies (one request per user).
    #[serde(default)]
    pub group_policies: bool,
}

impl KindOptions for BeyondtrustOptions {}

/// Kind `beyondtrust`.
pub struct Beyondtrust;

impl Collector for Beyondtrust {
    const KIND: &'static str = "beyondtrust";
    type Options = BeyondtrustOptions;

    fn check(options: &mut BeyondtrustOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        let flavor = options.flavor.unwrap_or_default();
        let auth = http.map(|h| &h.auth);
        let ps = matches!(auth, Some(AuthConfig::PsAuth { .. }));
        let oauth = matches!(auth, Some(AuthConfig::Oauth2ClientCredentials { .. }));
        if ps && flavor != BeyondtrustFlavor::PasswordSafe {
            return Err(at.error(
                "auth",
                format!(
                    "auth type ps_auth is for flavor \"password_safe\"; flavor \"{}\" signs in with oauth2_client_credentials",
                    flavor.as_str()
                ),
            ));
        }
        if flavor == BeyondtrustFlavor::PasswordSafe && !ps && !oauth {
            return Err(at.error(
                "auth",
                "flavor \"password_safe\" signs in with auth = { type = \"ps_auth\", key = { env = \"...\" }, runas = \"user\" } or with oauth2_client_credentials (Auth/connect/token)",
            ));
        }
        Ok(())
    }

    async fn collect(app: &AppConfig, options: &BeyondtrustOptions) -> Result<Collection, CollectError> {
        collect(app, http_of(app)?, options).await
    }

    async fn probe(app: &AppConfig, options: &BeyondtrustOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http_of(app)?, options).await
    }

    /// `config_api`: `PATCH /api/config/v1/user/{id}` with `enabled: false` (a partial update).
    /// `public_v3`: the guide's PUT is a full replace, so the user is read first and written
    /// back whole with `enabled: false`; a PUT of the one field would reset the rest (groups
    /// included). `password_safe`: the user is quarantined.
    fn revocation(app: &AppConfig, options: &BeyondtrustOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let id = revoke::enc(&target.account_id);
        match flavor(options) {
            BeyondtrustFlavor::ConfigApi => Revocation::calls(vec![PlannedCall::new(
                "PATCH",
                revoke::join(&http.base_url, &format!("/api/config/v1/user/{id}")),
                Some(json!({"enabled": false})),
            )]),
            BeyondtrustFlavor::PublicV3 => {
                let url = revoke::join(&http.base_url, &format!("/api/public/v3/users/{id}"));
                Revocation::calls(vec![
                    PlannedCall::new("GET", url.clone(), None).noting("read the whole user: the PUT below replaces it"),
                    PlannedCall::new("PUT", url, Some(json!({"enabled": false})))
                        .noting("full replace: send the user read by the GET with enabled set to false, never this body alone"),
                ])
            }
            // API-NOTES §3.2: `POST Users/{id}/quarantine` (the user can no longer sign in;
            // reversible in BeyondInsight).
            BeyondtrustFlavor::PasswordSafe => {
                Revocation::calls(vec![PlannedCall::new("POST", revoke::join(&http.base_url, &format!("/Users/{id}/quarantine")), None)
                    .noting("within a session: Auth/SignAppin first, Auth/Signout after, as the collection does")])
            }
        }
    }
}

const PUBLIC_V3: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: TokenStyle::Form,
    permission_hint: " (the API account needs read access to users and groups)",
    auth_hint: "",
    requests_per_hour: None,
};

const CONFIG_API: KindDefaults = KindDefaults {
    // "20 per second and 15,000 per hour … per API account".
    requests_per_second: 20.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: TokenStyle::BasicForm,
    permission_hint: " (the API account needs the Configuration API permission)",
    auth_hint: "; the Configuration API also answers 401 for a query parameter it does not know",
    requests_per_hour: Some(15_000),
};

const PASSWORD_SAFE: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 1,
    // The OAuth variant of signing in (API-NOTES §3.2 option B); `ps_auth` needs no token.
    token_path: Some("/Auth/connect/token"),
    token_style: TokenStyle::Form,
    permission_hint: " (the run-as user needs the User Accounts Management feature, read)",
    auth_hint:
        "; check the API key (Configuration > General > API Registrations) and that its registration allows the run-as user and this host",
    requests_per_hour: None,
};

const DEFAULT_ADMIN_GROUPS: [&str; 2] = ["Administrators", "Admins"];

fn snake_id(v: &Value) -> Option<String> {
    id_text(v.get("id"))
}

fn pascal_id(v: &Value) -> Option<String> {
    id_text(v.get("UserID")).or_else(|| id_text(v.get("UserId")))
}

crate::choice! {
    /// Which BeyondTrust API.
    BeyondtrustFlavor {
        /// The guide's public API v3.
        PublicV3 = "public_v3",
        /// Remote Support / Privileged Remote Access configuration API.
        ConfigApi = "config_api",
        PasswordSafe = "password_safe",
    } default PublicV3
}

fn flavor(opts: &BeyondtrustOptions) -> BeyondtrustFlavor {
    opts.flavor.unwrap_or_default()
}

fn is_admin_group(name: &str, configured: &[String]) -> bool {
    if configured.is_empty() {
        DEFAULT_ADMIN_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(name))
    } else {
        configured.iter().any(|g| g.eq_ignore_ascii_case(name))
    }
}

fn account(id: String, username: Option<&str>, email: Option<&str>, name: Option<String>, status: AccountStatus) -> AccountRecord {
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

/// Marks members of admin groups and records group entitlements.
fn apply_groups(
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

async fn public_v3(app: &AppConfig, http: &HttpConfig) -> Result<(Collection, AppClient), CollectError> {
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

async fn config_api(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<(Collection, AppClient), CollectError> {
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
fn hourly_budget_note(per_hour: Option<u32>, pages_so_far: u64, users: usize) -> Option<String> {
    let budget = u64::from(per_hour?);
    let needed = pages_so_far + users as u64;
    (needed > budget).then(|| {
        let hours = needed.div_ceil(budget) - 1;
        format!(
            "group policies of {users} user(s) take {needed} requests, more than the API's {budget} per hour: the run waits about {hours} h for the hourly limit (max_collect_seconds bounds it; requests_per_hour sets the limit)"
        )
    })
}

/// The session cookie of a `SignAppin` response.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
        .filter(|c| c.contains('='))
        .reduce(|a, b| format!("{a}; {b}"))
}

/// How a Password Safe app signs in: the `PS-Auth` API key header, or an OAuth client's token.
fn ps_sign_in_method(http: &HttpConfig) -> &'static str {
    match http.auth {
        crate::config::AuthConfig::Oauth2ClientCredentials { .. } => "an OAuth client's token",
        _ => "the API key",
    }
}

async fn password_safe(app: &AppConfig, http: &HttpConfig) -> Result<(Collection, AppClient), CollectError> {
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
fn ps_spec(endpoint: &str, query: Vec<(String, String)>, id: fn(&Value) -> Option<String>, what: &str) -> ListSpec {
    ListSpec { endpoint: endpoint.into(), query, pager: Pager::Single, items: String::new(), id, what: what.into() }
}

fn ps_group_id(g: &Value) -> Option<String> {
    id_text(g.get("GroupID")).or_else(|| id_text(g.get("GroupId")))
}

/// Users (unpaged), user groups and their members, within a signed-in session. A group deleted
/// while its members are read is left out and named.
async fn read_password_safe(
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

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<Collection, CollectError> {
    let (mut collection, client) = match flavor(opts) {
        BeyondtrustFlavor::ConfigApi => config_api(app, http, opts).await?,
        BeyondtrustFlavor::PasswordSafe => password_safe(app, http).await?,
        BeyondtrustFlavor::PublicV3 => public_v3(app, http).await?,
    };
    if !collection.coverage.last_login_known {
        collection.coverage.notes.push("last login is unknown for this app: no dormant or never-logged-in findings for it".into());
    }
    // What the API account may do (`config_api`: the command API's info).
    let permissions = if flavor(opts) == BeyondtrustFlavor::ConfigApi {
        match client.get_json(API_INFO, &[]).await {
            Ok(f) => api_permissions(&f.body),
            Err(e) => {
                collection.coverage.notes.push(format!("the API account's permissions could not be read ({})", e.failure));
                ApiPermissions::default()
            }
        }
    } else {
        ApiPermissions::default()
    };
    if permissions.scope.as_deref().is_some_and(|s| s.contains("perm_configuration=1")) {
        collection.coverage.notes.push(CONFIGURATION_WRITES.into());
    }
    let info = client.auth.token_info().await;
    let oauth = matches!(http.auth, crate::config::AuthConfig::Oauth2ClientCredentials { .. });
    collection.credentials.push(CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: match (flavor(opts), oauth) {
            (BeyondtrustFlavor::PasswordSafe, false) => "BeyondTrust Password Safe API key".into(),
            (BeyondtrustFlavor::PasswordSafe, true) => "BeyondTrust Password Safe API registration (OAuth client)".into(),
            _ => "BeyondTrust API account (OAuth client)".into(),
        },
        source: "api".into(),
        observation: Some(match info.as_ref().and_then(|i| i.expires_in_secs) {
            Some(secs) => format!("client credentials grant; access tokens live {secs} s (the client secret's own expiry is not reported)"),
            None => "the API does not report when this credential expires".into(),
        }),
        token_lifetime_seconds: info.and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
        scope: permissions.scope,
        write_access: permissions.write,
        write_unavoidable: permissions.write.map(|_| permissions.unavoidable),
        ..Default::default()
    });
    Ok(collection)
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

/// `check`: one request per endpoint kind the flavour's collection uses. `public_v3`: users and
/// groups; `config_api`: users and, with `group_policies`, the first user's group policies;
/// `password_safe`: sign in, users, user groups and the first group's users, sign out.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
    let mut checks = Vec::new();
    match flavor(opts) {
        BeyondtrustFlavor::PasswordSafe => {
            let grant = "the User Accounts Management feature (read) to the run-as user's group";
            let mut client = AppClient::new(&app.name, http, &PASSWORD_SAFE).map_err(describe_client_error)?.with_policy(policy);
            let signed = match client.post_json("/Auth/SignAppin", &json!({})).await {
                Ok(f) => f,
                Err(e) => {
                    let outcome = classify(&e, "the API registration to the run-as user (and this host)");
                    checks.push(EndpointCheck { what: "sign in".into(), endpoint: "POST /Auth/SignAppin".into(), outcome });
                    return Ok(checks);
                }
            };
            checks.push(EndpointCheck {
                what: "sign in".into(),
                endpoint: "POST /Auth/SignAppin".into(),
                outcome: CheckOutcome::Ok(format!("with {}", ps_sign_in_method(http))),
            });
            if let Some(c) = session_cookie(&signed.headers) {
                client.session_headers.push(("Cookie".into(), Secret::new(c)));
            }
            let (users, f) = check_get(&client, "users", "/Users", &[("includeInactive".into(), "true".into())], grant).await;
            let n = f.and_then(|f| f.body.as_array().map(|a| a.len()));
            checks.push(said(users, n.map(|n| format!("{n} user(s)")).unwrap_or_default()));
            let (groups, f) = check_get(&client, "user groups", "/UserGroups", &[], grant).await;
            let first = f.and_then(|f| f.body.as_array().and_then(|a| a.first().cloned()));
            checks.push(groups);
            match first.and_then(|g| id_text(g.get("GroupID")).or_else(|| id_text(g.get("GroupId")))) {
                Some(id) => {
                    checks.push(check_get(&client, "users of a user group", &format!("/UserGroups/{id}/Users"), &[], grant).await.0)
                }
                None => checks.push(not_checked("users of a user group", "GET /UserGroups/{id}/Users", "no user group was listed")),
            }
            let out = client.post_json("/Auth/Signout", &json!({})).await;
            checks.push(EndpointCheck {
                what: "sign out".into(),
                endpoint: "POST /Auth/Signout".into(),
                outcome: match out {
                    Ok(_) => CheckOutcome::Ok(String::new()),
                    Err(e) => classify(&e, "nothing (the session times out on the appliance)"),
                },
            });
        }
        BeyondtrustFlavor::ConfigApi => {
            let grant = "the Configuration API permission to the API account (/login > Management > API Configuration)";
            let mut client = AppClient::new(&app.name, http, &CONFIG_API).map_err(describe_client_error)?.with_policy(policy);
            client.extra_headers.push(("Connection".into(), "close".into()));
            let (users, f) = check_get(&client, "users", "/api/config/v1/user", &[("per_page".into(), "1".into())], grant).await;
            let total = f.as_ref().and_then(|f| f.headers.get("x-bt-pagination-total").and_then(|v| v.to_str().ok()).map(str::to_string));
            let first = f.and_then(|f| f.body.as_array().and_then(|a| a.first().and_then(snake_id)));
            checks.push(said(users, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default()));
            if opts.group_policies {
                match first {
                    Some(id) => checks.push(
                        check_get(&client, "group policies of a user", &format!("/api/config/v1/user/{id}/group-policies"), &[], grant)
                            .await
                            .0,
                    ),
                    None => checks.push(not_checked(
                        "group policies of a user",
                        "GET /api/config/v1/user/{id}/group-policies",
                        "no user was listed",
                    )),
                }
            }
            // What the API account may do: more than reading is said, and fails the check.
            let (check, f) = check_get(&client, "API account permissions", API_INFO, &[], grant).await;
            let check = match f.map(|f| api_permissions(&f.body)) {
                Some(ApiPermissions { scope: Some(scope), write: Some(true), unavoidable: false }) => EndpointCheck {
                    outcome: CheckOutcome::Failed(format!(
                        "{scope}: broader than a read-only audit needs (give the API account read_only for the command API)"
                    )),
                    ..check
                },
                Some(ApiPermissions { scope: Some(scope), unavoidable: true, .. }) => {
                    said(check, format!("{scope} ({CONFIGURATION_WRITES})"))
                }
                Some(ApiPermissions { scope: Some(scope), .. }) => said(check, scope),
                Some(ApiPermissions { scope: None, .. }) => said(check, "the answer names no permission level"),
                None => check,
            };
            checks.push(check);
        }
        BeyondtrustFlavor::PublicV3 => {
            let grant = "read access to users and groups to the API account";
            let client = AppClient::new(&app.name, http, &PUBLIC_V3).map_err(describe_client_error)?.with_policy(policy);
            let one = [("offset".to_string(), "0".to_string()), ("limit".to_string(), "1".to_string())];
            let (users, f) = check_get(&client, "users", "/api/public/v3/users", &one, grant).await;
            let total = f.and_then(|f| f.body.get("total").map(|t| t.to_string()));
            checks.push(said(users, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default()));
            checks.push(check_get(&client, "groups", "/api/public/v3/groups", &one, grant).await.0);
        }
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_shapes() {
        let v3 = v3_account(&json!({"id": 42, "username": "jdoe", "display_name": "Jane Doe", "email_address": "jdoe@example.com",
                                    "enabled": false, "last_login": "2026-03-01T10:00:00Z"}))
        .unwrap();
        assert_eq!((v3.account_id.as_str(), v3.status.as_str(), v3.email.as_deref()), ("42", "disabled", Some("jdoe@example.com")));
        assert!(v3.last_login_at.is_some());
        let (pra, perms) =
            pra_account(&json!({"id": 7, "username": "ann", "public_display_name": "Ann", "enabled": true, "perm_admin": true,
                                               "perm_view_support_reports": "all", "perm_collaborate": false, "perm_x": "none",
                                               "last_authentication": "2026-12-01T08:00:00+00:00"}))
            .unwrap();
        assert_eq!(perms, vec!["perm_admin", "perm_view_support_reports=all"]);
        assert_eq!(pra.last_login_at.unwrap().to_rfc3339(), "2026-12-01T08:00:00+00:00", "+00:00 offsets");
        let ps =
            ps_account(&json!({"UserID": 3, "UserName": "ACME\\\\bob", "FirstName": "Bob", "LastName": "Smith", "IsQuarantined": true,
                                    "UserType": "ActiveDirectory", "EmailAddress": "bob@acme.com"}))
            .unwrap();
        assert_eq!(
            (ps.status.as_str(), ps.username.as_deref(), ps.display_name.as_deref()),
            ("suspended", Some("ACME\\\\bob"), Some("Bob Smith"))
        );
        let app = ps_account(&json!({"UserID": 4, "UserName": "svc-backup", "UserType": "Application", "IsActive": false})).unwrap();
        assert_eq!((app.account_type.as_str(), app.status.as_str()), ("service", "disabled"));
    }

    #[test]
    fn sign_in_sources_in_every_shape() {
        let v3 = |t: &str| v3_account(&json!({"id": 1, "username": "a", "account_type": t})).unwrap().auth_source;
        assert_eq!(
            (v3("local"), v3("LDAP"), v3("SAML"), v3("api")),
            (AuthSource::Local, AuthSource::Ldap, AuthSource::Sso, AuthSource::Unknown)
        );
        let ps = |t: &str| ps_account(&json!({"UserID": 1, "UserName": "a", "UserType": t})).unwrap().auth_source;
        assert_eq!(
            (ps("BeyondInsight"), ps("ActiveDirectory"), ps("LDAP"), ps("Application")),
            (AuthSource::Local, AuthSource::Ldap, AuthSource::Ldap, AuthSource::Unknown)
        );
        for (kind, want) in [
            ("local", AuthSource::Local),
            ("radius", AuthSource::Ldap),
            ("kerberos", AuthSource::Ldap),
            ("scim", AuthSource::Sso),
            ("?", AuthSource::Unknown),
        ] {
            assert_eq!(auth_source_of(kind), want, "{kind}");
        }
        assert_eq!(api_permissions(&json!({"api_version": "1.24"})), ApiPermissions::default());
    }

    /// Issue 25 item 6: the API guide's shape (`perm_command` a level, the others 1 or 0).
    #[test]
    fn api_account_permissions_as_the_api_guide_documents_them() {
        let read = |v: Value| {
            let p = api_permissions(&v);
            (p.scope.unwrap_or_default(), p.write, p.unavoidable)
        };
        assert_eq!(
            read(json!({"permissions": {"perm_command": "read_only", "perm_configuration": 1, "perm_reporting": 1, "perm_backup": 0}})),
            ("perm_backup=0, perm_command=read_only, perm_configuration=1, perm_reporting=1".into(), Some(true), true),
            "the Configuration API writes, and cannot be narrowed"
        );
        assert_eq!(
            read(json!({"perm_command": "full_access", "perm_configuration": "1"})),
            ("perm_command=full_access, perm_configuration=1".into(), Some(true), false),
            "a full command API is broader than needed (read_only exists)"
        );
        assert_eq!(
            read(json!({"permissions": {"perm_command": "deny", "perm_configuration": false, "perm_reporting": true}})),
            ("perm_command=deny, perm_configuration=0, perm_reporting=1".into(), Some(false), false)
        );
    }

    #[test]
    fn hourly_budget_notes() {
        assert_eq!(hourly_budget_note(Some(15_000), 100, 9_000), None);
        assert_eq!(hourly_budget_note(None, 100, 90_000), None);
        let n = hourly_budget_note(Some(15_000), 200, 20_000).unwrap();
        assert!(n.contains("20200 requests") && n.contains("about 1 h"), "{n}");
    }

    #[test]
    fn session_cookies() {
        let mut h = reqwest::header::HeaderMap::new();
        h.append("set-cookie", "ASP.NET_SessionId=abc123; path=/; HttpOnly".parse().unwrap());
        h.append("set-cookie", "BIGipServer=xyz; path=/".parse().unwrap());
        assert_eq!(session_cookie(&h).as_deref(), Some("ASP.NET_SessionId=abc123; BIGipServer=xyz"));
        assert_eq!(session_cookie(&reqwest::header::HeaderMap::new()), None);
    }
}
