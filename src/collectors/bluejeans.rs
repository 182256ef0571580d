//! Kinds `bluejeans` and `bluejeans_events` (API-NOTES §2; the service was shut down in 2024, so
//! this is for archived tenants and replicas, and built from the official swagger and the guides).
//!
//! `bluejeans`: OAuth2 client credentials at `{base_url}/oauth2/token` (a JSON body; the token's
//! `expires_in` is recorded; it is refreshed before it expires and after a 401; with
//! `token_in_query` it travels as `?access_token=`, which no message ever shows). Users from
//! `GET /v1/enterprise/{enterprise_id}/users?pageSize&pageNumber`: flavour `api` (the swagger:
//! 1-based pages, `{count, user: [...]}`, `email`) or `guide` (0-based pages, `{count, users:
//! [...]}`, `emailId`); either wrapper key is accepted in both. Per-user details where the list
//! lacks the admin flag (`user_details = "auto"`), or for every user (`"always"`, which also
//! gives last login): flavour `api` reads `/v1/user/{id}/enterprise_profile` (admin, join date)
//! and, for last login, `/v1/user/{id}`; flavour `guide` reads `/v1/enterprise/{id}/users/{id}`.
//! `isEnterpriseAdmin` -> admin; `isModeratorLess` -> a `permission` entitlement;
//! `enterpriseJoinDate` -> `created_at`; `lastLogin` -> `last_login_at` (epoch milliseconds as the
//! swagger says, or seconds as the guide's "Unix timestamp": told apart by magnitude). A user
//! without an email is a meeting room or room system: a `service` account.
//!
//! `bluejeans_events`: the enterprise users (as above, from `users_url`), then each user's events
//! (`events_path`, paged as the users list, the count checked), and the detail (`event_path`) of
//! each event whose list entry leaves out its people or, registration on, its `apiKey`. Organizers and moderators get privileged `event_role` entitlements,
//! panelists `event_role`, attendees `event_registration`, each naming the event's id, title
//! and dates. A participant who is not an enterprise user becomes an account of their own
//! (`email:<address>`), so an event moderated by someone who has left is a finding: a guest
//! (panelist or attendee only) is of type `customer`, external by design and never orphaned; an
//! outsider who moderates is `human`, and orphaned when no roster person matches. Each
//! registration-enabled event's key is a credential `event:<id>:api_key`, named by the event
//! (never by value); with the registration app configured, the key is checked by asking for a
//! `registration_app` token: a refused key is expired, an issued token's lifetime is recorded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::http_common::{check_get, coverage_from, describe_client_error, http_of, id_text, not_checked, said, text};
use super::revoke::{self, PlannedCall, Revocation, RevokeTarget};
use super::{CollectError, Collector, EndpointCheck};
use crate::config::{AppConfig, AuthConfig, ConfigError, HttpConfig, KindOptions, OptionsAt, SecretRef};
use crate::http::{AppClient, FetchError, KindDefaults, ListSpec, Listing, Pager};
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CredentialRecord, EntitlementKind, EntitlementRecord,
};
use serde::{Deserialize, Serialize};

/// Options of kinds `bluejeans` and `bluejeans_events` (README "BlueJeans").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BluejeansOptions {
    /// The enterprise (partition) id the API client belongs to.
    pub enterprise_id: Option<String>,
    /// `api` (default: the official swagger: 1-based `pageNumber`, `{count, user: [...]}`,
    /// details at `/v1/user/{id}`) or `guide` (0-based `pageNumber`, `{count, users: [...]}`,
    /// details at `/v1/enterprise/{id}/users/{userId}`).
    pub flavor: Option<BluejeansFlavor>,
    /// Per-user detail requests: `auto` (default: when the list lacks the admin flag), `always`
    /// (also for last login; one request per user), `never`.
    pub user_details: Option<UserDetails>,
    /// Send the OAuth token as `?access_token=` instead of a Bearer header.
    #[serde(default)]
    pub token_in_query: bool,
    /// `bluejeans_events`: where the enterprise user list is (the Meetings API; default
    /// `https://api.bluejeans.com`).
    pub users_url: Option<String>,
    /// `bluejeans_events`: a user's events (default `/api/scheduling/v1/users/{userId}/events`).
    pub events_path: Option<String>,
    /// `bluejeans_events`: one event (default `/api/scheduling/v1/users/{userId}/events/{eventId}`).
    pub event_path: Option<String>,
    /// `bluejeans_events`: events asked for per page of a user's events (`pageSize`; default
    /// 100; a server that serves fewer is followed).
    pub events_page_size: Option<u32>,
    /// `bluejeans_events`: the number of the first page of a user's events (`pageNumber`;
    /// default 1, as the users list of the swagger counts).
    pub events_first_page: Option<u32>,
    /// `bluejeans_events`: the registration app (Admin > Events > Enterprise Apps) whose
    /// credentials turn an event's `apiKey` into a `registration_app` token; when set, every
    /// registration-enabled event's key is checked that way.
    pub registration_client_id: Option<String>,
    pub registration_client_secret: Option<SecretRef>,
    /// Default `{base_url}/api/security/v1/oauth/accesstoken`.
    pub registration_token_url: Option<String>,
}

impl KindOptions for BluejeansOptions {
    fn secrets(&self) -> Vec<&SecretRef> {
        self.registration_client_secret.iter().collect()
    }
}

