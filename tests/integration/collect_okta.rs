//! The Okta collector against the sandbox's Okta org: every status, roles, factors, groups and
//! app assignments (direct and through a group), API tokens, paging by the Link header under
//! the org's rate-limit headers, refusals named, the token grant with a key, and a user deleted
//! while the org is read.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use access_audit::collectors::{self, CheckOutcome};
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
use access_audit_sandbox::okta::{synthetic_tenant, RateLimit};
use access_audit_sandbox::{Faults, Sandbox, Tenant};
use serde_json::json;

pub fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys")
}

/// A small org with one user of every status and the shapes that matter.
pub fn org() -> Tenant {
    serde_json::from_value(org_json()).unwrap()
}

/// [`org`] as its tenant file.
pub fn org_json() -> serde_json::Value {
    json!({
        "kind": "okta",
        "secret": "okta-ssws-token",
        "oauth_client_id": "0oaservice1",
        "client_public_key": std::fs::read_to_string(keys().join("rsa-public.pem")).unwrap(),
        "users": [
            {"id": "00u001", "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z", "lastLogin": "2026-11-30T08:00:00.000Z",
             "profile": {"login": "alice@acme.com", "email": "alice@acme.com", "firstName": "Alice", "lastName": "Admin", "employeeNumber": "E1", "department": "IT"},
             "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}, "groups": ["00g-eng"], "roles": ["SUPER_ADMIN"], "factors": []},
            {"id": "00u002", "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z", "lastLogin": "2026-12-01T08:00:00.000Z",
             "profile": {"login": "bob@acme.com", "email": "bob@acme.com", "firstName": "Bob", "lastName": "Builder", "managerId": "00u001", "department": "Engineering"},
             "credentials": {"provider": {"type": "ACTIVE_DIRECTORY", "name": "acme.local"}}, "groups": ["00g-eng"],
             "factors": [{"factorType": "push", "status": "ACTIVE"}]},
            {"id": "00u003", "status": "DEPROVISIONED", "created": "2023-05-01T00:00:00.000Z", "lastLogin": "2026-06-01T08:00:00.000Z",
             "profile": {"login": "carol@acme.com", "email": "carol@acme.com", "firstName": "Carol", "lastName": "Leaver"}},
            {"id": "00u004", "status": "SUSPENDED", "profile": {"login": "dan@acme.com", "email": "dan@acme.com", "firstName": "Dan", "lastName": "S"}},
            {"id": "00u005", "status": "STAGED", "created": "2026-11-01T00:00:00.000Z", "profile": {"login": "erin@acme.com", "email": "erin@acme.com"}},
            {"id": "00u006", "status": "PROVISIONED", "created": "2026-10-01T00:00:00.000Z", "statusChanged": "2026-10-02T00:00:00.000Z",
             "profile": {"login": "frank@acme.com", "email": "frank@acme.com", "managerId": "bob@acme.com"}},
            {"id": "00u007", "status": "PASSWORD_EXPIRED", "profile": {"login": "gina@acme.com", "email": "gina@acme.com"},
             "factors": [{"factorType": "sms", "status": "PENDING_ACTIVATION"}]},
            {"id": "00u008", "status": "LOCKED_OUT", "profile": {"login": "hank@acme.com", "email": "hank@acme.com"}, "factors": [{"factorType": "token:software:totp", "status": "ACTIVE"}]},
            {"id": "00u009", "status": "RECOVERY", "profile": {"login": "ivy", "firstName": "Ivy"}},
            {"id": "00u010", "status": "ACTIVE", "profile": {"login": "svc-backup@acme.com", "email": "svc-backup@acme.com", "userType": "Service"},
             "groups": ["00g-ops"]},
            {"id": "00u011", "status": "ACTIVE", "profile": {"login": "x+tag@acme.com", "email": "x+tag@acme.com",
             "firstName": "<script>alert(1)</script>", "lastName": "\"; DROP TABLE users; --", "department": "=HYPERLINK(\"http://evil\")"},
             "groups": ["00g-ops"], "roles": ["READ_ONLY_ADMIN"], "factors": [{"factorType": "webauthn", "status": "ACTIVE"}]}
        ],
        "groups": [{"id": "00g-eng", "name": "Engineering"}, {"id": "00g-ops", "name": "Ops, \"on call\""}],
        "apps": [
            {"id": "0oa-jira", "label": "Jira Service Management", "name": "atlassian", "users": ["00u002"], "groups": ["00g-eng"]},
            {"id": "0oa-bj", "label": "BlueJeans", "name": "bluejeans", "users": ["00u001", "00u010"]}
        ],
        "api_tokens": [
            {"id": "00Tleaver", "name": "old sync", "userId": "00u003", "clientName": "Okta API", "created": "2026-01-01T00:00:00.000Z", "expiresAt": "2027-01-10T00:00:00.000Z"},
            {"id": "00Taudit", "name": "audit", "userId": "00u001", "clientName": "Okta API", "created": "2026-11-01T00:00:00.000Z", "expiresAt": "2026-12-31T00:00:00.000Z"}
        ]
    })
}

pub async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("ok".to_string(), t)])).await.unwrap()
}

