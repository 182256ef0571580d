//! `campaign remind`, the offline half: who gets a reminder (every reviewer with accounts still
//! pending), what it says (how many, how many recommended revoke, the due date, their packet),
//! who is copied (the reviewer's manager, `[campaign] escalate_after_days` past the due date), and
//! the record of what was sent or written (`campaign/reminders.jsonl`, the manifest). Sending is
//! not done here: `notify` sends, the command strings the two together.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::json;

use super::campaign::{campaign_roster, closed, due, require_plan};
use crate::config::Config;
use crate::evidence::pack::{io_error, read_decisions, read_pack_csv, set_outputs, EvidenceError, Pack, CAMPAIGN_DIR, REMINDERS_JSONL};
use crate::files;
use crate::findings::{RECOMMENDATION, RECOMMENDATIONS};
use crate::model::account as a;
use crate::report::MANIFEST_JSON;
use crate::signing::EvidenceKey;

/// One reviewer's reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub reviewer: String,
    /// Their name in the roster (empty when not there).
    pub name: String,
    /// Copied: the reviewer's manager, once the answer is `escalate_after_days` overdue.
    pub cc: Option<String>,
    pub pending: usize,
    /// Pending accounts recommended for revocation.
    pub revoke: usize,
    pub due: Option<String>,
    /// Days past the due date on the day of the reminder (0 before it).
    pub days_overdue: i64,
    /// Their packet: the pack's relative path and the file.
    pub packet: String,
    pub packet_path: PathBuf,
    pub subject: String,
    pub body: String,
}