crate::choice! {
    /// Which shape of the Meetings API: the official swagger's or the guide's.
    BluejeansFlavor {
        Api = "api" ("the official swagger"),
        Guide = "guide",
    } default Api
}

crate::choice! {
    /// When a user's details are read (one request per user).
    UserDetails {
        /// When the list lacks the admin flag.
        Auto = "auto",
        /// For every user (also gives last login).
        Always = "always",
        Never = "never",
    } default Auto
}

fn check_options(options: &mut BluejeansOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    at.rebase_secret(options.registration_client_secret.as_mut());
    if options.enterprise_id.is_none() {
        return Err(at.error("enterprise_id", "is required: the enterprise id the API client belongs to (the token's scope.enterprise)"));
    }
    if options.registration_client_id.is_some() != options.registration_client_secret.is_some() {
        return Err(at.error("registration_client_secret", "registration_client_id and registration_client_secret go together"));
    }
    Ok(())
}

/// Kind `bluejeans`: the Meetings API's enterprise users.
pub struct Bluejeans;

impl Collector for Bluejeans {
    const KIND: &'static str = "bluejeans";
    const SECRET_KEYS: &'static [&'static str] = &["registration_client_secret"];
    type Options = BluejeansOptions;

    fn check(options: &mut BluejeansOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        check_options(options, at)
    }

    async fn collect(app: &AppConfig, options: &BluejeansOptions) -> Result<Collection, CollectError> {
        collect(app, http_of(app)?, options).await
    }

    async fn probe(app: &AppConfig, options: &BluejeansOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http_of(app)?, options, false).await
    }

    /// The Meetings API had no suspend: `DELETE /v1/enterprise/{enterprise}/users/{id}` (the
    /// guide's deprovisioning), which removes the user and their meetings for good.
    fn revocation(app: &AppConfig, options: &BluejeansOptions, target: &RevokeTarget) -> Revocation {
        let (Some(http), Some(enterprise)) = (&app.http, options.enterprise_id.as_deref()) else {
            return Revocation::manual("no base_url or enterprise_id");
        };
        let path = format!("/v1/enterprise/{}/users/{}", revoke::enc(enterprise), revoke::enc(&target.account_id));
        Revocation::calls(vec![PlannedCall::new("DELETE", revoke::join(&http.base_url, &path), None)
            .noting("irreversible: the API has no suspend; the user's meetings go with it")])
    }
}

/// Kind `bluejeans_events`: the Events API's event owners and registration keys.
pub struct BluejeansEvents;

impl Collector for BluejeansEvents {
    const KIND: &'static str = "bluejeans_events";
    const SECRET_KEYS: &'static [&'static str] = &["registration_client_secret"];
    type Options = BluejeansOptions;

    fn check(options: &mut BluejeansOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        check_options(options, at)
    }

    async fn collect(app: &AppConfig, options: &BluejeansOptions) -> Result<Collection, CollectError> {
        collect_events(app, http_of(app)?, options).await
    }

    async fn probe(app: &AppConfig, options: &BluejeansOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http_of(app)?, options, true).await
    }

    /// Registrations are cancelled (the guide's un-register: `POST
    /// /api/registration/v1/users/events/{event}/changeState`, state `DECLINED`, with the
    /// event's `registration_app` token); the API has no call that takes a role away, so
    /// organizers, moderators and panelists are removed by editing the event.
    fn revocation(app: &AppConfig, _: &BluejeansOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let mut out = Revocation::default();
        for value in target.values(EntitlementKind::EventRegistration.as_str()) {
            let event = value.split(" · ").nth(1).unwrap_or_default();
            if event.is_empty() || target.email.is_empty() {
                out.manual.push(format!("cancel the registration \"{value}\" (no event id or email to do it with)"));
                continue;
            }
            let path = format!("/api/registration/v1/users/events/{}/changeState", revoke::enc(event));
            out.calls.push(
                PlannedCall::new("POST", revoke::join(&http.base_url, &path), Some(json!({"emails": [target.email], "state": "DECLINED"})))
                    .noting("authenticated with the event's registration_app token (its apiKey through the registration app)"),
            );
        }
        for value in target.values(EntitlementKind::EventRole.as_str()) {
            out.manual.push(format!("edit the event to take away: {value}"));
        }
        if out.calls.is_empty() && out.manual.is_empty() {
            out.manual.push("no event role or registration: the enterprise user itself is revoked in the bluejeans app".into());
        }
        out
    }
}

pub const DEFAULTS: KindDefaults = KindDefaults {
    // No limits were ever published for the Meetings API (the Relay API asked for < 2/s): go slow.
    requests_per_second: 5.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: crate::http::TokenStyle::Json,
    permission_hint: " (the API client needs the list_users scope, and enterprise_id must be the enterprise of its token)",
    auth_hint: "",
    requests_per_hour: None,
};

const EVENTS_DEFAULTS: KindDefaults = KindDefaults {
    token_path: Some("/api/security/v1/oauth/accesstoken"),
    permission_hint: " (the Events app needs the Enterprise Application Grant)",
    ..DEFAULTS
};