fn dir(label: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aa-okta-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The app reading tenant "ok" with an API token (or `auth` given), and `extra` keys.
fn app(sb: &Sandbox, label: &str, auth: Option<&str>, extra: &str) -> AppConfig {
    let d = dir(label);
    common::write_atomic(&d.join("token"), "okta-ssws-token");
    let auth = auth.map(str::to_string).unwrap_or_else(|| "auth = { type = \"ssws\", token = { file = \"token\" } }".into());
    let attempts = if extra.contains("max_attempts") { "" } else { "max_attempts = 3\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"okta\"\nkind = \"okta\"\nbase_url = \"{}\"\n{auth}\nrequests_per_second = 1000\n{attempts}{extra}",
        sb.base_url("ok", "okta")
    );
    Config::parse(&text, &d.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

fn account<'a>(c: &'a Collection, id: &str) -> &'a access_audit::model::AccountRecord {
    c.accounts.iter().find(|a| a.account_id == id).unwrap_or_else(|| panic!("{id} collected"))
}

fn values(c: &Collection, id: &str, kind: &str) -> Vec<String> {
    c.entitlements.iter().filter(|e| e.account_id == id && e.kind == kind).map(|e| e.value.clone()).collect()
}

#[tokio::test]
async fn every_status_role_factor_group_and_assignment() {
    let sb = start(org()).await;
    let c = collect(&app(&sb, "all", None, "page_size = 3\nadmin_groups = [\"Ops, \\\"on call\\\"\"]")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 11, "every status, deprovisioned too");
    let status = |id: &str| account(&c, id).status.as_str().to_string();
    for (id, want) in [
        ("00u001", "active"),
        ("00u003", "deactivated"),
        ("00u004", "suspended"),
        ("00u005", "invited"),
        ("00u006", "invited"),
        ("00u007", "active"),
        ("00u008", "active"),
        ("00u009", "active"),
    ] {
        assert_eq!(status(id), want, "{id}");
    }
    // Admins from roles (named), and from an admin group.
    let alice = account(&c, "00u001");
    assert!(alice.is_admin);
    assert_eq!(alice.admin_reason.as_deref(), Some("role Super Administrator"));
    assert_eq!((alice.employee_id.as_deref(), alice.department.as_deref()), (Some("E1"), Some("IT")));
    assert_eq!(account(&c, "00u011").admin_reason.as_deref(), Some("role Read-only Administrator; group Ops, \"on call\""));
    assert!(account(&c, "00u010").is_admin, "in an admin group");
    assert!(!account(&c, "00u002").is_admin);
    // Second factor: asked only of users who can sign in.
    assert_eq!(alice.mfa, Some(false), "an admin without a factor");
    assert_eq!(account(&c, "00u002").mfa, Some(true));
    assert_eq!(account(&c, "00u007").mfa, Some(false), "a factor pending activation is not enrolled");
    assert_eq!(account(&c, "00u008").mfa, Some(true));
    assert_eq!(account(&c, "00u003").mfa, None, "a deprovisioned user is not asked");
    assert_eq!(account(&c, "00u005").mfa, None);
    // Managers by id or by address; the sign-in source; never logged in; no email.
    assert_eq!(account(&c, "00u002").manager_email.as_deref(), Some("alice@acme.com"));
    assert_eq!(account(&c, "00u006").manager_email.as_deref(), Some("bob@acme.com"));
    assert_eq!(account(&c, "00u002").auth_source.as_str(), "ldap");
    assert_eq!(alice.auth_source.as_str(), "local");
    assert!(account(&c, "00u006").invited_at.is_some());
    assert_eq!(account(&c, "00u009").email, None);
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 user(s) have no email")), "{:?}", c.coverage.notes);
    assert_eq!(account(&c, "00u010").account_type.as_str(), "service");
    // Hostile values arrive as data.
    assert_eq!(account(&c, "00u011").display_name.as_deref(), Some("<script>alert(1)</script> \"; DROP TABLE users; --"));
    // Groups and app assignments: direct, through a group, both.
    assert_eq!(values(&c, "00u002", "group"), vec!["Engineering"]);
    assert_eq!(
        values(&c, "00u002", "app_assignment"),
        vec!["0oa-jira · Jira Service Management · direct", "0oa-jira · Jira Service Management · via group Engineering"]
    );
    assert_eq!(
        values(&c, "00u001", "app_assignment"),
        vec!["0oa-bj · BlueJeans · direct", "0oa-jira · Jira Service Management · via group Engineering"]
    );
    assert!(values(&c, "00u007", "app_assignment").is_empty());
    assert_eq!(values(&c, "00u001", "role"), vec!["Super Administrator"]);
    assert!(c.rules.assignments_read && c.rules.incomplete_assignments.is_empty());
    // API tokens: owners by address, expiry.
    let leaver_token = c.credentials.iter().find(|k| k.credential_id == "api-token:00Tleaver").unwrap();
    assert_eq!(leaver_token.owner.as_deref(), Some("carol@acme.com"));
    assert!(leaver_token.expires_at.is_some());
    assert_eq!(c.credentials[0].label, "Okta API token (SSWS)");
    // Every list paged by its Link header: 3 users a page.
    assert!(c.coverage.pages >= 5, "{:?}", c.coverage);
    assert!(c.coverage.last_login_known);
}

#[tokio::test]
async fn the_orgs_rate_limit_headers_slow_the_collection_before_a_429() {
    let mut t = synthetic_tenant(300, 4, 6);
    t.secret = "okta-ssws-token".into();
    t.org_mut().unwrap().rate_limit = Some(RateLimit { limit: 40, window_ms: 1000 });
    let sb = start(t).await;
    let c = collect(&app(&sb, "limits", None, "page_size = 50\nconcurrency = 4")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 300);
    let stats = sb.stats("ok");
    // Every endpoint's own budget was respected: at most the requests already in flight when it
    // ran out were refused.
    assert!(stats.served_429 <= 4, "{} 429s of {} requests", stats.served_429, stats.requests);
}

#[tokio::test]
async fn without_the_headers_a_429_is_waited_out() {
    let mut t = org();
    t.faults = Faults { burst_429: 3, ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "burst", None, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.coverage.throttled, 3);
}

#[tokio::test]
async fn a_refused_endpoint_is_named() {
    // API tokens are listed for a super administrator only: a note, the accounts complete.
    let mut t = org();
    t.org_mut().unwrap().api_tokens_forbidden = true;
    let sb = start(t).await;
    let a = app(&sb, "tokens", None, "");
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(
        c.coverage.notes.iter().any(|n| n.contains("API tokens not read") && n.contains("okta.apiTokens.read")),
        "{:?}",
        c.coverage.notes
    );
    let checks = collectors::probe(&a).await.unwrap();
    let tokens = checks.iter().find(|k| k.what == "API tokens").unwrap();
    assert!(matches!(&tokens.outcome, CheckOutcome::NotAllowed(d) if d.contains("okta.apiTokens.read")), "{tokens:?}");
    assert!(checks.iter().filter(|k| k.what != "API tokens").all(|k| k.is_ok()), "{checks:?}");

    // Factors refused: the second factor is unknown, and the app is not complete.
    let mut t = org();
    t.faults = Faults { forbid: vec!["/factors".into()], ..Default::default() };
    let sb = start(t).await;
    let a = app(&sb, "factors", None, "max_attempts = 1");
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    assert!(c.coverage.errors.iter().any(|e| e.contains("users' factors") && e.contains("403")), "{:?}", c.coverage.errors);
    assert!(c.accounts.iter().all(|a| a.mfa.is_none()));
    let checks = collectors::probe(&a).await.unwrap();
    let f = checks.iter().find(|k| k.what == "a user's factors").unwrap();
    assert!(matches!(&f.outcome, CheckOutcome::NotAllowed(d) if d.contains("okta.users.read")), "{f:?}");

    // An app's assignments refused: no outside_idp claim can rest on it.
    let mut t = org();
    t.faults = Faults { forbid: vec!["/apps/0oa-jira/groups".into()], ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "assign", None, "max_attempts = 1")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL);
    assert_eq!(c.rules.incomplete_assignments, vec!["0oa-jira · Jira Service Management"]);
    assert!(
        c.coverage.errors.iter().any(|e| e.contains("Jira Service Management") && e.contains("no outside_idp finding")),
        "{:?}",
        c.coverage.errors
    );
}

