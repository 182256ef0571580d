//! The Google Workspace collector against the sandbox's Directory API: every status, admins from
//! isAdmin and the roles held, 2-Step Verification, never signed in, managers and departments,
//! OAuth grants as entitlements, Google's 403 rateLimitExceeded as throttling, a refused scope
//! named, the service account's grant failing, hostile values and a user without an address.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use access_audit::collectors::{self, CheckOutcome};
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED};
use access_audit_sandbox::{Faults, Sandbox, Tenant};
use serde_json::json;

use crate::collect_okta::keys;

pub const SERVICE_ACCOUNT: &str = "audit@acme-audit.iam.gserviceaccount.com";

pub fn customer() -> Tenant {
    let t = json!({
        "kind": "google_workspace",
        "oauth_client_id": SERVICE_ACCOUNT,
        "client_public_key": std::fs::read_to_string(keys().join("rsa-public.pem")).unwrap(),
        "users": [
            {"id": "100", "primaryEmail": "alice@acme.com", "name": {"fullName": "Alice Admin"}, "isAdmin": true, "isDelegatedAdmin": false,
             "suspended": false, "archived": false, "isEnrolledIn2Sv": false, "lastLoginTime": "2026-12-01T08:00:00.000Z",
             "creationTime": "2024-01-02T03:04:05.000Z", "externalIds": [{"value": "E1", "type": "organization"}],
             "organizations": [{"name": "Acme", "department": "IT", "primary": true}],
             "emails": [{"address": "alice@acme.com", "primary": true}, {"address": "alice@old.example"}], "aliases": ["ali@acme.com"]},
            {"id": "101", "primaryEmail": "bob@acme.com", "name": {"givenName": "Bob", "familyName": "Builder"}, "isAdmin": false,
             "isDelegatedAdmin": true, "suspended": false, "isEnrolledIn2Sv": true, "lastLoginTime": "2026-12-02T08:00:00.000Z",
             "relations": [{"value": "alice@acme.com", "type": "manager"}],
             "tokens": [{"clientId": "111.apps.googleusercontent.com", "displayText": "Slack", "scopes": ["https://www.googleapis.com/auth/calendar.readonly"]},
                        {"clientId": "666.apps.googleusercontent.com", "displayText": "Shady Mail Helper", "scopes": ["https://mail.google.com/", "openid"]}]},
            {"id": "102", "primaryEmail": "carol@acme.com", "name": {"fullName": "Carol Leaver"}, "suspended": true, "isEnrolledIn2Sv": true,
             "lastLoginTime": "2026-06-01T08:00:00.000Z", "tokens": [{"clientId": "222", "displayText": "Old app", "scopes": ["openid"]}]},
            {"id": "103", "primaryEmail": "dan@acme.com", "name": {"fullName": "Dan Archived"}, "archived": true, "suspended": false},
            {"id": "104", "primaryEmail": "erin@acme.com", "name": {"fullName": "Erin New"}, "suspended": false, "isEnrolledIn2Sv": false,
             "lastLoginTime": "1970-01-01T00:00:00.000Z", "creationTime": "2026-12-20T00:00:00.000Z"},
            {"id": "105", "name": {"fullName": "<script>alert(1)</script>"}, "suspended": false,
             "organizations": [{"department": "=HYPERLINK(\"http://evil\")"}]},
            {"id": "106", "primaryEmail": "dee@acme.com", "name": {"fullName": "Dee Delegated"}, "isDelegatedAdmin": true, "suspended": false,
             "isEnrolledIn2Sv": true}
        ],
        "roles": [
            {"roleId": "r-super", "roleName": "_SEED_ADMIN_ROLE", "isSystemRole": true, "isSuperAdminRole": true},
            {"roleId": "r-help", "roleName": "_HELP_DESK_ADMIN_ROLE", "isSystemRole": true, "isSuperAdminRole": false}
        ],
        "role_assignments": [
            {"roleAssignmentId": "ra1", "roleId": "r-super", "assignedTo": "100", "assigneeType": "user", "scopeType": "CUSTOMER"},
            {"roleAssignmentId": "ra2", "roleId": "r-help", "assignedTo": "101", "assigneeType": "user", "scopeType": "CUSTOMER"},
            {"roleAssignmentId": "ra3", "roleId": "r-help", "assignedTo": "03x9group", "assigneeType": "group", "scopeType": "CUSTOMER"}
        ]
    });
    serde_json::from_value(t).unwrap()
}

async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("ws".to_string(), t)])).await.unwrap()
}

