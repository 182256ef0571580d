//! The enterprise users of the Meetings API, as both BlueJeans kinds read them: the list (both
//! flavours' shapes), per-user details where the list lacks the admin flag or last login, the
//! OAuth client, and each user as an account with its privileges.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::options::{BluejeansFlavor, BluejeansOptions, UserDetails, DEFAULTS};
use crate::collectors::http_common::{coverage_from, describe_client_error, id_text, text};
use crate::collectors::CollectError;
use crate::config::{AppConfig, AuthConfig, HttpConfig};
use crate::http::{AppClient, KindDefaults, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};

const LIST_FIELDS: &str = "username,firstName,middleName,lastName,email,isEnterpriseAdmin,enterpriseJoinDate,isModeratorLess";

pub fn user_id(v: &Value) -> Option<String> {
    id_text(v.get("id"))
}

/// An epoch time (a number or a numeric string) as a UTC time: milliseconds, as the swagger
/// says, or seconds, as the guide's "Unix timestamp" says. Told apart by magnitude: below 10^11
/// it is seconds (10^11 ms is March 1973; 10^11 s is the year 5138).
pub fn millis(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let n = match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    match n {
        n if n <= 0 => None,
        n if n < 100_000_000_000 => DateTime::from_timestamp(n, 0),
        n => DateTime::from_timestamp_millis(n),
    }
}

pub fn flag(v: &Value, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| v.get(*k).and_then(|x| x.as_bool().or_else(|| x.as_str().map(|s| s.eq_ignore_ascii_case("true")))))
}

/// The privileges of one enterprise user beyond its account: enterprise admin (a `role`,
/// privileged) and hosting meetings without a moderator (`isModeratorLess`, a `permission`).
pub fn user_entitlements(v: &Value, account: &AccountRecord) -> Vec<EntitlementRecord> {
    let mut out = Vec::new();
    if account.is_admin {
        out.push(EntitlementRecord {
            account_id: account.account_id.clone(),
            kind: EntitlementKind::Role,
            value: "enterprise admin".into(),
            privileged: true,
        });
    }
    if flag(v, &["isModeratorLess", "moderatorLess"]) == Some(true) {
        out.push(EntitlementRecord {
            account_id: account.account_id.clone(),
            kind: EntitlementKind::Permission,
            value: "moderator-less meetings (hosts meetings without a moderator)".into(),
            privileged: false,
        });
    }
    out
}

/// One enterprise user (list item, possibly merged with its details) as an account.
pub fn user_account(v: &Value) -> Option<AccountRecord> {
    let id = user_id(v)?;
    let username = text(v, "username").map(str::to_string);
    let email =
        text(v, "email").or_else(|| text(v, "emailId")).map(str::to_string).or_else(|| username.clone().filter(|u| u.contains('@')));
    let name = ["firstName", "middleName", "lastName"].iter().filter_map(|k| text(v, k)).collect::<Vec<_>>().join(" ");
    let admin = flag(v, &["isEnterpriseAdmin", "enterpriseAdmin"]).unwrap_or(false);
    let status = match flag(v, &["isActive", "active"]) {
        Some(false) => AccountStatus::Disabled,
        _ => AccountStatus::Active,
    };
    // A user without an email is a meeting room or room system (a device's login), not a person.
    let account_type = if email.is_some() { AccountType::Human } else { AccountType::Service };
    Some(AccountRecord {
        account_id: id,
        username,
        email,
        other_emails: Vec::new(),
        display_name: Some(name).filter(|n| !n.is_empty()),
        status,
        account_type,
        is_admin: admin,
        admin_reason: admin.then(|| "isEnterpriseAdmin".to_string()),
        created_at: millis(v.get("enterpriseJoinDate")).or_else(|| millis(v.get("joinDate"))),
        last_login_at: millis(v.get("lastLogin")),
        invited_at: None,
        groups: Vec::new(),
        auth_source: AuthSource::Unknown,
        ..Default::default()
    })
}

pub fn guide(opts: &BluejeansOptions) -> bool {
    opts.flavor == Some(BluejeansFlavor::Guide)
}

pub fn enterprise(opts: &BluejeansOptions) -> &str {
    opts.enterprise_id.as_deref().unwrap_or("")
}

pub fn users_spec(http: &HttpConfig, opts: &BluejeansOptions) -> ListSpec {
    let page_size = http.page_size.unwrap_or(1000).clamp(1, 1000);
    let g = guide(opts);
    ListSpec {
        endpoint: format!("/v1/enterprise/{}/users", enterprise(opts)),
        query: if g { Vec::new() } else { vec![("fields".into(), LIST_FIELDS.into())] },
        pager: Pager::PageNumber {
            page_param: "pageNumber".into(),
            size_param: "pageSize".into(),
            page_size,
            first_page: if g { 0 } else { 1 },
            total: Some("count".into()),
            short_page_ends: true,
        },
        items: if g { "users|user".into() } else { "user|users".into() },
        id: user_id,
        what: "enterprise users".into(),
    }
}