const LIST_FIELDS: &str = "username,firstName,middleName,lastName,email,isEnterpriseAdmin,enterpriseJoinDate,isModeratorLess";
const DEFAULT_EVENTS_PATH: &str = "/api/scheduling/v1/users/{userId}/events";
/// The people of an event; a list entry without any of them is a summary: its detail is read.
const PEOPLE: [&str; 3] = ["moderators", "panelists", "attendees"];
const DEFAULT_EVENT_PATH: &str = "/api/scheduling/v1/users/{userId}/events/{eventId}";
const REGISTRATION_TOKEN_PATH: &str = "/api/security/v1/oauth/accesstoken";

fn user_id(v: &Value) -> Option<String> {
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

fn flag(v: &Value, keys: &[&str]) -> Option<bool> {
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
    })
}

fn guide(opts: &BluejeansOptions) -> bool {
    opts.flavor == Some(BluejeansFlavor::Guide)
}

fn enterprise(opts: &BluejeansOptions) -> &str {
    opts.enterprise_id.as_deref().unwrap_or("")
}

fn users_spec(http: &HttpConfig, opts: &BluejeansOptions) -> ListSpec {
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

/// One user's events: numbered pages as the users list (`pageNumber`, `pageSize`), the count
/// checked; a bare array, or the events under `events`, `items` or `data`.
fn events_spec(uid: &str, opts: &BluejeansOptions) -> ListSpec {
    let path = opts.events_path.as_deref().unwrap_or(DEFAULT_EVENTS_PATH);
    ListSpec {
        endpoint: path.replace("{userId}", uid),
        query: Vec::new(),
        pager: Pager::PageNumber {
            page_param: "pageNumber".into(),
            size_param: "pageSize".into(),
            page_size: opts.events_page_size.unwrap_or(100).max(1),
            first_page: opts.events_first_page.unwrap_or(1),
            total: Some("count".into()),
            short_page_ends: true,
        },
        items: EVENT_ITEMS.into(),
        id: |e| id_text(e.get("id")),
        what: format!("events of user {uid}"),
    }
}

/// The users, with details merged in where needed. Returns the items, the listing (with the
/// details' errors and notes) and how many details were read. A user whose details answer 404
/// was deleted after the list was read when a second read of the list no longer has them: left
/// out and noted.
async fn enterprise_users(client: &AppClient, http: &HttpConfig, opts: &BluejeansOptions) -> (Vec<Value>, Listing, usize) {
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
fn users_client(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<(AppClient, HttpConfig), CollectError> {
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

fn client(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions, defaults: &KindDefaults) -> Result<AppClient, CollectError> {
    let mut client = AppClient::new(&app.name, http, defaults).map_err(describe_client_error)?;
    if opts.token_in_query {
        client.token_query_param = Some("access_token".into());
    }
    Ok(client)
}

/// The credential observation of the OAuth client: what the token endpoint said.
async fn oauth_credential(client: &AppClient) -> CredentialRecord {
    let info = client.auth.token_info().await;
    // What the token may do, as its `scope` says (a client-credentials token names only its
    // enterprise: nothing is claimed then).
    let (scope, write_access) = info.as_ref().and_then(|i| i.scope.as_ref()).map(super::http_common::oauth_scope).unwrap_or((None, None));
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

/// The people of an event: emails from strings or objects (`email`, `emailId`, `username`).
fn participants(event: &Value, key: &str) -> Vec<String> {
    event.get(key).and_then(|v| v.as_array()).into_iter().flatten().filter_map(participant_email).collect()
}

/// A participant's address: the entry itself, or its `email`, `emailId` or `username`; trimmed,
/// lower-cased, and only when it is one.
fn participant_email(p: &Value) -> Option<String> {
    let e =
        p.as_str().map(str::to_string).or_else(|| ["email", "emailId", "username"].iter().find_map(|k| text(p, k).map(str::to_string)))?;
    let e = e.trim().to_lowercase();
    e.contains('@').then_some(e)
}

/// Where a registration stands: only an approved (or not yet stated) one is access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    Approved,
    Pending,
    Declined,
}

/// One attendee of an event: email, registration state (`state`, `registrationState`,
/// `approvalStatus` or `status`: DECLINED / REJECTED / CANCELLED are declined, PENDING /
/// AWAITING_APPROVAL pending, anything else approved) and registration source
/// ([`registration_source`]: e.g. `apiIntegration` for attendees added through the API).
pub fn attendees(event: &Value) -> Vec<(String, Registration, Option<String>)> {
    event
        .get("attendees")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let email = participant_email(p)?;
            let state = ["state", "registrationState", "approvalStatus", "status"].iter().find_map(|k| text(p, k)).unwrap_or("");
            let state = match state.to_ascii_uppercase().as_str() {
                "DECLINED" | "REJECTED" | "CANCELLED" | "CANCELED" => Registration::Declined,
                "PENDING" | "AWAITING_APPROVAL" | "WAITING" => Registration::Pending,
                _ => Registration::Approved,
            };
            let source = registration_source(p);
            Some((email, state, source))
        })
        .collect()
}

/// Where an attendee's registration came from: `integration.provider`, as the registration
/// token of the Events guide carries it (`{"integration": {"provider": "marketo", ...}}`, also a
/// list of such), else the older top-level `source`, `registrationSource` or `provider`.
fn registration_source(attendee: &Value) -> Option<String> {
    let integration = attendee.get("integration");
    let provider = match integration {
        Some(Value::Array(list)) => list.iter().find_map(|i| text(i, "provider")),
        Some(i) => text(i, "provider"),
        None => None,
    };
    provider.or_else(|| ["source", "registrationSource", "provider"].iter().find_map(|k| text(attendee, k))).map(str::to_string)
}

fn date(v: Option<&Value>) -> String {
    millis(v).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "?".into())
}

/// `<role> · <id> · <title> · <start> – <end>`.
fn event_entitlement(role: &str, event: &Value) -> String {
    format!(
        "{role} · {} · {} · {} – {}",
        id_text(event.get("id")).unwrap_or_default(),
        text(event, "title").unwrap_or("(untitled)"),
        date(event.get("start")),
        date(event.get("end"))
    )
}

/// Where a page of events holds them: a bare array, or an array under `events`, `items` or `data`.
const EVENT_ITEMS: &str = "|events|items|data";

/// The events of one page.
fn event_items(mut body: Value) -> Option<Vec<Value>> {
    crate::http::list::take_items(&mut body, EVENT_ITEMS)
}

/// The `exp` of a JWT (unverified: only to learn when it expires).
pub fn jwt_exp(token: &str) -> Option<DateTime<Utc>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(v.get("exp")?.as_i64()?, 0)
}

