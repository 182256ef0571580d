//! Writing a report: the output directory checked, every file written (two at a time, largest
//! first), the manifest last.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use super::error::{io, ReportError};
use super::input::{ReportInput, ReportSummary};
use super::matrix::access_matrix;
use super::names::*;
use super::{csv, html, manifest, review, workbook};
use crate::files;
use crate::findings::{col_name as f, CATEGORIES, SEVERITIES};
use crate::model::{account as a, CoverageRecord, COVERAGE_COMPLETE};
use crate::signing::EvidenceKey;

/// Whether a report may be written into `out`: it does not exist, is empty, is a pack this tool
/// wrote (its `manifest.json` says `"tool": "access-audit"`; the pack is then replaced), or holds
/// only files this tool writes (a run interrupted before its manifest). Anything else, such as a
/// home directory or someone's documents, is refused unless `force`.
pub fn check_output_dir(out: &Path, force: bool) -> Result<(), ReportError> {
    if force || !out.exists() {
        return Ok(());
    }
    let manifest: Option<serde_json::Value> = std::fs::read(out.join(MANIFEST_JSON)).ok().and_then(|b| serde_json::from_slice(&b).ok());
    if manifest.is_some_and(|m| m["tool"] == "access-audit") {
        return Ok(());
    }
    let ours = |name: &str, is_dir: bool| -> bool {
        if is_dir {
            return name == "snapshot" || name == "campaign" || name == "remediation";
        }
        [
            REPORT_HTML,
            FINDINGS_CSV,
            FINDINGS_JSON,
            FINDINGS_OCSF_JSON,
            ACCOUNTS_CSV,
            MATRIX_CSV,
            COVERAGE_CSV,
            ROSTER_ISSUES_CSV,
            MANIFEST_JSON,
            workbook::REVIEW_XLSX,
            DECISIONS_CSV,
            crate::signing::SIGNATURE_FILE,
        ]
        .contains(&name)
            || CATEGORIES.iter().any(|c| c.file == name)
    };
    let foreign = files::foreign_entries(out, ours).map_err(io(out))?;
    if foreign.is_empty() {
        return Ok(());
    }
    Err(ReportError::NotAPack { dir: out.to_path_buf(), found: crate::text::first_of(&foreign, 3) })
}

