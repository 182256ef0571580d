//! Hostile input never panics: random and mutated bytes fed to every reader of outside data (the
//! roster readers of every preset, the csv app reader, the config parser, each collector's
//! JSON-to-account mapping, the decisions importer, the diff reader). Each gives an error or a
//! result, never a panic, and no secret appears in any error.
//!
//! `cargo test` runs a few dozen cases per reader; `AA_PROPTEST_CASES=5000 cargo test --release
//! --test integration hostile_input::` runs a longer search.

use crate::common;

use std::path::{Path, PathBuf};

use access_audit::collectors::{beyondtrust, bluejeans, bluejeans_events, jsm, messagebird, scim};
use access_audit::config::Config;
use access_audit::roster::Roster;
use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::Value;

/// A secret that must never appear in an error.
const CANARY: &str = "CANARY-s3cr3t-9f2e7";

fn cases() -> u32 {
    std::env::var("AA_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

fn runner() -> TestRunner {
    TestRunner::new(RunnerConfig { cases: cases(), failure_persistence: None, ..RunnerConfig::default() })
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// One edit of a seed: flip a byte, insert bytes, delete a range, duplicate a line, or cut the
/// input short.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    DuplicateLine(usize),
    Truncate(usize),
}

fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        Just(b"\"".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b",,,,".to_vec()),
        Just(b"=HYPERLINK(\"x\")".to_vec()),
        Just("\u{FEFF}".as_bytes().to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"0000-00-00".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        Just("\u{202E}\u{0000}".as_bytes().to_vec()),
        Just("é".as_bytes().to_vec()),
        Just("日本語".as_bytes().to_vec()),
        Just("👩‍💻".as_bytes().to_vec()),
        Just(b"[[apps]]\n".to_vec()),
        Just(b" = ".to_vec()),
        Just(b"{ }".to_vec()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), hostile_bytes()).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 0usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
        match e {
            Edit::Flip(p, x) if !b.is_empty() => {
                let i = p % b.len();
                b[i] ^= x | 1;
            }
            Edit::Flip(..) => {}
            Edit::Insert(p, bytes) => {
                let i = at(*p, b.len());
                b.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete(p, n) => {
                let i = at(*p, b.len());
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Edit::DuplicateLine(p) => {
                let lines: Vec<&[u8]> = b.split(|c| *c == b'\n').collect();
                if !lines.is_empty() {
                    let line = lines[p % lines.len()].to_vec();
                    let i = at(*p, b.len());
                    let mut dup = line;
                    dup.push(b'\n');
                    b.splice(i..i, dup);
                }
            }
            Edit::Truncate(p) => {
                let i = at(*p, b.len());
                b.truncate(i);
            }
        }
    }
    b
}

/// A seed, edited a few times; or random bytes.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(edit(), 1..6).prop_map(move |edits| apply(&seed, &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

/// Runs `check` on many mutations of `seed`; a panic inside fails the test with the input.
fn each_mutation(seed: Vec<u8>, check: impl FnMut(&[u8])) {
    let check = std::cell::RefCell::new(check);
    runner()
        .run(&mutated(seed), |bytes| {
            (check.borrow_mut())(&bytes);
            Ok(())
        })
        .unwrap();
}

fn config_with(identity: &str, extra: &str, dir: &Path) -> Config {
    let text = format!("[review]\nas_of = \"2026-12-31\"\n[identity]\npath = \"roster\"\n{identity}\n{extra}");
    Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap()
}

#[test]
fn roster_readers_of_every_preset_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let seeds = [
        ("generic", sample().join("hr.csv")),
        ("okta", sample().join("rosters/okta.csv")),
        ("entra", sample().join("rosters/entra.csv")),
        ("google", sample().join("rosters/google.csv")),
        ("bamboohr", sample().join("rosters/bamboohr.csv")),
        ("workday", sample().join("rosters/workday.tsv")),
    ];
    for (format, seed) in seeds {
        let identity = config_with(&format!("format = \"{format}\""), "", dir.path()).identity;
        let seed = std::fs::read(seed).unwrap();
        each_mutation(seed, |bytes| {
            let _ = Roster::from_bytes(bytes, Path::new("roster.csv"), &identity, as_of);
        });
    }
    // JSON bodies (BambooHR's API, Workday RaaS) go through the same reader.
    let identity = config_with("format = \"workday\"", "", dir.path()).identity;
    let seed = br#"{"Report_Entry": [{"Employee_ID": "1", "Email_Address": "a@x.example", "Active_Status": "Yes"}]}"#.to_vec();
    each_mutation(seed, |bytes| {
        let _ = Roster::from_bytes(bytes, Path::new("roster.json"), &identity, as_of);
    });
}

#[test]
fn the_csv_app_reader_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        "",
        "[[apps]]\nname = \"x\"\nkind = \"csv\"\npath = \"export.csv\"\nadmin_values = [\"Admin\"]\n[apps.columns]\naccount_id = \"id\"\nlast_login_at = \"last_login\"\ncreated_at = \"created\"\ngroups = \"groups\"\n",
        dir.path(),
    );
    let app = config.apps[0].clone();
    let cfg = app.options.get::<access_audit::collectors::csv_export::CsvAppConfig>().unwrap();
    let seed = b"id,email,name,role,last_login,created,groups\n1,ann@acme.com,Ann,Admin,2026-12-20,2024-01-01,a;b\n2,\"bob, jr\"@acme.com,\"Bob \"\"B\"\"\",User,12/01/2026 10:00 PM,,\n".to_vec();
    each_mutation(seed, |bytes| {
        std::fs::write(dir.path().join("export.csv"), bytes).unwrap();
        let _ = access_audit::collectors::csv_export::collect(&app, cfg);
    });
}