fn key_auth(key: &str, kid: Option<&str>) -> String {
    let kid = kid.map(|k| format!(", key_id = \"{k}\"")).unwrap_or_default();
    format!(
        "auth = {{ type = \"oauth2_private_key_jwt\", client_id = \"0oaservice1\", private_key = {{ file = \"{}\" }}{kid} }}",
        keys().join(key).display()
    )
}

#[tokio::test]
async fn a_service_app_signs_its_token_requests_with_its_key() {
    let sb = start(org()).await;
    let c = collect(&app(&sb, "jwt", Some(&key_auth("rsa-private.pem", Some("kid-1"))), "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 11);
    let own = &c.credentials[0];
    assert_eq!(own.label, "Okta service app (OAuth 2.0, private_key_jwt)");
    let scope = own.scope.as_deref().unwrap();
    assert!(scope.contains("okta.users.read") && scope.contains("okta.apps.read"), "the read scopes asked for by default: {scope}");
    assert_eq!(own.write_access, Some(false));

    // An EC key (ES256).
    let mut t = org();
    t.org_mut().unwrap().client_public_key = Some(std::fs::read_to_string(keys().join("ec-public.pem")).unwrap());
    let ec = start(t).await;
    let c = collect(&app(&ec, "ec", Some(&key_auth("ec-private.pem", None)), "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);

    // A key the org does not know: the grant fails, the app is failed and says why.
    let c = collect(&app(&sb, "badkey", Some(&key_auth("other-rsa-private.pem", None)), "max_attempts = 1")).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED, "{:?}", c.coverage);
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("invalid_client") || e.contains("401"), "{e}");
    assert!(!e.contains("BEGIN"), "no key material in messages");

    // A manage scope is broader than an audit needs: check fails it.
    let mut t = org();
    t.org_mut().unwrap().granted_scope = Some("okta.users.read okta.users.manage".into());
    let sb = start(t).await;
    let checks = collectors::probe(&app(&sb, "manage", Some(&key_auth("rsa-private.pem", None)), "")).await.unwrap();
    let scope = checks.iter().find(|k| k.what == "OAuth token scope").unwrap();
    assert!(matches!(&scope.outcome, CheckOutcome::Failed(d) if d.contains("okta.users.manage")), "{scope:?}");
}

#[test]
fn a_client_secret_is_refused_for_okta() {
    let d = dir("secret");
    let text = "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"okta\"\nkind = \"okta\"\nbase_url = \"https://acme.okta.com\"\n\
                auth = { type = \"oauth2_client_credentials\", client_id = \"x\", client_secret = { env = \"X\" } }\n";
    let e = Config::parse(text, &d.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap_err().to_string();
    assert!(e.contains("ssws") && e.contains("oauth2_private_key_jwt"), "{e}");
}

#[tokio::test]
async fn a_user_deleted_while_the_org_is_read_is_left_out_and_named() {
    let mut t = org();
    t.faults = Faults { delete_user_after_list: Some("00u002".into()), ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "deleted", None, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.accounts.iter().all(|a| a.account_id != "00u002"));
    assert!(c.entitlements.iter().all(|e| e.account_id != "00u002"));
    assert!(c.coverage.notes.iter().any(|n| n.contains("deleted during collection") && n.contains("00u002")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn check_names_every_endpoint() {
    let sb = start(org()).await;
    let checks = collectors::probe(&app(&sb, "check", None, "")).await.unwrap();
    let whats: BTreeSet<&str> = checks.iter().map(|k| k.what.as_str()).collect();
    for w in [
        "users",
        "deprovisioned users",
        "a user's factors",
        "users with administrator roles",
        "a user's roles",
        "groups",
        "a group's members",
        "apps",
        "an app's assigned users",
        "an app's assigned groups",
        "API tokens",
    ] {
        assert!(whats.contains(w), "{w}: {checks:?}");
    }
    assert!(checks.iter().all(|k| k.is_ok()), "{checks:?}");
}
