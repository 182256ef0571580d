//! The Entra collector against the sandbox's directory: every status, managers, directory roles
//! (direct and through a group), groups and app assignments (direct, through a group, and a
//! nested group's members NOT assigned), MFA registration, app registrations' secrets and
//! certificates, signInActivity refused, a permission refused and named, throttling, the token
//! grant (secret and certificate) failing, hostile values and a user without an address.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use access_audit::collectors::{self, CheckOutcome};
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
use access_audit_sandbox::{Faults, Sandbox, Tenant};
use serde_json::json;

use crate::collect_okta::keys;

/// A small directory with one user of every kind and the shapes that matter.
pub fn directory_json() -> serde_json::Value {
    json!({
        "kind": "entra",
        "secret": "entra-client-secret",
        "oauth_client_id": "11111111-aaaa-bbbb-cccc-000000000001",
        "users": [
            {"id": "u1", "displayName": "Alice Admin", "mail": "alice@acme.com", "userPrincipalName": "alice@acme.com", "accountEnabled": true,
             "userType": "Member", "createdDateTime": "2024-01-02T03:04:05Z", "employeeId": "E1", "department": "IT",
             "signInActivity": {"lastSignInDateTime": "2026-11-30T08:00:00Z", "lastNonInteractiveSignInDateTime": "2026-12-02T08:00:00Z"},
             "roles": ["Global Administrator"], "mfa": false},
            {"id": "u2", "displayName": "Bob Builder", "mail": "bob@acme.com", "userPrincipalName": "bob@acme.onmicrosoft.com", "accountEnabled": true,
             "userType": "Member", "onPremisesSyncEnabled": true, "otherMails": ["bob.home@example.org"], "manager": "u1",
             "signInActivity": {"lastSuccessfulSignInDateTime": "2026-12-01T08:00:00Z"}, "groups": ["g-eng"], "mfa": true},
            {"id": "u3", "displayName": "Carol Leaver", "mail": "carol@acme.com", "userPrincipalName": "carol@acme.com", "accountEnabled": false,
             "userType": "Member", "signInActivity": {"lastSignInDateTime": "2026-06-01T08:00:00Z"}, "mfa": true},
            {"id": "u4", "displayName": "Gina Guest", "mail": null, "userPrincipalName": "gina_partner.example#EXT#@acme.onmicrosoft.com",
             "accountEnabled": true, "userType": "Guest", "externalUserState": "PendingAcceptance",
             "externalUserStateChangeDateTime": "2026-11-20T00:00:00Z", "createdDateTime": "2026-11-20T00:00:00Z"},
            {"id": "u5", "displayName": "No Address", "mail": null, "userPrincipalName": "broken#EXT#@acme.onmicrosoft.com", "accountEnabled": true,
             "userType": "Member", "mfa": false},
            {"id": "u6", "displayName": "Nina Nested", "mail": "nina@acme.com", "userPrincipalName": "nina@acme.com", "accountEnabled": true,
             "userType": "Member", "groups": ["g-contractors"], "manager": "u2", "mfa": true},
            {"id": "u7", "displayName": "<script>alert(1)</script>", "mail": "x+tag@acme.com", "userPrincipalName": "x+tag@acme.com",
             "accountEnabled": true, "userType": "Member", "department": "=HYPERLINK(\"http://evil\")", "groups": ["g-helpdesk"], "mfa": true}
        ],
        "groups": [
            {"id": "g-eng", "displayName": "Engineering"},
            {"id": "g-contractors", "displayName": "Contractors", "groups": ["g-eng"]},
            {"id": "g-helpdesk", "displayName": "Helpdesk admins", "roles": ["Helpdesk Administrator"]}
        ],
        "service_principals": [
            {"id": "sp-jira", "appId": "app-jira", "displayName": "Jira", "users": ["u1"], "groups": ["g-eng"]},
            {"id": "sp-exo", "appId": "00000002-0000-0ff1-ce00-000000000000", "displayName": "Office 365 Exchange Online",
             "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "users": ["u2"]}
        ],
        "applications": [
            {"id": "ap-hr", "appId": "app-hr-sync", "displayName": "HR sync",
             "passwordCredentials": [{"keyId": "k1", "displayName": "prod", "hint": "abc", "startDateTime": "2025-11-01T00:00:00Z", "endDateTime": "2026-11-01T00:00:00Z"}],
             "keyCredentials": [{"keyId": "k2", "displayName": "CN=hr-sync", "type": "AsymmetricX509Cert", "usage": "Verify",
                                 "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-06-01T00:00:00Z"}],
             "owners": ["u3"]},
            {"id": "ap-empty", "appId": "app-empty", "displayName": "No secrets", "passwordCredentials": [], "keyCredentials": []}
        ]
    })
}

pub fn directory() -> Tenant {
    serde_json::from_value(directory_json()).unwrap()
}

async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("dir".to_string(), t)])).await.unwrap()
}

