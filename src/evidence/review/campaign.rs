//! Review campaigns: who certifies which account (`[campaign]` of the config, the roster's
//! managers, the apps' owners), and `campaign plan`, which writes one workbook per reviewer into
//! `campaign/` of a report directory with `assignments.csv` and `reviewers.csv`, and records them
//! in the manifest.
//!
//! Assignment, per account of the report (every live account is certified; disabled and
//! deactivated accounts are listed for information):
//! - matched to a person still with the company: that person's manager (`by = "manager"`), else
//!   the app's owner;
//! - no person (orphaned, unmatchable), a declared service account, or a terminated person: the
//!   app's owner;
//! - never the account's own person: a manager's own account goes one level up (skip level), an
//!   app owner's own account to the fallback reviewer;
//! - no manager or owner known, or a reviewer who is not an active person of the roster: the
//!   fallback reviewer, with a warning naming who lacked one. Without a fallback reviewer such an
//!   account is an error: no account is left unassigned.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use serde_json::json;

use crate::config::{Campaign, CampaignBy, Config};
use crate::evidence::pack::{
    io_error, read_pack_csv, safe_stem, set_outputs, EvidenceError, Pack, ASSIGNMENTS_CSV, CAMPAIGN_DIR, REVIEWERS_CSV,
};
use crate::files;
use crate::findings::{col_name as f, recommendation_rank, REASON, RECOMMENDATION, RECOMMENDATIONS};
use crate::model::account as a;
use crate::report::MANIFEST_JSON;
use crate::roster::{normalize_email, PersonStatus, Roster};
use crate::signing::EvidenceKey;

/// One account, as the assignment sees it.
#[derive(Debug, Clone, Default)]
pub struct Subject<'a> {
    pub app: &'a str,
    /// The matched person's email (none when the account matched no one).
    pub person: Option<&'a str>,
    pub person_terminated: bool,
    pub declared_service: bool,
}

/// Who certifies an account, why, and what went wrong on the way (a reviewer who lacked one).
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    pub reviewer: String,
    pub reason: String,
    pub warning: Option<String>,
}

/// The rules of the module doc, over one roster and one config.
pub struct Assigner<'a> {
    by: CampaignBy,
    owners: HashMap<&'a str, &'a str>,
    fallback: Option<&'a str>,
    roster: &'a Roster,
}

