//! The events of each enterprise user, read to their end, and the detail of those the list shows
//! only as summaries (or, registration on, without their key).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::collectors::bluejeans::{flag, user_id, BluejeansOptions};
use crate::collectors::http_common::id_text;
use crate::http::{AppClient, ListSpec, Pager};

pub const DEFAULT_EVENTS_PATH: &str = "/api/scheduling/v1/users/{userId}/events";
pub const DEFAULT_EVENT_PATH: &str = "/api/scheduling/v1/users/{userId}/events/{eventId}";
/// The people of an event; a list entry without any of them is a summary: its detail is read.
const PEOPLE: [&str; 3] = ["moderators", "panelists", "attendees"];
/// Where a page of events holds them: a bare array, or an array under `events`, `items` or `data`.
const EVENT_ITEMS: &str = "|events|items|data";

/// The events of one page.
pub fn event_items(mut body: Value) -> Option<Vec<Value>> {
    crate::http::list::take_items(&mut body, EVENT_ITEMS)
}

/// One user's events: numbered pages as the users list (`pageNumber`, `pageSize`), the count
/// checked; a bare array, or the events under `events`, `items` or `data`.
pub fn events_spec(uid: &str, opts: &BluejeansOptions) -> ListSpec {
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

/// Whether an event's registration is on.
pub fn registration_enabled(e: &Value) -> bool {
    flag(e, &["enableRegistration"]).unwrap_or(false)
}

/// What was read of the users' events.
#[derive(Default)]
pub struct Events {
    /// The users still there (one deleted while its events were read is left out).
    pub users: Vec<Value>,
    /// Each event with the id of the user who organizes it.
    pub events: Vec<(String, Value)>,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
    /// What the lists' counts sum to.
    pub counted: u64,
}

/// Every user's events, each list read to its end (pages and the count checked). A user whose
/// events answer 404 was deleted meanwhile when the user list (`users_spec`, read again through
/// `users_client`) no longer has them: left out and noted.
pub async fn read(
    client: &AppClient,
    users_client: &AppClient,
    users_spec: &ListSpec,
    mut users: Vec<Value>,
    opts: &BluejeansOptions,
) -> Events {
    let specs: Vec<(String, ListSpec)> = users.iter().filter_map(user_id).map(|uid| (uid.clone(), events_spec(&uid, opts))).collect();
    let per_user = client.list_each(specs).await;
    let churn = users_client.recheck(users_spec, &per_user.not_found_ids(), "user").await;
    users.retain(|u| user_id(u).is_none_or(|id| !churn.gone.contains(&id)));
    let mut out = Events { errors: churn.errors, notes: churn.notes, ..Default::default() };
    out.errors.extend(per_user.failed.into_iter().map(|(_, e)| e));
    let mut lists = Vec::new();
    for (uid, mut list) in per_user.read {
        out.events.extend(std::mem::take(&mut list.items).into_iter().map(|e| (uid.clone(), e)));
        lists.push(list);
    }
    let (errors, notes) = crate::http::each::summarize(&lists, "the users' event lists");
    out.errors.extend(errors);
    out.notes.extend(notes);
    out.counted = lists.iter().filter_map(|l| l.total_reported).sum();
    out.users = users;
    out
}

/// Reads the detail of every event whose list entry leaves out its people (a summary shape) or,
/// when registration is on, its key, in place. An event that answers 404 was cancelled
/// meanwhile when its organizer's list no longer has it: it is removed and noted.
pub async fn complete(
    client: &AppClient,
    events: &mut Vec<(String, Value)>,
    opts: &BluejeansOptions,
    errors: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    let event_path = opts.event_path.clone().unwrap_or_else(|| DEFAULT_EVENT_PATH.into());
    let summary = |e: &Value| PEOPLE.iter().any(|k| e.get(*k).is_none());
    let needs_detail = |e: &Value| summary(e) || (registration_enabled(e) && e.pointer("/registration/apiKey").is_none());
    let wanted: Vec<(String, Vec<String>)> = events
        .iter()
        .enumerate()
        .filter(|(_, (_, e))| needs_detail(e))
        .map(|(k, (owner, e))| {
            let endpoint = event_path.replace("{userId}", owner).replace("{eventId}", &id_text(e.get("id")).unwrap_or_default());
            (k.to_string(), vec![endpoint])
        })
        .collect();
    let summaries = events.iter().filter(|(_, e)| summary(e)).count();
    let details = client.get_each(wanted).await;
    let missing = details.not_found_ids();
    for (k, mut bodies) in details.read {
        if let (Ok(k), Some(detail)) = (k.parse::<usize>(), bodies.pop()) {
            events[k].1 = detail;
        }
    }
    errors.extend(details.failed.into_iter().map(|(_, e)| e));
    let mut missing_by_owner: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for k in missing.iter().filter_map(|k| k.parse::<usize>().ok()) {
        let (owner, e) = &events[k];
        missing_by_owner.entry(owner.clone()).or_default().push((k, id_text(e.get("id")).unwrap_or_default()));
    }
    let mut cancelled: BTreeSet<usize> = BTreeSet::new();
    for (owner, missing) in missing_by_owner {
        let ids: Vec<String> = missing.iter().map(|(_, id)| id.clone()).collect();
        let churn = client.recheck(&events_spec(&owner, opts), &ids, "event").await;
        cancelled.extend(missing.iter().filter(|(_, id)| churn.gone.contains(id)).map(|(k, _)| *k));
        errors.extend(churn.errors);
        notes.extend(churn.notes);
    }
    if !cancelled.is_empty() {
        let kept = std::mem::take(events).into_iter().enumerate().filter(|(k, _)| !cancelled.contains(k)).map(|(_, e)| e);
        events.extend(kept);
    }
    // An event whose people are still unknown (its detail failed) is named by the errors above.
    if summaries > 0 {
        notes.push(format!("{summaries} event detail(s) read because the events list leaves out their people"));
    }
}
