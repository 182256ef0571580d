//! `verify DIR [--public-key FILE]`: recomputes the SHA-256 and size of every file the manifest
//! lists, names every file added to or removed from the pack since, and checks the signature.
//!
//! Files inside the pack must match exactly. Inputs outside it (the config, the roster, exports)
//! are checked when they are still where the run read them, and reported, but do not fail the
//! pack: an HR export is replaced every quarter, and that says nothing about this evidence.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::EvidenceError;
use super::open::{Located, Pack};
use crate::files::slash_path;
use crate::report::manifest::hash_file;
use crate::report::MANIFEST_JSON;
use crate::signing::{self, SignatureProblem, SIGNATURE_FILE};

#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    Ok,
    Changed { expected_sha256: String, actual_sha256: String, expected_size: u64, actual_size: u64 },
    Missing,
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    pub path: String,
    pub role: String,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SignatureState {
    /// No signature file and no key given.
    Unsigned,
    /// Signed, but no public key was given to check it with.
    NotChecked {
        public_key_sha256: String,
    },
    Valid {
        public_key_sha256: String,
    },
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub dir: PathBuf,
    pub tool_version: String,
    pub review: String,
    pub as_of: String,
    /// Files of the pack, in manifest order (outputs, then inputs inside the pack).
    pub files: Vec<FileCheck>,
    /// Files in the directory the manifest does not list.
    pub added: Vec<String>,
    /// Inputs outside the pack: informational.
    pub external: Vec<FileCheck>,
    pub signature: SignatureState,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.files.iter().all(|f| f.state == FileState::Ok)
            && self.added.is_empty()
            && !matches!(self.signature, SignatureState::Invalid(_))
    }
}