impl<'a> Assigner<'a> {
    pub fn new(config: &'a Config, campaign: &'a Campaign, roster: &'a Roster) -> Assigner<'a> {
        Assigner {
            by: campaign.by.unwrap_or_default(),
            owners: config.apps.iter().filter_map(|app| Some((app.name.as_str(), app.owner.as_deref()?))).collect(),
            fallback: campaign.fallback_reviewer.as_deref(),
            roster,
        }
    }

    fn active(&self, email: &str) -> bool {
        self.roster.position(email).is_some_and(|i| self.roster.people[i].status == PersonStatus::Active)
    }

    fn manager_of(&self, email: &str) -> Option<String> {
        let i = self.roster.position(email)?;
        self.roster.people[i].manager_email.clone().filter(|m| !m.is_empty())
    }

    /// The reviewer of one account; `Err` when it needs the fallback reviewer and none is set.
    pub fn assign(&self, s: &Subject) -> Result<Assigned, String> {
        let own = s.person.map(normalize_email);
        let owner = self.owners.get(s.app).map(|o| o.to_string());
        let with_person = own.is_some() && !s.declared_service && !s.person_terminated;
        let (mut candidate, mut reason, by_manager) = match (with_person, self.by) {
            (true, CampaignBy::Manager) => {
                let person = own.as_deref().unwrap_or_default();
                (self.manager_of(person), format!("manager of {person}"), true)
            }
            (true, CampaignBy::AppOwner) => (owner.clone(), format!("owner of app {}", s.app), false),
            (false, _) => {
                let why = if s.declared_service {
                    "a declared service account"
                } else if s.person_terminated {
                    "its person is terminated"
                } else {
                    "the account has no person"
                };
                (owner.clone(), format!("owner of app {} ({why})", s.app), false)
            }
        };
        // Never the account's own person.
        if candidate.is_some() && candidate == own {
            if by_manager {
                let me = candidate.take().unwrap_or_default();
                candidate = self.manager_of(&me).filter(|up| Some(up) != own.as_ref());
                reason = format!("skip level: manager of {me}, whose own account it is");
            } else {
                candidate = None;
                reason = format!("owner of app {}, whose own account it is", s.app);
            }
        }
        let lacking = match &candidate {
            None if reason.starts_with("manager of") || reason.starts_with("skip level") => {
                Some(format!("no manager in the roster for {}", own.as_deref().unwrap_or("?")))
            }
            None if reason.ends_with("whose own account it is") => Some(reason.clone()),
            None => Some(format!("app {} has no owner (set owner in its [[apps]] entry)", s.app)),
            Some(c) if !self.active(c) => Some(format!("reviewer {c} ({reason}) is not an active person of the roster")),
            Some(_) => None,
        };
        match (lacking, candidate) {
            (None, Some(reviewer)) => Ok(Assigned { reviewer, reason, warning: None }),
            // The fallback reviewer's own account: the app's owner, when there is one who can.
            (Some(why), _) if own.is_some() && self.fallback == own.as_deref() => match owner
                .filter(|o| Some(o) != own.as_ref() && self.active(o))
            {
                Some(o) => Ok(Assigned {
                    reviewer: o,
                    reason: format!("owner of app {}: the fallback reviewer's own account", s.app),
                    warning: None,
                }),
                None => Err(format!("{why}; and the fallback reviewer {} cannot certify their own account", own.as_deref().unwrap_or("?"))),
            },
            (Some(why), _) => match self.fallback {
                Some(f) => Ok(Assigned { reviewer: f.to_string(), reason: format!("fallback reviewer: {why}"), warning: Some(why) }),
                None => Err(why),
            },
            (None, None) => Err("no reviewer".into()),
        }
    }
}

/// Rows of the plan from `start` on, assigned: per row its reviewer, why, whether it is certified
/// (else listed for information) and its open findings; and what needed the fallback reviewer or
/// found none, counted.
#[derive(Default)]
struct Assignments {
    start: usize,
    reviewer: Vec<String>,
    reason: Vec<String>,
    certify: Vec<bool>,
    finding_ids: Vec<Option<String>>,
    warnings: BTreeMap<String, usize>,
    unassigned: BTreeMap<String, usize>,
}

/// The plan's `assignments.csv` (its path in the pack), or an error saying to plan first.
pub(super) fn require_plan(report_dir: &Path) -> Result<String, EvidenceError> {
    let plan_path = format!("{CAMPAIGN_DIR}/{ASSIGNMENTS_CSV}");
    if !report_dir.join(&plan_path).exists() {
        return Err(EvidenceError::File {
            file: report_dir.join(&plan_path),
            detail: "no campaign plan in this report: run `access-audit campaign plan` first".into(),
        });
    }
    Ok(plan_path)
}

/// A closed campaign's day and non-response policy (the manifest's `campaign.closed`).
pub(super) fn closed(manifest: &serde_json::Value) -> Option<(String, String)> {
    let c = manifest["campaign"]["closed"].as_object()?;
    let text = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
    Some((text("on"), text("non_response")))
}

/// The campaign's due date as the plan recorded it: as written, and as a date.
pub(super) fn due(manifest: &serde_json::Value) -> (Option<String>, Option<chrono::NaiveDate>) {
    let due = manifest["campaign"]["due"].as_str().map(str::to_string);
    let date = due.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    (due, date)
}

/// A file name for a reviewer's packet, safe on every system: the email's letters, digits, `.`,
/// `-` and `_`, `@` as `_at_`, at most 80 characters; `taken` resolves collisions (`-2`, `-3`).
pub fn packet_name(email: &str, taken: &mut std::collections::HashSet<String>) -> String {
    format!("{}.xlsx", safe_stem(&email.to_lowercase().replace('@', "_at_"), "reviewer", taken))
}

/// What `campaign plan` wrote.
#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub reviewers: usize,
    pub accounts: usize,
    pub information: usize,
    pub warnings: Vec<String>,
    pub signed: bool,
}

/// The account columns of a packet, as in accounts.csv.
const PACKET_COLUMNS: [&str; 15] = [
    a::APP,
    a::ACCOUNT_ID,
    a::DISPLAY_NAME,
    RECOMMENDATION,
    REASON,
    a::EMAIL,
    a::PERSON_EMAIL,
    a::PERSON_NAME,
    a::PERSON_STATUS,
    a::STATUS,
    a::ACCOUNT_TYPE,
    a::IS_ADMIN,
    a::ADMIN_REASON,
    a::GROUPS,
    a::LAST_LOGIN_AT,
];

