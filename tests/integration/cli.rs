//! The command line, driven through the built binary against real files in temp dirs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{sandbox_process, small_company, walk};

fn bin() -> Command {
    Command::cargo_bin("access-audit").unwrap()
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// The sample company's CSV apps (its API app needs the sandbox; the demo starts one).
const CSV_APPS: [&str; 8] = ["--app", "jira-cloud", "--app", "github-acme", "--app", "salesforce", "--app", "slack"];

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn help_lists_the_commands_and_exit_codes() {
    bin().arg("--help").assert().success().stdout(
        predicate::str::contains("demo")
            .and(predicate::str::contains("run"))
            .and(predicate::str::contains("report"))
            .and(predicate::str::contains("check"))
            .and(predicate::str::contains("Exit codes")),
    );
    bin().arg("--bogus").assert().code(2);
}

/// The sample company's campaign: every account of the demo's report has exactly one reviewer,
/// never the account's own person, and the pack still verifies.
#[test]
fn every_account_of_the_sample_company_gets_a_reviewer_who_is_not_its_person() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    bin().args(["-q", "demo", "--out"]).arg(&out).assert().success();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/config.toml");
    bin().args(["-q", "campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    let rows = |path: &Path| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_path(path).unwrap();
        r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
    };
    let accounts = rows(&out.join("accounts.csv"));
    let assignments = rows(&out.join("campaign/assignments.csv"));
    assert_eq!(assignments.len(), accounts.len());
    let mut seen = std::collections::BTreeSet::new();
    for a in &assignments {
        let (reviewer, app, id, person) = (&a[0], &a[1], &a[2], &a[3]);
        assert!(reviewer.contains('@'), "{a:?}");
        assert_ne!(reviewer, person, "an account reviewed by its own person: {a:?}");
        assert!(seen.insert((app.clone(), id.clone())), "assigned twice: {a:?}");
    }
    bin().arg("verify").arg(&out).assert().success();
}

#[test]
fn demo_writes_every_output_and_every_category() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    bin().args(["-q", "demo", "--out"]).arg(&out).assert().success().stdout(predicate::str::contains("report.html"));
    for f in [
        "review.xlsx",
        "report.html",
        "findings.csv",
        "findings.json",
        "findings.ocsf.json",
        "manifest.json",
        "accounts.csv",
        "access_matrix.csv",
        "coverage.csv",
        "roster_issues.csv",
        "orphaned_accounts.csv",
        "terminated_with_access.csv",
        "admin_accounts.csv",
        "invited_inactive.csv",
        "dormant_accounts.csv",
        "token_expiry.csv",
        "snapshot/accounts.parquet",
        "snapshot/snapshot.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let findings = read(&out.join("findings.csv"));
    for category in [
        "collection_incomplete",
        "terminated_with_access",
        "orphaned",
        "outside_idp",
        "admin",
        "mfa_missing",
        "local_login",
        "invited_inactive",
        "dormant",
        "token_expiry",
        "duplicate_account",
        "unmatchable",
        "sod_conflict",
    ] {
        assert!(findings.contains(&format!(",{category},")), "no {category} finding in the demo");
    }
    // One OCSF Compliance Finding event per finding, in order, every category among them.
    let events: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(out.join("findings.ocsf.json")).unwrap()).unwrap();
    let ids: Vec<String> = findings.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect();
    assert_eq!(events.iter().map(|e| e["finding_info"]["uid"].as_str().unwrap().to_string()).collect::<Vec<_>>(), ids);
    let controls: std::collections::BTreeSet<&str> = events.iter().map(|e| e["compliance"]["control"].as_str().unwrap()).collect();
    assert_eq!(controls.len(), access_audit::findings::CATEGORIES.len(), "{controls:?}");
    for e in &events {
        assert_eq!((e["class_uid"].as_u64(), e["type_uid"].as_u64(), e["category_uid"].as_u64()), (Some(2003), Some(200301), Some(2)));
        assert_eq!(e["time"].as_i64(), Some(1_798_675_200_000), "midnight UTC of the as-of date 2026-12-31");
        assert!(e["severity_id"].as_u64().is_some_and(|s| (1..=5).contains(&s)) && e["metadata"]["product"]["name"] == "access-audit");
        assert_eq!(e["status"] == "Suppressed", e["unmapped"]["exception"].is_string(), "{e}");
    }
    let sod = events.iter().find(|e| e["compliance"]["control"] == "sod_conflict" && e["status"] == "New").unwrap();
    let resources: Vec<&str> = sod["resources"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(resources, ["account", "account", "application", "application"], "both sides' accounts and their apps: {sod}");
    assert!(sod["compliance"]["standards"].as_array().unwrap().iter().any(|s| s == "SOX ITGC"));
    let issues = read(&out.join("roster_issues.csv"));
    assert_eq!(issues.lines().count(), 4, "header + three unusable roster rows:\n{issues}");
    // The help desk read through the sandbox's Atlassian APIs.
    let jsm: Vec<&str> = findings.lines().filter(|l| l.contains(",jsm-helpdesk,")).collect();
    let has = |category: &str, account: &str| jsm.iter().any(|l| l.contains(&format!(",{category},jsm-helpdesk,{account},")));
    assert!(has("terminated_with_access", "5b10jsm000000000leaver"), "Rita Leaver is still an agent");
    let rita = jsm.iter().find(|l| l.contains(",terminated_with_access,jsm-helpdesk,5b10jsm000000000leaver,")).unwrap();
    assert!(rita.contains("holds product licence(s): jira-servicedesk (jira-servicedesk is an agent seat)"), "her seat is named: {rita}");
    assert!(has("unmatchable", "5b10jsm00000000partner") && !has("orphaned", "5b10jsm00000000partner"), "a hidden email is not an orphan");
    assert!(has("dormant", "5b10jsm0000000confluen"), "Confluence activity does not count for Jira");
    assert!(!has("terminated_with_access", "5b10jsm00000000deactiv"), "deactivated in Jira");
    assert!(has("token_expiry", "org-api-key"));
    // BlueJeans Events: the leaver who moderates the next town hall, the expired registration key,
    // outside guests who are not orphans.
    let bj = |category: &str, account: &str| findings.lines().any(|l| l.contains(&format!(",{category},bluejeans-events,{account},")));
    assert!(bj("terminated_with_access", "2001900"));
    assert!(findings
        .lines()
        .any(|l| l.starts_with("AA-") && l.contains(",critical,token_expiry,bluejeans-events,event:ev-webinar-launch:api_key,")));
    assert!(!bj("orphaned", "email:press@media.example"), "a guest is not an orphan");
    // BlueJeans meetings: the Berlin boardroom's room system is a service account (issue 20 item
    // 4; without an email it is still listed as unmatchable, SPEC §6).
    let accounts = read(&out.join("accounts.csv"));
    let room = accounts.lines().find(|l| l.starts_with("bluejeans,bluejeans,2001950,")).expect("the room system");
    assert!(room.contains(",service,"), "{room}");
    // Events registrations: a declined and a pending one are no access; one added through the API is.
    assert!(!accounts.contains("blogger@media.example") && !accounts.contains("analyst@research.example"));
    assert!(accounts.contains("bluejeans-events,bluejeans_events,email:lead3@prospect.example,"));
    assert!(read(&out.join("coverage.csv")).contains("1 declined and 1 pending registration(s) are not access"));
    // BeyondTrust PRA: a terminated administrator still enabled, a vendor admin nobody owns, a
    // disabled leaver who is no finding.
    let pra = |category: &str, account: &str| findings.lines().any(|l| l.contains(&format!(",{category},beyondtrust-pra,{account},")));
    assert!(pra("terminated_with_access", "390") && pra("orphaned", "392") && !pra("terminated_with_access", "391"));
    // Its staff sign in through Okta; the vendor admin's local password is a finding, a local
    // technician is not (flag_local_logins is off).
    assert!(findings.lines().any(|l| l.contains(",high,local_login,beyondtrust-pra,392,")), "the vendor admin's local password");
    assert!(!pra("local_login", "304"));
    assert!(out.join("local_login_accounts.csv").is_file());
    // Its API account has full access to the configuration: more than an audit needs.
    assert!(
        findings
            .lines()
            .any(|l| l.contains(",token_expiry,beyondtrust-pra,app-credential,") && l.contains("broader than a read-only audit needs")),
        "the full-access collecting key"
    );
    // SCIM (an Entra-style server): the leaver in the admin group, the outside freelancer.
    let figma = |category: &str, account: &str| findings.lines().any(|l| l.contains(&format!(",{category},figma,{account},")));
    assert!(figma("terminated_with_access", "fg-9001") && figma("orphaned", "fg-9003") && !figma("terminated_with_access", "fg-9002"));
    // The identity provider (Okta, live): the leaver still active there, the super administrator
    // without a second factor, the Figma account granted outside Okta (the Design group's members
    // are not findings), the API token of a leaver.
    let okta = |category: &str, account: &str| findings.lines().any(|l| l.contains(&format!(",{category},okta,{account},")));
    assert!(okta("terminated_with_access", "00uacme0000000000140"), "Rita is still active in Okta");
    assert!(
        findings.lines().any(|l| l.contains(",high,mfa_missing,okta,00uacme0000000000146,")),
        "Omar: a super administrator without MFA"
    );
    assert!(findings.lines().any(|l| l.contains(",medium,outside_idp,figma,fg-0010,")), "a Figma account not assigned in Okta");
    assert_eq!(findings.lines().filter(|l| l.contains(",outside_idp,")).count(), 1, "the Design group's members are assigned");
    assert!(okta("token_expiry", "api-token:00Tacme0000000000001"), "the HR sync token of a leaver");
    // IT's Entra directory: an app registration's expired secret whose owner has left, a
    // certificate about to expire, a guest who never accepted, a Global Administrator.
    assert!(
        findings.lines().any(|l| l.contains(",critical,token_expiry,entra,app-secret:9a0c1d2e-0000-4b1b-8f00-acmepayroll1:")),
        "the Payroll export secret expired, its owner gone"
    );
    assert!(findings.lines().any(|l| l.contains(",high,token_expiry,entra,app-certificate:")), "the Backup agent certificate expires soon");
    assert!(findings.lines().any(|l| l.contains(",invited_inactive,entra,ent-0901,")), "the guest who never accepted");
    assert!(findings.lines().any(|l| l.contains(",admin,entra,ent-0000,") && l.contains("Global Administrator")));
    let coverage = read(&out.join("coverage.csv"));
    assert!(coverage.contains("still customers of a service desk") && coverage.contains("hidden email(s) filled"), "{coverage}");
    // No temp files left behind.
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with(".access-audit-"), "temp file {name} left behind");
    }
}

