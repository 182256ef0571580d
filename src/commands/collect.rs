//! `collect`: every app into a snapshot directory, no report.

use std::path::Path;

use access_audit::model::COVERAGE_COMPLETE;
use access_audit::pipeline::{self, PipelineError};

use super::common::{display_path, runtime, EXIT_INCOMPLETE, EXIT_OK};

pub fn run(config: &Path, out: &Path, apps: &[String], force: bool) -> Result<u8, PipelineError> {
    access_audit::model::snapshot::Snapshot::check_output_dir(out, force)?;
    let config = access_audit::config::Config::load(config, &access_audit::collectors::REGISTRY)?;
    let selected = pipeline::select_apps(&config, apps)?;
    let mut snap = runtime().block_on(pipeline::collect(&config, &selected))?;
    snap.write(out)?;
    let coverage = access_audit::model::coverage_records(&snap.coverage)?;
    for c in &coverage {
        say!("{}: {} account(s), {}", c.app, c.accounts_collected, c.status);
    }
    say!("snapshot: {}", display_path(out));
    let incomplete: Vec<&str> = coverage.iter().filter(|c| c.status != COVERAGE_COMPLETE).map(|c| c.app.as_str()).collect();
    if !incomplete.is_empty() {
        say!("INCOMPLETE: {} could not be collected completely; exit code 4", incomplete.join(", "));
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(EXIT_OK)
}
