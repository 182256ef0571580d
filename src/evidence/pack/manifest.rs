//! A pack's `manifest.json` as this module reads it, and the one way files written into a
//! finished pack are recorded in it.

use std::path::Path;

use serde::Deserialize;

use super::error::EvidenceError;
use crate::report::manifest::FileEntry;

/// What this module reads of a `manifest.json`. Unknown fields are kept as they are when the
/// manifest is rewritten (see `review::decisions`).
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub tool_version: String,
    #[serde(default)]
    pub review: String,
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub complete: Option<bool>,
    #[serde(default)]
    pub inputs: Vec<ManifestFile>,
    #[serde(default)]
    pub outputs: Vec<ManifestFile>,
    #[serde(default)]
    pub signing: Option<ManifestSigning>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    #[serde(default)]
    pub role: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestSigning {
    pub algorithm: String,
    pub public_key_sha256: String,
    pub file: String,
}

impl From<&FileEntry> for ManifestFile {
    fn from(e: &FileEntry) -> Self {
        ManifestFile { path: e.path.clone(), role: e.role.clone(), size: e.size, sha256: e.sha256.clone() }
    }
}

/// Records files written into a pack in its manifest document: the entries `drop` names and
/// those of the same paths go, `written` comes in, and the list stays sorted by path.
pub fn set_outputs(
    doc: &mut serde_json::Value,
    manifest: &Path,
    drop: impl Fn(&str) -> bool,
    written: &[(String, &crate::files::FileDigest)],
) -> Result<(), EvidenceError> {
    let outputs = doc["outputs"]
        .as_array_mut()
        .ok_or_else(|| EvidenceError::File { file: manifest.to_path_buf(), detail: "no outputs list".into() })?;
    outputs.retain(|o| o["path"].as_str().is_none_or(|p| !drop(p) && !written.iter().any(|(w, _)| w == p)));
    outputs.extend(written.iter().map(|(path, d)| serde_json::json!({"path": path, "size": d.size, "sha256": d.sha256})));
    outputs.sort_by(|x, y| x["path"].as_str().cmp(&y["path"].as_str()));
    Ok(())
}