#[test]
fn run_on_the_sample_company_exits_4_for_the_partial_export() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["-q", "run", "--config"])
        .arg(sample().join("config.toml"))
        .args(CSV_APPS)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(4)
        .stdout(predicate::str::contains("INCOMPLETE: slack"));
    let html = read(&dir.path().join("report.html"));
    assert!(html.contains("INCOMPLETE"), "the report is marked incomplete");
    let manifest: serde_json::Value = serde_json::from_str(&read(&dir.path().join("manifest.json"))).unwrap();
    assert_eq!(manifest["complete"], false);
    // SPEC §1: every output marks what comes from the incomplete app, row by row.
    let column = |file: &str| -> Vec<(String, String)> {
        let mut reader = csv::Reader::from_path(dir.path().join(file)).unwrap();
        let header = reader.headers().unwrap().clone();
        let (app, flag) = (header.iter().position(|h| h == "app").unwrap(), header.iter().position(|h| h == "app_complete"));
        let flag = flag.unwrap_or_else(|| panic!("{file} has an app_complete column: {header:?}"));
        reader.records().map(|r| r.unwrap()).map(|r| (r[app].to_string(), r[flag].to_string())).collect()
    };
    let accounts = column("accounts.csv");
    assert!(accounts.iter().any(|(a, f)| a == "slack" && f == "false"));
    assert!(accounts.iter().all(|(a, f)| (a == "slack") == (f == "false")), "only slack's rows are marked incomplete");
    for file in access_audit::findings::CATEGORIES.iter().map(|c| c.file) {
        assert!(column(file).iter().all(|(a, f)| (a == "slack") == (f == "false")), "{file}");
    }
    assert!(column("collection_incomplete.csv").iter().any(|(a, _)| a == "slack"));
    let matrix = read(&dir.path().join("access_matrix.csv"));
    let header = matrix.lines().next().unwrap();
    assert!(header.contains(",slack (incomplete: partial),") && header.contains(",salesforce,"), "{header}");
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("review.xlsx")).unwrap();
    for sheet in ["slack", "salesforce"] {
        let range = book.worksheet_range(sheet).unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        let i = header.iter().position(|h| h == "app_complete").expect("the app sheet has app_complete");
        let values: std::collections::BTreeSet<String> = range.rows().skip(1).map(|r| r[i].to_string()).collect();
        assert_eq!(values.into_iter().collect::<Vec<_>>(), vec![(sheet == "salesforce").to_string()], "{sheet}");
    }
}

