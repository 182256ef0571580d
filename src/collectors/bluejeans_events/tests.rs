use base64::Engine;
use serde_json::json;

use super::events::event_items;
use super::keys::jwt_exp;
use super::people::{attendees, event_entitlement, participants, Registration};

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