/// Writes every output into `out`. Returns the summary.
pub fn write_report(out: &Path, input: &ReportInput) -> Result<ReportSummary, ReportError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    // The key first: a key that cannot be read stops the report before anything is replaced.
    let key = input.config.evidence.signing_key.as_ref().map(EvidenceKey::load).transpose()?;
    let manifest_path = out.join(MANIFEST_JSON);
    for stale in [manifest_path.clone(), out.join(crate::signing::SIGNATURE_FILE)] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(io(&stale))?;
        }
    }
    // Every output is a job; two workers take the largest first. Each job hashes its file while
    // writing it, so the manifest reads nothing back.
    let t = std::time::Instant::now();
    let common = input.findings.all.select(crate::findings::COMMON_COLUMNS)?;
    let accounts = with_app_complete(accounts_export(input.accounts, &input.findings.recommendations)?, input.coverage)?;
    let mut by_category: BTreeMap<&str, DataFrame> = BTreeMap::new();
    for cat in CATEGORIES {
        if let Some(df) = input.findings.by_category.get(cat.name()) {
            by_category.insert(cat.name(), with_app_complete(df.clone(), input.coverage)?);
        }
    }
    let workbook_contents = workbook::contents(input, &accounts, &by_category)?;
    let matrix = access_matrix(input)?;
    tracing::debug!("access matrix: {} ms", t.elapsed().as_millis());
    let issue_rows: Vec<Vec<String>> =
        input.roster.issues.iter().map(|i| vec![i.file.clone(), i.line.to_string(), i.reason.clone()]).collect();
    let inputs = manifest::hash_files(&input.inputs).map_err(|(path, source)| ReportError::Io { path, source })?;
    let inputs = manifest::relative_to_pack(out, &inputs);
    let summary = summarize(out, input);
    tracing::debug!("inputs hashed: {} ms", t.elapsed().as_millis());

    type Job<'a> = (String, usize, Box<dyn FnOnce(&Path) -> std::io::Result<files::FileDigest> + Send + 'a>);
    let mut jobs: Vec<Job> = vec![
        (ACCOUNTS_CSV.into(), accounts.height() * 3 / 2, Box::new(|p| csv::write_frame(p, &accounts))),
        (FINDINGS_JSON.into(), common.height() * 4, Box::new(|p| write_findings_json(p, input))),
        (FINDINGS_OCSF_JSON.into(), common.height() * 8, Box::new(|p| super::ocsf::write(p, input))),
        (FINDINGS_CSV.into(), common.height() * 2 / 3, Box::new(|p| csv::write_frame(p, &common))),
    ];
    for cat in CATEGORIES {
        if let Some(df) = by_category.get(cat.name()) {
            jobs.push((cat.file.into(), df.height(), Box::new(move |p| csv::write_frame(p, df))));
        }
    }
    let matrix_ref = &matrix;
    jobs.push((
        MATRIX_CSV.into(),
        matrix.rows.len(),
        Box::new(move |p| csv::write_rows(p, &matrix_ref.header.iter().map(String::as_str).collect::<Vec<_>>(), &matrix_ref.rows)),
    ));
    jobs.push((COVERAGE_CSV.into(), 1, Box::new(|p| coverage_csv(p, input.coverage))));
    let (accounts_ref, categories_ref, contents_ref) = (&accounts, &by_category, &workbook_contents);
    // Weights: the workbook costs ~6 µs a row, accounts.csv ~1.4 µs, findings.json ~4 µs.
    let listed_rows: usize = workbook_contents.app_sheets.iter().chain(&workbook_contents.category_sheets).map(|s| s.rows).sum();
    jobs.push((
        workbook::REVIEW_XLSX.into(),
        listed_rows * 6,
        Box::new(move |p| workbook::write(p, input, accounts_ref, categories_ref, contents_ref)),
    ));
    jobs.push((ROSTER_ISSUES_CSV.into(), 1, Box::new(|p| csv::write_rows(p, &["file", "line", "reason"], &issue_rows))));
    let (inputs_ref, summary_ref) = (&inputs, &summary);
    jobs.push((
        REPORT_HTML.into(),
        1,
        Box::new(move |p| {
            let open = input.findings.open_ids().map_err(std::io::Error::other)?;
            let open: std::collections::HashSet<&str> = open.iter().map(String::as_str).collect();
            let decisions = review::decisions_section(&input.decisions, &open).map_err(std::io::Error::other)?;
            let page = html::render(input, matrix_ref, inputs_ref, summary_ref, &decisions).map_err(std::io::Error::other)?;
            files::write_atomic(p, page.as_bytes())
        }),
    ));
    jobs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let results = files::in_parallel(jobs, 2, |(name, _, job)| {
        let started = std::time::Instant::now();
        let result = job(&out.join(&name));
        tracing::debug!("{name}: {} ms", started.elapsed().as_millis());
        (name, result)
    });
    let mut written = Vec::new();
    for (name, result) in results {
        let path = out.join(&name);
        let digest = result.map_err(io(&path))?;
        written.push((name, digest));
    }
    if let Some(path) = &input.decisions_file {
        let (sha256, size) = manifest::hash_file(path).map_err(io(path))?;
        written.push((DECISIONS_CSV.into(), files::FileDigest { sha256, size }));
    }
    // A campaign planned and revocations remediated in the pack this report replaces stay with it
    // (packets are out with the reviewers; applied.jsonl records changes made): listed, and said.
    for dir in ["campaign", "remediation"] {
        let Ok(entries) = std::fs::read_dir(out.join(dir)) else { continue };
        let mut kept: Vec<String> =
            entries.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        kept.sort();
        for name in &kept {
            let path = out.join(dir).join(name);
            let (sha256, size) = manifest::hash_file(&path).map_err(io(&path))?;
            written.push((format!("{dir}/{name}"), files::FileDigest { sha256, size }));
        }
        if !kept.is_empty() {
            tracing::warn!(
                "{dir}/ of the earlier report in {} is kept and listed in the manifest ({} file(s)); {}",
                out.display(),
                kept.len(),
                if dir == "campaign" {
                    "run `campaign plan` again if the accounts changed"
                } else {
                    "run `remediate` again for this report's decisions"
                }
            );
        }
    }
    written.sort_by(|a, b| a.0.cmp(&b.0));

    manifest::write(&manifest_path, input, &inputs, &written, &workbook_contents, key.as_ref())?;
    Ok(summary.clone())
}

fn summarize(out: &Path, input: &ReportInput) -> ReportSummary {
    let mut open_by_severity: BTreeMap<String, usize> = SEVERITIES.iter().map(|s| (s.to_string(), 0)).collect();
    let mut excepted = 0;
    let all = &input.findings.all;
    if let (Ok(sev), Ok(exc)) =
        (all.column(f::SEVERITY).and_then(|c| c.str().cloned()), all.column(f::EXCEPTED).and_then(|c| c.bool().cloned()))
    {
        for (s, e) in sev.iter().zip(exc.iter()) {
            if e.unwrap_or(false) {
                excepted += 1;
            } else if let Some(s) = s {
                *open_by_severity.entry(s.to_string()).or_default() += 1;
            }
        }
    }
    ReportSummary {
        out_dir: out.to_path_buf(),
        accounts: input.accounts.height(),
        open: open_by_severity.values().sum(),
        open_by_severity,
        excepted,
        incomplete_apps: input.coverage.iter().filter(|c| c.status != COVERAGE_COMPLETE).map(|c| c.app.clone()).collect(),
    }
}