#[test]
fn report_from_one_snapshot_is_byte_identical_and_the_manifest_matches() {
    let dir = tempfile::tempdir().unwrap();
    let config = sample().join("config.toml");
    let snap = dir.path().join("snap");
    bin().args(["-q", "collect", "--config"]).arg(&config).args(CSV_APPS).arg("--out").arg(&snap).assert().code(4);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        bin()
            .args(["-q", "report", "--config"])
            .arg(&config)
            .arg("--snapshot")
            .arg(&snap)
            .arg("--out")
            .arg(out)
            .args(["--as-of", "2026-12-31"])
            .assert()
            .code(4);
    }
    let mut names: Vec<String> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    assert!(names.iter().any(|n| n == "review.xlsx"), "the reviewer workbook is reproducible too: {names:?}");
    for name in &names {
        let (x, y) = (std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap());
        if name == "manifest.json" {
            let strip = |bytes: &[u8]| -> serde_json::Value {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                v["started_at"] = serde_json::Value::Null;
                v["finished_at"] = serde_json::Value::Null;
                v
            };
            assert_eq!(strip(&x), strip(&y), "manifest differs beyond its times");
        } else {
            assert!(x == y, "{name} differs between two reports from one snapshot");
        }
    }
    // Every output is in the manifest with its true hash and size.
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let outputs = manifest["outputs"].as_array().unwrap();
    let listed: BTreeMap<String, (String, u64)> = outputs
        .iter()
        .map(|o| (o["path"].as_str().unwrap().to_string(), (o["sha256"].as_str().unwrap().to_string(), o["size"].as_u64().unwrap())))
        .collect();
    for name in names.iter().filter(|n| *n != "manifest.json") {
        let bytes = std::fs::read(a.join(name)).unwrap();
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(&bytes));
        assert_eq!(listed.get(name), Some(&(sha, bytes.len() as u64)), "{name}");
    }
    let inputs = manifest["inputs"].as_array().unwrap();
    for i in inputs {
        let p = PathBuf::from(i["path"].as_str().unwrap());
        let bytes = std::fs::read(&p).unwrap();
        use sha2::Digest;
        assert_eq!(i["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(&bytes)), "{}", p.display());
    }
    assert!(inputs.iter().any(|i| i["role"] == "roster") && inputs.iter().any(|i| i["role"] == "snapshot"));
}

/// The snapshot says where it comes from (tool, config, when each app was read, the hash of every
/// frame file); `report` refuses one whose files were changed after collection, and the report
/// names the collection times.
#[test]
fn the_snapshot_records_its_provenance_and_report_refuses_altered_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = sample().join("config.toml");
    let snap = dir.path().join("snap");
    let before = chrono::Utc::now();
    bin().args(["-q", "collect", "--config"]).arg(&config).args(CSV_APPS).arg("--out").arg(&snap).assert().code(4);
    let after = chrono::Utc::now();
    let meta: serde_json::Value = serde_json::from_str(&read(&snap.join("snapshot.json"))).unwrap();
    assert_eq!(meta["tool_version"], env!("CARGO_PKG_VERSION"));
    use sha2::Digest;
    assert_eq!(meta["config_sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(std::fs::read(&config).unwrap())));
    let collected = meta["collected"].as_array().unwrap();
    assert_eq!(collected.len(), 4);
    for c in collected {
        let t = |k: &str| chrono::DateTime::parse_from_rfc3339(c[k].as_str().unwrap()).unwrap().with_timezone(&chrono::Utc);
        let (started, finished) = (t("started_at"), t("finished_at"));
        assert!(before - chrono::Duration::seconds(1) <= started && started <= finished && finished <= after, "{c}");
    }
    for file in ["accounts.parquet", "entitlements.parquet", "credentials.parquet", "coverage.parquet"] {
        let sha = hex::encode(sha2::Sha256::digest(std::fs::read(snap.join(file)).unwrap()));
        assert_eq!(meta["files"][file].as_str(), Some(sha.as_str()), "{file}");
    }
    // The report names the collection times, in its manifest and its method section.
    let out = dir.path().join("out");
    bin().args(["-q", "report", "--config"]).arg(&config).arg("--snapshot").arg(&snap).arg("--out").arg(&out).assert().code(4);
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["collection"]["apps"], meta["collected"]);
    assert_eq!(manifest["collection"]["config_sha256"], meta["config_sha256"]);
    let html = read(&out.join("report.html"));
    let slack = collected.iter().find(|c| c["app"] == "slack").unwrap();
    assert!(html.contains("When the data was collected") && html.contains(slack["started_at"].as_str().unwrap()));
    // A frame file swapped for another snapshot's, or edited: refused, naming the file.
    let other = dir.path().join("other");
    bin().args(["-q", "collect", "--config"]).arg(&config).args(["--app", "salesforce"]).arg("--out").arg(&other).assert().success();
    std::fs::copy(other.join("accounts.parquet"), snap.join("accounts.parquet")).unwrap();
    let refused = bin()
        .args(["-q", "report", "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(&snap)
        .arg("--out")
        .arg(dir.path().join("refused"))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("accounts.parquet") && err.contains("changed or replaced after collection"), "{err}");
    assert!(!dir.path().join("refused").join("report.html").exists(), "nothing is written from an altered snapshot");
}

/// `run`/`report`/`collect` never spray a pack over someone's files: a directory that holds files
/// but no manifest.json of this tool is refused (nothing written, nothing removed) unless --force;
/// a previous pack is replaced.
#[test]
fn an_output_directory_that_is_not_a_pack_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let out = dir.path().join("documents");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.docx"), "years of work").unwrap();
    std::fs::write(out.join("manifest.json"), r#"{"tool": "something-else"}"#).unwrap();
    let refused = bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().code(1);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("thesis.docx") && err.contains("--force") && err.contains("not an access-audit report"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "nothing written into it");
    assert_eq!(read(&out.join("thesis.docx")), "years of work");
    // report and collect refuse the same way.
    bin().args(["-q", "report", "--config"]).arg(&config).arg("--snapshot").arg(&out).arg("--out").arg(&out).assert().code(1);
    bin().args(["-q", "collect", "--config"]).arg(&config).arg("--out").arg(&out).assert().code(1);
    // --force writes anyway and leaves the other files alone.
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).arg("--force").assert().success();
    assert!(out.join("report.html").is_file());
    assert_eq!(read(&out.join("thesis.docx")), "years of work");
    // A pack of this tool is replaced without --force; so is one whose run stopped before its manifest.
    let pack = dir.path().join("pack");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&pack).assert().success();
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&pack).assert().success();
    std::fs::remove_file(pack.join("manifest.json")).unwrap();
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&pack).assert().success();
}

