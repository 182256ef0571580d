//! `report`: correlation, findings and every output from a stored snapshot, with no network.

use std::path::Path;

use chrono::NaiveDate;

use access_audit::model::snapshot::Snapshot;
use access_audit::pipeline::{self, Inputs, PipelineError};

use super::cli::FailOn;
use super::common::{finish, today};

pub fn run(
    config: &Path,
    snapshot: &Path,
    out: &Path,
    as_of: Option<NaiveDate>,
    fail_on: FailOn,
    force: bool,
) -> Result<u8, PipelineError> {
    let started = chrono::Utc::now();
    access_audit::report::check_output_dir(out, force)?;
    let inputs = Inputs::load(config, as_of, today())?;
    let snap = Snapshot::read(snapshot)?;
    let summary = pipeline::report(&inputs, snap, out, pipeline::snapshot_files(snapshot), started)?;
    Ok(finish(&summary, fail_on))
}
