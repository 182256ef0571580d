//! The review cycle through the built binary: `verify` and signatures, `diff` between two
//! quarters, the reviewer workbook and `decisions import`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use access_audit::signing::EvidenceKey;

use crate::common::{cell, copy_dir, csv_rows, fill_workbook, read_sheets, small_company, walk, Filled};

fn bin() -> Command {
    Command::cargo_bin("access-audit").unwrap()
}

/// A finished report of the small company in `dir/out`, signed when `key` is given (the key is
/// written to `dir/evidence.pem` and named by a secret reference).
fn small_report(dir: &Path, key: Option<&EvidenceKey>) -> PathBuf {
    let extra = match key {
        Some(k) => {
            std::fs::write(dir.join("evidence.pem"), k.private_key_pem()).unwrap();
            "[evidence]\nsigning_key = { file = \"evidence.pem\" }\n"
        }
        None => "",
    };
    let config = small_company(dir, extra);
    let out = dir.join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    out
}

/// `decisions import WORKBOOK --report OUT [--config CONFIG]`.
fn import(workbook: &Path, out: &Path, config: Option<&Path>) -> assert_cmd::assert::Assert {
    let mut cmd = bin();
    cmd.args(["decisions", "import"]).arg(workbook).arg("--report").arg(out);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.assert()
}

/// `verify OUT --public-key KEY`.
fn verify_with(out: &Path, key: &Path) -> assert_cmd::assert::Assert {
    bin().arg("verify").arg(out).arg("--public-key").arg(key).assert()
}

fn write_public_key(dir: &Path, name: &str, key: &EvidenceKey) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, key.public_key_pem()).unwrap();
    p
}

#[test]
fn verify_passes_on_a_fresh_pack_even_after_it_is_moved() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    bin().arg("verify").arg(&out).assert().success().stdout(
        predicate::str::contains("verified:")
            .and(predicate::str::contains("nothing added or removed"))
            .and(predicate::str::contains("signature: none")),
    );
    // The snapshot is named relative to the pack, so a pack handed on elsewhere still verifies.
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"path\": \"snapshot/accounts.parquet\""), "{manifest}");
    let moved = dir.path().join("handed-to-the-auditor");
    std::fs::rename(&out, &moved).unwrap();
    bin().arg("verify").arg(&moved).assert().success();
}

#[test]
fn verify_catches_a_one_byte_change_a_removed_and_an_added_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    // One byte, same size: only the hash can tell.
    let path = out.join("findings.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.iter().position(|b| *b == b'h').unwrap();
    bytes[at] = b'H';
    std::fs::write(&path, &bytes).unwrap();
    bin().arg("verify").arg(&out).assert().code(1).stdout(
        predicate::str::contains("CHANGED  findings.csv")
            .and(predicate::str::contains("VERIFICATION FAILED: 1 changed, 0 removed, 0 added")),
    );

    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    std::fs::remove_file(out.join("snapshot/coverage.parquet")).unwrap();
    bin().arg("verify").arg(&out).assert().code(1).stdout(
        predicate::str::contains("REMOVED  snapshot/coverage.parquet").and(predicate::str::contains("0 changed, 1 removed, 0 added")),
    );

    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    std::fs::write(out.join("snapshot/notes.txt"), "added later").unwrap();
    bin()
        .arg("verify")
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ADDED    snapshot/notes.txt").and(predicate::str::contains("0 changed, 0 removed, 1 added")));

    bin()
        .arg("verify")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a report directory of access-audit").and(predicate::str::contains("no manifest.json")));
}

#[test]
fn a_signature_made_with_one_key_fails_with_another() {
    let dir = tempfile::tempdir().unwrap();
    let key = EvidenceKey::from_seed([42; 32]);
    let out = small_report(dir.path(), Some(&key));
    assert!(out.join("manifest.json.sig").is_file());
    let right = write_public_key(dir.path(), "right.pem", &key);
    let wrong = write_public_key(dir.path(), "wrong.pem", &EvidenceKey::from_seed([43; 32]));
    bin().arg("verify").arg(&out).assert().success().stdout(predicate::str::contains("not checked: pass --public-key"));
    verify_with(&out, &right).success().stdout(predicate::str::contains("signature: valid (Ed25519"));
    verify_with(&out, &wrong).code(1).stdout(predicate::str::contains("SIGNATURE INVALID: signed with another key"));
    // Issue 25 item 5: --config checks with the public half of the config's signing key.
    bin()
        .arg("verify")
        .arg(&out)
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("signature: valid (Ed25519"));

    // The private key is nowhere in the pack.
    let pem = key.private_key_pem();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for entry in walk(&out) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).to_string();
        assert!(!text.contains(&body), "{} holds the private key", entry.display());
    }

    // An edited manifest (a hash made to match a changed file) no longer carries the signature.
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace("\"review\": \"Test review\"", "\"review\": \"Edited review\"");
    std::fs::write(&manifest, text).unwrap();
    verify_with(&out, &right).code(1).stdout(predicate::str::contains("SIGNATURE INVALID: manifest.json is not the file that was signed"));
    // A removed signature is noticed: the manifest says it was signed.
    std::fs::remove_file(out.join("manifest.json.sig")).unwrap();
    bin().arg("verify").arg(&out).assert().code(1).stdout(predicate::str::contains("manifest.json.sig is missing"));
}