/// The rule settings an app was collected with travel in the snapshot: a report from it follows
/// them, not a config edited since (here: JSM customers counted as orphans).
#[test]
fn a_report_follows_the_rule_settings_the_snapshot_was_collected_with() {
    use access_audit::model::{AccountRecord, AppRules, Collection, CoverageRecord};
    use access_audit::pipeline::{self, Collected, Inputs};
    let dir = tempfile::tempdir().unwrap();
    small_company(dir.path(), "");
    let jsm = |orphans: bool| {
        format!(
            "[[apps]]\nname = \"desk\"\nkind = \"jira_service_management\"\nbase_url = \"https://x.atlassian.net\"\n\
             auth = {{ type = \"bearer\", token = {{ env = \"UNUSED\" }} }}\ncustomers_in_orphans = {orphans}\n"
        )
    };
    let config_at = |orphans: bool| {
        let path = dir.path().join(format!("config-{orphans}.toml"));
        let base = read(&dir.path().join("config.toml"));
        std::fs::write(&path, format!("{base}{}", jsm(orphans))).unwrap();
        access_audit::config::Config::load(&path, &access_audit::collectors::REGISTRY).unwrap()
    };
    let customer = AccountRecord {
        account_id: "qm:1".into(),
        email: Some("stranger@elsewhere.example".into()),
        status: access_audit::model::AccountStatus::Active,
        account_type: access_audit::model::AccountType::Customer,
        ..Default::default()
    };
    let collected = |orphans: bool| {
        let collection = Collection {
            accounts: vec![customer.clone()],
            coverage: CoverageRecord {
                app: "desk".into(),
                status: access_audit::model::COVERAGE_COMPLETE,
                accounts_collected: 1,
                ..Default::default()
            },
            rules: AppRules { customers_in_orphans: orphans, ..Default::default() },
            ..Default::default()
        };
        Collected::new("desk", "jira_service_management", collection, chrono::Utc::now(), chrono::Utc::now()).unwrap()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    for (collected_with, config_now) in [(true, false), (false, true)] {
        let snap = pipeline::snapshot_from(vec![collected(collected_with)], None).unwrap();
        let inputs = Inputs::from_config(config_at(config_now), None, today).unwrap();
        let out = dir.path().join(format!("out-{collected_with}"));
        pipeline::report(&inputs, snap, &out, Vec::new(), chrono::Utc::now()).unwrap();
        let findings = read(&out.join("findings.csv"));
        assert_eq!(findings.contains(",orphaned,desk,qm:1,"), collected_with, "collected with {collected_with}: {findings}");
    }
}

#[test]
fn hostile_values_are_escaped_in_html_and_neutralised_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let html = read(&out.join("report.html"));
    assert!(!html.contains("<script>alert"), "raw script tag in the page");
    assert!(html.contains("&lt;script&gt;alert("), "the name is shown as text");
    let accounts = read(&out.join("accounts.csv"));
    assert!(accounts.contains("'=HYPERLINK("), "formula neutralised:\n{accounts}");
    assert!(!accounts.contains(",=HYPERLINK("), "raw formula cell");
    let findings = read(&out.join("findings.csv"));
    assert!(findings.contains("'=HYPERLINK("), "{findings}");
    // The sample company carries Salesforce's hostile rows too.
    let demo = dir.path().join("demo");
    bin().args(["-q", "demo", "--out"]).arg(&demo).assert().success();
    let html = read(&demo.join("report.html"));
    assert!(!html.contains("<img src=x onerror"), "raw img tag");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn fail_on_gives_exit_3_and_never_gives_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().code(0);
    bin()
        .args(["-q", "run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--fail-on", "high"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("--fail-on high"));
    // Bob is terminated (high) and two accounts are orphaned (medium); nothing is critical.
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).args(["--fail-on", "critical"]).assert().code(0);
}