fn dir(label: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aa-google-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A service account's JSON key whose token endpoint is `token_uri`.
pub fn key_json(token_uri: &str, private_key: &str) -> String {
    json!({"type": "service_account", "project_id": "acme-audit", "private_key_id": "k1",
           "private_key": std::fs::read_to_string(keys().join(private_key)).unwrap(),
           "client_email": SERVICE_ACCOUNT, "client_id": "1234567890", "token_uri": token_uri})
    .to_string()
}

/// The app reading tenant "ws", acting as `subject`, with `extra` keys.
fn app_as(sb: &Sandbox, label: &str, subject: &str, private_key: &str, extra: &str) -> AppConfig {
    let d = dir(label);
    let base = sb.base_url("ws", "google");
    common::write_atomic(&d.join("sa.json"), key_json(&format!("{base}/token"), private_key));
    let attempts = if extra.contains("max_attempts") { "" } else { "max_attempts = 3\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"gw\"\nkind = \"google_workspace\"\nbase_url = \"{base}\"\n\
         auth = {{ type = \"google_service_account\", key = {{ file = \"sa.json\" }}, subject = \"{subject}\" }}\nrequests_per_second = 1000\n{attempts}{extra}"
    );
    Config::parse(&text, &d.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

fn app(sb: &Sandbox, label: &str, extra: &str) -> AppConfig {
    app_as(sb, label, "alice@acme.com", "rsa-private.pem", extra)
}

fn account<'a>(c: &'a Collection, id: &str) -> &'a access_audit::model::AccountRecord {
    c.accounts.iter().find(|a| a.account_id == id).unwrap_or_else(|| panic!("{id} collected"))
}

#[tokio::test]
async fn every_status_admin_second_factor_and_oauth_grant() {
    let sb = start(customer()).await;
    let c = collectors::collect(&app(&sb, "all", "page_size = 2")).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 7);
    assert!(c.coverage.pages >= 4, "paged by nextPageToken: {:?}", c.coverage);
    let status = |id: &str| account(&c, id).status.as_str().to_string();
    assert_eq!((status("100"), status("102"), status("103")), ("active".into(), "disabled".into(), "deactivated".into()));
    // Admins: Super Admin (isAdmin and its role, once), a role held, delegated without a role read.
    assert_eq!(account(&c, "100").admin_reason.as_deref(), Some("role Super Admin"));
    assert_eq!(account(&c, "101").admin_reason.as_deref(), Some("role Help Desk Admin"));
    assert_eq!(account(&c, "106").admin_reason.as_deref(), Some("delegated administrator"));
    assert!(!account(&c, "104").is_admin);
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 administrator role assignment(s) name a group")), "{:?}", c.coverage.notes);
    // 2-Step Verification, never signed in, addresses, manager, department, employee id.
    assert_eq!((account(&c, "100").mfa, account(&c, "101").mfa), (Some(false), Some(true)));
    assert_eq!(account(&c, "104").last_login_at, None, "1970-01-01 is never");
    assert!(account(&c, "100").last_login_at.is_some());
    assert_eq!(account(&c, "100").other_emails, vec!["ali@acme.com", "alice@old.example"]);
    assert_eq!(account(&c, "101").manager_email.as_deref(), Some("alice@acme.com"));
    assert_eq!(account(&c, "101").display_name.as_deref(), Some("Bob Builder"));
    assert_eq!((account(&c, "100").employee_id.as_deref(), account(&c, "100").department.as_deref()), (Some("E1"), Some("IT")));
    assert_eq!(account(&c, "105").email, None);
    assert_eq!(account(&c, "105").display_name.as_deref(), Some("<script>alert(1)</script>"), "hostile values arrive as data");
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 user(s) have no primaryEmail")), "{:?}", c.coverage.notes);
    // OAuth grants as entitlements: app, client id, scopes; mail access privileged. A suspended
    // user's grants are not asked for.
    let grants: Vec<(String, bool)> = c
        .entitlements
        .iter()
        .filter(|e| e.kind == "oauth_grant")
        .map(|e| (format!("{}:{}", e.account_id, e.value), e.privileged))
        .collect();
    assert_eq!(
        grants,
        vec![
            ("101:Shady Mail Helper · 666.apps.googleusercontent.com · https://mail.google.com/ openid".to_string(), true),
            ("101:Slack · 111.apps.googleusercontent.com · https://www.googleapis.com/auth/calendar.readonly".to_string(), false),
        ]
    );
    assert!(c.rules.people_complete && !c.rules.assignments_read);
    let own = &c.credentials[0];
    assert!(own.scope.as_deref().unwrap().contains("admin.directory.user.readonly"));
    assert_eq!(
        (own.write_access, own.write_unavoidable),
        (Some(true), Some(true)),
        "the grants' scope can revoke them: said, and unavoidable"
    );
}

