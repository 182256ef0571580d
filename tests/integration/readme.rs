//! Every command the README shows, run. The two set-up commands are `.ci/run`'s own (`cargo test`
//! is it; the demo is what the browser and LibreOffice checks open); the quarterly cycle runs here
//! command by command as the README writes it, on the sample company served by the sandbox; and
//! the README's config example parses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use access_audit::config::Config;
use access_audit_sandbox::{load_tenants, Sandbox};

use crate::common::{cell, copy_dir, fill_workbook, read_sheets, Filled};

fn readme() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The first fenced block of `lang` after the heading `heading`.
fn block_after(text: &str, heading: &str, lang: &str) -> String {
    let at = text.find(heading).unwrap_or_else(|| panic!("the README has no {heading:?}"));
    let rest = &text[at..];
    let open = format!("```{lang}\n");
    let start = rest.find(&open).unwrap_or_else(|| panic!("no ```{lang} block after {heading:?}")) + open.len();
    let end = rest[start..].find("```").unwrap() + start;
    rest[start..end].to_string()
}

fn run(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("access-audit").unwrap().current_dir(dir).args(args).assert()
}

#[test]
fn the_quarterly_cycle_in_the_readme_runs_as_written() {
    let commands: Vec<Vec<String>> = block_after(&readme(), "## The quarterly cycle", "sh")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            assert_eq!(words[0], "access-audit", "every line of the cycle is a command: {l}");
            words[1..].to_vec()
        })
        .collect();
    assert_eq!(commands.len(), 12, "the cycle in about ten commands");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let sandbox = rt.block_on(Sandbox::start("127.0.0.1:0", load_tenants(&sample.join("tenants")).unwrap())).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&sample, dir);
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace("http://127.0.0.1:8790", &format!("http://{}", sandbox.addr));
    std::fs::write(&config, text).unwrap();
    // Last quarter's pack, for the diff (the sample's slack export has a bad row: exit 4).
    run(dir, &["-q", "run", "--config", "config.toml", "--out", "q3-2026", "--as-of", "2026-09-30"]).code(4);

    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if args[..2] == ["decisions", "import"] {
            // What a reviewer sends back: their packet, filled in (the SCIM app's accounts revoked).
            let packet = dir.join("q4-2026/campaign/ava.nakamura_at_acme.com.xlsx");
            assert!(packet.is_file(), "campaign plan wrote the packet the README imports");
            fill_workbook(&read_sheets(&packet), &dir.join(args[2]), |sheet, header, row| {
                (sheet == "Accounts to certify").then(|| {
                    let decision = if cell(header, row, "app") == "figma" { "revoke" } else { "keep" };
                    (decision.to_string(), "ava.nakamura@acme.com".to_string(), Filled::Date(2027, 1, 15), "reviewed".to_string())
                })
            });
        }
        let out = run(dir, &args);
        // What each step is expected to say, and its exit code.
        match (args[0], args.get(1).copied()) {
            // The sample's BeyondTrust API account has full command access on purpose: check fails.
            ("check", _) => out.code(1).stdout(predicate::str::contains("broader than a read-only audit needs")),
            ("run", _) => out.code(4).stdout(predicate::str::contains("report:")),
            ("verify", _) => out.code(0).stdout(predicate::str::contains("signature").or(predicate::str::contains("files"))),
            ("campaign", Some("plan")) => out.code(0).stdout(predicate::str::contains("packets:")),
            ("campaign", Some("status")) if args.contains(&"--require-complete") => out.code(5),
            ("campaign", Some("status")) => out.code(0).stdout(predicate::str::contains("campaign:")),
            ("campaign", Some("close")) => out.code(0).stdout(predicate::str::contains("decided revoke by the non-response policy")),
            ("campaign", Some("remind")) => out.code(0).stdout(predicate::str::contains("13 reminder(s) written to")),
            ("decisions", _) => out.code(0).stdout(predicate::str::contains("recorded")),
            ("remediate", _) if args.contains(&"--tickets") => {
                out.code(0).stdout(predicate::str::contains("ticket ITOPS-1 created").and(predicate::str::contains("remediation:")))
            }
            ("remediate", _) => out.code(0).stdout(predicate::str::contains("remediation:")),
            ("diff", _) => out.code(0),
            (other, _) => panic!("the README shows a command this test does not know: {other}"),
        };
    }
    assert!(dir.join("q4-2026/remediation/applied.jsonl").is_file(), "--apply sent the SCIM plan");
    assert!(dir.join("q4-2026/remediation/tickets.jsonl").is_file(), "--tickets jira opened the tickets");
    assert!(dir.join("q4-2026-diff/diff.html").is_file());
    rt.block_on(sandbox.stop());
}

#[test]
fn the_config_in_the_readme_parses() {
    let text = block_after(&readme(), "## A config", "toml");
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(&text, &dir.path().join("config.toml"), &access_audit::collectors::REGISTRY)
        .unwrap_or_else(|e| panic!("the README's config: {e}"));
    let kinds: BTreeMap<&str, &str> = config.apps.iter().map(|a| (a.name.as_str(), a.kind.as_str())).collect();
    assert_eq!(kinds, BTreeMap::from([("jira", "jira_service_management"), ("salesforce", "csv")]));
}

/// The README's section of each identity provider kind.
/// The README's identity providers, and whether each records app assignments (its example then
/// links an app to it).
const IDP_HEADINGS: &[(&str, bool)] = &[("### Okta", true), ("### Microsoft Entra ID", true), ("### Google Workspace", false)];