#[test]
fn config_errors_name_file_line_key_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "colour = \"blue\"\n");
    let out = bin().args(["run", "--config"]).arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("config.toml:") && stderr.contains("colour") && stderr.contains("unknown field"), "{stderr}");
    // Said once: the message already carries its cause, so it is not repeated as a chain.
    assert_eq!(stderr.matches("unknown field").count(), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_unreachable_api_app_is_incomplete_and_secrets_stay_out_of_everything() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of the loopback: the connection is refused at once.
    let extra = "[[apps]]\nname = \"pra\"\nkind = \"scim\"\nbase_url = \"http://127.0.0.1:9/scim/v2\"\nmax_attempts = 1\n\
                 auth = { type = \"basic\", username = \"bot@acme.com\", password = { env = \"AA_TEST_CANARY\" } }\n";
    let config = small_company(dir.path(), extra);
    let canary = "canary-5ecret-value-93f1";
    let run =
        bin().env("AA_TEST_CANARY", canary).args(["run", "--config"]).arg(&config).arg("--out").arg(dir.path().join("x")).assert().code(4);
    let out = run.get_output();
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("INCOMPLETE: pra") && !all.contains(canary), "{all}");
    // check resolves the secret and names the kind, without printing it.
    let check = bin().env("AA_TEST_CANARY", canary).args(["check", "--config"]).arg(&config).assert().code(1);
    let out = check.get_output();
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("pra: FAILED") && !all.contains(canary), "{all}");
    // The report of the other app, with the API app in the config: the manifest describes the
    // secret reference, never its value.
    let snap = dir.path().join("snap");
    bin().args(["-q", "collect", "--config"]).arg(&config).args(["--app", "app", "--out"]).arg(&snap).assert().success();
    let out = dir.path().join("out");
    bin()
        .env("AA_TEST_CANARY", canary)
        .args(["-q", "report", "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(&snap)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let manifest = read(&out.join("manifest.json"));
    assert!(manifest.contains("<secret from environment variable AA_TEST_CANARY>"));
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(canary), "canary in {}", entry.display());
    }
}