/// What the registration token endpoint said about one event's key.
enum KeyCheck {
    NotChecked,
    Issued { expires_in: Option<u64>, exp: Option<DateTime<Utc>> },
    Refused(String),
    Failed(String),
}

async fn check_key(client: &AppClient, url: &str, client_id: &str, secret: &crate::config::Secret, key: &str) -> KeyCheck {
    let body =
        json!({"grant_type": "registration_app", "properties": {"client_id": client_id, "client_secret": secret.expose(), "api_key": key}});
    let clean = |t: String| t.replace(key, "***").replace(secret.expose(), "***");
    match client.post_json_unauthenticated(url, &body).await {
        Ok(f) => {
            let token = f.body.get("access_token").and_then(|v| v.as_str()).unwrap_or("");
            KeyCheck::Issued { expires_in: f.body.get("expires_in").and_then(|v| v.as_u64()), exp: jwt_exp(token) }
        }
        Err(FetchError { failure: crate::http::Failure::Status { status, excerpt, .. }, .. }) if matches!(status, 400 | 401 | 403) => {
            KeyCheck::Refused(clean(format!("HTTP {status}{excerpt}")))
        }
        Err(e) => KeyCheck::Failed(clean(e.to_string())),
    }
}

/// Kind `bluejeans_events`.
pub async fn collect_events(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<Collection, CollectError> {
    let client = client(app, http, opts, &EVENTS_DEFAULTS)?;
    let (users_client, users_cfg) = users_client(app, http, opts)?;
    let registration = match (&opts.registration_client_id, &opts.registration_client_secret) {
        (Some(id), Some(secret)) => Some((
            id.clone(),
            secret
                .resolve()
                .map_err(|d| CollectError::Input { app: app.name.clone(), detail: format!("registration_client_secret: {d}") })?,
        )),
        _ => None,
    };
    let collected_at = Utc::now();
    let event_path = opts.event_path.clone().unwrap_or_else(|| DEFAULT_EVENT_PATH.into());
    let concurrency = client.limiter.concurrency.max(1);
    let users_spec = users_spec(&users_cfg, opts);
    let (mut items, mut listing, _) = enterprise_users(&users_client, &users_cfg, opts).await;

    // Every user's events, each list read to its end (pages and the count checked). A user whose
    // events answer 404 was deleted meanwhile when the user list no longer has them.
    let specs: Vec<(String, ListSpec)> = items.iter().filter_map(user_id).map(|uid| (uid.clone(), events_spec(&uid, opts))).collect();
    let per_user = client.list_each(specs).await;
    let churn = users_client.recheck(&users_spec, &per_user.not_found_ids(), "user").await;
    items.retain(|u| user_id(u).is_none_or(|id| !churn.gone.contains(&id)));
    listing.errors.extend(churn.errors);
    listing.notes.extend(churn.notes);
    let mut accounts: Vec<AccountRecord> = items.iter().filter_map(user_account).collect();
    let by_email: HashMap<String, usize> =
        accounts.iter().enumerate().filter_map(|(i, a)| a.email.as_ref().map(|e| (e.trim().to_lowercase(), i))).collect();
    let user_ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
    let position: HashMap<&str, usize> = user_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut events: Vec<(usize, Value)> = Vec::new();
    let mut event_lists = Vec::new();
    let mut event_errors: Vec<String> = per_user.failed.into_iter().map(|(_, e)| e).collect();
    for (uid, mut list) in per_user.read {
        let Some(i) = position.get(uid.as_str()) else { continue };
        events.extend(std::mem::take(&mut list.items).into_iter().map(|e| (*i, e)));
        event_lists.push(list);
    }
    let (list_errors, list_notes) = crate::http::each::summarize(&event_lists, "the users' event lists");
    event_errors.extend(list_errors);
    listing.notes.extend(list_notes);
    let counted: u64 = event_lists.iter().filter_map(|l| l.total_reported).sum();
    events.sort_by_key(|(i, e)| (*i, id_text(e.get("id"))));
    events.dedup_by(|a, b| id_text(a.1.get("id")) == id_text(b.1.get("id")) && a.0 == b.0);

    // The detail of an event whose list entry leaves out its people (a summary shape) or, when
    // registration is on, its key. An event that answers 404 was cancelled meanwhile when its
    // organizer's list no longer has it.
    let registration_enabled = |e: &Value| flag(e, &["enableRegistration"]).unwrap_or(false);
    let needs_detail =
        |e: &Value| PEOPLE.iter().any(|k| e.get(*k).is_none()) || (registration_enabled(e) && e.pointer("/registration/apiKey").is_none());
    let wanted: Vec<(String, Vec<String>)> = events
        .iter()
        .enumerate()
        .filter(|(_, (_, e))| needs_detail(e))
        .map(|(k, (owner, e))| {
            let endpoint =
                event_path.replace("{userId}", &user_ids[*owner]).replace("{eventId}", &id_text(e.get("id")).unwrap_or_default());
            (k.to_string(), vec![endpoint])
        })
        .collect();
    let summaries = events.iter().filter(|(_, e)| PEOPLE.iter().any(|k| e.get(*k).is_none())).count();
    let details = client.get_each(wanted).await;
    let missing = details.not_found_ids();
    for (k, mut bodies) in details.read {
        if let (Ok(k), Some(detail)) = (k.parse::<usize>(), bodies.pop()) {
            events[k].1 = detail;
        }
    }
    event_errors.extend(details.failed.into_iter().map(|(_, e)| e));
    let mut cancelled: BTreeSet<usize> = BTreeSet::new();
    let mut missing_by_owner: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    for k in missing.iter().filter_map(|k| k.parse::<usize>().ok()) {
        let (owner, e) = &events[k];
        missing_by_owner.entry(*owner).or_default().push((k, id_text(e.get("id")).unwrap_or_default()));
    }
    for (owner, missing) in missing_by_owner {
        let ids: Vec<String> = missing.iter().map(|(_, id)| id.clone()).collect();
        let churn = client.recheck(&events_spec(&user_ids[owner], opts), &ids, "event").await;
        cancelled.extend(missing.iter().filter(|(_, id)| churn.gone.contains(id)).map(|(k, _)| *k));
        event_errors.extend(churn.errors);
        listing.notes.extend(churn.notes);
    }
    if !cancelled.is_empty() {
        events = events.into_iter().enumerate().filter(|(k, _)| !cancelled.contains(k)).map(|(_, e)| e).collect();
    }
    // An event whose people are still unknown (its detail failed) is named by the error above.
    if summaries > 0 {
        listing.notes.push(format!("{summaries} event detail(s) read because the events list leaves out their people"));
    }

    // Roles and registrations; participants who are not enterprise users become accounts.
    let mut external: BTreeMap<String, usize> = BTreeMap::new();
    let mut entitlements = Vec::new();
    // The account of a participant: an enterprise user's, else an outside one (created once).
    let mut account_of = |email: &str, accounts: &mut Vec<AccountRecord>| -> usize {
        if let Some(i) = by_email.get(email) {
            return *i;
        }
        let id = format!("email:{email}");
        if !external.contains_key(email) {
            external.insert(email.to_string(), accounts.len());
            accounts.push(AccountRecord {
                account_id: id.clone(),
                username: None,
                email: Some(email.to_string()),
                other_emails: Vec::new(),
                display_name: None,
                status: AccountStatus::Active,
                account_type: AccountType::Customer,
                ..Default::default()
            });
        }
        external[email]
    };
    let mut credentials = vec![oauth_credential(&client).await];
    let mut checks: Vec<(usize, String)> = Vec::new();
    let (mut declined, mut pending) = (0usize, 0usize);
    for (k, (owner, event)) in events.iter().enumerate() {
        let organizer = user_ids[*owner].clone();
        entitlements.push(EntitlementRecord {
            account_id: organizer.clone(),
            kind: EntitlementKind::EventRole,
            value: event_entitlement("organizer", event),
            privileged: true,
        });
        // Registrations: a declined or pending one is not access, only counted.
        for (email, state, source) in attendees(event) {
            match state {
                Registration::Declined => declined += 1,
                Registration::Pending => pending += 1,
                Registration::Approved => {
                    let i = account_of(&email, &mut accounts);
                    let mut value = event_entitlement("attendee", event);
                    if let Some(source) = source {
                        value.push_str(&format!(" · registered via {source}"));
                    }
                    let id = accounts[i].account_id.clone();
                    entitlements.push(EntitlementRecord {
                        account_id: id,
                        kind: EntitlementKind::EventRegistration,
                        value,
                        privileged: false,
                    });
                }
            }
        }
        for (key, role, kind, privileged) in
            [("moderators", "moderator", EntitlementKind::EventRole, true), ("panelists", "panelist", EntitlementKind::EventRole, false)]
        {
            for email in participants(event, key) {
                let i = account_of(&email, &mut accounts);
                if role == "moderator" && accounts[i].account_type == AccountType::Customer {
                    // An outsider who runs an event is a person to account for, not a guest.
                    accounts[i].account_type = AccountType::Human;
                }
                let id = accounts[i].account_id.clone();
                entitlements.push(EntitlementRecord { account_id: id, kind, value: event_entitlement(role, event), privileged });
            }
        }
        if registration_enabled(event) {
            if let Some(key) = event.pointer("/registration/apiKey").and_then(|v| v.as_str()).filter(|k| !k.is_empty()) {
                checks.push((k, key.to_string()));
            }
        }
    }
    // Each key once: with the registration app, ask for a registration_app token.
    let token_url =
        opts.registration_token_url.clone().unwrap_or_else(|| format!("{}{REGISTRATION_TOKEN_PATH}", http.base_url.trim_end_matches('/')));
    let results: Vec<(usize, KeyCheck)> = stream::iter(checks.iter().cloned())
        .map(|(k, key)| {
            let (client, registration, token_url) = (&client, &registration, &token_url);
            async move {
                match registration {
                    Some((id, secret)) => (k, check_key(client, token_url, id, secret, &key).await),
                    None => (k, KeyCheck::NotChecked),
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut refused = 0usize;
    let mut check_errors = Vec::new();
    for (k, check) in results {
        let (owner, event) = &events[k];
        let id = id_text(event.get("id")).unwrap_or_default();
        let title = text(event, "title").unwrap_or("(untitled)");
        let (mut refused_at, mut token_lifetime_seconds, mut token_expires_at) = (None, None, None);
        let observation = match check {
            KeyCheck::NotChecked => {
                "registration key of a registration-enabled event; not checked (configure registration_client_id/secret to check it)"
                    .to_string()
            }
            KeyCheck::Issued { expires_in, exp } => {
                token_lifetime_seconds = expires_in.and_then(|s| i64::try_from(s).ok());
                token_expires_at = exp;
                format!(
                    "the key works: a registration_app token was issued{}{}",
                    expires_in.map(|s| format!(", living {s} s")).unwrap_or_default(),
                    exp.map(|e| format!(" (JWT exp {})", e.to_rfc3339())).unwrap_or_default()
                )
            }
            KeyCheck::Refused(why) => {
                refused += 1;
                // Expired as of this check, whatever the review date is (SPEC §6).
                refused_at = Some(collected_at);
                format!("the registration token endpoint refused the key ({why}): it has expired or was revoked, so registrations through it fail")
            }
            KeyCheck::Failed(why) => {
                check_errors.push(why.clone());
                format!("the key could not be checked: {why}")
            }
        };
        credentials.push(CredentialRecord {
            credential_id: format!("event:{id}:api_key"),
            label: format!("registration key of event \"{title}\" ({})", date(event.get("start"))),
            // The organizer: enterprise accounts come first, in the order of `user_ids`.
            owner: accounts[*owner].email.clone(),
            source: "api".into(),
            observation: Some(observation),
            refused_at,
            token_lifetime_seconds,
            token_expires_at,
            ..Default::default()
        });
    }

    listing.errors.extend(event_errors.iter().take(20).cloned());
    if event_errors.len() > 20 {
        listing.errors.push(format!("... and {} more event request(s) failed", event_errors.len() - 20));
    }
    if let Some(first) = check_errors.first() {
        listing.errors.push(format!("{} registration key(s) could not be checked, first: {first}", check_errors.len()));
    }
    listing.complete &= listing.errors.is_empty();
    listing.notes.push(format!(
        "{} event(s) of {} user(s){}; {} participant(s) outside the enterprise listed as accounts of their own; {} registration key(s){}",
        events.len(),
        user_ids.len(),
        if counted > 0 { format!(" (their lists' counts sum to {counted})") } else { String::new() },
        external.len(),
        checks.len(),
        if registration.is_some() {
            format!(", {refused} refused by the registration token endpoint")
        } else {
            " not checked (no registration app configured)".into()
        }
    ));
    if declined + pending > 0 {
        listing.notes.push(format!(
            "{declined} declined and {pending} pending registration(s) are not access: no event_registration recorded for them"
        ));
    }
    listing.notes.push("BlueJeans Events does not report last login: no dormant or never-logged-in findings for this app".into());
    let mut coverage = coverage_from(app, &client, &listing, accounts.len(), false).await;
    let s = &users_client.stats;
    coverage.requests += s.get(&s.requests);
    coverage.retries += s.get(&s.retries);
    coverage.throttled += s.get(&s.throttled);
    coverage.pages += s.get(&s.pages);
    entitlements.sort();
    entitlements.dedup();
    Ok(Collection { accounts, entitlements, credentials, coverage, ..Default::default() })
}

/// `check`: one request per endpoint kind the collection uses: the users list, a user's details
/// (unless `user_details = "never"`), and for Events the Events token, the first user's events
/// and, with the registration app configured, its token endpoint with the first registration key
/// found there.
pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions, events: bool) -> Result<Vec<EndpointCheck>, CollectError> {
    let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
    let (users, _) = if events { users_client(app, http, opts)? } else { (client(app, http, opts, &DEFAULTS)?, http.clone()) };
    let users = users.with_policy(policy.clone());
    let enterprise_grant = "an API client of the enterprise (client credentials of an enterprise app, or an enterprise admin)";
    let spec = users_spec(http, opts);
    let mut query = spec.query.clone();
    query.extend(spec.pager.with_page_size(1).position_query(0));
    let (check, f) = check_get(&users, "enterprise users", &spec.endpoint, &query, enterprise_grant).await;
    let total = f.as_ref().and_then(|f| spec.pager.total(&f.body, &f.headers));
    let first = f.and_then(|mut f| crate::http::list::take_items(&mut f.body, &spec.items)).and_then(|l| l.first().and_then(user_id));
    let mut checks = vec![said(check, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default())];
    // What the token may do, when its response says (`scope`): more than reading fails the check.
    if let Some(scope) = users.auth.token_info().await.and_then(|i| i.scope) {
        let (text, write) = super::http_common::oauth_scope(&scope);
        let text = text.unwrap_or_else(|| "the scope names no permission".into());
        checks.push(EndpointCheck {
            what: "OAuth token scope".into(),
            endpoint: format!("POST {}", DEFAULTS.token_path.unwrap_or_default()),
            outcome: if write == Some(true) {
                super::CheckOutcome::Failed(format!("{text}: broader than a read-only audit needs (give the API client list_users only)"))
            } else {
                super::CheckOutcome::Ok(text)
            },
        });
    }
    let mode = opts.user_details.unwrap_or_default();
    if mode != UserDetails::Never {
        let endpoints = match (&first, guide(opts)) {
            (None, _) => Vec::new(),
            (Some(id), true) => vec![format!("/v1/enterprise/{}/users/{id}", enterprise(opts))],
            (Some(id), false) if mode == UserDetails::Always => vec![format!("/v1/user/{id}/enterprise_profile"), format!("/v1/user/{id}")],
            (Some(id), false) => vec![format!("/v1/user/{id}/enterprise_profile")],
        };
        if endpoints.is_empty() {
            checks.push(not_checked("user details", "GET /v1/user/{id}", "no user was listed"));
        }
        for e in endpoints {
            checks.push(check_get(&users, "user details", &e, &[], enterprise_grant).await.0);
        }
    }
    if events {
        let c = client(app, http, opts, &EVENTS_DEFAULTS)?.with_policy(policy);
        if let Err(e) = c.check_auth().await {
            checks.push(EndpointCheck {
                what: "Events API token".into(),
                endpoint: format!("POST {}", EVENTS_DEFAULTS.token_path.unwrap_or_default()),
                outcome: super::CheckOutcome::Failed(format!("{e}")),
            });
            return Ok(checks);
        }
        checks.push(EndpointCheck {
            what: "Events API token".into(),
            endpoint: format!("POST {}", EVENTS_DEFAULTS.token_path.unwrap_or_default()),
            outcome: super::CheckOutcome::Ok("issued".into()),
        });
        let events_path = opts.events_path.clone().unwrap_or_else(|| DEFAULT_EVENTS_PATH.into());
        let Some(uid) = first else {
            checks.push(not_checked("events", &format!("GET {events_path}"), "no user was listed"));
            return Ok(checks);
        };
        let spec = events_spec(&uid, opts);
        let grant = "the Events enterprise application grant (Admin > Events > Enterprise Apps)";
        let (check, f) = check_get(&c, "events of a user", &spec.endpoint, &spec.pager.position_query(0), grant).await;
        let count = f.as_ref().and_then(|f| spec.pager.total(&f.body, &f.headers));
        let list = f.and_then(|f| event_items(f.body)).unwrap_or_default();
        let counted = count.map(|n| format!(" (the API counts {n})")).unwrap_or_default();
        checks.push(said(check, format!("{} event(s) on the first page of the first user's{counted}", list.len())));
        if let (Some(id), Some(secret)) = (&opts.registration_client_id, &opts.registration_client_secret) {
            let secret = secret
                .resolve()
                .map_err(|d| CollectError::Input { app: app.name.clone(), detail: format!("registration_client_secret: {d}") })?;
            let url = opts
                .registration_token_url
                .clone()
                .unwrap_or_else(|| format!("{}{REGISTRATION_TOKEN_PATH}", http.base_url.trim_end_matches('/')));
            // The key, from the list, else from the first registration-enabled event's detail.
            let key_of = |e: &Value| e.pointer("/registration/apiKey").and_then(|v| v.as_str()).map(str::to_string);
            let mut key = list.iter().find_map(key_of);
            if let (None, Some(event)) = (&key, list.iter().find(|e| flag(e, &["enableRegistration"]).unwrap_or(false))) {
                let event_path = opts.event_path.clone().unwrap_or_else(|| DEFAULT_EVENT_PATH.into());
                let endpoint = event_path.replace("{userId}", &uid).replace("{eventId}", &id_text(event.get("id")).unwrap_or_default());
                let (check, f) = check_get(&c, "an event's detail", &endpoint, &[], "the Events enterprise application grant").await;
                key = f.as_ref().and_then(|f| key_of(&f.body));
                checks.push(check);
            }
            let what = "registration app token";
            let shown = format!("POST {}", AppClient::shown(&url));
            checks.push(match key {
                None => not_checked(what, &shown, "the first user's events show no registration key to ask with"),
                Some(key) => EndpointCheck {
                    what: what.into(),
                    endpoint: shown,
                    outcome: match check_key(&c, &url, id, &secret, &key).await {
                        KeyCheck::Issued { .. } => super::CheckOutcome::Ok("issued a registration_app token".into()),
                        KeyCheck::Refused(why) => super::CheckOutcome::Ok(format!(
                            "the token endpoint answers (it refused this key: {why}); keys are checked one by one during collection"
                        )),
                        KeyCheck::Failed(why) => super::CheckOutcome::Failed(why),
                        KeyCheck::NotChecked => super::CheckOutcome::NotChecked(String::new()),
                    },
                },
            });
        }
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_in_both_shapes() {
        let api = json!({"id": 6, "username": "ann", "firstName": "Ann", "middleName": "", "lastName": "Lee", "email": "ann@acme.com",
                         "isEnterpriseAdmin": true, "enterpriseJoinDate": 1_700_000_000_000i64});
        let a = user_account(&api).unwrap();
        assert_eq!((a.account_id.as_str(), a.email.as_deref(), a.is_admin), ("6", Some("ann@acme.com"), true));
        assert_eq!(a.display_name.as_deref(), Some("Ann Lee"));
        assert_eq!(a.created_at.unwrap().to_rfc3339(), "2023-11-14T22:13:20+00:00", "milliseconds");
        let g = user_account(&json!({"id": "1001", "username": "alice@example.com", "firstName": "Alice"})).unwrap();
        assert_eq!(g.email.as_deref(), Some("alice@example.com"), "the username is the email when it is one");
        assert!(!g.is_admin && g.admin_reason.is_none());
        let p = user_account(&json!({"id": 7, "emailId": "bo@acme.com", "enterpriseAdmin": "true", "lastLogin": "1790000000000"})).unwrap();
        assert!(p.is_admin && p.last_login_at.is_some(), "enterprise_profile's flag and a string timestamp");
    }

    #[test]
    fn join_dates_in_seconds_or_milliseconds_rooms_and_moderator_less_hosts() {
        let secs = user_account(&json!({"id": 8, "email": "cy@acme.com", "enterpriseJoinDate": 1_700_000_000i64})).unwrap();
        assert_eq!(secs.created_at.unwrap().to_rfc3339(), "2023-11-14T22:13:20+00:00", "seconds, not 1970");
        let ms = user_account(&json!({"id": 8, "email": "cy@acme.com", "enterpriseJoinDate": "1700000000000"})).unwrap();
        assert_eq!(ms.created_at, secs.created_at);
        assert_eq!(millis(Some(&json!(0))), None);
        let room = user_account(&json!({"id": 9, "username": "boardroom-4", "firstName": "Boardroom 4", "email": ""})).unwrap();
        assert_eq!((room.email.as_deref(), room.account_type), (None, AccountType::Service), "a room system is a service account");
        assert_eq!(secs.account_type, AccountType::Human);
        let host = json!({"id": 10, "email": "di@acme.com", "isModeratorLess": true, "isEnterpriseAdmin": "true"});
        let a = user_account(&host).unwrap();
        let kinds: Vec<(EntitlementKind, bool)> = user_entitlements(&host, &a).iter().map(|e| (e.kind, e.privileged)).collect();
        assert_eq!(kinds, [(EntitlementKind::Role, true), (EntitlementKind::Permission, false)]);
        assert!(user_entitlements(&json!({"isModeratorLess": false}), &secs).is_empty());
    }

    #[test]
    fn wrapper_keys_and_event_lists() {
        let mut a = json!({"count": 2, "user": [{"id": 1}, {"id": 2}]});
        assert_eq!(crate::http::list::take_items(&mut a, "users|user").map(|v| v.len()), Some(2));
        let mut b = json!({"count": 1, "users": [{"id": 1}]});
        assert_eq!(crate::http::list::take_items(&mut b, "user|users").map(|v| v.len()), Some(1));
        assert_eq!(event_items(json!([{"id": "e1"}])).map(|v| v.len()), Some(1));
        assert_eq!(event_items(json!({"events": [{"id": "e1"}, {"id": "e2"}]})).map(|v| v.len()), Some(2));
        assert!(event_items(json!({"message": "no"})).is_none());
    }

    #[test]
    fn participants_entitlements_and_jwt() {
        let e = json!({"id": "ev1", "title": "Town hall", "start": 1_790_000_000_000i64, "end": 1_790_003_600_000i64,
                       "moderators": [{"email": "Ann@Acme.com", "name": "Ann"}], "panelists": ["bo@acme.com", "not-an-email"]});
        assert_eq!(participants(&e, "moderators"), vec!["ann@acme.com"]);
        assert_eq!(participants(&e, "panelists"), vec!["bo@acme.com"]);
        assert_eq!(event_entitlement("moderator", &e), "moderator · ev1 · Town hall · 2026-09-21 – 2026-09-21");
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":1511619275,"iat":1511532875}"#);
        assert_eq!(jwt_exp(&format!("eyJhbGciOiJIUzUxMiJ9.{payload}.sig")).unwrap().timestamp(), 1_511_619_275);
        assert!(jwt_exp("not-a-jwt").is_none());
    }

    #[test]
    fn registration_states_and_sources() {
        let e = json!({"attendees": ["a@x.com", {"email": "B@x.com", "state": "DECLINED"}, {"email": "c@x.com", "approvalStatus": "pending"},
                                      {"email": "d@x.com", "state": "APPROVED", "source": "apiIntegration"}, {"name": "no email"}]});
        let got: Vec<(String, Registration, Option<String>)> = attendees(&e);
        assert_eq!(
            got,
            [
                ("a@x.com".to_string(), Registration::Approved, None),
                ("b@x.com".to_string(), Registration::Declined, None),
                ("c@x.com".to_string(), Registration::Pending, None),
                ("d@x.com".to_string(), Registration::Approved, Some("apiIntegration".to_string())),
            ]
        );
    }
}