/// The account columns of accounts.csv, in order (before the recommendation, its reason and
/// `app_complete`).
const EXPORTED_ACCOUNT_COLUMNS: [&str; 28] = [
    a::APP,
    a::APP_KIND,
    a::ACCOUNT_ID,
    a::USERNAME,
    a::EMAIL,
    a::OTHER_EMAILS,
    a::DISPLAY_NAME,
    a::STATUS,
    a::ACCOUNT_TYPE,
    a::IS_ADMIN,
    a::ADMIN_REASON,
    a::CREATED_AT,
    a::LAST_LOGIN_AT,
    a::INVITED_AT,
    a::GROUPS,
    a::AUTH_SOURCE,
    a::MFA,
    a::EMPLOYEE_ID,
    a::MANAGER_EMAIL,
    a::DEPARTMENT,
    a::MATCH_METHOD,
    a::PERSON_ID,
    a::PERSON_EMAIL,
    a::PERSON_NAME,
    a::PERSON_STATUS,
    a::PERSON_TERMINATION_DATE,
    a::DECLARED_SERVICE,
    a::OVERRIDE_REASON,
];

/// The accounts as exported: the SPEC §4 fields, the correlation columns, then the reviewer's
/// recommendation and its reason (and, added later, whether the app's collection was complete).
fn accounts_export(accounts: &DataFrame, recommendations: &DataFrame) -> PolarsResult<DataFrame> {
    let wanted = EXPORTED_ACCOUNT_COLUMNS;
    let (rec, reason) = (crate::findings::RECOMMENDATION, crate::findings::REASON);
    // The recommendations are made for these accounts in this order (by app and account id):
    // then their two columns are put beside the accounts' as they are, with no join (a hash join
    // on two text keys over every account: about a second at 5M accounts).
    let same = |c: &str| -> PolarsResult<bool> {
        Ok(accounts.column(c)?.as_materialized_series().equals_missing(recommendations.column(c)?.as_materialized_series()))
    };
    let same_rows = accounts.height() == recommendations.height() && same(a::APP)? && same(a::ACCOUNT_ID)?;
    if same_rows {
        let mut out = accounts.select(wanted)?;
        out.hstack_mut(&[recommendations.column(rec)?.clone(), recommendations.column(reason)?.clone()])?;
        return Ok(out);
    }
    let keys = [col(a::APP), col(a::ACCOUNT_ID)];
    let mut join = JoinArgs::new(JoinType::Left);
    join.maintain_order = MaintainOrderJoin::Left;
    let mut columns: Vec<Expr> = wanted.iter().map(|c| col(*c)).collect();
    columns.push(col(rec));
    columns.push(col(reason));
    accounts
        .clone()
        .lazy()
        .select(wanted.iter().map(|c| col(*c)).collect::<Vec<_>>())
        .join(recommendations.clone().lazy(), keys.clone(), keys, join)
        .select(columns)
        .collect()
}

/// Adds `app_complete` (whether the row's app was collected completely) as the last column.
fn with_app_complete(mut df: DataFrame, coverage: &[CoverageRecord]) -> PolarsResult<DataFrame> {
    let incomplete: std::collections::HashSet<&str> =
        coverage.iter().filter(|c| c.status != COVERAGE_COMPLETE).map(|c| c.app.as_str()).collect();
    let flags: BooleanChunked = df.column(a::APP)?.str()?.iter().map(|app| Some(!app.is_some_and(|x| incomplete.contains(x)))).collect();
    df.with_column(Column::from(flags.into_series().with_name(a::APP_COMPLETE.into())))?;
    Ok(df)
}

fn coverage_csv(path: &Path, coverage: &[CoverageRecord]) -> std::io::Result<files::FileDigest> {
    let header = [
        "app",
        "app_kind",
        "status",
        "accounts_collected",
        "total_reported",
        "pages",
        "requests",
        "retries",
        "throttled_429",
        "duplicates_dropped",
        "last_login_known",
        "source",
        "errors",
        "notes",
    ];
    let rows: Vec<Vec<String>> = coverage
        .iter()
        .map(|c| {
            vec![
                c.app.clone(),
                c.app_kind.clone(),
                c.status.to_string(),
                c.accounts_collected.to_string(),
                c.total_reported.map(|t| t.to_string()).unwrap_or_default(),
                c.pages.to_string(),
                c.requests.to_string(),
                c.retries.to_string(),
                c.throttled.to_string(),
                c.duplicates_dropped.to_string(),
                c.last_login_known.to_string(),
                c.source.clone(),
                c.errors.join(" | "),
                c.notes.join(" | "),
            ]
        })
        .collect();
    csv::write_rows(path, &header, &rows)
}