#[test]
fn inline_secret_is_refused_with_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[[apps]]\nname = \"bird\"\nkind = \"messagebird\"\nbase_url = \"https://api.bird.com\"\nauth = { type = \"access_key\", key = \"live_abc123\" }\n";
    let config = small_company(dir.path(), extra);
    bin().args(["check", "--config"]).arg(&config).assert().code(1).stderr(
        predicate::str::contains("{ env = \"NAME\" }")
            .and(predicate::str::contains("live_abc123").not())
            .and(predicate::str::contains("auth.key")),
    );
}

#[test]
fn duplicate_roster_email_is_an_error_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    std::fs::write(dir.path().join("hr.csv"), "email,name\nann@acme.com,Ann\nbob@acme.com,Bob\nANN@acme.com,Ann again\n").unwrap();
    bin()
        .args(["run", "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ann@acme.com").and(predicate::str::contains("line 2")).and(predicate::str::contains("line 4")));
}

#[test]
fn malformed_export_csv_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    std::fs::write(dir.path().join("app.csv"), b"id,email\n1,a@acme.com\n2,\"b@acme.com\n\xff\n").unwrap();
    bin()
        .args(["run", "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("app.csv").and(predicate::str::contains("UTF-8")));
}

#[test]
fn unknown_app_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    bin().args(["run", "--config"]).arg(&config).args(["--app", "nope"]).assert().code(2).stderr(predicate::str::contains("--app nope"));
}