/// Every reminder to send on `on`, reviewers in order, and warnings (an escalation without a
/// manager to copy).
pub fn reminders(report_dir: &Path, config: &Config, on: NaiveDate) -> Result<(Vec<Reminder>, Vec<String>), EvidenceError> {
    let pack = Pack::open(report_dir)?;
    let plan_path = require_plan(report_dir)?;
    let doc = pack.manifest_doc()?;
    if let Some((on, _)) = closed(&doc) {
        return Err(EvidenceError::File {
            file: report_dir.join(MANIFEST_JSON),
            detail: format!(
                "the campaign was closed on {on}: nobody is waited for. Reopen it first (campaign close --reopen) to remind reviewers"
            ),
        });
    }
    let (due, due_date) = due(&doc);
    let days_overdue = due_date.map(|d| (on - d).num_days().max(0)).unwrap_or(0);
    let escalate =
        config.campaign.as_ref().and_then(|c| c.escalate_after_days).is_some_and(|after| due_date.is_some() && days_overdue > after);

    let (plan, _) = read_pack_csv(&pack, &plan_path, &["reviewer", a::APP, a::ACCOUNT_ID, "scope", "file"], &[RECOMMENDATION])?;
    let decisions_path = report_dir.join(crate::report::DECISIONS_CSV);
    let decided: HashSet<(String, String)> = if decisions_path.exists() {
        read_decisions(&decisions_path)?.into_iter().filter(|d| d.subject == "account").map(|d| (d.app, d.account_id)).collect()
    } else {
        HashSet::new()
    };
    let col = |c: &str| -> Result<Vec<String>, EvidenceError> {
        Ok(plan.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let (reviewers, apps, ids, scope, files, recommendations) =
        (col("reviewer")?, col(a::APP)?, col(a::ACCOUNT_ID)?, col("scope")?, col("file")?, col(RECOMMENDATION)?);
    // Per reviewer: pending, recommended revoke, packet.
    let mut pending: BTreeMap<&str, (usize, usize, &str)> = BTreeMap::new();
    for i in 0..reviewers.len() {
        if scope[i] != "certify" || decided.contains(&(apps[i].clone(), ids[i].clone())) {
            continue;
        }
        let entry = pending.entry(reviewers[i].as_str()).or_insert((0, 0, files[i].as_str()));
        entry.0 += 1;
        entry.1 += (recommendations[i] == RECOMMENDATIONS[0]) as usize;
    }
    let as_of = NaiveDate::parse_from_str(&pack.manifest.as_of, "%Y-%m-%d").unwrap_or(on);
    let roster = if pending.is_empty() { None } else { Some(campaign_roster(&pack, config, as_of)?) };
    let review = &config.review.name;
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(pending.len());
    for (reviewer, (n, revoke, packet)) in pending {
        let person = roster.as_ref().and_then(|r| r.find(reviewer));
        let name = person.map(|p| p.name.clone()).unwrap_or_default();
        let cc = if escalate {
            let manager = person.and_then(|p| p.manager_email.clone()).filter(|m| !m.is_empty() && m != reviewer);
            if manager.is_none() {
                warnings.push(format!("{reviewer} is {days_overdue} days overdue, but the roster names no manager to copy"));
            }
            manager
        } else {
            None
        };
        let due_text = due.as_deref().map(|d| format!(", due {d}")).unwrap_or_default();
        let subject = if days_overdue > 0 {
            format!(
                "Overdue: {review}: {n} account(s) await your decision (due {}, {days_overdue} days ago)",
                due.as_deref().unwrap_or("?")
            )
        } else {
            format!("{review}: {n} account(s) await your decision{due_text}")
        };
        let packet_file = packet.rsplit('/').next().unwrap_or(packet).to_string();
        let mut body = vec![
            format!("Hello {},", if name.is_empty() { reviewer } else { name.as_str() }),
            String::new(),
            format!(
                "{n} account(s) in the access review \"{review}\" (as of {}) await your decision{}.",
                pack.manifest.as_of,
                if revoke > 0 { format!("; {revoke} of them are recommended for revocation") } else { String::new() }
            ),
            match (&due, days_overdue) {
                (Some(d), 0) => format!("Please answer by {d}."),
                (Some(d), late) => format!("The answers were due on {d}, {late} days ago: please answer now."),
                (None, _) => "Please answer as soon as you can.".into(),
            },
            String::new(),
            format!(
                "Your packet is attached ({packet_file}). On its sheet \"Accounts to certify\" decide keep, revoke or modify on every row \
                 (the rows recommended for revocation come first, each with its reason; keeping one of them needs a comment saying why), \
                 fill in decided_on, and send the file back."
            ),
        ];
        if let Some(manager) = &cc {
            body.push(String::new());
            body.push(format!("This reminder is copied to {manager}, as the answers are more than {} days overdue.", days_overdue - 1));
        }
        body.push(String::new());
        body.push(format!(
            "-- access-audit, for the review's owner{}",
            config.campaign.as_ref().and_then(|c| c.owner.as_deref()).map(|o| format!(" ({o})")).unwrap_or_default()
        ));
        out.push(Reminder {
            reviewer: reviewer.to_string(),
            name,
            cc,
            pending: n,
            revoke,
            due: due.clone(),
            days_overdue,
            packet: packet.to_string(),
            packet_path: report_dir.join(packet),
            subject,
            body: body.join("\r\n") + "\r\n",
        });
    }
    Ok((out, warnings))
}

/// What became of one reminder.
#[derive(Debug, Clone)]
pub struct Sent {
    pub reminder: Reminder,
    pub message_id: String,
    /// `Ok("sent")`, `Ok("written")`, or the failure.
    pub result: Result<String, String>,
    /// The .eml of a dry run (relative to the pack) and its digest.
    pub file: Option<(String, files::FileDigest)>,
}

/// Records what `campaign remind` did on `on`: one line per reminder appended to
/// `campaign/reminders.jsonl`, the outbox files and that file in the manifest, and the run in the
/// manifest's `campaign.reminders`.
pub fn record(report_dir: &Path, on: NaiveDate, dry_run: bool, sent: &[Sent], key: Option<&EvidenceKey>) -> Result<(), EvidenceError> {
    let pack = Pack::open(report_dir)?;
    let path = report_dir.join(CAMPAIGN_DIR).join(REMINDERS_JSONL);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut lines = String::new();
    for s in sent {
        let r = &s.reminder;
        let line = json!({
            "on": on.format("%Y-%m-%d").to_string(),
            "time": now,
            "to": r.reviewer,
            "cc": r.cc,
            "subject": r.subject,
            "message_id": s.message_id,
            "pending": r.pending,
            "recommended_revoke": r.revoke,
            "days_overdue": r.days_overdue,
            "packet": r.packet,
            "file": s.file.as_ref().map(|(f, _)| f.clone()),
            "result": match &s.result { Ok(what) => what.clone(), Err(e) => format!("failed: {e}") },
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let io = io_error;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io(&path))?;
    file.write_all(lines.as_bytes()).and_then(|_| file.sync_all()).map_err(io(&path))?;
    let (sha256, size) = crate::report::manifest::hash_file(&path).map_err(io(&path))?;
    let digest = files::FileDigest { sha256, size };
    let mut written: Vec<(String, &files::FileDigest)> = vec![(format!("{CAMPAIGN_DIR}/{REMINDERS_JSONL}"), &digest)];
    written.extend(sent.iter().filter_map(|s| s.file.as_ref().map(|(f, d)| (f.clone(), d))));
    let manifest_path = report_dir.join(MANIFEST_JSON);
    let mut doc = pack.manifest_doc()?;
    set_outputs(&mut doc, &manifest_path, |_| false, &written)?;
    let failed = sent.iter().filter(|s| s.result.is_err()).count();
    let entry = json!({
        "on": on.format("%Y-%m-%d").to_string(),
        "time": now,
        "dry_run": dry_run,
        "reminders": sent.len(),
        "escalated": sent.iter().filter(|s| s.reminder.cc.is_some()).count(),
        "failed": failed,
    });
    let campaign = doc["campaign"].as_object_mut().ok_or_else(|| EvidenceError::File {
        file: manifest_path.clone(),
        detail: "no campaign block: run `access-audit campaign plan` first".into(),
    })?;
    let list = campaign.entry("reminders").or_insert_with(|| json!([]));
    if let Some(list) = list.as_array_mut() {
        list.push(entry);
    }
    pack.write_manifest(&mut doc, key)?;
    Ok(())
}