#[test]
fn the_config_parser_never_panics_nor_echoes_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = std::fs::read_to_string(sample().join("config.toml")).unwrap();
    // An inline secret (refused) and a secret reference: neither value may reach an error.
    seed.push_str(&format!(
        "\n[[apps]]\nname = \"inline\"\nkind = \"scim\"\nbase_url = \"https://x.example\"\nauth = {{ type = \"bearer\", token = \"{CANARY}\" }}\n"
    ));
    each_mutation(seed.into_bytes(), |bytes| {
        let text = String::from_utf8_lossy(bytes);
        if let Err(e) = Config::parse(&text, &dir.path().join("config.toml"), &access_audit::collectors::REGISTRY) {
            let message = e.to_string();
            // A mutation may split the canary; no part of 8 or more characters may show.
            let parts: Vec<&str> = CANARY.split('-').filter(|p| p.len() >= 5).collect();
            assert!(!parts.iter().any(|p| message.contains(p)), "a secret in a config error: {message}");
        }
    });
}

/// JSON values shaped like what the APIs send: the keys the mappings read, with values of any type.
fn json_item() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "id",
        "accountId",
        "account_id",
        "accountType",
        "emailAddress",
        "email",
        "email_address",
        "emails",
        "displayName",
        "display_name",
        "name",
        "active",
        "enabled",
        "status",
        "role",
        "roles",
        "groups",
        "group_memberships",
        "userName",
        "username",
        "UserID",
        "UserName",
        "IsActive",
        "IsQuarantined",
        "UserType",
        "LastLoginDate",
        "last_login",
        "last_authentication",
        "created_at",
        "createdAt",
        "enterpriseJoinDate",
        "lastLogin",
        "isEnterpriseAdmin",
        "perm_admin",
        "perm_view",
        "product_access",
        "productAccess",
        "last_active",
        "user",
        "meta",
        "value",
        "primary",
        "type",
        "firstName",
        "lastName",
        "entitlements",
        "url",
        "key",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "true",
            "False",
            "2026-12-31T10:00:00Z",
            "0000-00-00",
            "1790000000000",
            "<script>",
            "=1+1",
            "a@b.example",
            ""
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