#[test]
fn a_key_made_by_openssl_signs_and_verifies() {
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED: openssl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(d.join("evidence.pem"))
        .status()
        .unwrap();
    assert!(ok.success());
    let ok = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(d.join("evidence.pem"))
        .arg("-out")
        .arg(d.join("public.pem"))
        .status()
        .unwrap();
    assert!(ok.success());
    let config = small_company(d, "[evidence]\nsigning_key = { file = \"evidence.pem\" }\n");
    let out = d.join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    verify_with(&out, &d.join("public.pem")).success();
    // OpenSSL itself accepts the signature over the manifest.
    let sig: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json.sig")).unwrap()).unwrap();
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD.decode(sig["signature"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("sig.bin"), raw).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-rawin", "-inkey"])
        .arg(d.join("public.pem"))
        .arg("-in")
        .arg(out.join("manifest.json"))
        .arg("-sigfile")
        .arg(d.join("sig.bin"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
}

#[test]
fn a_bad_signing_key_stops_the_report_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evidence.pem"), "not a key").unwrap();
    let config = small_company(dir.path(), "[evidence]\nsigning_key = { file = \"evidence.pem\" }\n");
    bin()
        .args(["-q", "run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("evidence.signing_key (file").and(predicate::str::contains("expected an Ed25519 private key")));
    assert!(!dir.path().join("out/manifest.json").exists());
    let config = small_company(dir.path(), "[evidence]\nsigning_key = \"inline\"\n");
    bin().args(["check", "--config"]).arg(&config).assert().code(1).stderr(predicate::str::contains("evidence"));
}

/// The sample company's CSV apps (the API apps need the sandbox; the demo test covers them).
const CSV_APPS: [&str; 8] = ["--app", "jira-cloud", "--app", "github-acme", "--app", "salesforce", "--app", "slack"];

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let new = f(text.clone());
    assert_ne!(text, new, "the edit of {} changed nothing", path.display());
    std::fs::write(path, new).unwrap();
}

fn run_quarter(data: &Path, out: &Path, as_of: &str) {
    bin()
        .args(["-q", "run", "--config"])
        .arg(data.join("config.toml"))
        .args(CSV_APPS)
        .args(["--as-of", as_of, "--out"])
        .arg(out)
        .assert()
        .code(4); // the sample slack export has an unreadable row on purpose
}

/// Two quarters of the sample company with known changes between them.
fn two_quarters(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("sample-data");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"), &data);
    let q4 = dir.join("q4-2026");
    run_quarter(&data, &q4, "2026-12-31");
    // Next quarter: one leaver, one joiner nobody told HR about, one promotion, one account gone,
    // the break-glass exception ended early and a new one that ends before the next review.
    edit(&data.join("hr.csv"), |t| {
        let line = t.lines().find(|l| l.starts_with("jonas.okafor@acme.com,")).unwrap();
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[3] = "terminated";
        cells[4] = "2027-02-01";
        t.replace(line, &cells.join(","))
    });
    edit(&data.join("exports/github.csv"), |t| {
        let t = t.lines().filter(|l| !l.starts_with("olga-banerjee,")).collect::<Vec<_>>().join("\n") + "\n";
        let t = t.replace("dev-dubois,Dev Dubois,dev.dubois@acme.com,Member,", "dev-dubois,Dev Dubois,dev.dubois@acme.com,Owner,");
        t + "new-hire,New Hire,new.hire@acme.com,Member,2027-03-01T09:00:00Z,2027-03-20T12:00:00Z\n"
    });
    edit(&data.join("exceptions.csv"), |t| {
        t.replace("ciso@acme.com,2027-06-30,RISK-101", "ciso@acme.com,2027-03-01,RISK-101")
            + ",github-acme,dev-dubois,admin,Release manager for the Q2 launch,cto@acme.com,2027-05-31,RISK-130\n"
    });
    let q1 = dir.join("q1-2027");
    run_quarter(&data, &q1, "2027-03-31");
    (q4, q1)
}

fn has_row(rows: &[Vec<String>], want: &[(usize, &str)]) -> bool {
    rows.iter().any(|r| want.iter().all(|(i, v)| r.get(*i).map(String::as_str) == Some(*v)))
}

#[test]
fn diff_of_two_quarters_of_the_sample_company_names_every_known_change() {
    let dir = tempfile::tempdir().unwrap();
    let (q4, q1) = two_quarters(dir.path());
    let out = dir.path().join("diff");
    bin()
        .args(["-q", "diff"])
        .arg(&q4)
        .arg(&q1)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("expire before the next review (2027-06-29)").and(predicate::str::contains("diff.html")));
    // diff_accounts.csv: change, app, account_id, email, display_name, person_email, before, after
    let accounts = csv_rows(&out.join("diff_accounts.csv"));
    assert!(has_row(&accounts, &[(0, "added"), (1, "github-acme"), (2, "new-hire")]), "{accounts:?}");
    assert!(has_row(&accounts, &[(0, "removed"), (1, "github-acme"), (2, "olga-banerjee")]), "{accounts:?}");
    assert!(has_row(&accounts, &[(0, "admin_granted"), (2, "dev-dubois"), (6, "false"), (7, "true")]), "{accounts:?}");
    assert!(has_row(&accounts, &[(0, "admin_reason"), (2, "dev-dubois"), (7, "role Owner")]), "{accounts:?}");
    assert_eq!(accounts.iter().filter(|r| r[0] == "added" || r[0] == "removed").count(), 2, "{accounts:?}");

    // diff_findings.csv: state, finding_id, severity, previous_severity, category, app, account_id, ...
    let findings = csv_rows(&out.join("diff_findings.csv"));
    assert!(has_row(&findings, &[(0, "new"), (4, "terminated_with_access"), (5, "github-acme"), (6, "jonas-okafor")]), "{findings:?}");
    assert!(has_row(&findings, &[(0, "new"), (4, "orphaned"), (6, "new-hire")]));
    assert!(has_row(&findings, &[(0, "new"), (4, "admin"), (6, "dev-dubois")]));
    assert!(has_row(&findings, &[(0, "still_open"), (4, "collection_incomplete"), (5, "slack")]));
    // Every finding of either quarter is in exactly one state.
    let ids = |dir: &Path| -> std::collections::BTreeSet<String> {
        csv_rows(&dir.join("findings.csv")).into_iter().map(|r| r[0].clone()).collect()
    };
    let (before, after) = (ids(&q4), ids(&q1));
    let state_of = |id: &str| findings.iter().filter(|r| r[1] == id).map(|r| r[0].clone()).collect::<Vec<_>>();
    for id in before.union(&after) {
        let expected = match (before.contains(id), after.contains(id)) {
            (true, true) => "still_open",
            (false, true) => "new",
            _ => "resolved",
        };
        assert_eq!(state_of(id), vec![expected.to_string()], "{id}");
    }

    // diff_exceptions.csv: state, finding_id, severity, category, app, account_id, email, exception, expires, detail
    let exceptions = csv_rows(&out.join("diff_exceptions.csv"));
    assert!(has_row(&exceptions, &[(0, "expired"), (4, "slack"), (5, "U0OMAR0001"), (8, "2027-06-30")]), "{exceptions:?}");
    assert!(
        has_row(&exceptions, &[(0, "expires_before_next_review"), (4, "github-acme"), (5, "dev-dubois"), (8, "2027-05-31")]),
        "{exceptions:?}"
    );

    let html = std::fs::read_to_string(out.join("diff.html")).unwrap();
    assert!(html.contains("What changed since the last review") && html.contains("new-hire") && html.contains("2027-06-29"));
    assert!(!html.contains("<script src") && !html.contains("http://") && !html.contains("https://"), "self-contained");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("diff.json")).unwrap()).unwrap();
    assert_eq!(summary["summary"]["accounts_added"], 1);
    assert_eq!(summary["previous"]["as_of"], "2026-12-31");
    assert_eq!(summary["outputs"].as_array().unwrap().len(), 5);

    // The same two packs give byte-identical files.
    let again = dir.path().join("diff-again");
    bin().args(["-q", "diff"]).arg(&q4).arg(&q1).arg("--out").arg(&again).assert().success();
    for f in ["diff.html", "diff_accounts.csv", "diff_findings.csv", "diff_exceptions.csv", "diff_revocations.csv"] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }
    // Given the wrong way round, it says so.
    bin()
        .args(["diff"])
        .arg(&q1)
        .arg(&q4)
        .arg("--out")
        .arg(dir.path().join("reversed"))
        .assert()
        .success()
        .stderr(predicate::str::contains("wrong order"));
}

