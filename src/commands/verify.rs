//! `verify`: recomputes every hash of a report directory's manifest and checks its signature.

use std::path::Path;

use access_audit::evidence::pack::verify;
use access_audit::pipeline::PipelineError;

use super::common::{evidence_key_of, EXIT_ERROR, EXIT_OK};

/// `public_key`, else the public half of `config`'s signing key, checks the signature.
pub fn run(dir: &Path, public_key: Option<&Path>, config: Option<&Path>) -> Result<u8, PipelineError> {
    let key = match public_key {
        Some(path) => Some(access_audit::signing::read_public_key(path).map_err(access_audit::evidence::EvidenceError::from)?),
        None => evidence_key_of(config)?.map(|k| k.public_key()),
    };
    let v = verify::verify(dir, key)?;
    for line in verify::describe(&v) {
        say!("{line}");
    }
    Ok(if v.passed() { EXIT_OK } else { EXIT_ERROR })
}
