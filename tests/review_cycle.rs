//! The review cycle through the built binary: `verify` and signatures, `diff` between two
//! quarters, the reviewer workbook and `decisions import`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use access_audit::evidence::signing::EvidenceKey;

mod common;
use common::small_company;

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
    bin()
        .arg("verify")
        .arg(&out)
        .arg("--public-key")
        .arg(&right)
        .assert()
        .success()
        .stdout(predicate::str::contains("signature: valid (Ed25519"));
    bin()
        .arg("verify")
        .arg(&out)
        .arg("--public-key")
        .arg(&wrong)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SIGNATURE INVALID: signed with another key"));

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
    bin()
        .arg("verify")
        .arg(&out)
        .arg("--public-key")
        .arg(&right)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SIGNATURE INVALID: manifest.json is not the file that was signed"));
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
    bin().arg("verify").arg(&out).arg("--public-key").arg(d.join("public.pem")).assert().success();
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

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
