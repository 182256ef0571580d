//! `run`: collect + report in one go; the snapshot goes to OUT/snapshot.

use std::path::Path;

use chrono::NaiveDate;

use access_audit::pipeline::{self, Inputs, PipelineError};

use super::cli::FailOn;
use super::common::{finish, runtime, today};

pub fn run(
    config: &Path,
    out: &Path,
    as_of: Option<NaiveDate>,
    apps: &[String],
    fail_on: FailOn,
    force: bool,
) -> Result<u8, PipelineError> {
    let started = chrono::Utc::now();
    check_out(out, force)?;
    let t = std::time::Instant::now();
    let inputs = Inputs::load(config, as_of, today())?;
    tracing::debug!("config, roster, exceptions and overrides read ({} ms)", t.elapsed().as_millis());
    run_inputs(inputs, out, apps, fail_on, started)
}

/// Refuses, before any work, an output directory that is not a report of this tool (nor empty).
pub fn check_out(out: &Path, force: bool) -> Result<(), PipelineError> {
    access_audit::report::check_output_dir(out, force)?;
    access_audit::model::snapshot::Snapshot::check_output_dir(&out.join("snapshot"), force)?;
    Ok(())
}

/// `run` on loaded inputs (the demo loads its config with the sandbox's address).
pub fn run_inputs(
    inputs: Inputs,
    out: &Path,
    apps: &[String],
    fail_on: FailOn,
    started: chrono::DateTime<chrono::Utc>,
) -> Result<u8, PipelineError> {
    let selected = pipeline::select_apps(&inputs.config, apps)?;
    let t = std::time::Instant::now();
    let snap = runtime().block_on(pipeline::collect(&inputs.config, &selected))?;
    tracing::debug!("collected, snapshot frames built ({} ms)", t.elapsed().as_millis());
    let snap_dir = out.join("snapshot");
    // The snapshot is written while the accounts are correlated and the rules run; each side
    // holds its own handle on the frames (shared data), so they go as soon as both are done.
    let mut meta = snap.meta.clone();
    let for_writer = snap.clone();
    let analysis = std::thread::scope(|scope| {
        let snap_dir = &snap_dir;
        let writer = scope.spawn(move || {
            let t = std::time::Instant::now();
            let files = for_writer.write_files(snap_dir);
            tracing::debug!("snapshot written ({} ms)", t.elapsed().as_millis());
            files
        });
        let analysis = pipeline::analyze(&inputs, snap);
        let files = writer.join().map_err(|_| PipelineError::Usage("writing the snapshot stopped".into()))??;
        analysis.map(|a| (a, files))
    });
    let (analysis, files) = analysis?;
    meta.files = files;
    let mut files = pipeline::snapshot_files(&snap_dir);
    files.extend(pipeline::export_files(&selected));
    let summary = pipeline::write_outputs(&inputs, &meta, &analysis, out, files, started)?;
    Ok(finish(&summary, fail_on))
}