/// The users, with details merged in where needed. Returns the items, the listing (with the
/// details' errors and notes) and how many details were read. A user whose details answer 404
/// was deleted after the list was read when a second read of the list no longer has them: left
/// out and noted.
pub async fn enterprise_users(client: &AppClient, http: &HttpConfig, opts: &BluejeansOptions) -> (Vec<Value>, Listing, usize) {
    let spec = users_spec(http, opts);
    let mut listing = client.list(&spec).await;
    let mut items = std::mem::take(&mut listing.items);
    let with_login = opts.user_details == Some(UserDetails::Always);
    let g = guide(opts);
    let requests: Vec<(String, Vec<String>)> = items
        .iter()
        .filter(|u| match opts.user_details.unwrap_or_default() {
            UserDetails::Always => true,
            UserDetails::Never => false,
            UserDetails::Auto => u.get("isEnterpriseAdmin").is_none(),
        })
        .filter_map(user_id)
        .map(|id| {
            let endpoints = if g {
                vec![format!("/v1/enterprise/{}/users/{id}", enterprise(opts))]
            } else if with_login {
                vec![format!("/v1/user/{id}/enterprise_profile"), format!("/v1/user/{id}")]
            } else {
                vec![format!("/v1/user/{id}/enterprise_profile")]
            };
            (id, endpoints)
        })
        .collect();
    let details = client.get_each(requests).await;
    let missing = details.not_found_ids();
    let read = details.read.len();
    let index: HashMap<String, usize> = items.iter().enumerate().filter_map(|(i, u)| Some((user_id(u)?, i))).collect();
    for (id, bodies) in details.read {
        for b in bodies {
            if let (Some(Value::Object(item)), Value::Object(detail)) = (index.get(&id).map(|i| &mut items[*i]), b) {
                for (k, v) in detail {
                    if k != "id" && !v.is_null() {
                        item.insert(k, v);
                    }
                }
            }
        }
    }
    if let Some(e) = crate::http::each::failures(
        &details.failed,
        &format!("user detail(s) (their admin flag{} is unknown)", if with_login { " and last login" } else { "" }),
    ) {
        listing.errors.push(e);
    }
    let churn = client.recheck(&spec, &missing, "user").await;
    items.retain(|u| user_id(u).is_none_or(|id| !churn.gone.contains(&id)));
    listing.errors.extend(churn.errors);
    listing.notes.extend(churn.notes);
    listing.complete &= listing.errors.is_empty();
    (items, listing, read)
}

/// The client of the Meetings API for `bluejeans_events`: `users_url`, the same client id and
/// secret, its own token from `{users_url}/oauth2/token`.
pub fn users_client(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<(AppClient, HttpConfig), CollectError> {
    let mut cfg = HttpConfig { base_url: opts.users_url.clone().unwrap_or_else(|| "https://api.bluejeans.com".into()), ..http.clone() };
    if let AuthConfig::Oauth2ClientCredentials { token_url, .. } = &mut cfg.auth {
        *token_url = None;
    }
    let mut client = AppClient::new(&format!("{} (users)", app.name), &cfg, &DEFAULTS).map_err(describe_client_error)?;
    if opts.token_in_query {
        client.token_query_param = Some("access_token".into());
    }
    Ok((client, cfg))
}

pub fn client(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions, defaults: &KindDefaults) -> Result<AppClient, CollectError> {
    let mut client = AppClient::new(&app.name, http, defaults).map_err(describe_client_error)?;
    if opts.token_in_query {
        client.token_query_param = Some("access_token".into());
    }
    Ok(client)
}

/// The credential observation of the OAuth client: what the token endpoint said.
pub async fn oauth_credential(client: &AppClient) -> CredentialRecord {
    let info = client.auth.token_info().await;
    // What the token may do, as its `scope` says (a client-credentials token names only its
    // enterprise: nothing is claimed then).
    let (scope, write_access) =
        info.as_ref().and_then(|i| i.scope.as_ref()).map(crate::collectors::http_common::oauth_scope).unwrap_or((None, None));
    CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: "BlueJeans OAuth client (client credentials)".into(),
        source: "api".into(),
        observation: Some(match info.as_ref().and_then(|i| i.expires_in_secs) {
            Some(secs) => format!("client credentials grant; access tokens live {secs} s (the client secret's own expiry is not reported)"),
            None => "client credentials grant; the token endpoint did not say how long tokens live".into(),
        }),
        token_lifetime_seconds: info.as_ref().and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
        scope,
        write_access,
        ..Default::default()
    }
}

/// Kind `bluejeans`.
pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<Collection, CollectError> {
    let client = client(app, http, opts, &DEFAULTS)?;
    let (items, mut listing, details) = enterprise_users(&client, http, opts).await;
    let mut accounts = Vec::with_capacity(items.len());
    let mut entitlements = Vec::new();
    for item in &items {
        if let Some(a) = user_account(item) {
            entitlements.extend(user_entitlements(item, &a));
            accounts.push(a);
        }
    }
    let always = opts.user_details == Some(UserDetails::Always);
    if details > 0 {
        listing.notes.push(format!(
            "{details} user detail(s) were read{}",
            if always { " (user_details = \"always\")" } else { " because the list lacks the admin flag" }
        ));
    }
    if !always {
        listing.notes.push("last login is read only with user_details = \"always\" (one request per user): no dormant or never-logged-in findings for this app".into());
    }
    let coverage = coverage_from(app, &client, &listing, accounts.len(), always && listing.complete).await;
    let credentials = vec![oauth_credential(&client).await];
    entitlements.sort();
    Ok(Collection { accounts, entitlements, credentials, coverage, ..Default::default() })
}
