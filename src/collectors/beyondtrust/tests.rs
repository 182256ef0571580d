use serde_json::{json, Value};

use super::accounts::auth_source_of;
use super::config_api::{api_permissions, hourly_budget_note, pra_account, ApiPermissions};
use super::password_safe::{ps_account, session_cookie};
use super::public_v3::v3_account;
use crate::model::AuthSource;

#[test]
fn the_three_shapes() {
    let v3 = v3_account(&json!({"id": 42, "username": "jdoe", "display_name": "Jane Doe", "email_address": "jdoe@example.com",
                                "enabled": false, "last_login": "2026-03-01T10:00:00Z"}))
    .unwrap();
    assert_eq!((v3.account_id.as_str(), v3.status.as_str(), v3.email.as_deref()), ("42", "disabled", Some("jdoe@example.com")));
    assert!(v3.last_login_at.is_some());
    let (pra, perms) = pra_account(&json!({"id": 7, "username": "ann", "public_display_name": "Ann", "enabled": true, "perm_admin": true,
                                           "perm_view_support_reports": "all", "perm_collaborate": false, "perm_x": "none",
                                           "last_authentication": "2026-12-01T08:00:00+00:00"}))
    .unwrap();
    assert_eq!(perms, vec!["perm_admin", "perm_view_support_reports=all"]);
    assert_eq!(pra.last_login_at.unwrap().to_rfc3339(), "2026-12-01T08:00:00+00:00", "+00:00 offsets");
    let ps = ps_account(&json!({"UserID": 3, "UserName": "ACME\\\\bob", "FirstName": "Bob", "LastName": "Smith", "IsQuarantined": true,
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
