//! `check` of `bluejeans_events`: the Meetings API's users (as kind `bluejeans` checks them), the
//! Events token, the first user's events and, with the registration app, its token endpoint.

use serde_json::Value;

use super::collect::{registration_app, registration_token_url, EVENTS_DEFAULTS};
use super::events::{event_items, events_spec, registration_enabled, DEFAULT_EVENTS_PATH, DEFAULT_EVENT_PATH};
use super::keys::{check_key, KeyCheck};
use crate::collectors::bluejeans::{client, probe_users, users_client, BluejeansOptions};
use crate::collectors::http_common::{check_get, id_text, not_checked, said};
use crate::collectors::{CheckOutcome, CollectError, EndpointCheck};
use crate::config::{AppConfig, HttpConfig};
use crate::http::AppClient;

pub async fn probe(app: &AppConfig, http: &HttpConfig, opts: &BluejeansOptions) -> Result<Vec<EndpointCheck>, CollectError> {
    let policy = crate::http::retry::RetryPolicy { max_attempts: 2, ..Default::default() };
    let (users, users_cfg) = users_client(app, http, opts)?;
    let (mut checks, first) = probe_users(&users.with_policy(policy.clone()), &users_cfg, opts).await;
    let token = format!("POST {}", EVENTS_DEFAULTS.token_path.unwrap_or_default());
    let c = client(app, http, opts, &EVENTS_DEFAULTS)?.with_policy(policy);
    if let Err(e) = c.check_auth().await {
        checks.push(EndpointCheck { what: "Events API token".into(), endpoint: token, outcome: CheckOutcome::Failed(format!("{e}")) });
        return Ok(checks);
    }
    checks.push(EndpointCheck { what: "Events API token".into(), endpoint: token, outcome: CheckOutcome::Ok("issued".into()) });
    let Some(uid) = first else {
        let events_path = opts.events_path.as_deref().unwrap_or(DEFAULT_EVENTS_PATH);
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
    let Some((id, secret)) = registration_app(app, opts)? else { return Ok(checks) };
    let url = registration_token_url(http, opts);
    // The key, from the list, else from the first registration-enabled event's detail.
    let key_of = |e: &Value| e.pointer("/registration/apiKey").and_then(|v| v.as_str()).map(str::to_string);
    let mut key = list.iter().find_map(key_of);
    if let (None, Some(event)) = (&key, list.iter().find(|e| registration_enabled(e))) {
        let event_path = opts.event_path.as_deref().unwrap_or(DEFAULT_EVENT_PATH);
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
            outcome: match check_key(&c, &url, &id, &secret, &key).await {
                KeyCheck::Issued { .. } => CheckOutcome::Ok("issued a registration_app token".into()),
                KeyCheck::Refused(why) => CheckOutcome::Ok(format!(
                    "the token endpoint answers (it refused this key: {why}); keys are checked one by one during collection"
                )),
                KeyCheck::Failed(why) => CheckOutcome::Failed(why),
                KeyCheck::NotChecked => CheckOutcome::NotChecked(String::new()),
            },
        },
    });
    Ok(checks)
}
