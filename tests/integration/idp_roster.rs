//! `[identity] source = { app = "okta" }`: the identity provider's users are the roster, through
//! the built binary (run, report, check, campaign plan), and the config's rules about it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use crate::collect_okta::org_json;
use crate::common::{cell, sandbox_process, SandboxProcess};

fn bin() -> Command {
    Command::cargo_bin("access-audit").unwrap()
}

/// A company without an HR export: its Okta org (the sandbox's) is the roster; one CSV app.
fn company(dir: &Path, okta_extra: &str) -> (SandboxProcess, PathBuf) {
    let tenants = dir.join("tenants");
    std::fs::create_dir_all(&tenants).unwrap();
    std::fs::write(tenants.join("org.json"), org_json().to_string()).unwrap();
    let sb = sandbox_process(&tenants);
    std::fs::write(dir.join("okta.token"), "okta-ssws-token").unwrap();
    std::fs::write(
        dir.join("desk.csv"),
        "id,email,name,role,last_login\n\
         1,alice@acme.com,Alice,Admin,2026-12-20\n\
         2,bob@acme.com,Bob,User,2026-12-20\n\
         3,carol@acme.com,Carol,User,2026-12-01\n\
         4,dan@acme.com,Dan,User,2026-12-01\n\
         5,zed@acme.com,Zed,User,2026-12-01\n\
         6,frank@acme.com,Frank,User,2026-12-20\n",
    )
    .unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[review]\nname = \"IdP roster\"\nas_of = \"2026-12-31\"\n\
             [identity]\nsource = {{ app = \"okta\" }}\n\
             [campaign]\nby = \"manager\"\ndue = \"2027-01-31\"\nfallback_reviewer = \"bob@acme.com\"\n\
             [[apps]]\nname = \"okta\"\nkind = \"okta\"\nbase_url = \"{}/okta/org\"\nauth = {{ type = \"ssws\", token = {{ file = \"okta.token\" }} }}\nrequests_per_second = 1000\n{okta_extra}\n\
             [[apps]]\nname = \"desk\"\nkind = \"csv\"\npath = \"desk.csv\"\nadmin_values = [\"Admin\"]\n\
             [apps.columns]\naccount_id = \"id\"\ndisplay_name = \"name\"\nlast_login_at = \"last_login\"\n",
            sb.url
        ),
    )
    .unwrap();
    (sb, config)
}

/// A CSV file's rows, its header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    std::iter::once(header).chain(r.records().map(|x| x.unwrap().iter().map(str::to_string).collect())).collect()
}

fn finding(rows: &[Vec<String>], category: &str, app: &str, account: &str) -> bool {
    let h = &rows[0];
    rows[1..].iter().any(|r| cell(h, r, "category") == category && cell(h, r, "app") == app && cell(h, r, "account_id") == account)
}

