//! `remediate` through the built binary, on the sample company served by the sandbox: the plan of
//! every API kind, nothing sent without `--apply`, the SCIM plan sent with it (a failed call
//! reported and the rest carried out), the pack still verifying, and the next collection
//! showing the account revoked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use access_audit_sandbox::{load_tenants, Sandbox};

use crate::common::{copy_dir, csv_rows};

fn bin() -> Command {
    Command::cargo_bin("access-audit").unwrap()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// The sample company copied into `dir`, its API apps pointed at `sandbox`.
fn sample_company(dir: &Path, sandbox: &Sandbox) -> PathBuf {
    copy_dir(&sample(), dir);
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace("http://127.0.0.1:8790", &format!("http://{}", sandbox.addr));
    std::fs::write(&config, text).unwrap();
    config
}

fn plan(out: &Path, app: &str) -> Vec<Value> {
    let path = out.join(format!("remediation/{app}-plan.jsonl"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn call_of<'a>(plan: &'a [Value], account: &str) -> Vec<(&'a str, &'a str)> {
    plan.iter().filter(|c| c["account_id"] == account).map(|c| (c["method"].as_str().unwrap(), c["url"].as_str().unwrap())).collect()
}

fn active(sandbox: &Sandbox, tenant: &str, id: &str) -> Option<Value> {
    sandbox.users(tenant).into_iter().find(|u| u["id"] == id).map(|u| u["active"].clone())
}

const DECISIONS: &str = "app,account_id,decision,reviewer,decided_on,comment
figma,fg-0001,revoke,hana.eriksen@acme.com,2027-01-05,moved teams ITOPS-4411
figma,fg-0002,revoke,hana.eriksen@acme.com,2027-01-05,
figma,fg-0003,revoke,hana.eriksen@acme.com,2027-01-05,
figma,fg-0004,keep,hana.eriksen@acme.com,2027-01-05,
figma,fg-9002,revoke,hana.eriksen@acme.com,2027-01-05,
jsm-helpdesk,5b100960afe94bbdbb01,revoke,rosa.ito@acme.com,2027-01-05,
jsm-helpdesk,qm:8c1e2a10-0001:5ad6d3581db05e2a66fa80b,revoke,rosa.ito@acme.com,2027-01-05,
jsm-helpdesk,557058:automation-for-jira,revoke,rosa.ito@acme.com,2027-01-05,
beyondtrust-pra,301,revoke,umar.quintero@acme.com,2027-01-05,
messagebird,mb-0002,revoke,quinn.laurent@acme.com,2027-01-05,
bluejeans,2001002,revoke,jonas.andersson@acme.com,2027-01-05,
bluejeans-events,email:lead1@prospect.example,revoke,jonas.andersson@acme.com,2027-01-05,
bluejeans-events,2001000,revoke,jonas.andersson@acme.com,2027-01-05,
jira-cloud,5b100a68d896108ddd20,revoke,rosa.ito@acme.com,2027-01-05,INC0012345 left in November
";

#[test]
fn revocations_are_planned_per_kind_sent_only_with_apply_and_verified_by_the_next_collection() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(Sandbox::start("127.0.0.1:0", load_tenants(&sample().join("tenants")).unwrap())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = sample_company(&dir.path().join("data"), &sandbox);
    let q1 = dir.path().join("q1");
    // Exit 4: the sample slack export has an unreadable row on purpose.
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&q1).assert().code(4);
    let decisions = dir.path().join("decisions.csv");
    std::fs::write(&decisions, DECISIONS).unwrap();
    // Issue 25 item 5: --config is taken by every pack command, signed pack or not (this config
    // has no signing key: nothing is signed).
    bin().args(["-q", "decisions", "import"]).arg(&decisions).arg("--report").arg(&q1).arg("--config").arg(&config).assert().success();

    // The plans: nothing is sent.
    bin()
        .args(["remediate", "--report"])
        .arg(&q1)
        .arg("--config")
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("figma: 4 account(s) to revoke: 3 API call(s) in figma-plan.jsonl, 1 without access already"))
        .stdout(predicate::str::contains("jira-cloud: 1 account(s) to revoke: 0 API call(s), 1 by hand"));
    assert_eq!(active(&sandbox, "acme-figma", "fg-0001"), Some(Value::Bool(true)), "a plan is never sent without --apply");
    let base = format!("http://{}", sandbox.addr);
    let figma = plan(&q1, "figma");
    assert_eq!(call_of(&figma, "fg-0001"), [("PATCH", format!("{base}/scim/acme-figma/Users/fg-0001").as_str())]);
    assert_eq!(figma[0]["body"]["Operations"][0], serde_json::json!({"op": "replace", "path": "active", "value": false}));
    assert!(call_of(&figma, "fg-0004").is_empty() && call_of(&figma, "fg-9002").is_empty(), "kept and disabled accounts: no call");
    let jsm = plan(&q1, "jsm-helpdesk");
    assert_eq!(
        call_of(&jsm, "5b100960afe94bbdbb01"),
        [(
            "POST",
            format!("{base}/atlassian-admin/acme-jsm/admin/v1/orgs/acme-org-4f2d/directory/users/5b100960afe94bbdbb01/suspend-access")
                .as_str()
        )],
        "an Atlassian account is suspended through the organization API"
    );
    let customer = call_of(&jsm, "qm:8c1e2a10-0001:5ad6d3581db05e2a66fa80b");
    assert!(!customer.is_empty() && customer.iter().all(|(m, u)| *m == "DELETE" && u.ends_with("/customer")), "{customer:?}");
    assert_eq!(
        call_of(&jsm, "557058:automation-for-jira"),
        [(
            "DELETE",
            format!(
                "{base}/atlassian/acme-jsm/rest/api/3/group/user?groupname=atlassian-addons-admin&accountId=557058%3Aautomation-for-jira"
            )
            .as_str()
        )],
        "an app account leaves its groups"
    );
    let bt = plan(&q1, "beyondtrust-pra");
    assert_eq!(call_of(&bt, "301"), [("PATCH", format!("{base}/beyondtrust-pra/acme-pra/api/config/v1/user/301").as_str())]);
    assert_eq!(bt[0]["body"], serde_json::json!({"enabled": false}));
    assert_eq!(call_of(&plan(&q1, "messagebird"), "mb-0002"), [("DELETE", format!("{base}/messagebird/acme-bird/users/mb-0002").as_str())]);
    assert_eq!(
        call_of(&plan(&q1, "bluejeans"), "2001002"),
        [("DELETE", format!("{base}/bluejeans/acme-bluejeans/v1/enterprise/28663/users/2001002").as_str())]
    );
    let events = plan(&q1, "bluejeans-events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0]["url"].as_str().unwrap().ends_with("/changeState"));
    assert_eq!(events[0]["body"], serde_json::json!({"emails": ["lead1@prospect.example"], "state": "DECLINED"}));
    // An event role has no API call: by hand, said in the list.
    let rows = csv_rows(&q1.join("remediation/bluejeans-events-revocations.csv"));
    let organizer = rows.iter().find(|r| r[1] == "2001000").unwrap();
    assert_eq!(organizer[10], "manual");
    assert!(organizer[12].contains("edit the event to take away: organizer"), "{organizer:?}");
    // A console export has no API: the list only, with its ticket.
    assert!(!q1.join("remediation/jira-cloud-plan.jsonl").exists());
    let jira = csv_rows(&q1.join("remediation/jira-cloud-revocations.csv"));
    assert_eq!(
        (jira[0][1].as_str(), jira[0][6].as_str(), jira[0][9].as_str(), jira[0][10].as_str()),
        ("5b100a68d896108ddd20", "rosa.ito@acme.com", "INC0012345", "manual")
    );
    bin().arg("verify").arg(&q1).assert().success();

    // --apply: only the SCIM plan is sent. fg-0002 is gone from the server by now: its call fails
    // (404), and fg-0003 after it is still revoked.
    sandbox.state.with_tenant("acme-figma", |t| t.tenant.users.retain(|u| u["id"] != "fg-0002"));
    bin()
        .args(["remediate", "--apply", "--report"])
        .arg(&q1)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("applied: 2 call(s) succeeded, 1 failed, 0 skipped"))
        .stderr(predicate::str::contains("not revoked: figma fg-0002").and(predicate::str::contains("HTTP 404")));
    assert_eq!(active(&sandbox, "acme-figma", "fg-0001"), Some(Value::Bool(false)));
    assert_eq!(active(&sandbox, "acme-figma", "fg-0003"), Some(Value::Bool(false)));
    assert_eq!(active(&sandbox, "acme-figma", "fg-0004"), Some(Value::Bool(true)), "a kept account is left alone");
    let applied: Vec<Value> =
        std::fs::read_to_string(q1.join("remediation/applied.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let brief: BTreeMap<&str, (&str, u64)> = applied
        .iter()
        .map(|l| (l["account_id"].as_str().unwrap(), (l["outcome"].as_str().unwrap(), l["status"].as_u64().unwrap())))
        .collect();
    assert_eq!(brief, BTreeMap::from([("fg-0001", ("ok", 200)), ("fg-0002", ("failed", 404)), ("fg-0003", ("ok", 200))]));
    assert!(applied.iter().all(|l| l["app"] == "figma"), "only the SCIM plan is sent: {applied:?}");
    let figma_rows = csv_rows(&q1.join("remediation/figma-revocations.csv"));
    let fg1 = figma_rows.iter().find(|r| r[1] == "fg-0001").unwrap();
    assert_eq!((fg1[13].as_str(), fg1[14].as_str()), ("ok (HTTP 200)", "disabled"), "the status as the API answered the PATCH");
    bin().arg("verify").arg(&q1).arg("--config").arg(&config).assert().success();
    let manifest: Value = serde_json::from_slice(&std::fs::read(q1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["remediation"]["applied"], serde_json::json!({"ok": 2, "failed": 1, "skipped": 0, "already_revoked": 0}));

    // Issue 25 item 5: a second --apply sends only what is not revoked yet (fg-0002, back on the
    // server now); --again sends everything; --again alone is a usage error.
    let fg2 = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "fg-0002", "userName": "fg2@acme.com", "active": true});
    sandbox.state.with_tenant("acme-figma", |t| t.tenant.users.push(fg2));
    let requests_before = sandbox.stats("acme-figma").requests;
    bin()
        .args(["remediate", "--apply", "--report"])
        .arg(&q1)
        .arg("--config")
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 account(s) not sent again: an earlier --apply revoked them"))
        .stdout(predicate::str::contains("applied: 1 call(s) succeeded, 0 failed, 0 skipped"));
    assert_eq!(sandbox.stats("acme-figma").requests - requests_before, 1, "one PATCH, for fg-0002 only");
    assert_eq!(active(&sandbox, "acme-figma", "fg-0002"), Some(Value::Bool(false)));
    let figma_rows = csv_rows(&q1.join("remediation/figma-revocations.csv"));
    let fg1 = figma_rows.iter().find(|r| r[1] == "fg-0001").unwrap();
    assert!(fg1[13].starts_with("already revoked by the --apply of "), "{fg1:?}");
    assert_eq!(fg1[14], "disabled", "the status the earlier answer gave");
    let lines = std::fs::read_to_string(q1.join("remediation/applied.jsonl")).unwrap().lines().count();
    assert_eq!(lines, 4, "every attempt is kept: three, then one");
    bin()
        .args(["remediate", "--apply", "--again", "--report"])
        .arg(&q1)
        .arg("--config")
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("applied: 3 call(s) succeeded, 0 failed, 0 skipped"));
    bin().args(["remediate", "--again", "--report"]).arg(&q1).arg("--config").arg(&config).assert().code(2);
    bin().arg("verify").arg(&q1).assert().success();

    // Next quarter's collection shows the revocations carried out.
    let q2 = dir.path().join("q2");
    bin().args(["-q", "run", "--app", "figma", "--config"]).arg(&config).arg("--out").arg(&q2).assert().success();
    bin().arg("diff").arg(&q1).arg(&q2).arg("--out").arg(dir.path().join("diff")).assert().success();
    let checks = csv_rows(&dir.path().join("diff/diff_revocations.csv"));
    let figma_checks: BTreeMap<&str, &str> = checks.iter().filter(|r| r[2] == "figma").map(|r| (r[3].as_str(), r[0].as_str())).collect();
    assert_eq!(
        figma_checks,
        BTreeMap::from([("fg-0001", "revoked"), ("fg-0002", "revoked"), ("fg-0003", "revoked"), ("fg-9002", "revoked")])
    );
    rt.block_on(sandbox.stop());
}

#[test]
fn remediate_says_what_it_needs_first() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::common::small_company(dir.path(), "");
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    bin()
        .args(["remediate", "--report"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to remediate"));
    bin().arg("verify").arg(&out).assert().success();
    bin()
        .args(["remediate", "--report"])
        .arg(dir.path().join("nowhere"))
        .arg("--config")
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a report directory"));
}
