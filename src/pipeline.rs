//! The stages strung together: load the inputs, collect into a snapshot, and report from a
//! snapshot. The commands call these; nothing here prints or picks an exit code.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use tracing::{info, warn};

use crate::collectors::{self, CollectError};
use crate::config::{AppConfig, Config, ConfigError};
use crate::correlate::overrides::OverridesError;
use crate::correlate::{self, Overrides};
use crate::findings::exceptions::ExceptionsError;
use crate::findings::{self, Exceptions, RuleParams};
use crate::model;
use crate::model::snapshot::{self, Snapshot, SnapshotError};
use crate::report::{self, ReportError, ReportInput, ReportSummary};
use crate::roster::{Roster, RosterError};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Roster(#[from] RosterError),
    #[error("exceptions file {0}")]
    Exceptions(#[from] ExceptionsError),
    #[error("overrides file {0}")]
    Overrides(#[from] OverridesError),
    #[error("{0}")]
    Collect(#[from] CollectError),
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("data frame: {0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("{0}")]
    Usage(String),
}

/// The config and the files it names, loaded and checked.
pub struct Inputs {
    pub config: Config,
    pub as_of: NaiveDate,
    pub roster: Roster,
    pub exceptions: Exceptions,
    pub overrides: Overrides,
}

impl Inputs {
    /// Loads the config, the roster (with `as_of`, which decides who is terminated by date), the
    /// exceptions and the overrides. `as_of`: the command line's, else the config's, else `today`.
    pub fn load(config_path: &Path, as_of: Option<NaiveDate>, today: NaiveDate) -> Result<Inputs, PipelineError> {
        Inputs::from_config(Config::load(config_path, &collectors::REGISTRY)?, as_of, today)
    }

    /// As [`Inputs::load`], from a config already parsed.
    pub fn from_config(config: Config, as_of: Option<NaiveDate>, today: NaiveDate) -> Result<Inputs, PipelineError> {
        let as_of = as_of.or(config.review.as_of.map(|d| d.0)).unwrap_or(today);
        let roster = match config.identity.source_app() {
            Some(app) => Roster::awaiting(app),
            None => Roster::load(&config.identity, as_of)?,
        };
        for issue in &roster.issues {
            warn!("roster {}: {}", issue.file, issue.reason);
        }
        let exceptions = match &config.exceptions {
            Some(p) => Exceptions::load(&p.path)?,
            None => Exceptions::default(),
        };
        let overrides = match &config.overrides {
            Some(p) => Overrides::load(&p.path)?,
            None => Overrides::default(),
        };
        Ok(Inputs { config, as_of, roster, exceptions, overrides })
    }

    /// The files the report is made from, with their roles, for the manifest.
    pub fn files(&self) -> Vec<(PathBuf, String)> {
        let mut v = vec![(self.config.file.clone(), "config".to_string())];
        if self.config.identity.source.is_none() {
            v.push((self.config.identity.path.clone(), "roster".to_string()));
        }
        if let Some(e) = &self.config.exceptions {
            v.push((e.path.clone(), "exceptions".into()));
        }
        if let Some(o) = &self.config.overrides {
            v.push((o.path.clone(), "overrides".into()));
        }
        v
    }
}

/// The apps named by `--app` (all when none), or a usage error naming the unknown one.
pub fn select_apps<'a>(config: &'a Config, names: &[String]) -> Result<Vec<&'a AppConfig>, PipelineError> {
    if names.is_empty() {
        return Ok(config.apps.iter().collect());
    }
    let mut out = Vec::new();
    for n in names {
        match config.app(n) {
            Some(a) => out.push(a),
            None => {
                return Err(PipelineError::Usage(format!(
                    "--app {n}: no such app in {} (apps: {})",
                    config.file.display(),
                    config.apps.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                )))
            }
        }
    }
    Ok(out)
}

/// One app's collection as snapshot frames, and when it ran.
pub struct Collected {
    pub app: String,
    pub frames: model::AppFrames,
    pub coverage: model::CoverageRecord,
    pub rules: model::AppRules,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

impl Collected {
    /// An app's collection, its records turned into frames (and dropped).
    pub fn new(
        app: &str,
        kind: &str,
        mut collection: model::Collection,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
    ) -> Result<Collected, PipelineError> {
        let frames = model::AppFrames::of(app, kind, &mut collection)?;
        Ok(Collected { app: app.into(), frames, coverage: collection.coverage, rules: collection.rules, started_at, finished_at })
    }
}

/// Collects the apps of `config` into a snapshot, every app concurrently (apps read from files at
/// most one per core: they only compete for the CPU, and each holds its records until they are
/// frames). A configuration problem of any app stops the run.
pub async fn collect(config: &Config, apps: &[&AppConfig]) -> Result<Snapshot, PipelineError> {
    // Every secret resolves before any request is made: a missing one is a configuration error.
    for app in apps {
        for secret in app.secrets() {
            secret
                .resolve()
                .map_err(|detail| collectors::CollectError::Input { app: app.name.clone(), detail: format!("auth: {detail}") })?;
        }
    }
    let progress = crate::http::progress::Progress::start(apps.iter().map(|a| a.name.as_str()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let file_readers = tokio::sync::Semaphore::new(cores);
    let runs = apps.iter().map(|app| {
        let progress = &progress;
        let file_readers = &file_readers;
        async move {
            let _permit = match app.http() {
                None => Some(file_readers.acquire().await.map_err(|e| PipelineError::Usage(e.to_string()))?),
                Some(_) => None,
            };
            let started = Instant::now();
            let started_at = Utc::now();
            let result = collectors::collect_reporting(app, progress.of(&app.name)).await;
            let finished_at = Utc::now();
            if let Ok(c) = &result {
                let cov = &c.coverage;
                progress.finish(&app.name, c.account_count(), cov.status.as_str(), cov.requests, cov.retries, cov.throttled);
                info!(
                    "{}: {} accounts, coverage {} ({} requests, {} retries, {} throttled, {} ms)",
                    app.name,
                    c.account_count(),
                    c.coverage.status,
                    c.coverage.requests,
                    c.coverage.retries,
                    c.coverage.throttled,
                    started.elapsed().as_millis()
                );
                for e in &c.coverage.errors {
                    warn!("{}: {e}", app.name);
                }
            }
            let collection = result?;
            let (name, kind) = (app.name.clone(), app.kind.as_str());
            tokio::task::spawn_blocking(move || Collected::new(&name, kind, collection, started_at, finished_at))
                .await
                .map_err(|e| PipelineError::Usage(format!("app {}: building its frames stopped: {e}", app.name)))?
        }
    });
    let results = futures_util::future::join_all(runs).await;
    progress.stop();
    let mut collections = Vec::new();
    for result in results {
        collections.push(result?);
    }
    let t = Instant::now();
    let snap = snapshot_from(collections, Some(config.sha256.clone()));
    tracing::debug!("snapshot frames joined ({} ms)", t.elapsed().as_millis());
    snap
}

/// The snapshot of per-app collections: their frames one after the other in app order (each is
/// sorted within its app, so the whole is sorted as the snapshot's frames are).
pub fn snapshot_from(mut collections: Vec<Collected>, config_sha256: Option<String>) -> Result<Snapshot, PipelineError> {
    collections.sort_by(|a, b| a.app.cmp(&b.app));
    let coverage: Vec<model::CoverageRecord> = collections.iter().map(|c| c.coverage.clone()).collect();
    let apps: Vec<String> = collections.iter().map(|c| c.app.clone()).collect();
    let mut collected: Vec<snapshot::AppCollected> =
        collections.iter().map(|c| snapshot::AppCollected::new(&c.app, c.started_at, c.finished_at)).collect();
    collected.sort();
    let rules = collections.iter().filter(|c| c.rules != model::AppRules::default()).map(|c| (c.app.clone(), c.rules.clone())).collect();
    let frames = model::AppFrames::stack(collections.into_iter().map(|c| c.frames))?;
    Ok(Snapshot {
        meta: snapshot::SnapshotMeta {
            format_version: snapshot::FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            apps,
            config_sha256,
            collected,
            files: Default::default(),
            rules,
        },
        accounts: frames.accounts,
        entitlements: frames.entitlements,
        credentials: frames.credentials,
        coverage: model::coverage_frame(&coverage)?,
    })
}

/// The local files the apps' collections read (exports of `csv` apps), as manifest inputs.
pub fn export_files(apps: &[&AppConfig]) -> Vec<(PathBuf, String)> {
    apps.iter().flat_map(|a| a.options.input_files().into_iter().map(|(path, what)| (path, format!("{what} of app {}", a.name)))).collect()
}

/// Correlation, findings and every output, from a snapshot (taken by value: its frames go once
/// they are correlated). Reads no clock except for the manifest's start/finish times
/// (`started_at` is passed in).
pub fn report(
    inputs: &Inputs,
    snap: Snapshot,
    out: &Path,
    extra_files: Vec<(PathBuf, String)>,
    started_at: DateTime<Utc>,
) -> Result<ReportSummary, PipelineError> {
    let meta = snap.meta.clone();
    let analysis = analyze(inputs, snap)?;
    write_outputs(inputs, &meta, &analysis, out, extra_files, started_at)
}

/// What the report is made of: the correlated accounts, the findings and the warnings.
pub struct Analysis {
    pub coverage: Vec<model::CoverageRecord>,
    pub correlated: correlate::Correlated,
    pub findings: findings::Findings,
    pub warnings: Vec<String>,
    /// The roster of `[identity] source` (an identity provider's users), when that is the roster.
    pub roster: Option<Roster>,
}

impl Analysis {
    /// The roster the analysis used: the identity provider's users, or the inputs' file.
    pub fn roster<'a>(&'a self, inputs: &'a Inputs) -> &'a Roster {
        self.roster.as_ref().unwrap_or(&inputs.roster)
    }
}

/// Correlation and findings (nothing is written). The snapshot is taken by value (a clone of a
/// frame shares its data) so that its accounts are let go once they are correlated.
pub fn analyze(inputs: &Inputs, snap: Snapshot) -> Result<Analysis, PipelineError> {
    let t = Instant::now();
    let coverage = model::coverage_records(&snap.coverage)?;
    let Snapshot { meta, accounts, credentials, entitlements, coverage: _ } = snap;
    // What the rules need of the entitlements: each account's product licences.
    let licences = findings::licences(&entitlements)?;
    let assignments = findings::idp_assignments(&entitlements)?;
    let sod_hits = findings::sod::entitlement_hits(&entitlements, &inputs.config.sod)?;
    drop(entitlements);
    // The roster: the file's, or the identity provider's users as this snapshot read them.
    let idp_roster = match inputs.config.identity.source_app() {
        Some(app) => Some(idp_roster(app, &accounts, &coverage, &meta)?),
        None => None,
    };
    let roster = idp_roster.as_ref().unwrap_or(&inputs.roster);
    for issue in idp_roster.iter().flat_map(|r| &r.issues) {
        warn!("roster {}: {}", issue.file, issue.reason);
    }
    let correlated = correlate::correlate(&accounts, roster, &inputs.config.identity.domain_aliases, &inputs.overrides)?;
    info!("correlated {} accounts with {} people ({} ms)", accounts.height(), roster.people.len(), t.elapsed().as_millis());
    drop(accounts);
    let params = RuleParams {
        as_of: inputs.as_of,
        dormant_after_days: inputs.config.review.dormant_after_days,
        invite_stale_after_days: inputs.config.review.invite_stale_after_days,
        token_warn_days: inputs.config.review.token_warn_days,
        flag_local_logins: inputs.config.review.flag_local_logins,
        last_login_apps: coverage.iter().filter(|c| c.last_login_known).map(|c| c.app.clone()).collect(),
        customer_orphan_apps: if meta.records_rules() {
            meta.rules.iter().filter(|(_, r)| r.customers_in_orphans).map(|(app, _)| app.clone()).collect()
        } else {
            RuleParams::customer_orphan_apps(&inputs.config)
        },
        max_credential_lifetime_days: max_credential_lifetimes(&meta, &inputs.config),
        idp_links: idp_links(&meta, &inputs.config, &coverage),
        recommend: inputs.config.campaign.as_ref().map(|c| c.recommend.clone()).unwrap_or_default(),
    };
    let t = Instant::now();
    let found = findings::evaluate(
        &correlated.accounts,
        &licences,
        &assignments,
        &coverage,
        &credentials,
        &inputs.config,
        roster,
        &params,
        &inputs.exceptions,
        &sod_hits,
    )?;
    info!("{} findings ({} ms)", found.all.height(), t.elapsed().as_millis());

    let mut warnings = correlated.warnings.clone();
    warnings.extend(found.warnings.iter().cloned());
    for app in &inputs.config.apps {
        if app.http().is_some_and(|h| h.insecure_skip_verify) {
            warnings.push(format!(
                "app {}: TLS certificate verification was OFF (insecure_skip_verify = true): the collected data could have been read or altered in transit; set ca_file instead",
                app.name
            ));
        }
        if !coverage.iter().any(|c| c.app == app.name) {
            warnings.push(format!(
                "app {} is in the config but not in the snapshot: it was not collected and is not covered by this report",
                app.name
            ));
        }
    }
    warnings.sort();
    for w in &warnings {
        warn!("{w}");
    }
    let mut coverage = coverage;
    for (app, note) in &found.coverage_notes {
        if let Some(c) = coverage.iter_mut().find(|c| &c.app == app) {
            c.notes.push(note.clone());
        }
    }
    Ok(Analysis { coverage, correlated, findings: found, warnings, roster: idp_roster })
}

/// The roster of `[identity] source`: app `app`'s users in the snapshot, provided they were all
/// read (else people would be missing, and their accounts elsewhere would look orphaned).
fn idp_roster(
    app: &str,
    accounts: &polars::prelude::DataFrame,
    coverage: &[model::CoverageRecord],
    meta: &model::snapshot::SnapshotMeta,
) -> Result<Roster, RosterError> {
    let problem = |detail: String| RosterError::Source { app: app.to_string(), detail };
    if !coverage.iter().any(|c| c.app == app) {
        return Err(problem("this snapshot did not collect it (collect it with the other apps)".into()));
    }
    if !meta.rules.get(app).is_some_and(|r| r.people_complete) {
        return Err(problem(
            "its users were not all read (of every status, deprovisioned ones too: see its coverage); with people missing, their accounts elsewhere would look orphaned".into(),
        ));
    }
    Roster::from_idp_accounts(app, accounts).map_err(|e| problem(format!("its accounts could not be read: {e}")))
}

/// The apps linked to an identity provider's application, each with why `outside_idp` is not
/// claimed for it when the provider's record cannot be relied on: the provider not collected (or
/// not completely: its users), its assignments not read, or that application's not completely.
fn idp_links(meta: &model::snapshot::SnapshotMeta, config: &Config, coverage: &[model::CoverageRecord]) -> Vec<findings::IdpRule> {
    config
        .apps
        .iter()
        .filter_map(|app| {
            let link = app.idp.as_ref()?;
            let rules = meta.rules.get(&link.app);
            let idp_coverage = coverage.iter().find(|c| c.app == link.app);
            let listed = |entry: &String| {
                let (id, label) = entry.split_once(" · ").unwrap_or((entry.as_str(), ""));
                link.id.as_deref() == Some(id) || link.label.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(label))
            };
            let not_claimed = match (idp_coverage, rules) {
                (None, _) => Some(format!("{} was not collected in this snapshot", link.app)),
                (Some(c), _) if c.status == model::COVERAGE_FAILED => Some(format!("{} could not be collected", link.app)),
                (Some(_), Some(r)) if r.assignments_read && r.incomplete_assignments.iter().any(listed) => {
                    Some(format!("{}'s assignments of the application with {} were not read completely", link.app, link.describe()))
                }
                (Some(_), Some(r)) if r.assignments_read => None,
                _ => Some(format!("{}'s application assignments were not read completely (see its coverage)", link.app)),
            };
            Some(findings::IdpRule {
                app: app.name.clone(),
                idp_app: link.app.clone(),
                key: findings::IdpRule::key_of(link),
                describe: link.describe(),
                not_claimed: not_claimed
                    .map(|why| format!("outside_idp not evaluated: {why}, so no account of this app is claimed to be outside it")),
            })
        })
        .collect()
}

/// Every output of an analysis into `out`; `extra_files` are more inputs for the manifest (the
/// snapshot's files, the exports), which must exist by now.
pub fn write_outputs(
    inputs: &Inputs,
    snapshot: &snapshot::SnapshotMeta,
    analysis: &Analysis,
    out: &Path,
    extra_files: Vec<(PathBuf, String)>,
    started_at: DateTime<Utc>,
) -> Result<ReportSummary, PipelineError> {
    let mut files = inputs.files();
    files.extend(extra_files);
    // Decisions already recorded in `out` (a reviewed pack regenerated) stay in the page and the manifest.
    let decisions_file = Some(out.join(crate::evidence::pack::DECISIONS_CSV)).filter(|p| p.is_file());
    let decisions = match &decisions_file {
        Some(path) => crate::evidence::pack::read_decisions(path)?,
        None => Vec::new(),
    };
    let t = Instant::now();
    let summary = report::write_report(
        out,
        &ReportInput {
            config: &inputs.config,
            snapshot,
            as_of: inputs.as_of,
            roster: analysis.roster(inputs),
            coverage: &analysis.coverage,
            accounts: &analysis.correlated.accounts,
            findings: &analysis.findings,
            warnings: &analysis.warnings,
            inputs: files,
            decisions,
            decisions_file,
            started_at,
        },
    )?;
    info!("wrote the report to {} ({} ms)", out.display(), t.elapsed().as_millis());
    Ok(summary)
}

/// The snapshot files of a snapshot directory, as manifest inputs.
pub fn snapshot_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let dir = Snapshot::locate(dir).unwrap_or_else(|_| dir.to_path_buf());
    snapshot::FILES.iter().chain([snapshot::META_FILE].iter()).map(|f| (dir.join(f), "snapshot".to_string())).collect()
}

/// Per app, the longest credential lifetime its kind allows: as the snapshot's rules recorded it
/// when the app was collected, else (snapshots that predate it) the kind's.
fn max_credential_lifetimes(meta: &model::snapshot::SnapshotMeta, config: &Config) -> std::collections::BTreeMap<String, i64> {
    config
        .apps
        .iter()
        .filter_map(|app| {
            let recorded = meta.rules.get(&app.name).and_then(|r| r.max_credential_lifetime_days);
            let days = recorded.or_else(|| crate::collectors::REGISTRY.kind(app.kind).and_then(|k| k.max_credential_lifetime_days()));
            Some((app.name.clone(), days?))
        })
        .collect()
}