/// `findings.json`: the findings for machines (SIEM / GRC import). Streamed, one finding per line,
/// so a million findings never sit in memory as JSON values.
fn write_findings_json(path: &Path, input: &ReportInput) -> std::io::Result<files::FileDigest> {
    use std::io::Write;
    let all = &input.findings.all;
    let names: Vec<String> = all.get_column_names().iter().map(|s| s.to_string()).collect();
    let incomplete: Vec<&str> = input.coverage.iter().filter(|c| c.status != COVERAGE_COMPLETE).map(|c| c.app.as_str()).collect();
    let json = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    files::write_atomic_with(path, |w| {
        writeln!(w, "{{")?;
        writeln!(w, "  \"tool\": \"access-audit\",")?;
        writeln!(w, "  \"tool_version\": {},", json(env!("CARGO_PKG_VERSION")))?;
        writeln!(w, "  \"review\": {},", json(&input.config.review.name))?;
        writeln!(w, "  \"as_of\": \"{}\",", input.as_of.format("%Y-%m-%d"))?;
        writeln!(w, "  \"incomplete_apps\": {},", serde_json::to_string(&incomplete).map_err(std::io::Error::other)?)?;
        writeln!(w, "  \"findings\": [")?;
        // Each finding as a compact JSON object with its keys in sorted order (as serde_json's
        // map writes them), written field by field: no map per row.
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|a, b| names[*a].cmp(&names[*b]));
        let keys: Vec<String> = order.iter().map(|i| format!("{}:", json(&names[*i]))).collect();
        let mut first = true;
        csv::for_each_text_row(all, |cells| {
            w.write_all(if first { b"    {" } else { b",\n    {" })?;
            first = false;
            for (k, &i) in order.iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(keys[k].as_bytes())?;
                match (names[i].as_str(), cells[i]) {
                    (f::EXCEPTED, Some(v)) => w.write_all(if v == "true" { b"true" } else { b"false" })?,
                    (f::CONTROLS, Some(v)) => {
                        w.write_all(b"[")?;
                        for (n, part) in v.split("; ").enumerate() {
                            if n > 0 {
                                w.write_all(b",")?;
                            }
                            serde_json::to_writer(&mut *w, part).map_err(std::io::Error::other)?;
                        }
                        w.write_all(b"]")?;
                    }
                    (_, Some(v)) if !v.is_empty() => serde_json::to_writer(&mut *w, v).map_err(std::io::Error::other)?,
                    _ => w.write_all(b"null")?,
                }
            }
            w.write_all(b"}")
        })?;
        if !first {
            w.write_all(b"\n")?;
        }
        writeln!(w, "  ]")?;
        writeln!(w, "}}")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accounts with every exported column (text), `ids` in app "x".
    fn accounts(ids: &[&str]) -> DataFrame {
        let names = &EXPORTED_ACCOUNT_COLUMNS[..];
        let columns = names.iter().map(|n| match *n {
            a::APP => Column::new(a::APP.into(), vec!["x"; ids.len()]),
            a::ACCOUNT_ID => Column::new(a::ACCOUNT_ID.into(), ids.to_vec()),
            n => Column::new(n.into(), ids.iter().map(|id| format!("{n} of {id}")).collect::<Vec<_>>()),
        });
        DataFrame::new_infer_height(columns.collect()).unwrap()
    }

    fn recommendations(ids: &[&str]) -> DataFrame {
        df!(
            a::APP => vec!["x"; ids.len()],
            a::ACCOUNT_ID => ids.to_vec(),
            crate::findings::RECOMMENDATION => ids.iter().map(|id| format!("keep {id}")).collect::<Vec<_>>(),
            crate::findings::REASON => ids.iter().map(|id| format!("why {id}")).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn the_recommendations_go_beside_their_accounts_in_either_order() {
        let acc = accounts(&["a", "b", "c"]);
        // The usual case: the same rows in the same order, put side by side.
        let beside = accounts_export(&acc, &recommendations(&["a", "b", "c"])).unwrap();
        // Another order (or rows missing): joined by app and account id.
        let joined = accounts_export(&acc, &recommendations(&["c", "a", "b"])).unwrap();
        assert!(beside.equals_missing(&joined), "{beside}\n{joined}");
        let reasons = beside.column(crate::findings::REASON).unwrap().str().unwrap().clone();
        assert_eq!(reasons.iter().collect::<Vec<_>>(), [Some("why a"), Some("why b"), Some("why c")]);
        assert_eq!(beside.get_column_names().len(), 30);
        let missing = accounts_export(&acc, &recommendations(&["a", "c"])).unwrap();
        assert_eq!(missing.column(crate::findings::REASON).unwrap().str().unwrap().get(1), None);
    }
}
