//! The review cycle around an evidence pack (a report directory): checking that it is what the
//! run wrote (`verify`, signatures), comparing two quarters (`diff`), and recording the
//! reviewers' decisions in it (`decisions import`).
//!
//! Owns: reading a pack back from its files (`manifest.json`, the CSVs, `findings.json`), and the
//! only sanctioned change to a finished pack: adding decisions, which re-hashes the files it
//! touches in the manifest. Must not: re-collect or re-decide findings.

pub mod signing;
pub mod verify;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::manifest::FileEntry;
use crate::report::MANIFEST_JSON;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{dir}: not a report directory of access-audit: {detail}")]
    NotAPack { dir: PathBuf, detail: String },
    #[error("{file}: {detail}")]
    File { file: PathBuf, detail: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Signing(#[from] signing::SigningError),
    #[error("{0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error("{0}")]
    Template(String),
}

/// What this module reads of a `manifest.json`. Unknown fields are kept as they are when the
/// manifest is rewritten (see [`decisions`]).
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
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

/// A report directory and its manifest, as found on disk.
pub struct Pack {
    pub dir: PathBuf,
    pub manifest_bytes: Vec<u8>,
    pub manifest: Manifest,
}

impl Pack {
    pub fn open(dir: &Path) -> Result<Pack, EvidenceError> {
        if !dir.is_dir() {
            return Err(EvidenceError::NotAPack { dir: dir.to_path_buf(), detail: "no such directory".into() });
        }
        let path = dir.join(MANIFEST_JSON);
        let manifest_bytes = std::fs::read(&path).map_err(|e| EvidenceError::NotAPack {
            dir: dir.to_path_buf(),
            detail: if e.kind() == std::io::ErrorKind::NotFound {
                "it has no manifest.json (the manifest is written last: an interrupted run leaves none)".into()
            } else {
                format!("cannot read manifest.json: {e}")
            },
        })?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| EvidenceError::File { file: path.clone(), detail: format!("not a manifest of access-audit: {e}") })?;
        Ok(Pack { dir: dir.to_path_buf(), manifest_bytes, manifest })
    }

    /// Where a manifest path points: relative paths are inside the pack; an absolute path is
    /// inside it when it names a file under the directory as it was written (older manifests).
    pub fn locate(&self, path: &str) -> Located {
        let p = Path::new(path);
        if p.is_relative() {
            return Located::Inside(PathBuf::from(path));
        }
        if let Ok(dir) = self.dir.canonicalize() {
            if let Ok(rel) = p.strip_prefix(&dir) {
                return Located::Inside(rel.to_path_buf());
            }
        }
        Located::Outside(p.to_path_buf())
    }
}

pub enum Located {
    /// Relative to the pack directory.
    Inside(PathBuf),
    Outside(PathBuf),
}

/// A manifest path with `/` separators, as the manifest writes them.
pub fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}
