//! The registration keys of registration-enabled events, as credentials: named by the event
//! (never by value), each checked, with the registration app configured, by asking for a
//! `registration_app` token.

use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::people::date;
use crate::collectors::http_common::{id_text, text};
use crate::config::Secret;
use crate::http::{AppClient, FetchError};
use crate::model::{AccountRecord, CredentialRecord};

pub const REGISTRATION_TOKEN_PATH: &str = "/api/security/v1/oauth/accesstoken";

/// The `exp` of a JWT (unverified: only to learn when it expires).
pub fn jwt_exp(token: &str) -> Option<DateTime<Utc>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(v.get("exp")?.as_i64()?, 0)
}

/// What the registration token endpoint said about one event's key.
pub enum KeyCheck {
    NotChecked,
    Issued { expires_in: Option<u64>, exp: Option<DateTime<Utc>> },
    Refused(String),
    Failed(String),
}

pub async fn check_key(client: &AppClient, url: &str, client_id: &str, secret: &crate::config::Secret, key: &str) -> KeyCheck {
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

/// The keys' credentials, checked through the registration app when it is configured. Returns
/// the credentials, how many keys were refused, and the errors of keys that could not be checked.
pub async fn credentials(
    client: &AppClient,
    registration: Option<&(String, Secret)>,
    token_url: &str,
    keys: &[(usize, String)],
    events: &[(usize, Value)],
    accounts: &[AccountRecord],
    collected_at: DateTime<Utc>,
) -> (Vec<CredentialRecord>, usize, Vec<String>) {
    let concurrency = client.limiter.concurrency.max(1);
    let results: Vec<(usize, KeyCheck)> = stream::iter(keys.iter().cloned())
        .map(|(k, key)| async move {
            match registration {
                Some((id, secret)) => (k, check_key(client, token_url, id, secret, &key).await),
                None => (k, KeyCheck::NotChecked),
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    let (mut out, mut refused, mut errors) = (Vec::new(), 0usize, Vec::new());
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
                errors.push(why.clone());
                format!("the key could not be checked: {why}")
            }
        };
        out.push(CredentialRecord {
            credential_id: format!("event:{id}:api_key"),
            label: format!("registration key of event \"{title}\" ({})", date(event.get("start"))),
            // The organizer's account.
            owner: accounts[*owner].email.clone(),
            source: "api".into(),
            observation: Some(observation),
            refused_at,
            token_lifetime_seconds,
            token_expires_at,
            ..Default::default()
        });
    }
    (out, refused, errors)
}