/// Each identity provider's example in the README parses as the apps of a config (with a roster).
#[test]
fn the_identity_provider_examples_in_the_readme_parse() {
    let text = readme();
    for (heading, links) in IDP_HEADINGS {
        let block = block_after(&text, heading, "toml");
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(
            &format!("[identity]\npath = \"hr.csv\"\n{block}"),
            &dir.path().join("config.toml"),
            &access_audit::collectors::REGISTRY,
        )
        .unwrap_or_else(|e| panic!("the README's {heading} example: {e}"));
        assert_eq!(config.apps.iter().any(|a| a.idp.is_some()), *links, "{heading}: an app linked to the identity provider");
    }
}

/// The sample company's campaign in the README, step by step, as written: each command's exit
/// code and what it says.
#[test]
fn the_sample_companys_campaign_in_the_readme_runs_as_written() {
    let commands: Vec<Vec<String>> = block_after(&readme(), "### The sample company's campaign, step by step", "sh")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            assert_eq!(words[0], "access-audit", "every line is a command: {l}");
            words[1..].to_vec()
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"), &dir.join("sample-data"));
    let mut seen = Vec::new();
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(dir, &args);
        let step = match (args[0], args.get(1).copied()) {
            ("demo", _) => {
                out.code(0);
                "demo"
            }
            ("campaign", Some("plan")) => {
                out.code(0).stdout(predicate::str::contains("planned: 13 reviewer(s)"));
                "plan"
            }
            ("campaign", Some("remind")) => {
                out.code(0).stdout(predicate::str::contains("13 reminder(s) written to"));
                "remind"
            }
            ("decisions", _) if args[2].ends_with("rosa.ito.csv") => {
                out.code(1).stderr(predicate::str::contains(
                    "rosa.ito.csv, line 3: keep of jira-cloud / 5b10contractor00000001, recommended revoke",
                ));
                "refused"
            }
            ("decisions", _) if args[2].ends_with("rosa.ito-commented.csv") => {
                out.code(0).stdout(predicate::str::contains("1 of them against the account's recommendation"));
                "commented"
            }
            ("decisions", _) => {
                out.code(0).stdout(predicate::str::contains("recorded 8 decision(s)"));
                "import"
            }
            ("campaign", Some("status")) => {
                out.code(0).stdout(predicate::str::contains("campaign: 10 of 749 account(s) decided, 739 pending")).stdout(
                    predicate::str::contains("rosa.ito@acme.com: 2 of 94 decided, 92 pending; 1 kept against a revoke recommendation"),
                );
                "status"
            }
            ("campaign", Some("close")) => {
                out.code(0).stdout(predicate::str::contains("739 decided revoke by the non-response policy"));
                "close"
            }
            ("remediate", _) => {
                out.code(0).stdout(predicate::str::contains("remediation:"));
                "remediate"
            }
            (other, _) => panic!("the README shows a command this test does not know: {other}"),
        };
        seen.push(step);
    }
    assert_eq!(seen, ["demo", "plan", "remind", "import", "refused", "commented", "status", "close", "remediate"]);
    let page = std::fs::read_to_string(dir.join("acme-q4/report.html")).unwrap();
    assert!(page.contains("contractor of an agency under contract until 2027-03-31 (ticket VEN-231)"), "Rosa's keep is listed");
    assert_eq!(std::fs::read_dir(dir.join("acme-q4/campaign/outbox")).unwrap().count(), 13);
    // What the README says Rosa Ito's packet opens with.
    let rosa = read_sheets(&dir.join("acme-q4/campaign/rosa.ito_at_acme.com.xlsx"));
    assert!(rosa[0].1[2][0].starts_with("94 account(s) to certify: 12 recommended revoke, 16 to review, 66 to keep"), "{:?}", rosa[0].1);
    run(dir, &["verify", "acme-q4"]).code(0);
}

/// The README's separation-of-duties rules parse against apps of those names, and its second
/// rule is the sample company's, as written in its config.
#[test]
fn the_separation_of_duties_examples_in_the_readme_parse() {
    let block = block_after(&readme(), "## Separation of duties", "toml");
    let dir = tempfile::tempdir().unwrap();
    let mut text = "[identity]\npath = \"hr.csv\"\n".to_string();
    for app in ["netsuite", "coupa", "github-acme", "jsm-helpdesk", "salesforce"] {
        text.push_str(&format!("[[apps]]\nname = \"{app}\"\nkind = \"csv\"\npath = \"{app}.csv\"\n"));
    }
    text.push_str(&block);
    let config = Config::parse(&text, &dir.path().join("config.toml"), &access_audit::collectors::REGISTRY)
        .unwrap_or_else(|e| panic!("the README's rules: {e}"));
    assert_eq!(config.sod.len(), 2);
    assert!(config.sod[0].right.match_all && !config.sod[0].left.match_all);
    assert_eq!(config.sod[0].severity, "critical");
    let sample =
        Config::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/config.toml"), &access_audit::collectors::REGISTRY)
            .unwrap();
    assert_eq!(sample.sod.len(), 1);
    let (mut ours, mut theirs) = (config.sod[1].clone(), sample.sod[0].clone());
    (ours.at, theirs.at) = (String::new(), String::new());
    assert_eq!(ours, theirs, "the README's second rule is the sample company's");
}
