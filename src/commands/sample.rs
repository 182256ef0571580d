//! The built-in sample company and where its sandbox listens.

use std::path::PathBuf;

use access_audit::pipeline::PipelineError;

/// The port `sample-data/config.toml` expects the sandbox on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8790";

/// The sample company: next to the crate when run from a checkout, else `./sample-data`.
pub fn sample_data() -> Result<PathBuf, PipelineError> {
    let candidates = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"), PathBuf::from("sample-data")];
    candidates.into_iter().find(|p| p.join("config.toml").is_file()).ok_or_else(|| {
        PipelineError::Usage(
            "the sample company (sample-data/config.toml) is not here: run the demo from a checkout of access-audit".into(),
        )
    })
}
