//! `decisions import WORKBOOK --report DIR`: reads the reviewers' decisions from a filled
//! `review.xlsx` (or a CSV with the same columns), checks every row against the pack, and records
//! them: `decisions.csv`, the "Review decisions" section of `report.html`, and the manifest (the
//! two files re-hashed, the workbook's hash, re-signed when the pack was signed).
//!
//! Every problem is collected with its sheet and row before anything is written: a workbook with
//! one bad row changes nothing. Decisions merge with those already recorded (one workbook per
//! app owner is normal): a later decision on the same finding or account replaces the earlier.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use serde_json::json;

use crate::evidence::pack::{
    io_error, read_decisions, read_findings, read_pack_csv, set_outputs, sort_decisions, write_decisions, EvidenceError, Pack,
    ASSIGNMENTS_CSV, CAMPAIGN_DIR, DECISIONS_CSV,
};
use crate::files;
use crate::findings::{col_name as f, REASON, RECOMMENDATION, RECOMMENDATIONS};
use crate::model::account as a;
use crate::report::review::{decisions_section, replace_section, Decision, DECISIONS_BEGIN, DECISIONS_END};
use crate::report::workbook::{COMMENT, DECIDED_ON, DECISION, DECISIONS, REVIEWER};
use crate::report::{MANIFEST_JSON, REPORT_HTML};
use crate::signing::EvidenceKey;

/// What the import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub imported: usize,
    pub replaced: usize,
    pub total: usize,
    pub by_decision: BTreeMap<String, usize>,
    pub findings_with_decision: usize,
    pub findings: usize,
    /// Decisions of this import against the account's recommendation (a keep of a revoke, ...).
    pub against_recommendation: usize,
    pub signed: bool,
}

/// A cell as text; dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Float(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", *x as i64)
            } else {
                x.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_datetime().map(|t| t.date().format("%Y-%m-%d").to_string()).unwrap_or_else(|| dt.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A decision date: a date cell, or text written YYYY-MM-DD.
fn decided_on(d: &Data) -> Result<NaiveDate, String> {
    let parsed = match d {
        Data::DateTime(dt) => dt.as_datetime().map(|t| t.date()),
        Data::DateTimeIso(s) | Data::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .or_else(|| chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.date())),
        _ => None,
    };
    match parsed {
        Some(date) if (2000..=2099).contains(&chrono::Datelike::year(&date)) => Ok(date),
        Some(date) => Err(format!("decided_on {date}: expected a date between 2000 and 2099")),
        None => Err(format!("decided_on \"{}\": expected a date (a date cell, or text written YYYY-MM-DD)", cell_text(d))),
    }
}

/// A sheet as rows of cells with their 1-based row numbers.
struct Sheet {
    name: String,
    rows: Vec<(usize, Vec<Data>)>,
}

fn read_workbook(path: &Path) -> Result<(String, Vec<Sheet>), EvidenceError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| path.display().to_string());
    let err = |detail: String| EvidenceError::File { file: path.to_path_buf(), detail };
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let table = crate::csvio::read_file(path, None).map_err(|e| err(e.to_string()))?;
        let mut rows = vec![(1usize, table.headers.iter().map(|h| Data::String(h.clone())).collect())];
        rows.extend(table.rows.into_iter().map(|(line, cells)| (line, cells.into_iter().map(Data::String).collect())));
        return Ok((file_name, vec![Sheet { name: "(csv)".into(), rows }]));
    }
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| {
        err(format!("cannot open it as a workbook ({e}); expected the review.xlsx of a report, or a CSV with the same columns"))
    })?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).map_err(|e| err(format!("sheet {name}: {e}")))?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, r)| {
                // Cells left of the used range are empty: keep column positions as in the sheet.
                let mut cells = vec![Data::Empty; first_col as usize];
                cells.extend(r.iter().cloned());
                (first_row as usize + i + 1, cells)
            })
            .collect();
        sheets.push(Sheet { name, rows });
    }
    Ok((file_name, sheets))
}

/// What a finding id names, from the pack's findings.
struct FindingInfo {
    category: String,
    severity: String,
    app: String,
    account_id: String,
    email: String,
    display_name: String,
    excepted: bool,
}

pub(super) struct AccountInfo {
    pub(super) email: String,
    pub(super) display_name: String,
    /// `revoke`, `review`, `keep`; empty in a pack written before recommendations.
    pub(super) recommendation: String,
    pub(super) reason: String,
}

