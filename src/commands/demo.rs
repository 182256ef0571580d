//! `demo`: the whole pipeline offline on the built-in sample company (`sample-data/`), then the
//! summary and the path of `report.html`.

use std::path::{Path, PathBuf};

use access_audit::pipeline::PipelineError;

use super::{run, FailOn, EXIT_INCOMPLETE, EXIT_OK};

/// The sample company: next to the crate when run from a checkout, else `./sample-data`.
pub fn sample_data() -> Result<PathBuf, PipelineError> {
    let candidates = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"), PathBuf::from("sample-data")];
    candidates.into_iter().find(|p| p.join("config.toml").is_file()).ok_or_else(|| {
        PipelineError::Usage(
            "the sample company (sample-data/config.toml) is not here: run the demo from a checkout of access-audit".into(),
        )
    })
}

/// Runs the sample company like `run` would. The sample data contains an export with an unreadable
/// row on purpose, so a real `run` on it exits 4; the demo says so and exits 0, because the demo
/// itself succeeded.
pub fn run(out: &Path) -> Result<u8, PipelineError> {
    let data = sample_data()?;
    println!("demo: the sample company in {}", data.display());
    let code = run::run(&data.join("config.toml"), out, None, &[], FailOn::Never)?;
    if code == EXIT_INCOMPLETE {
        println!("demo: the sample company's slack export has an unreadable row on purpose, so `run` on it exits 4; the demo exits 0");
    }
    Ok(EXIT_OK)
}