#[test]
fn diff_says_clearly_why_it_cannot_read_a_pack() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    let old = dir.path().join("old");
    copy_dir(&out, &old);
    // A pack whose accounts.csv lacks a column this version needs (as an older version might write).
    let accounts = old.join("accounts.csv");
    let text = std::fs::read_to_string(&accounts).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().replace("is_admin", "admin");
    std::fs::write(&accounts, format!("{header}\r\n{}", lines.collect::<Vec<_>>().join("\r\n"))).unwrap();
    let manifest = old.join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap().replace("\"tool_version\": \"0.1.0\"", "\"tool_version\": \"0.0.9\"");
    std::fs::write(&manifest, m).unwrap();
    bin().arg("diff").arg(&old).arg(&out).arg("--out").arg(dir.path().join("d")).assert().code(1).stderr(
        predicate::str::contains("accounts.csv")
            .and(predicate::str::contains("no column is_admin"))
            .and(predicate::str::contains("access-audit 0.0.9"))
            .and(predicate::str::contains("access-audit report --snapshot")),
    );
    // Not a pack at all.
    bin().arg("diff").arg(dir.path()).arg(&out).assert().code(1).stderr(predicate::str::contains("not a report directory of access-audit"));
    assert!(!dir.path().join("d/diff.json").exists());
}

#[test]
fn a_filled_workbook_is_imported_into_a_signed_pack_that_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let key = EvidenceKey::from_seed([5; 32]);
    let out = small_report(dir.path(), Some(&key));
    let public = write_public_key(dir.path(), "public.pem", &key);
    let sheets = read_sheets(&out.join("review.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "Instructions");
    assert!(names.contains(&"admin") && names.contains(&"orphaned") && names.contains(&"app"), "{names:?}");

    let filled = dir.path().join("filled.xlsx");
    fill_workbook(&sheets, &filled, |sheet, header, row| match (sheet, cell(header, row, "account_id")) {
        ("admin", "1") => Some(("keep".into(), "cto@acme.com".into(), Filled::Date(2027, 1, 12), "Ann runs the platform".into())),
        ("orphaned", "3") => Some(("Revoke".into(), "it-lead@acme.com".into(), Filled::Text("2027-01-13".into()), "".into())),
        ("app", "2") => Some(("revoke".into(), "it-lead@acme.com".into(), Filled::Date(2027, 1, 13), "left in November".into())),
        _ => None,
    });
    // A signed pack is signed again by the import, so it needs the key.
    import(&filled, &out, None).code(1).stderr(predicate::str::contains("the pack is signed"));
    import(&filled, &out, Some(&dir.path().join("config.toml")))
        .success()
        .stdout(predicate::str::contains("recorded 3 decision(s)").and(predicate::str::contains("1 keep, 2 revoke")));
    let decisions = csv_rows(&out.join("decisions.csv"));
    assert_eq!(decisions.len(), 3, "{decisions:?}");
    // subject, finding_id, category, severity, app, account_id, email, display_name, decision, reviewer, decided_on, comment, source
    assert!(has_row(&decisions, &[(0, "finding"), (2, "admin"), (5, "1"), (8, "keep"), (10, "2027-01-12")]), "{decisions:?}");
    assert!(has_row(&decisions, &[(0, "finding"), (2, "orphaned"), (5, "3"), (8, "revoke"), (10, "2027-01-13")]), "{decisions:?}");
    assert!(
        has_row(&decisions, &[(0, "account"), (1, ""), (5, "2"), (8, "revoke"), (12, "filled.xlsx, sheet app, row 3")]),
        "{decisions:?}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Review decisions <span class=\"note\">(3)</span>") && html.contains("left in November"));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["decisions"]["imports"][0]["workbook"], "filled.xlsx");
    assert_eq!(manifest["decisions"]["total"], 3);
    verify_with(&out, &public).success();

    // A second workbook (another reviewer) changes one decision and keeps the others.
    let csv = dir.path().join("second.csv");
    let app_sheet = &sheets.iter().find(|(n, _)| n == "app").unwrap().1;
    let mut text = app_sheet[0].join(",") + "\n";
    for row in &app_sheet[1..] {
        let mut row = row.clone();
        if cell(&app_sheet[0], &row, "account_id") == "2" {
            let at = |n: &str| app_sheet[0].iter().position(|h| h == n).unwrap();
            row[at("decision")] = "keep".into();
            row[at("reviewer")] = "hr@acme.com".into();
            row[at("decided_on")] = "2027-01-20".into();
            row[at("comment")] = "rehired".into();
        }
        text += &(row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",") + "\n");
    }
    std::fs::write(&csv, text).unwrap();
    import(&csv, &out, Some(&dir.path().join("config.toml")))
        .success()
        .stdout(predicate::str::contains("1 replacing earlier ones").and(predicate::str::contains("the report now holds 3")));
    let decisions = csv_rows(&out.join("decisions.csv"));
    assert!(has_row(&decisions, &[(0, "account"), (5, "2"), (8, "keep"), (11, "rehired")]), "{decisions:?}");
    verify_with(&out, &public).success();
    // A report regenerated into the reviewed pack keeps the decisions (page and manifest).
    bin()
        .args(["-q", "report", "--config"])
        .arg(dir.path().join("config.toml"))
        .arg("--snapshot")
        .arg(out.join("snapshot"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("rehired"));
    verify_with(&out, &public).success();
}