#[test]
fn the_identity_providers_users_are_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let (_sb, config) = company(dir.path(), "");
    let out = dir.path().join("out");
    let run = bin().args(["run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let logs = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    // The user without an email is not a person, and says so.
    assert!(logs.contains("roster app okta") && logs.contains("user 00u009: no usable email"), "{logs}");

    let accounts = csv_rows(&out.join("accounts.csv"));
    let h = accounts[0].clone();
    let person_status = |app: &str, id: &str| {
        let r = accounts[1..]
            .iter()
            .find(|r| cell(&h, r, "app") == app && cell(&h, r, "account_id") == id)
            .unwrap_or_else(|| panic!("{app} {id}: {accounts:?}"));
        cell(&h, r, "person_status").to_string()
    };
    // Deprovisioned in Okta: left; suspended: on leave; staged and provisioned: active.
    assert_eq!(person_status("desk", "3"), "terminated");
    assert_eq!(person_status("desk", "4"), "leave");
    assert_eq!(person_status("desk", "6"), "active");
    assert_eq!(person_status("desk", "1"), "active");
    assert_eq!(person_status("okta", "00u001"), "active", "the IdP's own accounts are matched to their users");
    assert_eq!(person_status("desk", "5"), "", "not a user of the IdP");

    let findings = csv_rows(&out.join("findings.csv"));
    assert!(finding(&findings, "terminated_with_access", "desk", "3"), "a leaver of the IdP still in an app");
    assert!(finding(&findings, "orphaned", "desk", "5"));
    assert!(!finding(&findings, "orphaned", "okta", "00u010"), "the IdP's service account is no orphan");
    assert!(!finding(&findings, "terminated_with_access", "okta", "00u003"), "deprovisioned in the IdP itself");
    assert!(finding(&findings, "mfa_missing", "okta", "00u001"));

    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let roles: Vec<&str> = manifest["inputs"].as_array().map(|v| v.iter().filter_map(|f| f["role"].as_str()).collect()).unwrap_or_default();
    assert!(!roles.contains(&"roster"), "no roster file: {roles:?}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("the roster is the users of app okta"), "the report says where the people came from");

    // The report from the snapshot alone gives the same people.
    let again = dir.path().join("again");
    bin().args(["report", "--config"]).arg(&config).arg("--snapshot").arg(out.join("snapshot")).arg("--out").arg(&again).assert().success();
    assert_eq!(std::fs::read(out.join("accounts.csv")).unwrap(), std::fs::read(again.join("accounts.csv")).unwrap());

    // The campaign's reviewers are the IdP's managers.
    bin().args(["campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    let assignments = csv_rows(&out.join("campaign/assignments.csv"));
    let h = &assignments[0];
    let reviewer = |app: &str, id: &str| {
        let r = assignments[1..].iter().find(|r| cell(h, r, "app") == app && cell(h, r, "account_id") == id).unwrap();
        cell(h, r, "reviewer").to_string()
    };
    assert_eq!(reviewer("desk", "2"), "alice@acme.com", "Bob's manager in Okta (by id)");
    assert_eq!(reviewer("desk", "6"), "bob@acme.com", "Frank's manager in Okta (by address)");

    bin()
        .args(["check", "--config"])
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("roster: the users of app okta").and(predicate::str::contains("okta: ok (okta)")));
}

#[test]
fn an_identity_provider_not_read_completely_cannot_be_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let (_sb, config) = company(dir.path(), "deprovisioned = false");
    let out = dir.path().join("out");
    bin()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the users of app okta are the roster").and(predicate::str::contains("not all read")));
    assert!(!out.join("findings.csv").exists(), "no report from a roster with people missing");
}

#[test]
fn the_source_is_an_identity_provider_of_the_config_and_never_beside_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_sb, config) = company(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap();
    let parse =
        |t: &str| access_audit::config::Config::parse(t, &config, &access_audit::collectors::REGISTRY).map(|_| ()).unwrap_err().to_string();
    let both = parse(&text.replace("source = { app = \"okta\" }", "path = \"hr.csv\"\nsource = { app = \"okta\" }"));
    assert!(both.contains("identity.source") && both.contains("both path and source"), "{both}");
    let unknown = parse(&text.replace("source = { app = \"okta\" }", "source = { app = \"workday\" }"));
    assert!(unknown.contains("identity.source.app") && unknown.contains("not an app of this config"), "{unknown}");
    let not_idp = parse(&text.replace("source = { app = \"okta\" }", "source = { app = \"desk\" }"));
    assert!(not_idp.contains("kind csv") && not_idp.contains("expected an identity provider"), "{not_idp}");
    let neither = parse(&text.replace("source = { app = \"okta\" }", ""));
    assert!(neither.contains("identity.path") && neither.contains("missing"), "{neither}");
    let typo = parse(&text.replace("source = { app = \"okta\" }", "source = { ap = \"okta\" }"));
    assert!(typo.contains("ap"), "{typo}");
}