fn check_file(path: &Path, size: u64, sha256: &str) -> FileState {
    match hash_file(path) {
        Ok((actual, actual_size)) if actual == sha256 && actual_size == size => FileState::Ok,
        Ok((actual, actual_size)) => {
            FileState::Changed { expected_sha256: sha256.to_string(), actual_sha256: actual, expected_size: size, actual_size }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
        Err(e) => FileState::Unreadable(e.to_string()),
    }
}

/// Every regular file under `dir`, as slash paths relative to it; symlinks are listed, not followed.
fn list_files(dir: &Path) -> Result<Vec<String>, EvidenceError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        let entries =
            std::fs::read_dir(&abs).map_err(|e| EvidenceError::File { file: abs.clone(), detail: format!("cannot list it: {e}") })?;
        for entry in entries {
            let entry = entry.map_err(|e| EvidenceError::File { file: abs.clone(), detail: format!("cannot list it: {e}") })?;
            let child = rel.join(entry.file_name());
            let kind = entry.file_type().map_err(|e| EvidenceError::File { file: dir.join(&child), detail: e.to_string() })?;
            if kind.is_dir() {
                stack.push(child);
            } else {
                out.push(slash_path(&child));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Verifies the pack in `dir`; `public_key` checks the signature.
pub fn verify(dir: &Path, key: Option<signing::VerifyingKey>) -> Result<Verification, EvidenceError> {
    let pack = Pack::open(dir)?;
    let m = &pack.manifest;
    let mut files = Vec::new();
    let mut external = Vec::new();
    let mut listed: BTreeSet<String> = [MANIFEST_JSON.to_string(), SIGNATURE_FILE.to_string()].into_iter().collect();
    for (entry, is_output) in m.outputs.iter().map(|e| (e, true)).chain(m.inputs.iter().map(|e| (e, false))) {
        match pack.locate(&entry.path) {
            Located::Inside(rel) => {
                let name = slash_path(&rel);
                if rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                    // `../x` is outside, whatever the manifest says.
                    external.push(FileCheck {
                        path: entry.path.clone(),
                        role: entry.role.clone(),
                        state: check_file(&dir.join(&rel), entry.size, &entry.sha256),
                    });
                    continue;
                }
                if !listed.insert(name.clone()) {
                    continue;
                }
                let role = if is_output { "output".to_string() } else { entry.role.clone() };
                files.push(FileCheck { path: name, role, state: check_file(&dir.join(&rel), entry.size, &entry.sha256) });
            }
            Located::Outside(p) => external.push(FileCheck {
                path: entry.path.clone(),
                role: entry.role.clone(),
                state: check_file(&p, entry.size, &entry.sha256),
            }),
        }
    }
    let added = list_files(dir)?.into_iter().filter(|f| !listed.contains(f)).collect();

    let sig_path = dir.join(SIGNATURE_FILE);
    let signature = if sig_path.exists() {
        let sig = signing::read_signature_file(&sig_path);
        match (sig, &key) {
            (Err(e), _) => SignatureState::Invalid(e.to_string()),
            (Ok(sig), None) => SignatureState::NotChecked { public_key_sha256: sig.public_key_sha256 },
            (Ok(sig), Some(key)) => match signing::check(&sig, &pack.manifest_bytes, key) {
                Ok(()) => SignatureState::Valid { public_key_sha256: signing::fingerprint(key) },
                Err(p) => SignatureState::Invalid(p.to_string()),
            },
        }
    } else if let Some(s) = &m.signing {
        SignatureState::Invalid(format!(
            "the manifest says it was signed ({} key sha256 {}) but {} is missing",
            s.algorithm, s.public_key_sha256, s.file
        ))
    } else if key.is_some() {
        SignatureState::Invalid(SignatureProblem::Unsupported(format!("the pack is not signed: there is no {SIGNATURE_FILE}")).to_string())
    } else {
        SignatureState::Unsigned
    };
    Ok(Verification {
        dir: dir.to_path_buf(),
        tool_version: m.tool_version.clone(),
        review: m.review.clone(),
        as_of: m.as_of.clone(),
        files,
        added,
        external,
        signature,
    })
}

/// The lines `verify` prints: problems first, then a summary.
pub fn describe(v: &Verification) -> Vec<String> {
    let mut lines = Vec::new();
    for f in &v.files {
        match &f.state {
            FileState::Ok => {}
            FileState::Changed { expected_sha256, actual_sha256, expected_size, actual_size } => lines.push(format!(
                "CHANGED  {}: sha256 {actual_sha256} ({actual_size} bytes), the manifest says {expected_sha256} ({expected_size} bytes)",
                f.path
            )),
            FileState::Missing => lines.push(format!("REMOVED  {}: listed in the manifest ({}), not in the directory", f.path, f.role)),
            FileState::Unreadable(e) => lines.push(format!("UNREADABLE {}: {e}", f.path)),
        }
    }
    for a in &v.added {
        lines.push(format!("ADDED    {a}: in the directory, not in the manifest"));
    }
    for f in &v.external {
        match &f.state {
            FileState::Ok => lines.push(format!("input    {} ({}): unchanged since the run", f.path, f.role)),
            FileState::Missing => lines.push(format!("input    {} ({}): not here (outside the pack; not checked)", f.path, f.role)),
            FileState::Changed { .. } => {
                lines.push(format!("input    {} ({}): changed since the run (outside the pack; does not fail it)", f.path, f.role))
            }
            FileState::Unreadable(e) => lines.push(format!("input    {} ({}): unreadable: {e}", f.path, f.role)),
        }
    }
    match &v.signature {
        SignatureState::Unsigned => lines.push("signature: none (the pack is not signed)".into()),
        SignatureState::NotChecked { public_key_sha256 } => lines.push(format!(
            "signature: present (Ed25519, public key sha256 {public_key_sha256}); not checked: pass --public-key FILE (or --config with the config that signs it) to check it"
        )),
        SignatureState::Valid { public_key_sha256 } => {
            lines.push(format!("signature: valid (Ed25519, public key sha256 {public_key_sha256})"))
        }
        SignatureState::Invalid(why) => lines.push(format!("SIGNATURE INVALID: {why}")),
    }
    let ok = v.files.iter().filter(|f| f.state == FileState::Ok).count();
    let changed = v.files.iter().filter(|f| matches!(f.state, FileState::Changed { .. } | FileState::Unreadable(_))).count();
    let removed = v.files.iter().filter(|f| f.state == FileState::Missing).count();
    if v.passed() {
        lines.push(format!(
            "verified: {} file(s) of \"{}\" (as of {}, access-audit {}) match manifest.json; nothing added or removed",
            ok, v.review, v.as_of, v.tool_version
        ));
    } else {
        lines.push(format!(
            "VERIFICATION FAILED: {changed} changed, {removed} removed, {} added, {ok} unchanged{}",
            v.added.len(),
            if matches!(v.signature, SignatureState::Invalid(_)) { "; signature invalid" } else { "" }
        ));
    }
    lines
}