pub(super) struct PackIndex {
    findings: HashMap<String, FindingInfo>,
    /// (app, account_id) -> the account as the report listed it.
    pub(super) accounts: HashMap<(String, String), AccountInfo>,
    /// (app, account_id) -> the reviewer a campaign plan assigned (empty without a plan).
    pub(super) assigned: HashMap<(String, String), String>,
}

pub(super) fn index_pack(pack: &Pack) -> Result<PackIndex, EvidenceError> {
    let mut notes = Vec::new();
    let df = read_findings(pack, &mut notes)?;
    let text =
        |c: &str| -> Result<Vec<String>, EvidenceError> { Ok(df.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect()) };
    let (ids, cat, sev, app, acc, email, name, exc) = (
        text(f::FINDING_ID)?,
        text(f::CATEGORY)?,
        text(f::SEVERITY)?,
        text(f::APP)?,
        text(f::ACCOUNT_ID)?,
        text(f::EMAIL)?,
        text(f::DISPLAY_NAME)?,
        text(f::EXCEPTED)?,
    );
    let mut findings = HashMap::with_capacity(ids.len());
    for i in 0..ids.len() {
        findings.insert(
            ids[i].clone(),
            FindingInfo {
                category: cat[i].clone(),
                severity: sev[i].clone(),
                app: app[i].clone(),
                account_id: acc[i].clone(),
                email: email[i].clone(),
                display_name: name[i].clone(),
                excepted: exc[i] == "true",
            },
        );
    }
    let (accounts_df, _) =
        read_pack_csv(pack, crate::report::ACCOUNTS_CSV, &[a::APP, a::ACCOUNT_ID], &[a::EMAIL, a::DISPLAY_NAME, RECOMMENDATION, REASON])?;
    let col = |c: &str| -> Result<Vec<String>, EvidenceError> {
        Ok(accounts_df.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let (apps, ids, mut emails, mut names) = (col(a::APP)?, col(a::ACCOUNT_ID)?, col(a::EMAIL)?, col(a::DISPLAY_NAME)?);
    let (mut recommendations, mut reasons) = (col(RECOMMENDATION)?, col(REASON)?);
    let take = |v: &mut Vec<String>, i: usize| std::mem::take(&mut v[i]);
    let accounts = (0..apps.len())
        .map(|i| {
            let info = AccountInfo {
                email: take(&mut emails, i),
                display_name: take(&mut names, i),
                recommendation: take(&mut recommendations, i),
                reason: take(&mut reasons, i),
            };
            ((apps[i].clone(), ids[i].clone()), info)
        })
        .collect();
    let plan = format!("{}/{}", CAMPAIGN_DIR, ASSIGNMENTS_CSV);
    let assigned = if pack.dir.join(&plan).exists() {
        let (df, _) = read_pack_csv(pack, &plan, &["reviewer", a::APP, a::ACCOUNT_ID], &[])?;
        let col = |c: &str| -> Result<Vec<String>, EvidenceError> {
            Ok(df.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
        };
        let (reviewers, apps, ids) = (col("reviewer")?, col(a::APP)?, col(a::ACCOUNT_ID)?);
        (0..reviewers.len()).map(|i| ((apps[i].clone(), ids[i].clone()), reviewers[i].clone())).collect()
    } else {
        HashMap::new()
    };
    Ok(PackIndex { findings, accounts, assigned })
}

/// Reads and checks every decision of the workbook. Errors: one line per problem.
fn decisions_of(workbook: &Path, index: &PackIndex) -> Result<Vec<Decision>, EvidenceError> {
    let (file_name, sheets) = read_workbook(workbook)?;
    let mut problems: Vec<String> = Vec::new();
    let mut out: Vec<Decision> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut sheets_with_decisions = 0;
    for sheet in &sheets {
        let Some((header_row, header)) = sheet.rows.first() else { continue };
        let names: Vec<String> = header.iter().map(|c| cell_text(c).to_lowercase()).collect();
        let at = |n: &str| names.iter().position(|h| h == n);
        let where_ = |row: usize| {
            if sheet.name == "(csv)" {
                format!("{file_name}, line {row}")
            } else {
                format!("{file_name}, sheet {}, row {row}", sheet.name)
            }
        };
        let (fid, app, acc) = (at(f::FINDING_ID), at(a::APP), at(a::ACCOUNT_ID));
        let (dec, rev, date, com) = (at(DECISION), at(REVIEWER), at(DECIDED_ON), at(COMMENT));
        let delegated = at(crate::report::workbook::DELEGATED_BY);
        // A campaign packet: each row is decided by its assigned reviewer, or by a delegate who
        // names them.
        let packet = sheet.name == crate::report::workbook::CERTIFY_SHEET;
        let Some(dec) = dec else {
            if sheet.name != crate::report::workbook::INFORMATION_SHEET && (fid.is_some() || (app.is_some() && acc.is_some())) {
                problems
                    .push(format!("{}: no column \"decision\" (expected decision, reviewer, decided_on, comment)", where_(*header_row)));
            }
            continue; // the instructions sheet, or a sheet a reviewer added
        };
        sheets_with_decisions += 1;
        if fid.is_none() && (app.is_none() || acc.is_none()) {
            problems.push(format!(
                "{}: no column finding_id, nor app and account_id: nothing says what the decisions are about",
                where_(*header_row)
            ));
            continue;
        }
        for missing in [(REVIEWER, rev), (DECIDED_ON, date), (COMMENT, com)].iter().filter(|(_, i)| i.is_none()) {
            problems.push(format!("{}: no column \"{}\"", where_(*header_row), missing.0));
        }
        let empty = Data::Empty;
        for (row, cells) in sheet.rows.iter().skip(1) {
            let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).unwrap_or(&empty);
            let text = |i: Option<usize>| cell_text(get(i));
            let (decision, reviewer, comment) = (text(Some(dec)).to_lowercase(), text(rev), text(com));
            let date_cell = match get(date) {
                Data::String(s) if s.trim().is_empty() => &empty,
                d => d,
            };
            // Not reviewed: nothing filled in, or only the reviewer a campaign packet fills in.
            if decision.is_empty() && comment.is_empty() && matches!(date_cell, Data::Empty) {
                continue;
            }
            let here = where_(*row);
            let problems_before = problems.len();
            let mut bad = |m: String| problems.push(format!("{here}: {m}"));
            if decision.is_empty() {
                bad("date or comment filled in but no decision (keep, revoke or modify)".into());
                continue;
            }
            if !DECISIONS.contains(&decision.as_str()) {
                bad(format!("decision \"{}\": expected keep, revoke or modify", text(Some(dec))));
            }
            if reviewer.is_empty() {
                bad("no reviewer: say who decided".into());
            }
            let decided = match date_cell {
                Data::Empty => {
                    bad("no decided_on date".into());
                    None
                }
                d => match decided_on(d) {
                    Ok(d) => Some(d),
                    Err(m) => {
                        bad(m);
                        None
                    }
                },
            };
            if decision == "modify" && comment.is_empty() {
                bad("modify needs a comment saying what to change".into());
            }
            let mut delegation = None;
            if packet && !reviewer.is_empty() {
                let key = (text(app), text(acc));
                if let Some(assigned) = index.assigned.get(&key).filter(|r| !r.eq_ignore_ascii_case(&reviewer)) {
                    let by = text(delegated);
                    if by.eq_ignore_ascii_case(assigned) {
                        delegation = Some(format!("delegated by {assigned}"));
                    } else {
                        bad(format!(
                            "decided by {reviewer}, but account {} / {} is assigned to {assigned}: only they decide, or a delegate who names them in a \"{}\" column",
                            key.0,
                            key.1,
                            crate::report::workbook::DELEGATED_BY
                        ));
                    }
                }
            }
            let finding_id = text(fid);
            let (app_v, acc_v) = (text(app), text(acc));
            let decision_row = if fid.is_some() {
                match index.findings.get(&finding_id) {
                    None if finding_id.is_empty() => {
                        bad("no finding_id".into());
                        None
                    }
                    None => {
                        bad(format!(
                            "finding_id \"{finding_id}\" is not a finding of this report (a row from another review, or an edited id?)"
                        ));
                        None
                    }
                    Some(info) => {
                        if (app.is_some() && app_v != info.app) || (acc.is_some() && acc_v != info.account_id) {
                            bad(format!(
                                "finding {finding_id} is about {} / {}, but the row says {app_v} / {acc_v}: the row was edited",
                                info.app, info.account_id
                            ));
                        }
                        Some(Decision {
                            subject: "finding".into(),
                            finding_id: finding_id.clone(),
                            category: info.category.clone(),
                            severity: info.severity.clone(),
                            app: info.app.clone(),
                            account_id: info.account_id.clone(),
                            email: info.email.clone(),
                            display_name: info.display_name.clone(),
                            ..Decision::default()
                        })
                    }
                }
            } else {
                match index.accounts.get(&(app_v.clone(), acc_v.clone())) {
                    None => {
                        bad(format!("account {app_v} / {acc_v} is not an account of this report"));
                        None
                    }
                    Some(info) => Some(Decision {
                        subject: "account".into(),
                        app: app_v.clone(),
                        account_id: acc_v.clone(),
                        email: info.email.clone(),
                        display_name: info.display_name.clone(),
                        ..Decision::default()
                    }),
                }
            };
            let (Some(mut d), Some(decided)) = (decision_row, decided) else { continue };
            // The account's recommendation: a keep against a revoke needs the reviewer's why.
            let account = index.accounts.get(&(d.app.clone(), d.account_id.clone()));
            let recommendation = account.map(|i| i.recommendation.as_str()).unwrap_or("");
            if decision == "keep" && recommendation == RECOMMENDATIONS[0] && comment.is_empty() {
                problems.push(format!(
                    "{here}: keep of {} / {}, recommended revoke ({}): a keep against the recommendation needs a comment saying why",
                    d.app,
                    d.account_id,
                    account.map(|i| i.reason.as_str()).unwrap_or("")
                ));
            }
            if problems.len() > problems_before {
                continue; // a row with a problem records nothing, and is no reference for others
            }
            d.recommendation = recommendation.to_string();
            d.followed = Decision::follows(&decision, recommendation).map(|f| f.to_string()).unwrap_or_default();
            d.decision = decision;
            d.reviewer = reviewer;
            d.decided_on = decided.format("%Y-%m-%d").to_string();
            d.comment = comment;
            d.source = match &delegation {
                Some(how) => format!("{here} ({how})"),
                None => here.clone(),
            };
            match seen.get(&d.key()) {
                Some(&i) if out[i].decision != d.decision => problems.push(format!(
                    "{here}: decision {} contradicts {} ({}) for the same {}",
                    d.decision, out[i].decision, out[i].source, d.subject
                )),
                Some(_) => {}
                None => {
                    seen.insert(d.key(), out.len());
                    out.push(d);
                }
            }
        }
    }
    if sheets_with_decisions == 0 && problems.is_empty() {
        problems.push(format!("{file_name}: no sheet with a \"decision\" column; is this the review.xlsx of a report?"));
    }
    if !problems.is_empty() {
        return Err(EvidenceError::Decisions { file: workbook.to_path_buf(), problems });
    }
    Ok(out)
}

/// What [`store`] wrote: the rows, what the change counted, and the files' digests.
pub(super) type Stored<T> = (Vec<Decision>, T, Vec<(String, files::FileDigest)>);

/// The decisions a pack holds, changed by `change` (on the merged rows keyed by [`Decision::key`];
/// it returns what the caller counts), written back: `decisions.csv` and the report's "Review
/// decisions" section. Returns the rows as written, the count, and the two files' digests
/// (decisions.csv, report.html) for the manifest.
pub(super) fn store<T>(
    pack: &Pack,
    index: &PackIndex,
    change: impl FnOnce(&mut BTreeMap<String, Decision>) -> T,
) -> Result<Stored<T>, EvidenceError> {
    let report_dir = &pack.dir;
    let html_path = report_dir.join(REPORT_HTML);
    let html = std::fs::read_to_string(&html_path).map_err(|e| EvidenceError::File { file: html_path.clone(), detail: e.to_string() })?;
    if !html.contains(DECISIONS_BEGIN) || !html.contains(DECISIONS_END) {
        return Err(EvidenceError::File {
            file: html_path,
            detail: "no review-decisions section (written by an older version?): regenerate the report with `access-audit report` first"
                .into(),
        });
    }
    let csv_path = report_dir.join(DECISIONS_CSV);
    let mut merged: BTreeMap<String, Decision> = BTreeMap::new();
    if csv_path.exists() {
        for d in read_decisions(&csv_path)? {
            merged.insert(d.key(), d);
        }
    }
    let counted = change(&mut merged);
    let mut rows: Vec<Decision> = merged.into_values().collect();
    sort_decisions(&mut rows);

    let open: HashSet<&str> = index.findings.iter().filter(|(_, i)| !i.excepted).map(|(id, _)| id.as_str()).collect();
    let section = decisions_section(&rows, &open)?;
    let html = replace_section(&html, DECISIONS_BEGIN, DECISIONS_END, &section).unwrap_or(html);
    let io = io_error;
    let csv_digest = write_decisions(&csv_path, &rows).map_err(io(&csv_path))?;
    let html_digest = files::write_atomic(&html_path, html.as_bytes()).map_err(io(&html_path))?;
    Ok((rows, counted, vec![(DECISIONS_CSV.to_string(), csv_digest), (REPORT_HTML.to_string(), html_digest)]))
}

/// The manifest's `decisions` block: `entry` (an import) appended to its imports, the totals
/// (all, per decision, and by a non-response policy) set from `rows`. Returns the count per decision.
pub(super) fn record_totals(
    doc: &mut serde_json::Value,
    manifest_path: &Path,
    rows: &[Decision],
    entry: Option<serde_json::Value>,
) -> Result<BTreeMap<String, usize>, EvidenceError> {
    let mut by_decision: BTreeMap<String, usize> = BTreeMap::new();
    for d in rows {
        *by_decision.entry(d.decision.clone()).or_default() += 1;
    }
    let block =
        doc.as_object_mut().ok_or_else(|| EvidenceError::File { file: manifest_path.to_path_buf(), detail: "not an object".into() })?;
    let decisions = block.entry("decisions").or_insert_with(|| json!({"imports": []}));
    if let (Some(list), Some(entry)) = (decisions["imports"].as_array_mut(), entry) {
        list.push(entry);
    }
    decisions["total"] = json!(rows.len());
    decisions["by_decision"] = json!(by_decision);
    decisions["by_policy"] = json!(rows.iter().filter(|d| d.is_by_policy()).count());
    Ok(by_decision)
}

/// Imports `workbook` into the pack in `report_dir`. `key` re-signs a signed pack.
pub fn import(workbook: &Path, report_dir: &Path, key: Option<&EvidenceKey>) -> Result<ImportSummary, EvidenceError> {
    let pack = Pack::open(report_dir)?;
    pack.require_key(key, "importing", ". Pass --config with the config whose [evidence] signing_key signed it")?;
    if let Some((on, policy)) = super::campaign::closed(&pack.manifest_doc()?) {
        return Err(EvidenceError::File {
            file: report_dir.join(MANIFEST_JSON),
            detail: format!(
                "the campaign was closed on {on} (pending accounts decided {policy} by policy): nothing more is recorded. \
                 To record late decisions, reopen it first: access-audit campaign close --reopen --report {}",
                report_dir.display()
            ),
        });
    }
    let index = index_pack(&pack)?;
    let new = decisions_of(workbook, &index)?;
    let (rows, replaced, written) = store(&pack, &index, |merged| {
        let mut replaced = 0;
        for d in &new {
            if merged.insert(d.key(), d.clone()).is_some() {
                replaced += 1;
            }
        }
        replaced
    })?;
    let (csv_digest, html_digest) = (&written[0].1, &written[1].1);

    // The manifest: the two files re-hashed, the import recorded, everything else as it was.
    let manifest_path = report_dir.join(MANIFEST_JSON);
    let mut doc = pack.manifest_doc()?;
    set_outputs(&mut doc, &manifest_path, |_| false, &[(DECISIONS_CSV.to_string(), csv_digest), (REPORT_HTML.to_string(), html_digest)])?;
    let (sha, size) = crate::report::manifest::hash_file(workbook).map_err(io_error(workbook))?;
    let entry = json!({
        "workbook": workbook.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        "sha256": sha, "size": size,
        "decisions": new.len(), "replaced": replaced,
        "imported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let by_decision = record_totals(&mut doc, &manifest_path, &rows, Some(entry))?;
    pack.write_manifest(&mut doc, key)?;

    let findings_with_decision = rows.iter().filter(|d| d.subject == "finding" && index.findings.contains_key(&d.finding_id)).count();
    Ok(ImportSummary {
        imported: new.len(),
        replaced,
        total: rows.len(),
        by_decision,
        findings_with_decision,
        findings: index.findings.len(),
        against_recommendation: new.iter().filter(|d| d.followed == "false").count(),
        signed: key.is_some(),
    })
}