#[test]
fn report_refuses_a_directory_that_is_no_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    bin()
        .args(["report", "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a snapshot"));
}

#[test]
fn check_reports_each_app_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let before = walk(dir.path()).len();
    bin().args(["check", "--config"]).arg(&config).assert().success().stdout(
        predicate::str::contains("app: ok (csv)")
            .and(predicate::str::contains("  export: ok (").and(predicate::str::contains("4 account(s) readable"))),
    );
    assert_eq!(walk(dir.path()).len(), before);
}

#[test]
fn large_categories_are_capped_in_the_page_and_complete_in_the_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let mut export = String::from("id,email,name,role,last_login,created\n");
    for i in 0..1200 {
        export.push_str(&format!("{i},x{i}@vendor.example,X {i},User,2026-12-20,2024-01-01\n"));
    }
    std::fs::write(dir.path().join("app.csv"), export).unwrap();
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let html = read(&out.join("report.html"));
    assert!(html.contains("Showing the first 500 of 1200 findings"), "the orphaned table is capped");
    let mentions = html.matches("@vendor.example").count();
    assert!(mentions <= 2 * 500, "at most 500 rows (email + detail each): {mentions} mentions");
    let orphaned = read(&out.join("orphaned_accounts.csv"));
    assert_eq!(orphaned.lines().count(), 1201, "header + every finding");
}