/// The roster reviewers and managers come from: the config's file, or (with `[identity]
/// source`) the identity provider's users as the pack's accounts.csv recorded them.
pub(super) fn campaign_roster(pack: &Pack, config: &Config, as_of: chrono::NaiveDate) -> Result<Roster, EvidenceError> {
    let Some(app) = config.identity.source_app() else {
        return Roster::load(&config.identity, as_of)
            .map_err(|e| EvidenceError::File { file: config.identity.path.clone(), detail: e.to_string() });
    };
    let columns = [
        a::APP,
        a::ACCOUNT_ID,
        a::USERNAME,
        a::EMAIL,
        a::DISPLAY_NAME,
        a::STATUS,
        a::ACCOUNT_TYPE,
        a::EMPLOYEE_ID,
        a::MANAGER_EMAIL,
        a::DEPARTMENT,
    ];
    let (users, _) = read_pack_csv(pack, crate::report::ACCOUNTS_CSV, &columns, &[])?;
    let file = pack.dir.join(crate::report::ACCOUNTS_CSV);
    let roster = Roster::from_idp_accounts(app, &users).map_err(|e| EvidenceError::File { file: file.clone(), detail: e.to_string() })?;
    if roster.people.is_empty() {
        return Err(EvidenceError::File {
            file,
            detail: format!("the roster is the users of app {app} ([identity] source), and this report has none of its users"),
        });
    }
    Ok(roster)
}

