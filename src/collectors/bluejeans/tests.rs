use serde_json::json;

use super::users::{millis, user_account, user_entitlements};
use crate::model::{AccountType, EntitlementKind};

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