#[test]
fn an_api_app_that_cannot_be_read_completely_exits_4_with_a_finding_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).unwrap();
    let users: Vec<serde_json::Value> = (0..250)
        .map(|i| serde_json::json!({"id": format!("u{i:04}"), "email": format!("x{i}@acme.com"), "role": "member", "status": "active"}))
        .collect();
    let canary = "canary-access-key-4242";
    std::fs::write(
        tenants.join("bird.json"),
        serde_json::json!({"kind": "messagebird", "secret": canary, "users": users, "faults": {"fail_page": 1}}).to_string(),
    )
    .unwrap();
    let sb = sandbox_process(&tenants);
    let extra = format!(
        "[[apps]]\nname = \"mb\"\nkind = \"messagebird\"\nbase_url = \"{}/messagebird/bird\"\nauth = {{ type = \"access_key\", key = {{ env = \"AA_MB_KEY\" }} }}\nmax_attempts = 2\ninsecure_skip_verify = true\n",
        sb.url
    );
    let config = small_company(dir.path(), &extra);
    let out = dir.path().join("out");
    let run = bin()
        .env("AA_MB_KEY", canary)
        .args(["-v", "run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--fail-on", "critical"])
        .assert()
        .code(4);
    let output = run.get_output();
    let logs = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(logs.contains("INCOMPLETE: mb"), "{logs}");
    assert!(!logs.contains(canary), "the key leaked into the logs");
    assert!(logs.contains("TLS certificate verification is OFF"), "a loud warning in the log");
    let manifest = read(&out.join("manifest.json"));
    assert!(manifest.contains("TLS certificate verification was OFF"), "and in the manifest");
    let findings = read(&out.join("findings.csv"));
    assert!(findings.lines().any(|l| l.contains(",collection_incomplete,mb,")), "{findings}");
    let coverage = read(&out.join("coverage.csv"));
    assert!(coverage.lines().any(|l| l.starts_with("mb,messagebird,partial,152,250,")), "{coverage}");
    let html = read(&out.join("report.html"));
    assert!(html.contains("INCOMPLETE") && html.contains("mb"));
    for f in walk(dir.path()) {
        if f.starts_with(&tenants) {
            continue;
        }
        assert!(!String::from_utf8_lossy(&std::fs::read(&f).unwrap()).contains(canary), "canary in {}", f.display());
    }
    // check: one request, the API's total, no files.
    bin().env("AA_MB_KEY", canary).args(["check", "--config"]).arg(&config).assert().success().stdout(
        predicate::str::contains("mb: ok (messagebird)")
            .and(predicate::str::contains("  users: ok (GET /users): the API reports 250 user(s)")),
    );
}

/// `check` names each endpoint the collection needs that the credential may not read, with what
/// to grant, and exits 1.
#[test]
fn check_names_an_endpoint_the_credential_may_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).unwrap();
    let tenant = serde_json::json!({"kind": "messagebird", "secret": "k-1", "users": [], "faults": {"forbid": ["/users"]}});
    std::fs::write(tenants.join("locked.json"), tenant.to_string()).unwrap();
    let sb = sandbox_process(&tenants);
    let extra = format!(
        "[[apps]]\nname = \"mb\"\nkind = \"messagebird\"\nbase_url = \"{}/messagebird/locked\"\nauth = {{ type = \"access_key\", key = {{ env = \"AA_MB_KEY\" }} }}\n",
        sb.url
    );
    let config = small_company(dir.path(), &extra);
    bin().env("AA_MB_KEY", "k-1").args(["check", "--config"]).arg(&config).assert().code(1).stdout(
        predicate::str::contains("mb: FAILED (messagebird): 1 of 1 endpoint(s)")
            .and(predicate::str::contains("  users: NOT ALLOWED (GET /users): HTTP 403: grant an organization-level access key")),
    );
}

#[test]
fn sandbox_listens_on_loopback_only() {
    bin().args(["sandbox", "--listen", "0.0.0.0:8790"]).assert().code(2).stderr(predicate::str::contains("loopback only"));
}

#[test]
fn a_secret_that_cannot_be_resolved_stops_the_run_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[[apps]]\nname = \"mb\"\nkind = \"messagebird\"\nbase_url = \"http://127.0.0.1:9/messagebird/x\"\nauth = { type = \"access_key\", key = { env = \"AA_SURELY_UNSET_VAR\" } }\n";
    let config = small_company(dir.path(), extra);
    bin()
        .env_remove("AA_SURELY_UNSET_VAR")
        .args(["-q", "run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("app mb: auth: the environment variable AA_SURELY_UNSET_VAR is not set"));
    assert!(!dir.path().join("out").join("manifest.json").exists(), "no report that looks complete");
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `access-audit demo | head -1`: stdout closes early; the run still finishes and exits 0.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("access-audit"))
        .args(["-q", "demo", "--out"])
        .arg(dir.path().join("out"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(dir.path().join("out").join("manifest.json").is_file());
}