/// The rows in packet order: by reviewer, then recommendation (revoke, review, keep), app and
/// account; rows alike keep their order. Reviewers are numbered in their sorted order and the rows
/// put in (reviewer, recommendation) buckets by counting, so only each bucket's few rows are
/// compared by app and account (a million rows: ~0.1 s, against ~0.6 s for a frame sort of the
/// four keys).
fn review_order(reviewer: &[String], rank: &[usize], apps: &StringChunked, account_ids: &StringChunked) -> Vec<usize> {
    let mut names: Vec<&str> = reviewer.iter().map(String::as_str).collect::<PlHashSet<_>>().into_iter().collect();
    names.sort_unstable();
    let number: PlHashMap<&str, usize> = names.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let ranks = rank.iter().max().map_or(1, |m| m + 1);
    let bucket: Vec<usize> = reviewer.iter().zip(rank).map(|(r, k)| number[r.as_str()] * ranks + k).collect();
    // Counting sort by bucket (stable), then each bucket by app and account (stable).
    let mut starts = vec![0usize; names.len() * ranks + 1];
    for b in &bucket {
        starts[b + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut order = vec![0usize; bucket.len()];
    for (row, b) in bucket.iter().enumerate() {
        order[next[*b]] = row;
        next[*b] += 1;
    }
    let key = |i: usize| (apps.get(i).unwrap_or(""), account_ids.get(i).unwrap_or(""));
    for w in starts.windows(2) {
        let rows = &mut order[w[0]..w[1]];
        if rows.len() > 1 {
            rows.sort_by(|x, y| key(*x).cmp(&key(*y)));
        }
    }
    order
}

/// `campaign plan`: assigns every account of the report in `report_dir`, writes the packets,
/// `assignments.csv` and `reviewers.csv` into `campaign/` (replacing an earlier plan), and
/// records them in the manifest (signed again with `key`).
pub fn plan(report_dir: &Path, config: &Config, key: Option<&EvidenceKey>) -> Result<PlanSummary, EvidenceError> {
    let started = std::time::Instant::now();
    let pack = Pack::open(report_dir)?;
    let campaign = config.campaign.clone().unwrap_or_default();
    pack.require_key(key, "planning", "; the config has no [evidence] signing_key")?;
    let as_of = chrono::NaiveDate::parse_from_str(&pack.manifest.as_of, "%Y-%m-%d").map_err(|_| EvidenceError::File {
        file: report_dir.join(MANIFEST_JSON),
        detail: format!("as_of \"{}\" is not a date", pack.manifest.as_of),
    })?;
    // The roster, and the report's accounts and findings, read side by side.
    let mut wanted: Vec<&str> = PACKET_COLUMNS.to_vec();
    wanted.push(a::DECLARED_SERVICE);
    let (roster, frames) = std::thread::scope(|scope| {
        let frames = scope.spawn(|| -> Result<_, EvidenceError> {
            let (accounts, _) = read_pack_csv(&pack, crate::report::ACCOUNTS_CSV, &wanted, &[])?;
            let (findings, _) =
                read_pack_csv(&pack, crate::report::FINDINGS_CSV, &[f::FINDING_ID, f::APP, f::ACCOUNT_ID, f::EXCEPTED], &[])?;
            Ok((accounts, findings))
        });
        let roster = campaign_roster(&pack, config, as_of);
        (roster, frames.join())
    });
    let roster = roster?;
    let (accounts, findings) = frames.unwrap_or_else(|_| {
        Err(EvidenceError::File { file: report_dir.join(crate::report::ACCOUNTS_CSV), detail: "its reader stopped unexpectedly".into() })
    })?;
    tracing::debug!("campaign plan: roster, accounts and findings read ({} ms)", started.elapsed().as_millis());
    let assigner = Assigner::new(config, &campaign, &roster);

    // Open findings per account (borrowed from the findings frame: no string copied per finding).
    let (ids, f_apps, f_accs, exc) = (
        findings.column(f::FINDING_ID)?.str()?,
        findings.column(f::APP)?.str()?,
        findings.column(f::ACCOUNT_ID)?.str()?,
        findings.column(f::EXCEPTED)?.str()?,
    );
    let mut open: PlHashMap<(&str, &str), Vec<&str>> = PlHashMap::with_capacity(findings.height());
    for i in 0..findings.height() {
        if exc.get(i) == Some("true") {
            continue;
        }
        open.entry((f_apps.get(i).unwrap_or(""), f_accs.get(i).unwrap_or(""))).or_default().push(ids.get(i).unwrap_or(""));
    }

    let col = |name: &str| accounts.column(name).and_then(|c| c.str().cloned());
    let (apps, account_ids, persons, pstatus, status, service) =
        (col(a::APP)?, col(a::ACCOUNT_ID)?, col(a::PERSON_EMAIL)?, col(a::PERSON_STATUS)?, col(a::STATUS)?, col(a::DECLARED_SERVICE)?);
    let n = accounts.height();
    // Rows are assigned a block per core, then put back in order.
    let assign_rows = |rows: std::ops::Range<usize>| {
        let mut part = Assignments { start: rows.start, ..Default::default() };
        for i in rows {
            let subject = Subject {
                app: apps.get(i).unwrap_or(""),
                person: persons.get(i).filter(|p| !p.is_empty()),
                person_terminated: pstatus.get(i) == Some("terminated"),
                declared_service: service.get(i) == Some("true"),
            };
            match assigner.assign(&subject) {
                Ok(x) => {
                    if let Some(w) = x.warning {
                        *part.warnings.entry(w).or_default() += 1;
                    }
                    part.reviewer.push(x.reviewer);
                    part.reason.push(x.reason);
                }
                Err(why) => {
                    *part.unassigned.entry(why).or_default() += 1;
                    part.reviewer.push(String::new());
                    part.reason.push(String::new());
                }
            }
            let live = crate::model::AccountStatus::parse(status.get(i).unwrap_or("")).is_none_or(|s| s.holds_access());
            part.certify.push(live);
            part.finding_ids.push(open.get(&(subject.app, account_ids.get(i).unwrap_or(""))).map(|v| v.join("; ")));
        }
        part
    };
    let workers = files::writers(4);
    let block = n.div_ceil(workers).max(1);
    let mut parts = files::in_parallel((0..n).step_by(block).map(|s| s..(s + block).min(n)).collect(), workers, assign_rows);
    parts.sort_by_key(|p| p.start);
    let mut all = Assignments::default();
    for part in parts {
        all.reviewer.extend(part.reviewer);
        all.reason.extend(part.reason);
        all.certify.extend(part.certify);
        all.finding_ids.extend(part.finding_ids);
        for (w, k) in part.warnings {
            *all.warnings.entry(w).or_default() += k;
        }
        for (w, k) in part.unassigned {
            *all.unassigned.entry(w).or_default() += k;
        }
    }
    let Assignments { reviewer, reason, certify, finding_ids, warnings, unassigned, .. } = all;
    tracing::debug!("campaign plan: assigned ({} ms)", started.elapsed().as_millis());
    if !unassigned.is_empty() {
        return Err(EvidenceError::File {
            file: config.file.clone(),
            detail: format!(
                "{} account(s) have no reviewer{}: {}",
                unassigned.values().sum::<usize>(),
                if campaign.fallback_reviewer.is_some() { "" } else { " and [campaign] has no fallback_reviewer" },
                unassigned.iter().map(|(w, n)| format!("{w} ({n})")).collect::<Vec<_>>().join("; ")
            ),
        });
    }
    let warnings: Vec<String> = warnings.into_iter().map(|(w, n)| format!("{w}: {n} account(s) went to the fallback reviewer")).collect();

    let accounts_n = certify.iter().filter(|c| **c).count();
    let rank: Vec<usize> = accounts.column(RECOMMENDATION)?.str()?.iter().map(|r| recommendation_rank(r.unwrap_or(""))).collect();
    // A reviewer's rows: revoke, review, keep, then by app and account. Only the row numbers are
    // sorted: the packets read every other column through `order` (no copy of the million-row frame).
    let order = review_order(&reviewer, &rank, &apps, &account_ids);
    let findings_column = StringChunked::from_iter_options("findings".into(), finding_ids.into_iter());
    let because_column = StringChunked::from_iter_values("assigned_because".into(), reason.iter().map(String::as_str));
    drop(reason);

    tracing::debug!("campaign plan: rows ordered ({} ms)", started.elapsed().as_millis());
    // Replace an earlier plan: moved aside when the new one is in place, removed once the new one
    // is recorded (files created right after thousands were deleted are slow on some file systems).
    let dir = report_dir.join(CAMPAIGN_DIR);
    let io = io_error;
    let replaced = report_dir.join(format!("{}{CAMPAIGN_DIR}-replaced", files::TEMP_PREFIX));
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced).map_err(io(&replaced))?;
    }
    // The new plan is written whole beside the earlier one and takes its place at the end.
    let staging = files::NewDir::create(&dir).map_err(io(&dir))?;

    // One packet per reviewer (a run of `order`), written a core at a time.
    let mut runs: Vec<(String, usize, usize)> = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let r = reviewer[i].as_str();
        match runs.last_mut() {
            Some((last, _, len)) if last == r => *len += 1,
            _ => runs.push((r.to_string(), k, 1)),
        }
    }
    let mut taken = std::collections::HashSet::new();
    let named: Vec<(String, String, usize, usize)> = runs.into_iter().map(|(r, s, l)| (packet_name(&r, &mut taken), r, s, l)).collect();
    let title_of = |r: &str| format!("{} — accounts for {r} to certify", config.review.name);
    let due = campaign.due.map(|d| d.0.format("%Y-%m-%d").to_string());
    // The packets read the plan's columns as text, row by row: no frame operation per packet.
    let header: Vec<&str> = PACKET_COLUMNS.iter().copied().chain(["findings", "assigned_because"]).collect();
    // Not rechunked: a read in pieces leaves a chunk per piece, and a row is found among so few
    // at no cost worth copying every string again (~0.5 s at a million rows).
    let mut text: Vec<StringChunked> =
        PACKET_COLUMNS.iter().map(|c| Ok(accounts.column(c)?.str()?.clone())).collect::<PolarsResult<_>>()?;
    text.extend([findings_column, because_column]);
    let text_refs: Vec<&StringChunked> = text.iter().collect();
    let write_one = |(file, reviewer, start, len): &(String, String, usize, usize)| -> Result<(String, files::FileDigest), EvidenceError> {
        let rows = &order[*start..start + len];
        let to_certify: Vec<usize> = rows.iter().copied().filter(|i| certify[*i]).collect();
        let info: Vec<usize> = rows.iter().copied().filter(|i| !certify[*i]).collect();
        let mut counts = [0usize; 3];
        for &i in &to_certify {
            if let Some(n) = counts.get_mut(rank[i]) {
                *n += 1;
            }
        }
        let lines = vec![
            format!("Reviewer: {reviewer}. Access review as of {}{}.", as_of.format("%Y-%m-%d"), due.as_ref().map(|d| format!("; answer by {d}")).unwrap_or_else(|| "; no due date set".into())),
            format!(
                "{} account(s) to certify: {} recommended revoke, {} to review, {} to keep. The rows are in that order; a revoke row is filled red; the reason column says why.",
                to_certify.len(), counts[0], counts[1], counts[2]
            ),
            format!("{}: a fact says the access should go (the person left, no person matches, no sign-in or an invitation unaccepted past the threshold, an expired credential). Keeping such a row needs a comment saying why.", RECOMMENDATIONS[0]),
            format!("{}: the access is privileged or unusual (admin, a local password beside single sign-on, granted outside the identity provider, no second factor, an agent seat): check it is still needed.", RECOMMENDATIONS[1]),
            format!("{}: nothing found against it; confirm it is still needed.", RECOMMENDATIONS[2]),
            String::new(),
            "For every row of \"Accounts to certify\", decide: keep (the access is right), revoke (remove it) or modify (change it; say how in the comment), and fill in decided_on.".into(),
            "The reviewer column holds your email: leave it. If someone decides for you, put their email there and yours in a delegated_by column.".into(),
            "\"For information\" lists accounts that hold no access (disabled, deactivated): nothing to decide.".into(),
            "Return the file to the review's coordinator, who records it with: access-audit decisions import <this file> --report <report directory>".into(),
        ];
        let packet = crate::report::workbook::Packet {
            title: &title_of(reviewer),
            as_of,
            lines: &lines,
            header: &header,
            columns: &text_refs,
            certify: &to_certify,
            information: &info,
            reviewer,
        };
        let path = dir.join(file);
        let bytes = crate::report::workbook::packet_bytes(&packet).map_err(io(&path))?;
        let digest = staging.write(file, &bytes).map_err(io(&path))?;
        Ok((file.clone(), digest))
    };
    tracing::debug!("campaign plan: packets prepared ({} ms)", started.elapsed().as_millis());
    // assignments.csv: every row, streamed from the plan's columns while the packets are written.
    let assignments_path = staging.path().join(ASSIGNMENTS_CSV);
    let column_of = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .map(|i| text_refs[i])
            .ok_or_else(|| EvidenceError::File { file: assignments_path.clone(), detail: format!("the plan has no column {name}") })
    };
    let write_assignments = || -> Result<files::FileDigest, EvidenceError> {
        let mut cols = Vec::new();
        for c in [a::APP, a::ACCOUNT_ID, a::PERSON_EMAIL, "assigned_because", RECOMMENDATION, REASON, "findings"] {
            cols.push(column_of(c)?);
        }
        let [app, id, person, because, recommendation, why, finding_ids] = cols[..] else { unreachable!("seven columns") };
        crate::report::csv::write_streamed(
            &assignments_path,
            &["reviewer", "app", "account_id", "person", "scope", "assigned_because", RECOMMENDATION, REASON, "finding_ids", "file"],
            |out| {
                for (file, r, start, len) in &named {
                    let file = format!("{CAMPAIGN_DIR}/{file}");
                    for &i in &order[*start..start + len] {
                        let scope = if certify[i] { "certify" } else { "information" };
                        let [app, id, person, because, recommendation, why, finding_ids] =
                            [app, id, person, because, recommendation, why, finding_ids].map(|c| c.get(i).unwrap_or(""));
                        out.row([r.as_str(), app, id, person, scope, because, recommendation, why, finding_ids, &file])?;
                    }
                }
                Ok(())
            },
        )
        .map_err(io(&assignments_path))
    };
    let (results, assignments) = std::thread::scope(|scope| {
        let assignments = scope.spawn(write_assignments);
        let packets = files::in_parallel(named.iter().collect(), files::writers(4), write_one);
        let assignments = assignments.join().unwrap_or_else(|_| {
            Err(EvidenceError::File { file: assignments_path.clone(), detail: "its writer stopped unexpectedly".into() })
        });
        (packets, assignments)
    });
    let assignments = assignments?;
    let mut digests: BTreeMap<String, files::FileDigest> = BTreeMap::new();
    for r in results {
        let (file, d) = r?;
        digests.insert(file, d);
    }

    tracing::debug!("campaign plan: packets and assignments.csv written ({} ms)", started.elapsed().as_millis());
    let finding_ids = column_of("findings")?;
    let mut reviewer_rows = Vec::new();
    for (file, r, start, len) in &named {
        let rows = &order[*start..start + len];
        let certify_n = rows.iter().filter(|i| certify[**i]).count();
        let findings_n: usize = rows.iter().map(|i| finding_ids.get(*i).map(|f| f.split("; ").count()).unwrap_or(0)).sum();
        let name = roster.position(r).map(|i| roster.people[i].name.clone()).unwrap_or_default();
        let d = &digests[file];
        reviewer_rows.push(vec![
            r.clone(),
            name,
            certify_n.to_string(),
            findings_n.to_string(),
            format!("{CAMPAIGN_DIR}/{file}"),
            d.sha256.clone(),
        ]);
    }
    let reviewers_path = staging.path().join(REVIEWERS_CSV);
    let reviewers =
        crate::report::csv::write_rows(&reviewers_path, &["reviewer", "name", "accounts", "findings", "file", "sha256"], &reviewer_rows)
            .map_err(io(&reviewers_path))?;
    staging.commit(&dir, &replaced).map_err(io(&dir))?;

    tracing::debug!("campaign plan: reviewers.csv ({} ms)", started.elapsed().as_millis());
    // The manifest: every campaign file, and what the plan was.
    let manifest_path = report_dir.join(MANIFEST_JSON);
    let mut doc: serde_json::Value = serde_json::from_slice(&pack.manifest_bytes)
        .map_err(|e| EvidenceError::File { file: manifest_path.clone(), detail: e.to_string() })?;
    let mut written: Vec<(String, &files::FileDigest)> = digests.iter().map(|(file, d)| (format!("{CAMPAIGN_DIR}/{file}"), d)).collect();
    written.push((format!("{CAMPAIGN_DIR}/{ASSIGNMENTS_CSV}"), &assignments));
    written.push((format!("{CAMPAIGN_DIR}/{REVIEWERS_CSV}"), &reviewers));
    let planned = format!("{CAMPAIGN_DIR}/");
    set_outputs(&mut doc, &manifest_path, |p| p.starts_with(&planned), &written)?;
    doc["campaign"] = json!({
        "by": campaign.by.unwrap_or_default().as_str(),
        "due": due,
        "fallback_reviewer": campaign.fallback_reviewer,
        "reviewers": named.len(),
        "accounts_to_certify": accounts_n,
        "accounts_for_information": n - accounts_n,
        "warnings": warnings,
        "planned_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    pack.write_manifest(&mut doc, key)?;
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced).map_err(io(&replaced))?;
    }
    Ok(PlanSummary { reviewers: named.len(), accounts: accounts_n, information: n - accounts_n, warnings, signed: key.is_some() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROSTER: &str = "email,employee_id,name,status,termination_date,manager_email\n\
        ceo@acme.com,E0,Cee,active,,ceo@acme.com\n\
        boss@acme.com,E1,Boss,active,,ceo@acme.com\n\
        ann@acme.com,E2,Ann,active,,boss@acme.com\n\
        bob@acme.com,E3,Bob,terminated,2026-11-01,boss@acme.com\n\
        lee@acme.com,E4,Lee,leave,,boss@acme.com\n\
        cid@acme.com,E5,Cid,active,,gone@acme.com\n\
        owner@acme.com,E6,Owner,active,,boss@acme.com\n\
        ex@acme.com,E7,Ex,terminated,2026-10-01,boss@acme.com\n";

    fn setup(campaign: &str) -> (Config, Roster) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hr.csv"), ROSTER).unwrap();
        let text = format!(
            "[identity]\npath = \"hr.csv\"\n{campaign}\n\
             [[apps]]\nname = \"crm\"\nkind = \"csv\"\npath = \"crm.csv\"\nowner = \"Owner@acme.com\"\n\
             [[apps]]\nname = \"wiki\"\nkind = \"csv\"\npath = \"wiki.csv\"\n\
             [[apps]]\nname = \"old\"\nkind = \"csv\"\npath = \"old.csv\"\nowner = \"ex@acme.com\"\n"
        );
        let config = Config::parse(&text, &dir.path().join("config.toml"), &crate::collectors::REGISTRY).unwrap();
        let roster = Roster::load(&config.identity, chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()).unwrap();
        (config, roster)
    }

    fn who(config: &Config, roster: &Roster, s: Subject) -> Result<(String, bool), String> {
        let campaign = config.campaign.clone().unwrap_or_default();
        Assigner::new(config, &campaign, roster).assign(&s).map(|x| (x.reviewer, x.warning.is_some()))
    }

    fn person<'a>(app: &'a str, p: &'a str) -> Subject<'a> {
        Subject { app, person: Some(p), ..Default::default() }
    }

    #[test]
    fn rows_go_by_reviewer_then_revoke_review_keep_then_app_and_account_ties_in_their_order() {
        let reviewer: Vec<String> = ["b@x", "a@x", "b@x", "a@x", "a@x", "a@x", "b@x"].iter().map(|s| s.to_string()).collect();
        let rank = [2, 2, 0, 0, 2, 1, 0];
        let apps = StringChunked::from_iter_values("app".into(), ["crm", "wiki", "crm", "crm", "crm", "crm", "crm"].into_iter());
        let ids = StringChunked::from_iter_values("id".into(), ["1", "9", "2", "5", "3", "4", "2"].into_iter());
        // a@x: revoke (3), review (5), keep crm/3 (4) before wiki/9 (1); b@x: revoke crm/2 twice
        // (2 then 6, as read), keep (0).
        assert_eq!(review_order(&reviewer, &rank, &apps, &ids), [3, 5, 4, 1, 2, 6, 0]);
        let none: Vec<String> = Vec::new();
        let empty = StringChunked::from_iter_values("x".into(), std::iter::empty::<&str>());
        assert!(review_order(&none, &[], &empty, &empty).is_empty());
    }

    #[test]
    fn every_assignment_rule() {
        let (c, r) = setup("[campaign]\nfallback_reviewer = \"Audit@acme.com\"");
        let ok = |s| who(&c, &r, s).unwrap();
        // A person still here: their manager.
        assert_eq!(ok(person("crm", "ann@acme.com")), ("boss@acme.com".into(), false));
        // A person on leave is still with the company: their manager.
        assert_eq!(ok(person("crm", "lee@acme.com")), ("boss@acme.com".into(), false));
        // A terminated person, no person, a declared service account: the app's owner.
        let terminated = Subject { person_terminated: true, ..person("crm", "bob@acme.com") };
        assert_eq!(ok(terminated), ("owner@acme.com".into(), false));
        assert_eq!(ok(Subject { app: "crm", ..Default::default() }), ("owner@acme.com".into(), false));
        let service = Subject { declared_service: true, ..person("crm", "ann@acme.com") };
        assert_eq!(ok(service), ("owner@acme.com".into(), false));
        // Never one's own account: the CEO manages themself, so one level up is themself again,
        // and the fallback reviewer decides; the owner's own orphan-like account goes to the fallback.
        assert_eq!(ok(person("crm", "ceo@acme.com")), ("audit@acme.com".into(), true));
        let owners_own = Subject { declared_service: true, ..person("crm", "owner@acme.com") };
        assert_eq!(ok(owners_own), ("audit@acme.com".into(), true));
        // No owner, a manager not in the roster, an owner who left: the fallback, with a warning.
        assert_eq!(ok(Subject { app: "wiki", ..Default::default() }), ("audit@acme.com".into(), true));
        assert_eq!(ok(person("crm", "cid@acme.com")), ("audit@acme.com".into(), true));
        assert_eq!(ok(Subject { app: "old", ..Default::default() }), ("audit@acme.com".into(), true));
    }

    #[test]
    fn the_fallback_reviewers_own_account_goes_to_the_app_owner() {
        let (c, r) = setup("[campaign]\nfallback_reviewer = \"ceo@acme.com\"");
        // The CEO has no manager but themself: their account would fall back to themself.
        assert_eq!(who(&c, &r, person("crm", "ceo@acme.com")).unwrap(), ("owner@acme.com".into(), false));
        // An app without an owner leaves no one: an error that says so.
        let e = who(&c, &r, person("wiki", "ceo@acme.com")).unwrap_err();
        assert!(e.contains("cannot certify their own account"), "{e}");
    }

    #[test]
    fn by_app_owner_and_skip_level() {
        let (c, r) = setup("[campaign]\nby = \"app_owner\"\nfallback_reviewer = \"audit@acme.com\"");
        assert_eq!(who(&c, &r, person("crm", "ann@acme.com")).unwrap(), ("owner@acme.com".into(), false));
        // The owner's own account is not theirs to certify.
        assert_eq!(who(&c, &r, person("crm", "owner@acme.com")).unwrap(), ("audit@acme.com".into(), true));
        // By manager, a manager's own account goes to their manager.
        let (c, r) = setup("[campaign]\nfallback_reviewer = \"audit@acme.com\"");
        assert_eq!(who(&c, &r, person("crm", "boss@acme.com")).unwrap(), ("ceo@acme.com".into(), false));
    }

    #[test]
    fn without_a_fallback_an_account_without_reviewer_is_an_error_naming_why() {
        let (c, r) = setup("");
        let e = who(&c, &r, Subject { app: "wiki", ..Default::default() }).unwrap_err();
        assert!(e.contains("app wiki has no owner"), "{e}");
        assert_eq!(who(&c, &r, person("crm", "ann@acme.com")).unwrap(), ("boss@acme.com".into(), false));
    }

    #[test]
    fn packet_names_are_safe_and_unique() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(packet_name("Ann.Lee@acme.com", &mut taken), "ann.lee_at_acme.com.xlsx");
        assert_eq!(packet_name("ann.lee@ACME.com", &mut taken), "ann.lee_at_acme.com-2.xlsx");
        assert_eq!(packet_name("../x y:z@evil", &mut taken), "_x_y_z_at_evil.xlsx");
        assert_eq!(packet_name("", &mut taken), "reviewer.xlsx");
        assert!(packet_name(&"a".repeat(300), &mut taken).len() <= 85);
    }
}