#[tokio::test]
async fn googles_403_rate_limit_is_throttling_not_a_refusal() {
    let mut t = customer();
    t.workspace_mut().unwrap().rate_limited_403 = 3;
    let sb = start(t).await;
    let c = collectors::collect(&app(&sb, "quota", "max_attempts = 5")).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.coverage.throttled, 3, "{:?}", c.coverage);

    let mut t = customer();
    t.faults = Faults { burst_429: 2, retry_after: Some("1".into()), ..Default::default() };
    let sb = start(t).await;
    let c = collectors::collect(&app(&sb, "burst", "max_attempts = 5")).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.coverage.throttled, 2);
}

#[tokio::test]
async fn a_refused_endpoint_is_named_with_its_scope() {
    let mut t = customer();
    t.faults = Faults { forbid: vec!["/tokens".into()], ..Default::default() };
    let sb = start(t).await;
    let a = app(&sb, "forbid", "max_attempts = 1");
    let c = collectors::collect(&a).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "the grants are extra: {:?}", c.coverage);
    assert!(
        c.coverage.notes.iter().any(|n| n.contains("OAuth grants not read") && n.contains("admin.directory.user.security")),
        "{:?}",
        c.coverage.notes
    );
    let checks = collectors::probe(&a).await.unwrap();
    let k = checks.iter().find(|k| k.what == "a user's OAuth grants").unwrap();
    assert!(matches!(&k.outcome, CheckOutcome::NotAllowed(d) if d.contains("admin.directory.user.security")), "{k:?}");
    assert!(checks.iter().filter(|k| k.what != "a user's OAuth grants").all(|k| k.is_ok()), "{checks:?}");
}

#[tokio::test]
async fn the_service_accounts_grant_failing_is_said() {
    // A scope the domain-wide delegation does not list: Google refuses the whole grant.
    let mut t = customer();
    t.workspace_mut().unwrap().delegated_scopes = Some(vec![access_audit::collectors::google_workspace::USERS_SCOPE.into()]);
    let sb = start(t).await;
    let c = collectors::collect(&app(&sb, "scopes", "max_attempts = 1")).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_FAILED, "{:?}", c.coverage);
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("unauthorized_client"), "{e}");
    assert!(!e.contains("BEGIN"), "no key material in messages");
    // With the grants and roles left out, the read scope alone is asked for, and it works.
    let c = collectors::collect(&app(&sb, "scopes-ok", "max_attempts = 1\noauth_tokens = false\nroles = false")).await.unwrap();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);

    // Acting as someone who is not an administrator; a key the customer does not know.
    let sb = start(customer()).await;
    for (label, subject, key) in [("notadmin", "erin@acme.com", "rsa-private.pem"), ("badkey", "alice@acme.com", "other-rsa-private.pem")] {
        let c = collectors::collect(&app_as(&sb, label, subject, key, "max_attempts = 1")).await.unwrap();
        assert_eq!(c.coverage.status, COVERAGE_FAILED, "{label}: {:?}", c.coverage);
        assert!(c.coverage.errors.join(" ").contains("invalid_grant"), "{label}: {:?}", c.coverage.errors);
    }
}

#[test]
fn google_workspace_takes_a_service_account_and_records_no_app_assignments() {
    let d = dir("config");
    let parse = |apps: &str| {
        Config::parse(&format!("[identity]\npath = \"hr.csv\"\n{apps}"), &d.join("config.toml"), &access_audit::collectors::REGISTRY)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let gw = "[[apps]]\nname = \"gw\"\nkind = \"google_workspace\"\nbase_url = \"https://admin.googleapis.com\"\n";
    let e = parse(&format!("{gw}auth = {{ type = \"bearer\", token = {{ env = \"X\" }} }}\n"));
    assert!(e.contains("google_service_account"), "{e}");
    let ok_auth = "auth = { type = \"google_service_account\", key = { env = \"SA\" }, subject = \"admin@acme.com\" }\n";
    let e =
        parse(&format!("{gw}{ok_auth}[[apps]]\nname = \"x\"\nkind = \"csv\"\npath = \"x.csv\"\nidp = {{ app = \"gw\", id = \"abc\" }}\n"));
    assert!(e.contains("records app assignments") && e.contains("okta") && !e.contains("google_workspace)"), "{e}");
    // As the roster's source it is welcome.
    let text = format!("[identity]\nsource = {{ app = \"gw\" }}\n{gw}{ok_auth}");
    Config::parse(&text, &d.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap();
}

#[tokio::test]
async fn check_names_every_endpoint() {
    let sb = start(customer()).await;
    let checks = collectors::probe(&app(&sb, "check", "")).await.unwrap();
    let whats: Vec<&str> = checks.iter().map(|k| k.what.as_str()).collect();
    assert_eq!(whats, vec!["users", "administrator roles", "role assignments", "a user's OAuth grants"]);
    assert!(checks.iter().all(|k| k.is_ok()), "{checks:?}");
}