#[test]
fn every_bad_workbook_row_is_named_with_its_sheet_and_row_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    let sheets = read_sheets(&out.join("review.xlsx"));
    let admin_id = {
        let (_, rows) = sheets.iter().find(|(n, _)| n == "admin").unwrap();
        cell(&rows[0], &rows[1], "finding_id").to_string()
    };
    let filled = dir.path().join("bad.xlsx");
    fill_workbook(&sheets, &filled, |sheet, header, row| match (sheet, cell(header, row, "account_id")) {
        ("admin", "1") => Some(("approve".into(), "cto@acme.com".into(), Filled::Date(2027, 1, 12), "".into())),
        ("app", "1") => Some(("modify".into(), "".into(), Filled::Text("31/12/2026".into()), "".into())),
        _ => None,
    });
    import(&filled, &out, None).code(1).stderr(
        predicate::str::contains("bad.xlsx, sheet admin, row 2: decision \"approve\": expected keep, revoke or modify")
            .and(predicate::str::contains("bad.xlsx, sheet app, row 2: no reviewer"))
            .and(predicate::str::contains("bad.xlsx, sheet app, row 2: decided_on \"31/12/2026\": expected a date"))
            .and(predicate::str::contains("bad.xlsx, sheet app, row 2: modify needs a comment")),
    );

    // The same columns as CSV, with every other kind of problem.
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        format!(
            "finding_id,app,account_id,decision,reviewer,decided_on,comment\n\
             AA-0000000000000000,app,1,keep,cto@acme.com,2027-01-10,\n\
             {admin_id},other-app,1,keep,cto@acme.com,2027-01-10,\n\
             {admin_id},app,1,keep,cto@acme.com,,\n\
             ,,,,cto@acme.com,2027-01-10,forgot the decision\n\
             {admin_id},app,1,revoke,cto@acme.com,2027-01-11,\n\
             {admin_id},app,1,keep,cto@acme.com,2027-01-10,\n"
        ),
    )
    .unwrap();
    import(&csv, &out, None).code(1).stderr(
        predicate::str::contains("bad.csv, line 2: finding_id \"AA-0000000000000000\" is not a finding of this report")
            .and(predicate::str::contains("bad.csv, line 3: finding"))
            .and(predicate::str::contains("the row was edited"))
            .and(predicate::str::contains("bad.csv, line 4: no decided_on date"))
            .and(predicate::str::contains("bad.csv, line 5: date or comment filled in but no decision"))
            .and(predicate::str::contains("bad.csv, line 7: decision keep contradicts revoke (bad.csv, line 6)")),
    );
    let accounts_csv = dir.path().join("accounts.csv");
    std::fs::write(&accounts_csv, "app,account_id,decision,reviewer,decided_on,comment\napp,99,keep,cto@acme.com,2027-01-10,\n").unwrap();
    import(&accounts_csv, &out, None).code(1).stderr(predicate::str::contains("line 2: account app / 99 is not an account of this report"));
    let no_columns = dir.path().join("other.csv");
    std::fs::write(&no_columns, "name,notes\nx,y\n").unwrap();
    import(&no_columns, &out, None).code(1).stderr(predicate::str::contains("no sheet with a \"decision\" column"));
    std::fs::write(dir.path().join("junk.xlsx"), "not a zip").unwrap();
    import(&dir.path().join("junk.xlsx"), &out, None).code(1).stderr(predicate::str::contains("cannot open it as a workbook"));
    assert!(!out.join("decisions.csv").exists());
    bin().arg("verify").arg(&out).assert().success();
}

/// At scale an app's sheet is not a review: past `review.workbook_max_app_rows` the workbook
/// says where the app's accounts are, the manifest and the Instructions sheet say what is not
/// listed, the category sheets are whole, and a filled workbook still imports.
#[test]
fn an_app_over_the_row_cap_is_named_not_listed_and_the_workbook_still_imports() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    edit(&config, |t| t.replacen("[review]\n", "[review]\nworkbook_max_app_rows = 3\n", 1));
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let sheets = read_sheets(&out.join("review.xlsx"));
    let app = &sheets.iter().find(|(n, _)| n == "app").expect("a sheet for the app").1;
    assert_eq!(app[0][0], "app: accounts not listed in this workbook");
    assert!(app[1][0].starts_with("4 accounts, more than review.workbook_max_app_rows (3)"), "{:?}", app[1]);
    let instructions = &sheets[0].1;
    assert!(instructions.iter().any(|r| r[0] == "  app: 4 accounts"), "{instructions:?}");
    let orphaned = &sheets.iter().find(|(n, _)| n == "orphaned").expect("category sheets stay").1;
    assert_eq!(orphaned.len(), 3, "a header and both orphans: {orphaned:?}");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let wb = &manifest["workbook"];
    assert_eq!(wb["max_app_rows"], 3);
    assert_eq!(wb["app_sheets"], serde_json::json!([]));
    assert_eq!(wb["apps_not_listed"][0]["app"], "app");
    assert_eq!(wb["apps_not_listed"][0]["accounts"], 4);
    assert!(wb["category_sheets"].as_array().unwrap().iter().any(|s| s["sheet"] == "orphaned" && s["rows"] == 2), "{wb}");

    // The reviewer decides on the category sheets; the notice sheet has no decision column.
    let filled = dir.path().join("filled.xlsx");
    fill_workbook(&sheets, &filled, |sheet, header, row| {
        (sheet == "orphaned" && cell(header, row, "account_id") == "3")
            .then(|| ("revoke".to_string(), "it@acme.com".to_string(), Filled::Date(2027, 1, 5), "not ours".to_string()))
    });
    import(&filled, &out, None).success();
    let decisions = csv_rows(&out.join("decisions.csv"));
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert!(decisions[0].contains(&"revoke".to_string()) && decisions[0][12].contains("sheet orphaned"), "{decisions:?}");

    // Without the cap the app's accounts are listed as before.
    edit(&config, |t| t.replace("workbook_max_app_rows = 3\n", "workbook_max_app_rows = 4\n"));
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).arg("--force").assert().success();
    let sheets = read_sheets(&out.join("review.xlsx"));
    let app = &sheets.iter().find(|(n, _)| n == "app").unwrap().1;
    assert_eq!((app.len(), app[0][0].as_str()), (5, "app"), "{app:?}");
}