fn dir(label: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aa-entra-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SECRET_AUTH: &str =
    "auth = { type = \"oauth2_client_credentials\", client_id = \"11111111-aaaa-bbbb-cccc-000000000001\", client_secret = { file = \"secret\" } }";

/// The app reading tenant "dir" with its client secret (or `auth` given), and `extra` keys.
fn app(sb: &Sandbox, label: &str, auth: Option<&str>, extra: &str) -> AppConfig {
    let d = dir(label);
    common::write_atomic(&d.join("secret"), "entra-client-secret");
    let base = sb.base_url("dir", "entra");
    let attempts = if extra.contains("max_attempts") { "" } else { "max_attempts = 3\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"entra\"\nkind = \"entra\"\nbase_url = \"{base}/v1.0\"\nauthority = \"{base}/login\"\ntenant_id = \"acme.onmicrosoft.com\"\n{}\nrequests_per_second = 1000\n{attempts}{extra}",
        auth.unwrap_or(SECRET_AUTH)
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
async fn every_status_role_group_assignment_and_credential() {
    let sb = start(directory()).await;
    let c = collect(&app(&sb, "all", None, "page_size = 2\nadmin_groups = [\"Engineering\"]")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 7);
    assert!(c.coverage.pages >= 4, "paged by @odata.nextLink: {:?}", c.coverage);
    let status = |id: &str| account(&c, id).status.as_str().to_string();
    assert_eq!(
        (status("u1"), status("u3"), status("u4"), status("u6")),
        ("active".into(), "disabled".into(), "invited".into(), "active".into())
    );
    // Admins from directory roles (named), directly or through a role-assignable group.
    let alice = account(&c, "u1");
    assert_eq!(alice.admin_reason.as_deref(), Some("role Global Administrator"));
    assert_eq!(account(&c, "u7").admin_reason.as_deref(), Some("role Helpdesk Administrator (through group Helpdesk admins)"));
    assert_eq!(account(&c, "u2").admin_reason.as_deref(), Some("group Engineering"), "an admin group of the config");
    assert!(!account(&c, "u6").is_admin, "a nested group's member is not in the admin group");
    // Last sign-in: the latest of interactive and non-interactive, else the last successful one.
    assert_eq!(alice.last_login_at.unwrap().to_rfc3339(), "2026-12-02T08:00:00+00:00");
    assert_eq!(account(&c, "u2").last_login_at.unwrap().to_rfc3339(), "2026-12-01T08:00:00+00:00");
    assert!(c.coverage.last_login_known);
    // Managers, addresses, the sign-in source, MFA.
    assert_eq!(account(&c, "u2").manager_email.as_deref(), Some("alice@acme.com"));
    assert_eq!(account(&c, "u6").manager_email.as_deref(), Some("bob@acme.com"));
    assert_eq!(account(&c, "u2").other_emails, vec!["bob.home@example.org", "bob@acme.onmicrosoft.com"]);
    assert_eq!(account(&c, "u4").email.as_deref(), Some("gina@partner.example"), "a guest's #EXT# UPN read back");
    assert!(account(&c, "u4").invited_at.is_some());
    assert_eq!(account(&c, "u5").email, None);
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 user(s) have no address")), "{:?}", c.coverage.notes);
    assert_eq!(account(&c, "u2").auth_source.as_str(), "ldap");
    assert_eq!(account(&c, "u4").auth_source.as_str(), "sso");
    assert_eq!((alice.mfa, account(&c, "u2").mfa, account(&c, "u4").mfa), (Some(false), Some(true), None));
    assert_eq!((alice.employee_id.as_deref(), alice.department.as_deref()), (Some("E1"), Some("IT")));
    assert_eq!(account(&c, "u7").display_name.as_deref(), Some("<script>alert(1)</script>"), "hostile values arrive as data");
    // Assignments: direct, through a group, and NOT to a nested group's members (Entra does not cascade).
    assert_eq!(values(&c, "u1", "app_assignment"), vec!["app-jira · Jira · direct"]);
    assert_eq!(values(&c, "u2", "app_assignment"), vec!["app-jira · Jira · via group Engineering"]);
    assert!(values(&c, "u6", "app_assignment").is_empty(), "a nested group's member is not assigned");
    assert_eq!(values(&c, "u6", "group"), vec!["Contractors"]);
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 group(s) are members of other groups")), "{:?}", c.coverage.notes);
    assert!(c.coverage.notes.iter().any(|n| n.contains("1 Microsoft first-party app")), "{:?}", c.coverage.notes);
    assert!(c.rules.assignments_read && c.rules.people_complete && c.rules.incomplete_assignments.is_empty());
    // App registrations' secrets and certificates: end dates and owners.
    let secret = c.credentials.iter().find(|k| k.credential_id == "app-secret:app-hr-sync:k1").unwrap();
    assert_eq!(secret.label, "client secret \"prod\" of app registration HR sync");
    assert_eq!(secret.owner.as_deref(), Some("carol@acme.com"));
    assert_eq!(secret.expires_at.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
    assert!(c.credentials.iter().any(|k| k.credential_id == "app-certificate:app-hr-sync:k2"));
    assert_eq!(c.credentials.len(), 3, "the collector's own credential and the two of HR sync");
}

#[tokio::test]
async fn without_the_licence_last_sign_in_and_mfa_are_unknown_and_the_rest_complete() {
    let mut t = directory();
    let d = t.directory_mut().unwrap();
    d.sign_in_forbidden = true;
    d.mfa_forbidden = true;
    let sb = start(t).await;
    let a = app(&sb, "nolicence", None, "max_attempts = 1");
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 7);
    assert!(!c.coverage.last_login_known);
    assert!(c.accounts.iter().all(|a| a.last_login_at.is_none() && a.mfa.is_none()));
    let notes = c.coverage.notes.join(" | ");
    assert!(notes.contains("last sign-in unknown") && notes.contains("AuditLog.Read.All"), "{notes}");
    assert!(notes.contains("MFA registration unknown"), "{notes}");
    assert_eq!(account(&c, "u2").manager_email.as_deref(), Some("alice@acme.com"), "managers still read");
    let checks = collectors::probe(&a).await.unwrap();
    let sign_in = checks.iter().find(|k| k.what == "last sign-in (signInActivity)").unwrap();
    assert!(matches!(&sign_in.outcome, CheckOutcome::NotAllowed(d) if d.contains("AuditLog.Read.All")), "{sign_in:?}");
}

#[tokio::test]
async fn a_refused_permission_is_named_and_the_app_partial() {
    let mut t = directory();
    t.faults = Faults { forbid: vec!["/applications".into(), "/appRoleAssignedTo".into()], ..Default::default() };
    let sb = start(t).await;
    let a = app(&sb, "forbid", None, "max_attempts = 1");
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    assert_eq!(c.rules.incomplete_assignments, vec!["app-jira · Jira"]);
    let errors = c.coverage.errors.join(" | ");
    assert!(errors.contains("403") && errors.contains("no outside_idp finding"), "{errors}");
    let checks = collectors::probe(&a).await.unwrap();
    for what in ["app registrations", "an app's assignments"] {
        let k = checks.iter().find(|k| k.what == what).unwrap();
        assert!(matches!(&k.outcome, CheckOutcome::NotAllowed(d) if d.contains("Application.Read.All")), "{k:?}");
    }
    assert!(
        checks
            .iter()
            .filter(|k| !["app registrations", "an app's assignments", "an app registration's owners"].contains(&k.what.as_str()))
            .all(|k| k.is_ok()),
        "{checks:?}"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_by_its_retry_after() {
    let mut t = directory();
    t.faults = Faults { burst_429: 3, retry_after: Some("1".into()), ..Default::default() };
    let sb = start(t).await;
    let started = std::time::Instant::now();
    let c = collect(&app(&sb, "throttle", None, "max_attempts = 5")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.coverage.throttled, 3);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "Retry-After honoured");
}

#[tokio::test]
async fn the_token_grant_by_secret_or_certificate() {
    // A wrong secret: the app fails, says why, and never shows the secret.
    let sb = start(directory()).await;
    let a = app(&sb, "badsecret", None, "max_attempts = 1");
    common::write_atomic(&dir("badsecret").join("secret"), "wrong-secret-value");
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED, "{:?}", c.coverage);
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("AADSTS7000215") || e.contains("invalid_client"), "{e}");
    assert!(!e.contains("wrong-secret-value"), "no secret in messages");

    // A certificate: the assertion names it by its SHA-256 thumbprint.
    let mut t = directory();
    t.secret = String::new();
    t.directory_mut().unwrap().client_public_key = Some(std::fs::read_to_string(keys().join("rsa-public.pem")).unwrap());
    let sb = start(t).await;
    let cert = format!(
        "auth = {{ type = \"oauth2_private_key_jwt\", client_id = \"11111111-aaaa-bbbb-cccc-000000000001\", private_key = {{ file = \"{}\" }}, certificate = \"{}\" }}",
        keys().join("rsa-private.pem").display(),
        keys().join("rsa-certificate.pem").display()
    );
    let c = collect(&app(&sb, "cert", Some(&cert), "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.credentials[0].label, "Entra app registration (client credentials, certificate)");
}

#[test]
fn the_config_names_what_entra_needs() {
    let d = dir("config");
    let parse = |extra: &str| {
        let text = format!("[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"entra\"\nkind = \"entra\"\nbase_url = \"https://graph.microsoft.com/v1.0\"\n{extra}");
        Config::parse(&text, &d.join("config.toml"), &access_audit::collectors::REGISTRY).map(|_| ()).unwrap_err().to_string()
    };
    let e = parse("auth = { type = \"oauth2_client_credentials\", client_id = \"x\", client_secret = { env = \"X\" } }\n");
    assert!(e.contains("tenant_id") && e.contains("missing"), "{e}");
    let e = parse("auth = { type = \"bearer\", token = { env = \"X\" } }\ntenant_id = \"acme.onmicrosoft.com\"\n");
    assert!(e.contains("oauth2_client_credentials") && e.contains("certificate"), "{e}");
    let e =
        parse("auth = { type = \"oauth2_client_credentials\", client_id = \"x\", client_secret = { env = \"X\" } }\ntenant_id = \"a/b\"\n");
    assert!(e.contains("tenant_id"), "{e}");
}

#[tokio::test]
async fn check_names_every_endpoint() {
    let sb = start(directory()).await;
    let checks = collectors::probe(&app(&sb, "check", None, "")).await.unwrap();
    let whats: BTreeSet<&str> = checks.iter().map(|k| k.what.as_str()).collect();
    for w in [
        "users",
        "last sign-in (signInActivity)",
        "groups",
        "a group's members",
        "directory roles",
        "a directory role's members",
        "enterprise apps",
        "an app's assignments",
        "MFA registration",
        "app registrations",
        "an app registration's owners",
    ] {
        assert!(whats.contains(w), "{w}: {whats:?}");
    }
    assert!(checks.iter().all(|k| k.is_ok()), "{checks:?}");
}

/// Through the built binary: an app linked to its Entra enterprise app holds its accounts
/// against Entra's assignments: direct and group members assigned, a nested group's member NOT
/// (Entra does not cascade), an unlinked app never judged; an admin without MFA is high.
#[test]
fn outside_idp_follows_entras_assignments_and_mfa_missing_its_registration() {
    use assert_cmd::Command;
    let d = tempfile::tempdir().unwrap();
    let tenants = d.path().join("tenants");
    std::fs::create_dir_all(&tenants).unwrap();
    std::fs::write(tenants.join("dir.json"), directory_json().to_string()).unwrap();
    let sb = common::sandbox_process(&tenants);
    std::fs::write(d.path().join("secret"), "entra-client-secret").unwrap();
    std::fs::write(
        d.path().join("hr.csv"),
        "email,employee_id,name,status,termination_date\nalice@acme.com,E1,Alice,active,\nbob@acme.com,E2,Bob,active,\nnina@acme.com,E6,Nina,active,\nx+tag@acme.com,E7,X,active,\n",
    )
    .unwrap();
    let accounts =
        "id,email,name,last_login\n1,alice@acme.com,Alice,2026-12-20\n2,bob@acme.com,Bob,2026-12-20\n6,nina@acme.com,Nina,2026-12-20\n";
    std::fs::write(d.path().join("jira.csv"), accounts).unwrap();
    std::fs::write(d.path().join("wiki.csv"), accounts).unwrap();
    let base = format!("{}/entra/dir", sb.url);
    let csv_app = |name: &str, link: &str| {
        format!("[[apps]]\nname = \"{name}\"\nkind = \"csv\"\npath = \"{name}.csv\"\n{link}[apps.columns]\naccount_id = \"id\"\ndisplay_name = \"name\"\nlast_login_at = \"last_login\"\n")
    };
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[review]\nname = \"Entra\"\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\n\
             [[apps]]\nname = \"entra\"\nkind = \"entra\"\nbase_url = \"{base}/v1.0\"\nauthority = \"{base}/login\"\ntenant_id = \"acme.onmicrosoft.com\"\n{SECRET_AUTH}\nrequests_per_second = 1000\n\
             {}{}",
            csv_app("jira", "idp = { app = \"entra\", id = \"app-jira\" }\n"),
            csv_app("wiki", "")
        ),
    )
    .unwrap();
    let out = d.path().join("out");
    Command::cargo_bin("access-audit").unwrap().args(["run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let has = |category: &str, app: &str, account: &str| findings.lines().any(|l| l.contains(&format!(",{category},{app},{account},")));
    assert!(has("outside_idp", "jira", "6"), "Nina is only in a group nested in the assigned one: {findings}");
    assert!(!has("outside_idp", "jira", "1"), "Alice is assigned directly");
    assert!(!has("outside_idp", "jira", "2"), "Bob is a direct member of the assigned group");
    assert!(!findings.contains(",outside_idp,wiki,"), "an app linked to no IdP application is not judged");
    assert!(findings.lines().any(|l| l.contains(",high,mfa_missing,entra,u1,")), "a Global Administrator without MFA");
    assert!(!has("mfa_missing", "entra", "u2"), "Bob has registered");
    assert!(!has("mfa_missing", "entra", "u3"), "a disabled account is not judged");
}
