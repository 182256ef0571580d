//! Who holds what in an event: organizer, moderators and panelists (`event_role`), approved
//! attendees (`event_registration`); a participant who is not an enterprise user becomes an
//! account of their own.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::events::registration_enabled;
use crate::collectors::bluejeans::millis;
use crate::collectors::http_common::{id_text, text};
use crate::model::{AccountRecord, AccountStatus, AccountType, EntitlementKind, EntitlementRecord};

/// The people of an event: emails from strings or objects (`email`, `emailId`, `username`).
pub fn participants(event: &Value, key: &str) -> Vec<String> {
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

pub fn date(v: Option<&Value>) -> String {
    millis(v).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "?".into())
}

/// `<role> · <id> · <title> · <start> – <end>`.
pub fn event_entitlement(role: &str, event: &Value) -> String {
    format!(
        "{role} · {} · {} · {} – {}",
        id_text(event.get("id")).unwrap_or_default(),
        text(event, "title").unwrap_or("(untitled)"),
        date(event.get("start")),
        date(event.get("end"))
    )
}

/// What the events give: entitlements, the accounts of outside participants (appended to the
/// accounts), the registrations that are not access, and each registration-enabled event's key.
#[derive(Default)]
pub struct Roles {
    pub entitlements: Vec<EntitlementRecord>,
    /// Participants who are not enterprise users, now accounts of their own.
    pub external: usize,
    pub declined: usize,
    pub pending: usize,
    /// (index of the event, its registration key).
    pub keys: Vec<(usize, String)>,
}

/// The roles and registrations of `events` (each with the index of its organizer's account).
pub fn roles(events: &[(usize, Value)], accounts: &mut Vec<AccountRecord>) -> Roles {
    let by_email: HashMap<String, usize> =
        accounts.iter().enumerate().filter_map(|(i, a)| a.email.as_ref().map(|e| (e.trim().to_lowercase(), i))).collect();
    let mut external: BTreeMap<String, usize> = BTreeMap::new();
    // The account of a participant: an enterprise user's, else an outside one (created once).
    let mut account_of = |email: &str, accounts: &mut Vec<AccountRecord>| -> usize {
        if let Some(i) = by_email.get(email) {
            return *i;
        }
        *external.entry(email.to_string()).or_insert_with(|| {
            accounts.push(AccountRecord {
                account_id: format!("email:{email}"),
                email: Some(email.to_string()),
                status: AccountStatus::Active,
                account_type: AccountType::Customer,
                ..Default::default()
            });
            accounts.len() - 1
        })
    };
    let mut out = Roles::default();
    for (k, (owner, event)) in events.iter().enumerate() {
        out.entitlements.push(EntitlementRecord {
            account_id: accounts[*owner].account_id.clone(),
            kind: EntitlementKind::EventRole,
            value: event_entitlement("organizer", event),
            privileged: true,
        });
        // Registrations: a declined or pending one is not access, only counted.
        for (email, state, source) in attendees(event) {
            match state {
                Registration::Declined => out.declined += 1,
                Registration::Pending => out.pending += 1,
                Registration::Approved => {
                    let i = account_of(&email, accounts);
                    let mut value = event_entitlement("attendee", event);
                    if let Some(source) = source {
                        value.push_str(&format!(" · registered via {source}"));
                    }
                    out.entitlements.push(EntitlementRecord {
                        account_id: accounts[i].account_id.clone(),
                        kind: EntitlementKind::EventRegistration,
                        value,
                        privileged: false,
                    });
                }
            }
        }
        for (key, role, privileged) in [("moderators", "moderator", true), ("panelists", "panelist", false)] {
            for email in participants(event, key) {
                let i = account_of(&email, accounts);
                if role == "moderator" && accounts[i].account_type == AccountType::Customer {
                    // An outsider who runs an event is a person to account for, not a guest.
                    accounts[i].account_type = AccountType::Human;
                }
                out.entitlements.push(EntitlementRecord {
                    account_id: accounts[i].account_id.clone(),
                    kind: EntitlementKind::EventRole,
                    value: event_entitlement(role, event),
                    privileged,
                });
            }
        }
        if registration_enabled(event) {
            if let Some(key) = event.pointer("/registration/apiKey").and_then(|v| v.as_str()).filter(|k| !k.is_empty()) {
                out.keys.push((k, key.to_string()));
            }
        }
    }
    out.external = external.len();
    out
}
