//! Collecting `bluejeans_events`: the enterprise users, their events, the roles and
//! registrations in them, and the events' registration keys, as one app.

use std::collections::HashMap;

use chrono::Utc;

use super::events;
use super::keys::{self, REGISTRATION_TOKEN_PATH};
use super::people;
use crate::collectors::bluejeans::{client, enterprise_users, oauth_credential, user_account, users_client, users_spec, BluejeansOptions};
use crate::collectors::http_common::{coverage_from, id_text};
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig, Secret};
use crate::http::KindDefaults;
use crate::model::{AccountRecord, Collection};

/// The Events API's engine defaults (the Meetings API's, with its own token endpoint).
pub const EVENTS_DEFAULTS: KindDefaults = KindDefaults {
    token_path: Some("/api/security/v1/oauth/accesstoken"),
    permission_hint: " (the Events app needs the Enterprise Application Grant)",
    ..crate::collectors::bluejeans::DEFAULTS
};

/// The registration app's client id and secret, when configured.
pub fn registration_app(app: &AppConfig, opts: &BluejeansOptions) -> Result<Option<(String, Secret)>, CollectError> {
    match (&opts.registration_client_id, &opts.registration_client_secret) {
        (Some(id), Some(secret)) => Ok(Some((
            id.clone(),
            secret
                .resolve()
                .map_err(|d| CollectError::Input { app: app.name.clone(), detail: format!("registration_client_secret: {d}") })?,
        ))),
        _ => Ok(None),
    }
}

/// Where the registration app's tokens come from.
pub fn registration_token_url(http: &HttpConfig, opts: &BluejeansOptions) -> String {
    opts.registration_token_url.clone().unwrap_or_else(|| format!("{}{REGISTRATION_TOKEN_PATH}", http.base_url.trim_end_matches('/')))
}

/// Kind `bluejeans_events`.
pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<Collection, CollectError> {
    let client = client(app, http, opts, &EVENTS_DEFAULTS)?;
    let (users_client, users_cfg) = users_client(app, http, opts)?;
    let registration = registration_app(app, opts)?;
    let collected_at = Utc::now();
    let (items, mut listing, _) = enterprise_users(&users_client, &users_cfg, opts).await;
    let read = events::read(&client, &users_client, &users_spec(&users_cfg, opts), items, opts).await;
    let (mut errors, mut notes) = (read.errors, read.notes);
    let mut found = read.events;
    events::complete(&client, &mut found, opts, &mut errors, &mut notes).await;
    listing.notes.extend(notes);

    // Each event with its organizer's account, in the order of the accounts.
    let mut accounts: Vec<AccountRecord> = read.users.iter().filter_map(user_account).collect();
    let users = accounts.len();
    let position: HashMap<String, usize> = accounts.iter().enumerate().map(|(i, a)| (a.account_id.clone(), i)).collect();
    let mut events: Vec<(usize, serde_json::Value)> =
        found.into_iter().filter_map(|(owner, e)| Some((*position.get(&owner)?, e))).collect();
    events.sort_by_key(|(i, e)| (*i, id_text(e.get("id"))));
    events.dedup_by(|a, b| id_text(a.1.get("id")) == id_text(b.1.get("id")) && a.0 == b.0);

    let roles = people::roles(&events, &mut accounts);
    let mut credentials = vec![oauth_credential(&client).await];
    let token_url = registration_token_url(http, opts);
    let (keys, refused, key_errors) =
        keys::credentials(&client, registration.as_ref(), &token_url, &roles.keys, &events, &accounts, collected_at).await;
    credentials.extend(keys);

    listing.errors.extend(errors.iter().take(20).cloned());
    if errors.len() > 20 {
        listing.errors.push(format!("... and {} more event request(s) failed", errors.len() - 20));
    }
    if let Some(first) = key_errors.first() {
        listing.errors.push(format!("{} registration key(s) could not be checked, first: {first}", key_errors.len()));
    }
    listing.complete &= listing.errors.is_empty();
    listing.notes.push(format!(
        "{} event(s) of {users} user(s){}; {} participant(s) outside the enterprise listed as accounts of their own; {} registration key(s){}",
        events.len(),
        if read.counted > 0 { format!(" (their lists' counts sum to {})", read.counted) } else { String::new() },
        roles.external,
        roles.keys.len(),
        if registration.is_some() {
            format!(", {refused} refused by the registration token endpoint")
        } else {
            " not checked (no registration app configured)".into()
        }
    ));
    if roles.declined + roles.pending > 0 {
        listing.notes.push(format!(
            "{} declined and {} pending registration(s) are not access: no event_registration recorded for them",
            roles.declined, roles.pending
        ));
    }
    listing.notes.push("BlueJeans Events does not report last login: no dormant or never-logged-in findings for this app".into());
    let mut coverage = coverage_from(app, &client, &listing, accounts.len(), false).await;
    let s = &users_client.stats;
    coverage.requests += s.get(&s.requests);
    coverage.retries += s.get(&s.retries);
    coverage.throttled += s.get(&s.throttled);
    coverage.pages += s.get(&s.pages);
    let mut entitlements = roles.entitlements;
    entitlements.sort();
    entitlements.dedup();
    Ok(Collection { accounts, entitlements, credentials, coverage, ..Default::default() })
}
