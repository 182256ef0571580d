//! What every command shares: exit codes, logging, the runtime, today's date, the evidence key
//! of a config, the end of a run (summary and exit code) and how paths are shown.

use std::path::Path;

use chrono::NaiveDate;

use access_audit::pipeline::PipelineError;
use access_audit::report::ReportSummary;

use super::cli::FailOn;

pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_FINDINGS: u8 = 3;
pub const EXIT_INCOMPLETE: u8 = 4;
pub const EXIT_CAMPAIGN_PENDING: u8 = 5;

/// Sets up logging on stderr: `-v`/`-vv` more detail, `-q`/`-qq` less.
pub fn init_logging(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (0, 0) => "info",
        (1, _) => "debug",
        (v, _) if v >= 2 => "trace",
        (_, 1) => "warn",
        _ => "error",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACCESS_AUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("access_audit={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}

/// The evidence key of the config at `path`, when it names one. Every pack command takes
/// `--config` the same way, whether or not the pack is signed: with a key it signs (or checks),
/// without one it does not.
pub fn evidence_key(config: &access_audit::config::Config) -> Result<Option<access_audit::signing::EvidenceKey>, PipelineError> {
    Ok(config
        .evidence
        .signing_key
        .as_ref()
        .map(access_audit::signing::EvidenceKey::load)
        .transpose()
        .map_err(access_audit::evidence::EvidenceError::from)?)
}

/// [`evidence_key`] of an optional `--config`.
pub fn evidence_key_of(path: Option<&Path>) -> Result<Option<access_audit::signing::EvidenceKey>, PipelineError> {
    match path {
        Some(path) => evidence_key(&access_audit::config::Config::load(path, &access_audit::collectors::REGISTRY)?),
        None => Ok(None),
    }
}

/// The runtime every network task runs on (collection, the sandbox).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime starts"))
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Prints the summary on stdout and returns the exit code of SPEC §1.
pub fn finish(summary: &ReportSummary, fail_on: FailOn) -> u8 {
    let s = summary;
    say!("{} accounts; {} open finding(s): {}; {} excepted", s.accounts, s.open, crate_severities(s), s.excepted);
    let report = s.out_dir.join(access_audit::report::REPORT_HTML);
    say!("report: {}", display_path(&report));
    if !s.incomplete_apps.is_empty() {
        say!("INCOMPLETE: {} could not be collected completely (see coverage.csv); exit code 4", s.incomplete_apps.join(", "));
        return EXIT_INCOMPLETE;
    }
    if let Some(sev) = fail_on.severity() {
        let n = s.open_at_or_above(sev);
        if n > 0 {
            say!("{n} open finding(s) at or above {sev} (--fail-on {sev}); exit code 3");
            return EXIT_FINDINGS;
        }
    }
    EXIT_OK
}

fn crate_severities(s: &ReportSummary) -> String {
    access_audit::findings::SEVERITIES
        .iter()
        .map(|sev| format!("{} {sev}", s.open_by_severity.get(*sev).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn display_path(p: &Path) -> String {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string()
}