/// `campaign plan`: every account of the small company goes to its reviewer (the person's
/// manager, the app owner for a leaver and for accounts without a person), one packet each,
/// assignments.csv and reviewers.csv in the manifest (verify passes), and a filled packet imports.
#[test]
fn a_campaign_plan_gives_every_account_a_reviewer_and_its_packets_import() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "[campaign]\nfallback_reviewer = \"boss@acme.com\"\ndue = \"2027-01-31\"\n");
    std::fs::write(
        dir.path().join("hr.csv"),
        "email,employee_id,name,status,termination_date,manager_email\nann@acme.com,E1,Ann,active,,boss@acme.com\n\
         bob@acme.com,E2,Bob,terminated,2026-11-01,boss@acme.com\nboss@acme.com,E3,Boss,active,,\nown@acme.com,E4,Own,active,,boss@acme.com\n",
    )
    .unwrap();
    edit(&config, |t| t.replacen("kind = \"csv\"\n", "kind = \"csv\"\nowner = \"own@acme.com\"\n", 1));
    // One more account, disabled: listed for information, nothing to decide.
    edit(&dir.path().join("app.csv"), |t| {
        let mut lines: Vec<String> = t.lines().map(|l| format!("{l},active")).collect();
        lines[0] = lines[0].replace(",active", ",status");
        lines.push("5,old@elsewhere.example,Old,User,2025-01-01,2024-01-01,disabled".into());
        lines.join("\n") + "\n"
    });
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    bin().args(["campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();

    let assignments = csv_rows(&out.join("campaign/assignments.csv"));
    let reviewer_of = |id: &str| assignments.iter().find(|r| r[2] == id).map(|r| r[0].clone()).unwrap();
    assert_eq!(assignments.len(), 5, "{assignments:?}");
    assert_eq!(assignments.iter().find(|r| r[2] == "5").map(|r| r[4].as_str()), Some("information"));
    assert_eq!(reviewer_of("1"), "boss@acme.com", "Ann's manager");
    assert_eq!(reviewer_of("2"), "own@acme.com", "a leaver's account: the app owner");
    assert_eq!(reviewer_of("3"), "own@acme.com", "no person: the app owner");
    let reviewers = csv_rows(&out.join("campaign/reviewers.csv"));
    assert_eq!(
        reviewers.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect::<Vec<_>>(),
        [("boss@acme.com", "1"), ("own@acme.com", "3")]
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["campaign"]["reviewers"], 2);
    assert_eq!(manifest["campaign"]["due"], "2027-01-31");
    bin().arg("verify").arg(&out).assert().success();
    // Nothing answered yet: everything pending; --require-complete says so with exit 5.
    bin()
        .args(["campaign", "status", "--on", "2027-01-15", "--require-complete", "--report"])
        .arg(&out)
        .assert()
        .code(5)
        .stdout(predicate::str::contains("campaign: 0 of 4 account(s) decided, 4 pending (due 2027-01-31)"));

    // The app owner's packet: their three accounts with the reviewer filled in.
    let packet = out.join("campaign/own_at_acme.com.xlsx");
    let sheets = read_sheets(&packet);
    let info = &sheets.iter().find(|(n, _)| n == "For information").expect("the disabled account").1;
    assert_eq!((info.len(), info[0].contains(&"decision".to_string())), (2, false), "{info:?}");
    let certify = &sheets.iter().find(|(n, _)| n == "Accounts to certify").expect("the sheet to decide on").1;
    let header = &certify[0];
    assert_eq!(certify.len(), 4, "{certify:?}");
    assert!(certify[1..].iter().all(|r| cell(header, r, "reviewer") == "own@acme.com"), "{certify:?}");
    let filled = dir.path().join("own-filled.xlsx");
    fill_workbook(&sheets, &filled, |sheet, header, row| {
        (sheet == "Accounts to certify" && cell(header, row, "account_id") == "3")
            .then(|| ("revoke".to_string(), "own@acme.com".to_string(), Filled::Date(2027, 1, 10), "unknown outsider".to_string()))
    });
    import(&filled, &out, None).success();
    let decisions = csv_rows(&out.join("decisions.csv"));
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    bin().arg("verify").arg(&out).assert().success();

    // Decided by someone else: refused, unless they name the assigned reviewer as delegator.
    let by = |reviewer: &str, delegated_by: &str| {
        let path = dir.path().join(format!("by-{reviewer}-{delegated_by}.xlsx"));
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Accounts to certify").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 1, 12).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in ["app", "account_id", "decision", "reviewer", "decided_on", "comment", "delegated_by"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["app", "4", "revoke", reviewer].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        ws.write_datetime_with_format(1, 4, &date, &format).unwrap();
        if !delegated_by.is_empty() {
            ws.write_string(1, 6, delegated_by).unwrap();
        }
        wb.save(&path).unwrap();
        path
    };
    import(&by("mallory@acme.com", ""), &out, None).code(1).stderr(predicate::str::contains(
        "sheet Accounts to certify, row 2: decided by mallory@acme.com, but account app / 4 is assigned to own@acme.com",
    ));
    import(&by("mallory@acme.com", "someone@acme.com"), &out, None).code(1);
    import(&by("deputy@acme.com", "own@acme.com"), &out, None).success();
    let decisions = csv_rows(&out.join("decisions.csv"));
    let row = decisions.iter().find(|r| r.contains(&"4".to_string())).expect("the delegate's decision");
    assert!(row[12].ends_with("(delegated by own@acme.com)"), "the source: {row:?}");

    // Two of four decided; after the due date the rest is overdue; the status is in the manifest.
    bin()
        .args(["campaign", "status", "--on", "2027-02-15", "--report"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("campaign: 2 of 4 account(s) decided, 2 pending, 2 overdue (due 2027-01-31)"));
    let status = csv_rows(&out.join("campaign/campaign_status.csv"));
    // Both decisions are revocations (of a terminated person's and a stranger's account).
    assert_eq!(
        status,
        vec![vec!["boss@acme.com", "1", "0", "1", "1", "0", "0", "0"], vec!["own@acme.com", "3", "2", "1", "1", "0", "2", "0"]]
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["campaign"]["status"]["pending"], 2);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("<h2>Campaign <span class=\"note\">(2 of 4 accounts certified, due 2027-01-31)"),
        "the report's campaign section"
    );
    let section = &page[page.find("<!-- campaign:begin -->").unwrap()..page.find("<!-- campaign:end -->").unwrap()];
    let (boss, own) = (section.find("<tr><td>boss@acme.com</td>").unwrap(), section.find("<tr><td>own@acme.com</td>").unwrap());
    assert!(boss < own, "equal pending: by email");
    bin().arg("verify").arg(&out).assert().success();
    bin().args(["campaign", "status", "--require-complete", "--report"]).arg(dir.path()).assert().code(1);
}

/// Next quarter's diff checks last quarter's revocations against the data: an account gone is
/// revoked, one still live is not (high), and an app not collected completely proves nothing.
#[test]
fn the_next_diff_verifies_the_previous_reviews_revocations() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "");
    let q1 = dir.path().join("q1");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&q1).assert().success();
    let decisions = dir.path().join("decisions.csv");
    std::fs::write(
        &decisions,
        "app,account_id,decision,reviewer,decided_on,comment\napp,3,revoke,it@acme.com,2027-01-05,outsider\napp,4,revoke,it@acme.com,2027-01-06,outsider\napp,1,keep,it@acme.com,2027-01-06,\n",
    )
    .unwrap();
    import(&decisions, &q1, None).success();

    // Next quarter: account 3 was removed, account 4 was forgotten.
    edit(&dir.path().join("app.csv"), |t| t.lines().filter(|l| !l.starts_with("3,")).map(|l| format!("{l}\n")).collect());
    let q2 = dir.path().join("q2");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&q2).assert().success();
    let diff = dir.path().join("diff");
    bin()
        .arg("diff")
        .arg(&q1)
        .arg(&q2)
        .arg("--out")
        .arg(&diff)
        .assert()
        .success()
        .stdout(predicate::str::contains("revocations decided in the previous review: 1 revoked, 1 NOT revoked, 0 unverifiable"));
    let rows = csv_rows(&diff.join("diff_revocations.csv"));
    let brief: Vec<(&str, &str, &str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[3].as_str(), r[6].as_str())).collect();
    assert_eq!(brief, [("not_revoked", "high", "4", "it@acme.com"), ("revoked", "", "3", "it@acme.com")]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(diff.join("diff.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["revocations_not_revoked"], 1);
    assert!(std::fs::read_to_string(diff.join("diff.html")).unwrap().contains("Revocations of the previous review"));

    // The app not collected completely now: nothing can be said to be revoked.
    edit(&dir.path().join("app.csv"), |t| format!("{t}9,cut,short\n"));
    let q3 = dir.path().join("q3");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&q3).assert().code(4);
    bin().arg("diff").arg(&q1).arg(&q3).arg("--out").arg(dir.path().join("diff3")).assert().success();
    let rows = csv_rows(&dir.path().join("diff3/diff_revocations.csv"));
    assert!(rows.iter().all(|r| r[0] == "unverifiable"), "{rows:?}");
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_pack_made_from_a_relative_config_path_verifies() {
    let dir = tempfile::tempdir().unwrap();
    small_company(dir.path(), "");
    bin().current_dir(dir.path()).args(["-q", "run", "--config", "config.toml", "--out", "out"]).assert().success();
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("out/manifest.json")).unwrap()).unwrap();
    let config = manifest["inputs"].as_array().unwrap().iter().find(|i| i["role"] == "config").unwrap();
    assert!(Path::new(config["path"].as_str().unwrap()).is_absolute(), "{config}");
    bin().arg("verify").arg(dir.path().join("out")).assert().success();
}

