//! A pack on disk: opened (its manifest read and checked), located, signed again after a change;
//! and the small helpers of the commands that change one (safe file names, I/O errors).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::error::EvidenceError;
use super::manifest::Manifest;
use crate::report::MANIFEST_JSON;

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
pub fn safe_stem(text: &str, fallback: &str, taken: &mut HashSet<String>) -> String {
    let base: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let base: String = base.trim_matches('.').chars().take(80).collect();
    let base = if base.is_empty() { fallback.to_string() } else { base };
    let mut name = base.clone();
    let mut n = 2;
    // Names differing only in case collide on some file systems: `taken` holds them lowercased.
    while !taken.insert(name.to_ascii_lowercase()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// An I/O error on `path`, as the review cycle reports it.
pub fn io_error(path: &Path) -> impl Fn(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io { path: path.to_path_buf(), source }
}

pub enum Located {
    /// Relative to the pack directory.
    Inside(PathBuf),
    Outside(PathBuf),
}