#[test]
fn every_collector_mapping_takes_any_json() {
    let roles = vec!["admin".to_string(), "owner".to_string()];
    runner()
        .run(&json_item(), |v| {
            let _ = jsm::user_account(&v);
            let _ = jsm::org_account(&v, jsm::SiteKey::Host("acme.atlassian.net"));
            let _ = jsm::org_account(&v, jsm::SiteKey::CloudId(Some("c1")));
            let _ = bluejeans::user_account(&v);
            let _ = beyondtrust::v3_account(&v);
            let _ = beyondtrust::pra_account(&v);
            let _ = beyondtrust::ps_account(&v);
            let _ = scim::user_account(&v);
            let _ = scim::emails(&v);
            let _ = messagebird::guide_account(&v, &roles);
            let _ = messagebird::bird_account(&v, &roles);
            if let Some(s) = v.as_str() {
                let _ = bluejeans_events::jwt_exp(s);
            }
            Ok(())
        })
        .unwrap();
    runner()
        .run(&".{0,80}", |s| {
            let _ = bluejeans_events::jwt_exp(&s);
            let _ = bluejeans_events::jwt_exp(&format!("h.{s}.sig"));
            Ok(())
        })
        .unwrap();
}

/// A small pack to import decisions into and to diff against.
fn pack(dir: &Path) -> PathBuf {
    let config = common::small_company(dir, "");
    let out = dir.join("pack");
    assert_cmd::Command::cargo_bin("access-audit")
        .unwrap()
        .args(["-q", "run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn the_decisions_importer_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack(dir.path());
    let findings = std::fs::read_to_string(pack.join("findings.csv")).unwrap();
    let first_id = findings.lines().nth(1).and_then(|l| l.split(',').next()).unwrap_or("AA-0").to_string();
    let seed = format!(
        "finding_id,app,account_id,decision,reviewer,decided_on,comment\n{first_id},app,3,revoke,ann@acme.com,2027-01-05,left\n,app,1,keep,ann@acme.com,2027-01-05,\n"
    );
    let csv = dir.path().join("decisions.csv");
    each_mutation(seed.into_bytes(), |bytes| {
        std::fs::write(&csv, bytes).unwrap();
        let _ = access_audit::evidence::review::decisions::import(&csv, &pack, None);
    });
    // A workbook: the pack's own review.xlsx, mutated (a zip with XML inside), or random bytes.
    let xlsx = dir.path().join("filled.xlsx");
    let seed = std::fs::read(pack.join("review.xlsx")).unwrap();
    let mut runner = TestRunner::new(RunnerConfig { cases: cases().min(24), failure_persistence: None, ..RunnerConfig::default() });
    runner
        .run(&mutated(seed), |bytes| {
            std::fs::write(&xlsx, &bytes).unwrap();
            let _ = access_audit::evidence::review::decisions::import(&xlsx, &pack, None);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_diff_reader_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack(dir.path());
    let files = ["manifest.json", "accounts.csv", "findings.json", "coverage.csv"];
    for file in files {
        let seed = std::fs::read(pack.join(file)).unwrap();
        let mut n = 0;
        each_mutation(seed, |bytes| {
            n += 1;
            let current = dir.path().join(format!("cur-{n}"));
            std::fs::create_dir_all(&current).unwrap();
            for f in files {
                std::fs::copy(pack.join(f), current.join(f)).unwrap();
            }
            std::fs::write(current.join(file), bytes).unwrap();
            let _ = access_audit::evidence::diff::diff(
                &pack,
                &current,
                &dir.path().join(format!("out-{n}")),
                &access_audit::evidence::diff::TicketCheck::Offline,
            );
            std::fs::remove_dir_all(&current).unwrap();
            let _ = std::fs::remove_dir_all(dir.path().join(format!("out-{n}")));
        });
    }
}