#[test]
fn remediation_of_a_signed_pack_is_signed_again_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let key = EvidenceKey::from_seed([19; 32]);
    let out = small_report(dir.path(), Some(&key));
    let config = dir.path().join("config.toml");
    let decisions = dir.path().join("decisions.csv");
    std::fs::write(
        &decisions,
        "app,account_id,decision,reviewer,decided_on,comment\napp,3,revoke,it@acme.com,2027-01-05,outsider SEC-77\n",
    )
    .unwrap();
    import(&decisions, &out, Some(&config)).success();
    // Without the key, the signed pack is not touched.
    std::fs::create_dir_all(dir.path().join("other")).unwrap();
    let unsigned = small_company(&dir.path().join("other"), "");
    bin()
        .args(["remediate", "--report"])
        .arg(&out)
        .arg("--config")
        .arg(&unsigned)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the pack is signed"));
    assert!(!out.join("remediation").exists());
    bin().args(["-q", "remediate", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    let rows = csv_rows(&out.join("remediation/app-revocations.csv"));
    assert_eq!((rows[0][1].as_str(), rows[0][9].as_str(), rows[0][10].as_str()), ("3", "SEC-77", "manual"));
    verify_with(&out, &write_public_key(dir.path(), "public.pem", &key)).success();
}

#[test]
fn a_finding_table_shows_the_reviewers_columns_the_rest_per_row_and_the_decision_once_imported() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let start = html.find(r#"<table class="sortable review" id="t-orphaned">"#).expect("the orphaned table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let heads: Vec<&str> = table.split("<th class=\"c-").skip(1).map(|h| h.split('"').next().unwrap()).collect();
    assert_eq!(heads, ["severity", "app", "account", "person", "detail", "finding_id", "decision"]);
    assert!(table.contains(r#"<details class="more"><summary>"#), "a row's other fields are behind its details");
    assert!(table.contains("<dt>person_id</dt>") || table.contains("<dt>created_at</dt>"), "{table}");
    // A decision with a hostile reviewer: shown in the decision column's data, never as markup.
    let finding = csv_rows(&out.join("findings.csv")).into_iter().find(|r| r[2] == "orphaned").unwrap()[0].clone();
    let decisions = dir.path().join("d.csv");
    std::fs::write(
        &decisions,
        format!(
            "finding_id,decision,reviewer,decided_on,comment\n{finding},revoke,\"x</script><script>alert(1)</script>\",2027-01-05,gone\n"
        ),
    )
    .unwrap();
    import(&decisions, &out, None).success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let data = html.split(r#"<script type="application/json" id="decisions-data">"#).nth(1).unwrap().split("</script>").next().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(parsed["findings"][&finding], "revoke (x</script><script>alert(1)</script>, 2027-01-05)");
    assert!(!html.contains("<script>alert(1)"), "the reviewer's text stays data");
    bin().arg("verify").arg(&out).assert().success();
}

#[test]
fn a_report_regenerated_into_a_remediated_pack_keeps_its_remediation_and_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_report(dir.path(), None);
    let config = dir.path().join("config.toml");
    let decisions = dir.path().join("decisions.csv");
    std::fs::write(&decisions, "app,account_id,decision,reviewer,decided_on,comment\napp,3,revoke,it@acme.com,2027-01-05,outsider\n")
        .unwrap();
    import(&decisions, &out, None).success();
    bin().args(["-q", "remediate", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    bin()
        .args(["report", "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(&out)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("remediation/ of the earlier report"));
    assert!(out.join("remediation/app-revocations.csv").is_file());
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["outputs"].as_array().unwrap().iter().any(|o| o["path"] == "remediation/app-revocations.csv"));
    bin().arg("verify").arg(&out).assert().success();
}

/// The small company with `campaign plan` by app owner: own@acme.com certifies accounts 1
/// (review), 2, 3, 4 (revoke) and 6 (keep). Returns (config, report directory).
/// A plan's warnings (here one per person whose manager has left) past the first 20 are counted on
/// the terminal, not printed; the manifest keeps every one.
#[test]
fn a_plan_with_many_warnings_shows_the_first_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "[campaign]\nby = \"manager\"\nfallback_reviewer = \"boss@acme.com\"\ndue = \"2027-01-31\"\n");
    let mut hr = "email,employee_id,name,status,termination_date,manager_email\nboss@acme.com,E0,Boss,active,,\n\
                  gone@acme.com,E1,Gone,terminated,2026-11-01,boss@acme.com\n"
        .to_string();
    let mut app = "id,email,name,role,last_login,created\n".to_string();
    for i in 0..25 {
        hr += &format!("p{i:02}@acme.com,E{},P{i},active,,gone@acme.com\n", i + 10);
        app += &format!("{i},p{i:02}@acme.com,P{i},User,2026-12-20,2024-01-01\n");
    }
    std::fs::write(dir.path().join("hr.csv"), hr).unwrap();
    std::fs::write(dir.path().join("app.csv"), app).unwrap();
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    let warned = |i: usize| format!("reviewer gone@acme.com (manager of p{i:02}@acme.com) is not an active person of the roster");
    bin()
        .args(["campaign", "plan", "--report"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .assert()
        .success()
        .stderr(predicate::str::contains(warned(0)).and(predicate::str::contains(warned(19))))
        .stderr(predicate::str::contains(warned(20)).not())
        .stderr(predicate::str::contains("5 more warning(s);").and(predicate::str::contains("(campaign.warnings)")));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let warnings = manifest["campaign"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 25, "{warnings:?}");
    assert_eq!(warnings[24], format!("{}: 1 account(s) went to the fallback reviewer", warned(24)));
}

fn planned_small_company(dir: &Path) -> (PathBuf, PathBuf) {
    let config = small_company(dir, "[campaign]\nby = \"app_owner\"\ndue = \"2027-01-31\"\n");
    edit(&dir.join("hr.csv"), |t| t + "own@acme.com,E4,Own,active,\ncat@acme.com,E5,Cat,active,\n");
    edit(&dir.join("app.csv"), |t| t + "6,cat@acme.com,Cat,User,2026-12-30,2026-01-01\n");
    edit(&config, |t| t.replacen("kind = \"csv\"\n", "kind = \"csv\"\nowner = \"own@acme.com\"\n", 1));
    let out = dir.join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    bin().args(["-q", "campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    (config, out)
}

/// A keep of an account recommended revoke needs a comment (refused without one: sheet and row
/// named, nothing recorded); every decision records whether it followed the recommendation; the
/// Campaign section and campaign_status.csv count per reviewer what was revoked and what was kept
/// against a revoke recommendation, and list the latter with the reviewer's comment.
#[test]
fn a_keep_against_a_revoke_recommendation_needs_a_comment_and_is_shown_per_reviewer() {
    let dir = tempfile::tempdir().unwrap();
    let (_config, out) = planned_small_company(dir.path());
    let sheets = read_sheets(&out.join("campaign/own_at_acme.com.xlsx"));
    let filled = |name: &str, comment_on_2: &str| {
        let path = dir.path().join(name);
        let comment_on_2 = comment_on_2.to_string();
        fill_workbook(&sheets, &path, move |sheet, header, row| {
            if sheet != "Accounts to certify" {
                return None;
            }
            let (decision, comment) = match cell(header, row, "account_id") {
                "2" => ("keep", comment_on_2.clone()),
                "3" => ("revoke", String::new()),
                "1" => ("keep", String::new()),
                _ => return None,
            };
            Some((decision.to_string(), "own@acme.com".to_string(), Filled::Date(2027, 1, 10), comment))
        });
        path
    };
    // Without a comment: refused, the row named, nothing recorded.
    import(&filled("no-comment.xlsx", ""), &out, None).code(1).stderr(predicate::str::contains(
        "sheet Accounts to certify, row 2: keep of app / 2, recommended revoke (terminated 2026-11-01; last sign-in 2026-12-01): a keep against the recommendation needs a comment saying why",
    ));
    assert!(!out.join("decisions.csv").exists());
    // With one: recorded, and said to be against the recommendation.
    import(&filled("with-comment.xlsx", "<b>contractor</b> rehired, ticket HR-12"), &out, None)
        .success()
        .stdout(predicate::str::contains("1 of them against the account's recommendation"));
    let mut reader = csv::Reader::from_path(out.join("decisions.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let of = |id: &str| {
        let r = rows.iter().find(|r| cell(&header, r, "account_id") == id).unwrap();
        (cell(&header, r, "decision").to_string(), cell(&header, r, "recommendation").to_string(), cell(&header, r, "followed").to_string())
    };
    assert_eq!(of("2"), ("keep".into(), "revoke".into(), "false".into()));
    assert_eq!(of("3"), ("revoke".into(), "revoke".into(), "true".into()));
    assert_eq!(of("1"), ("keep".into(), "review".into(), "true".into()), "any decision on a review row follows it");

    bin()
        .args(["campaign", "status", "--on", "2027-01-15", "--report"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("own@acme.com: 3 of 5 decided, 2 pending; 1 kept against a revoke recommendation"));
    let status = std::fs::read_to_string(out.join("campaign/campaign_status.csv")).unwrap();
    assert!(
        status.starts_with(
            "reviewer,accounts,decided,pending,overdue,by_policy,revoked,kept_against_revoke\r\nown@acme.com,5,3,2,0,0,1,1\r\n"
        ),
        "{status}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = &html[html.find("<!-- campaign:begin -->").unwrap()..html.find("<!-- campaign:end -->").unwrap()];
    assert!(section.contains("Kept against a revoke recommendation"), "{section}");
    assert!(section.contains("terminated 2026-11-01; last sign-in 2026-12-01"), "{section}");
    assert!(section.contains("&lt;b&gt;contractor&lt;&#x2F;b&gt; rehired, ticket HR-12"), "the comment, escaped: {section}");
    bin().arg("verify").arg(&out).assert().success();
}

/// Every account of a packet, assignments.csv and accounts.csv carries a recommendation and its
/// reason; a reviewer's rows come revoke, review, keep (then app, account); the Instructions sheet
/// opens with the counts and the due date; planning again gives byte-identical files.
#[test]
fn packets_carry_a_recommendation_and_its_reason_sorted_revoke_review_keep() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_company(dir.path(), "[campaign]\nby = \"app_owner\"\ndue = \"2027-01-31\"\n");
    edit(&dir.path().join("hr.csv"), |t| t + "own@acme.com,E4,Own,active,\ncat@acme.com,E5,Cat,active,\n");
    edit(&dir.path().join("app.csv"), |t| t + "6,cat@acme.com,Cat,User,2026-12-30,2026-01-01\n");
    edit(&config, |t| t.replacen("kind = \"csv\"\n", "kind = \"csv\"\nowner = \"own@acme.com\"\n", 1));
    let out = dir.path().join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();

    // accounts.csv: the recommendation and its reason for every account.
    let mut reader = csv::Reader::from_path(out.join("accounts.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let of = |id: &str| {
        let row = rows.iter().find(|r| cell(&header, r, "account_id") == id).unwrap();
        (cell(&header, row, "recommendation").to_string(), cell(&header, row, "reason").to_string())
    };
    assert_eq!(of("2"), ("revoke".into(), "terminated 2026-11-01; last sign-in 2026-12-01".into()));
    assert_eq!(of("3").0, "revoke");
    assert_eq!(of("1"), ("review".into(), "admin (role Admin); last sign-in 2026-12-20".into()));
    assert_eq!(of("6"), ("keep".into(), "no open finding; last sign-in 2026-12-30".into()));

    bin().args(["campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    let packet = out.join("campaign/own_at_acme.com.xlsx");
    let sheets = read_sheets(&packet);
    let instructions = &sheets[0].1;
    assert!(instructions[1][0].contains("answer by 2027-01-31"), "{instructions:?}");
    assert_eq!(
        instructions[2][0],
        "5 account(s) to certify: 3 recommended revoke, 1 to review, 1 to keep. The rows are in that order; a revoke row is filled red; the reason column says why."
    );
    let certify = &sheets.iter().find(|(n, _)| n == "Accounts to certify").unwrap().1;
    let header = &certify[0];
    let order: Vec<(&str, &str)> =
        certify[1..].iter().map(|r| (cell(header, r, "recommendation"), cell(header, r, "account_id"))).collect();
    assert_eq!(order, [("revoke", "2"), ("revoke", "3"), ("revoke", "4"), ("review", "1"), ("keep", "6")]);
    assert!(certify[1..].iter().all(|r| !cell(header, r, "reason").is_empty()));
    assert!(header.iter().position(|h| h == "findings") > header.iter().position(|h| h == "reason"), "finding ids keep their own column");

    let plan = std::fs::read_to_string(out.join("campaign/assignments.csv")).unwrap();
    assert!(plan.starts_with("reviewer,app,account_id,person,scope,assigned_because,recommendation,reason,finding_ids,file"), "{plan}");
    assert!(plan.contains("terminated 2026-11-01; last sign-in 2026-12-01"), "{plan}");

    // The same report planned again: the same bytes.
    let before: Vec<Vec<u8>> = ["campaign/own_at_acme.com.xlsx", "campaign/assignments.csv", "accounts.csv", "review.xlsx"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    bin().args(["campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    for (i, f) in ["campaign/own_at_acme.com.xlsx", "campaign/assignments.csv", "accounts.csv", "review.xlsx"].iter().enumerate() {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), before[i], "{f} differs");
    }
}

/// `campaign close`: refused before the due date (unless --early) and without a campaign owner;
/// every pending account decided by the policy, its source and decider recorded, counted apart
/// from the reviewers' decisions; remediate takes the policy's revocations like any other; a
/// closed campaign refuses imports until --reopen, which takes the policy's decisions back.
#[test]
fn closing_a_campaign_records_the_non_response_policy_and_refuses_later_imports() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = planned_small_company(dir.path());
    let sheets = read_sheets(&out.join("campaign/own_at_acme.com.xlsx"));
    let filled = dir.path().join("own.xlsx");
    fill_workbook(&sheets, &filled, |sheet, header, row| {
        (sheet == "Accounts to certify" && cell(header, row, "account_id") == "3")
            .then(|| ("revoke".to_string(), "own@acme.com".to_string(), Filled::Date(2027, 1, 10), String::new()))
    });
    import(&filled, &out, None).success();
    let close = |extra: &[&str]| {
        let mut cmd = bin();
        cmd.args(["campaign", "close", "--report"]).arg(&out).arg("--config").arg(&config).args(extra);
        cmd.assert()
    };
    // No owner yet; then before the due date.
    close(&["--non-response", "revoke", "--on", "2027-02-05"]).code(1).stderr(predicate::str::contains("[campaign] has no owner"));
    edit(&config, |t| t.replacen("[campaign]\n", "[campaign]\nowner = \"GRC@acme.com\"\n", 1));
    close(&["--non-response", "revoke", "--on", "2027-01-20"])
        .code(1)
        .stderr(predicate::str::contains("the campaign is due 2027-01-31: on 2027-01-20 reviewers may still answer"));
    close(&["--non-response", "revoke", "--on", "2027-02-05"])
        .success()
        .stdout(predicate::str::contains("1 account(s) decided by their reviewers, 4 decided revoke by the non-response policy"));

    let mut reader = csv::Reader::from_path(out.join("decisions.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let by_policy: Vec<&Vec<String>> = rows.iter().filter(|r| cell(&header, r, "source") == "policy: no response by 2027-01-31").collect();
    assert_eq!(
        by_policy.iter().map(|r| cell(&header, r, "account_id")).collect::<Vec<_>>(),
        ["1", "2", "4", "6"],
        "every pending account, none the reviewer decided"
    );
    assert!(by_policy.iter().all(|r| cell(&header, r, "decision") == "revoke"
        && cell(&header, r, "reviewer") == "grc@acme.com"
        && cell(&header, r, "decided_on") == "2027-02-05"));
    let status = std::fs::read_to_string(out.join("campaign/campaign_status.csv")).unwrap();
    assert!(status.contains("own@acme.com,5,1,0,0,4,1,0"), "1 decided by the reviewer, 4 by policy, none pending: {status}");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["campaign"]["closed"]["non_response"], "revoke");
    assert_eq!(manifest["campaign"]["closed"]["by_policy"], 4);
    assert_eq!(manifest["campaign"]["closed"]["early"], false);
    assert_eq!(manifest["decisions"]["by_policy"], 4);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("closed on 2027-02-05: the 4 account(s) nobody answered for decided revoke by policy, grc@acme.com as the decider")
    );
    bin().arg("verify").arg(&out).assert().success();

    // Closed: no more imports, no second close.
    import(&filled, &out, None).code(1).stderr(predicate::str::contains("the campaign was closed on 2027-02-05"));
    close(&["--non-response", "keep", "--on", "2027-02-06"]).code(1).stderr(predicate::str::contains("already closed"));
    // Remediation takes the policy's revocations like the reviewer's.
    bin().args(["-q", "remediate", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    let plan = std::fs::read_to_string(out.join("remediation/app-revocations.csv")).unwrap();
    for id in ["1", "2", "3", "4", "6"] {
        assert!(plan.lines().any(|l| l.starts_with(&format!("app,{id},"))), "account {id} to revoke: {plan}");
    }

    // Reopened: the policy's decisions are taken back, the reviewer's stay, imports work again.
    bin()
        .args(["campaign", "close", "--reopen", "--report"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("reopened the campaign closed on 2027-02-05: 4 decision(s) by policy taken back"));
    let decisions = std::fs::read_to_string(out.join("decisions.csv")).unwrap();
    assert!(!decisions.contains("policy: "), "{decisions}");
    assert_eq!(decisions.lines().count(), 2, "the reviewer's decision stays: {decisions}");
    import(&filled, &out, None).success();
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["campaign"]["closed"].is_null());
    assert_eq!(manifest["campaign"]["history"][0]["withdrawn"], 4);
    // Early, with a keep policy: said so.
    close(&["--non-response", "keep", "--on", "2027-01-20", "--early"])
        .success()
        .stdout(predicate::str::contains("closed early (before the due date)"));
    bin().arg("verify").arg(&out).assert().success();
}
