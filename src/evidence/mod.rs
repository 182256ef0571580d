//! The review cycle around an evidence pack (a report directory): checking that it is what the
//! run wrote (`verify`, signatures), comparing two quarters (`diff`), and recording the
//! reviewers' decisions in it (`decisions import`).
//!
//! Owns: reading a pack back from its files (`manifest.json`, the CSVs, `findings.json`), and the
//! only sanctioned change to a finished pack: adding decisions, which re-hashes the files it
//! touches in the manifest. Must not: re-collect or re-decide findings.

pub mod campaign;
pub mod decisions;
pub mod diff;
pub mod remediate;
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
    Signing(#[from] crate::signing::SigningError),
    #[error(transparent)]
    Table(#[from] crate::csvio::TableError),
    #[error("{0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error("{0}")]
    Template(String),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error("{file}: {} problem(s), nothing recorded:\n  {}", problems.len(), problems.join("\n  "))]
    Decisions { file: PathBuf, problems: Vec<String> },
}

/// What this module reads of a `manifest.json`. Unknown fields are kept as they are when the
/// manifest is rewritten (see [`decisions`]).
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
        if manifest.tool != "access-audit" {
            return Err(EvidenceError::File {
                file: path,
                detail: format!(
                    "written by {:?}, not by access-audit",
                    if manifest.tool.is_empty() { "an unknown tool" } else { &manifest.tool }
                ),
            });
        }
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

impl Pack {
    /// Whether the pack is signed (its manifest says so, or a signature file is there).
    pub fn is_signed(&self) -> bool {
        self.manifest.signing.is_some() || self.dir.join(crate::signing::SIGNATURE_FILE).exists()
    }

    /// Refuses to change a signed pack without the key that signs it again: `doing` changes the
    /// manifest; `then` says where the key comes from.
    pub fn require_key(&self, key: Option<&crate::signing::EvidenceKey>, doing: &str, then: &str) -> Result<(), EvidenceError> {
        if self.is_signed() && key.is_none() {
            return Err(EvidenceError::File {
                file: self.dir.join(MANIFEST_JSON),
                detail: format!("the pack is signed: {doing} changes the manifest, which must be signed again{then}"),
            });
        }
        Ok(())
    }

    /// The manifest as a document to change (unknown fields kept).
    pub fn manifest_doc(&self) -> Result<serde_json::Value, EvidenceError> {
        serde_json::from_slice(&self.manifest_bytes)
            .map_err(|e| EvidenceError::File { file: self.dir.join(MANIFEST_JSON), detail: e.to_string() })
    }

    /// Writes the changed manifest, signed again with `key` (its `signing` block renewed).
    pub fn write_manifest(&self, doc: &mut serde_json::Value, key: Option<&crate::signing::EvidenceKey>) -> Result<(), EvidenceError> {
        if let Some(key) = key {
            doc["signing"] = crate::report::manifest::signing_block(key);
        }
        crate::report::manifest::write_signed(&self.dir.join(MANIFEST_JSON), doc, key)?;
        Ok(())
    }
}

/// A file name stem made of `text`, safe on every system: its ASCII letters, digits, `.`, `-` and
/// `_` (anything else as `_`), no leading or trailing dot, at most 80 characters, `fallback` when
/// nothing is left; unique among `taken` whatever the case (`-2`, `-3`), and added to it.
pub(crate) fn safe_stem(text: &str, fallback: &str, taken: &mut Vec<String>) -> String {
    let base: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let base: String = base.trim_matches('.').chars().take(80).collect();
    let base = if base.is_empty() { fallback.to_string() } else { base };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// An I/O error on `path`, as the review cycle reports it.
pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io { path: path.to_path_buf(), source }
}

pub enum Located {
    /// Relative to the pack directory.
    Inside(PathBuf),
    Outside(PathBuf),
}

/// Reads columns of one of the pack's CSVs into a frame of text columns (formula quotes undone).
/// A `required` column that is missing is an error naming the file, the column and the version
/// that wrote the pack; a missing optional column comes back as empty and is named in the result.
pub fn read_pack_csv(
    pack: &Pack,
    file: &str,
    required: &[&str],
    optional: &[&str],
) -> Result<(polars::prelude::DataFrame, Vec<String>), EvidenceError> {
    use polars::prelude::*;
    let path = pack.dir.join(file);
    let text = crate::csvio::read_text(&path).map_err(|e| EvidenceError::File { file: path.clone(), detail: e.to_string() })?;
    let names: Vec<&str> = required.iter().chain(optional).copied().collect();
    let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let version = if pack.manifest.tool_version.is_empty() { "an unknown version".to_string() } else { pack.manifest.tool_version.clone() };
    let index = crate::csvio::stream::<Vec<Option<usize>>, EvidenceError>(
        &text,
        b',',
        1,
        &path.display().to_string(),
        |headers| {
            let index: Vec<Option<usize>> = names.iter().map(|n| headers.iter().position(|h| h == n)).collect();
            let missing: Vec<&str> = required.iter().zip(&index).filter(|(_, i)| i.is_none()).map(|(n, _)| *n).collect();
            if !missing.is_empty() {
                return Err(EvidenceError::File {
                    file: path.clone(),
                    detail: format!(
                        "no column {} (the pack was written by access-audit {version}; this version needs {}). \
                         Regenerate it with `access-audit report --snapshot {}` and this version, or compare packs of one version",
                        missing.join(", "),
                        required.join(", "),
                        pack.dir.join("snapshot").display()
                    ),
                });
            }
            Ok(index)
        },
        |index, _, record| {
            for (slot, i) in values.iter_mut().zip(index) {
                let cell = i.and_then(|i| record.get(i)).unwrap_or("");
                slot.push(crate::report::csv::unneutralize(cell).to_string());
            }
            Ok(())
        },
    )?;
    let absent = names.iter().zip(&index).filter(|(_, i)| i.is_none()).map(|(n, _)| n.to_string()).collect();
    let columns: Vec<Column> = names.iter().zip(values).map(|(n, v)| Column::new((*n).into(), v)).collect();
    Ok((DataFrame::new_infer_height(columns)?, absent))
}
