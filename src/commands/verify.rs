//! `verify`: recomputes every hash of a report directory's manifest and checks its signature.

use std::path::Path;

use access_audit::evidence::verify;
use access_audit::pipeline::PipelineError;

use super::{EXIT_ERROR, EXIT_OK};

pub fn run(dir: &Path, public_key: Option<&Path>) -> Result<u8, PipelineError> {
    let v = verify::verify(dir, public_key)?;
    for line in verify::describe(&v) {
        say!("{line}");
    }
    Ok(if v.passed() { EXIT_OK } else { EXIT_ERROR })
}
