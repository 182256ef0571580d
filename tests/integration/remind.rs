//! `campaign remind`: reminders written for a dry run, sent through a real SMTP conversation
//! (a small server on 127.0.0.1 that refuses one recipient), escalated to managers past the due
//! date, and every one recorded.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::small_company;

fn bin() -> Command {
    Command::cargo_bin("access-audit").unwrap()
}

/// A message as the server received it: the envelope's recipients and the data.
#[derive(Debug, Clone)]
struct Received {
    recipients: Vec<String>,
    data: String,
}

/// An SMTP server on 127.0.0.1 (plain, as a relay on this machine is): accepts every message,
/// but answers 550 to a recipient containing `refuse`. Serves connections one after another.
fn smtp_server(refuse: &'static str) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut out) = stream else { continue };
            let mut input = BufReader::new(out.try_clone().unwrap());
            let _ = out.write_all(b"220 test ESMTP\r\n");
            let mut recipients = Vec::new();
            let mut line = String::new();
            loop {
                line.clear();
                if input.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let upper = line.to_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250-test\r\n250 8BITMIME\r\n"
                } else if upper.starts_with("MAIL FROM") {
                    recipients.clear();
                    b"250 2.1.0 ok\r\n"
                } else if upper.starts_with("RCPT TO") {
                    if line.contains(refuse) {
                        b"550 5.1.1 no such mailbox\r\n"
                    } else {
                        recipients.push(line[8..].trim().to_string());
                        b"250 2.1.5 ok\r\n"
                    }
                } else if upper.starts_with("DATA") {
                    let _ = out.write_all(b"354 go ahead\r\n");
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if input.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n" {
                            break;
                        }
                        data.push_str(&line);
                    }
                    store.lock().unwrap().push(Received { recipients: recipients.clone(), data });
                    b"250 2.0.0 queued\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                if out.write_all(reply).is_err() {
                    break;
                }
            }
        }
    });
    (port, inbox)
}

/// The small company by manager: boss certifies Ann's account, own@acme.com (the app's owner) the
/// leaver's and the strangers', badrev@acme.com Cat's; due 2027-01-31, escalation after 3 days.
fn planned(dir: &Path, notify: &str) -> (PathBuf, PathBuf) {
    let config = small_company(
        dir,
        &format!(
            "[campaign]\nby = \"manager\"\ndue = \"2027-01-31\"\nescalate_after_days = 3\nfallback_reviewer = \"ceo@acme.com\"\n{notify}"
        ),
    );
    std::fs::write(
        dir.join("hr.csv"),
        "email,employee_id,name,status,termination_date,manager_email\n\
         ann@acme.com,E1,Ann,active,,boss@acme.com\nbob@acme.com,E2,Bob,terminated,2026-11-01,boss@acme.com\n\
         boss@acme.com,E3,Boss,active,,ceo@acme.com\nown@acme.com,E4,Own,active,,\ncat@acme.com,E5,Cat,active,,badrev@acme.com\n\
         badrev@acme.com,E6,Bad Rev,active,,ceo@acme.com\nceo@acme.com,E7,Ceo,active,,\n",
    )
    .unwrap();
    let mut app = std::fs::read_to_string(dir.join("app.csv")).unwrap();
    app.push_str("6,cat@acme.com,Cat,User,2026-12-30,2026-01-01\n");
    std::fs::write(dir.join("app.csv"), app).unwrap();
    let text = std::fs::read_to_string(&config).unwrap().replacen("kind = \"csv\"\n", "kind = \"csv\"\nowner = \"own@acme.com\"\n", 1);
    std::fs::write(&config, text).unwrap();
    let out = dir.join("out");
    bin().args(["-q", "run", "--config"]).arg(&config).arg("--out").arg(&out).assert().success();
    bin().args(["-q", "campaign", "plan", "--report"]).arg(&out).arg("--config").arg(&config).assert().success();
    (config, out)
}

/// `campaign remind` on the report `out` with `config` and `args`.
fn remind(out: &Path, config: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    bin().args(["campaign", "remind"]).args(args).arg("--report").arg(out).arg("--config").arg(config).assert()
}

fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_dry_run_writes_one_email_per_reviewer_with_their_packet_and_copies_managers_when_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = planned(dir.path(), "[notify]\nhost = \"smtp.acme.example\"\nfrom = \"Access review <review@acme.com>\"\n");
    // Before the due date: nobody copied.
    remind(&out, &config, &["--dry-run", "--on", "2027-01-20"]).success().stdout(predicate::str::contains("3 reminder(s) written to"));
    let outbox = out.join("campaign/outbox");
    let own = std::fs::read_to_string(outbox.join("own_at_acme.com.eml")).unwrap();
    assert!(own.contains("To: own@acme.com") && !own.contains("Cc:"), "{own}");
    assert!(own.contains("From: \"Access review\" <review@acme.com>"), "{own}");
    assert!(own.contains("Subject: Test review: 3 account(s) await your decision, due 2027-01-31"), "{own}");
    assert!(own.contains("3 of them are recommended for revo"), "{own}");
    assert!(own.contains("filename=\"own_at_acme.com.xlsx\""), "the packet attached: {own}");
    // Ten days overdue, past escalate_after_days: the manager copied where the roster names one.
    remind(&out, &config, &["--dry-run", "--on", "2027-02-10"])
        .success()
        .stdout(predicate::str::contains("2 copied to the reviewer's manager"))
        .stderr(predicate::str::contains("own@acme.com is 10 days overdue, but the roster names no manager to copy"));
    let boss = std::fs::read_to_string(outbox.join("boss_at_acme.com.eml")).unwrap();
    assert!(boss.contains("Cc: ceo@acme.com") && boss.contains("Subject: Overdue: Test review"), "{boss}");
    let lines = jsonl(&out.join("campaign/reminders.jsonl"));
    assert_eq!(lines.len(), 6, "both runs recorded");
    assert!(lines.iter().all(|l| l["result"] == "written"));
    assert_eq!(lines[3]["to"], "badrev@acme.com");
    assert_eq!(lines[3]["cc"], "ceo@acme.com");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["campaign"]["reminders"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["campaign"]["reminders"][1]["escalated"], 2);
    bin().arg("verify").arg(&out).assert().success();
}

#[test]
fn reminders_go_through_smtp_and_a_refused_one_is_reported_after_the_rest_are_sent() {
    let (port, inbox) = smtp_server("badrev@");
    let dir = tempfile::tempdir().unwrap();
    let (config, out) =
        planned(dir.path(), &format!("[notify]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"review@acme.com\"\n"));
    remind(&out, &config, &["--on", "2027-02-10"])
        .code(1)
        .stdout(predicate::str::contains("2 reminder(s) sent, 2 copied to the reviewer's manager, 1 FAILED"))
        .stderr(predicate::str::contains("reminder to badrev@acme.com not sent").and(predicate::str::contains("550")));
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "{received:?}");
    let to_boss = received.iter().find(|m| m.recipients.iter().any(|r| r.contains("boss@acme.com"))).expect("boss's reminder");
    assert!(to_boss.recipients.iter().any(|r| r.contains("ceo@acme.com")), "the manager is a recipient: {:?}", to_boss.recipients);
    assert!(to_boss.data.contains("Cc: ceo@acme.com") && to_boss.data.contains("boss_at_acme.com.xlsx"));
    let lines = jsonl(&out.join("campaign/reminders.jsonl"));
    let result = |to: &str| lines.iter().find(|l| l["to"] == to).unwrap()["result"].as_str().unwrap().to_string();
    assert_eq!(result("boss@acme.com"), "sent");
    assert_eq!(result("own@acme.com"), "sent");
    assert!(result("badrev@acme.com").starts_with("failed: the server answered 550"), "{}", result("badrev@acme.com"));
    assert!(lines.iter().all(|l| l["message_id"].as_str().unwrap().ends_with("@access-audit.invalid>")));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["campaign"]["reminders"][0]["failed"], 1);
    bin().arg("verify").arg(&out).assert().success();
    // check connects and says hello, sending nothing.
    bin()
        .arg("check")
        .arg("--config")
        .arg(&config)
        .assert()
        .stdout(predicate::str::contains(format!("notify: SMTP 127.0.0.1:{port} (none): ok (connected; nothing sent)")));
    assert_eq!(inbox.lock().unwrap().len(), 2, "check sent nothing");
}

#[test]
fn remind_needs_a_server_or_a_dry_run_and_no_closed_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = planned(dir.path(), "");
    remind(&out, &config, &[]).code(2).stderr(predicate::str::contains("no [notify] section"));
    // A password over plain SMTP to another machine is refused when the config is read.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}[notify]\nhost = \"smtp.acme.example\"\ntls = \"none\"\nusername = \"u\"\npassword = {{ env = \"X\" }}\nfrom = \"r@acme.com\"\n"),
    )
    .unwrap();
    remind(&out, &config, &["--dry-run"])
        .code(1)
        .stderr(predicate::str::contains("notify.tls").and(predicate::str::contains("in the clear")));
    std::fs::write(&config, format!("{text}[notify]\nhost = \"smtp.acme.example\"\nfrom = \"r@acme.com\"\n")).unwrap();
    let with_owner = std::fs::read_to_string(&config).unwrap().replacen("[campaign]\n", "[campaign]\nowner = \"ceo@acme.com\"\n", 1);
    std::fs::write(&config, with_owner).unwrap();
    bin()
        .args(["-q", "campaign", "close", "--non-response", "keep", "--on", "2027-02-05", "--report"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .assert()
        .success();
    remind(&out, &config, &["--dry-run"]).code(1).stderr(predicate::str::contains("the campaign was closed on 2027-02-05"));
}
