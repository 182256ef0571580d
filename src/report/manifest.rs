//! `manifest.json`: what the evidence pack was made from and what it contains — tool version,
//! review, as_of, start/finish times, the config with secrets described (never resolved),
//! SHA-256 and size of every input and output file, per-app coverage and the warnings.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ReportError;
use super::input::ReportInput;
use crate::files::{self, FileDigest};
use crate::model::COVERAGE_COMPLETE;
use crate::signing::{self, EvidenceKey};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    pub size: u64,
    pub sha256: String,
}

/// SHA-256 and size of a file, streamed.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Hashes the input files, sorted by path.
pub fn hash_files(inputs: &[(PathBuf, String)]) -> Result<Vec<FileEntry>, (PathBuf, std::io::Error)> {
    let mut out = Vec::new();
    for (path, role) in inputs {
        let (sha256, size) = hash_file(path).map_err(|e| (path.clone(), e))?;
        out.push(FileEntry { path: path.display().to_string(), role: role.clone(), size, sha256 });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.role.cmp(&b.role)));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

/// Inputs that lie inside the report directory (the snapshot of `run`) are named relative to it,
/// so the pack can be moved and still verified; others are named by their absolute path (a path
/// relative to where the run was started would be read as one inside the pack).
pub fn relative_to_pack(out_dir: &Path, inputs: &[FileEntry]) -> Vec<FileEntry> {
    let Ok(dir) = out_dir.canonicalize() else { return inputs.to_vec() };
    let mut out: Vec<FileEntry> = inputs
        .iter()
        .map(|e| {
            let path = Path::new(&e.path);
            let rel = path.canonicalize().ok().and_then(|p| p.strip_prefix(&dir).ok().map(crate::files::slash_path));
            let absolute = || std::path::absolute(path).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| e.path.clone());
            FileEntry { path: rel.unwrap_or_else(absolute), ..e.clone() }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Writes the manifest, and its signature when a key is given; `outputs` are the files written,
/// by name, with their digests.
pub fn write(
    path: &Path,
    input: &ReportInput,
    inputs: &[FileEntry],
    outputs: &[(String, FileDigest)],
    workbook: &super::workbook::Contents,
    key: Option<&EvidenceKey>,
) -> Result<(), ReportError> {
    let mut out_entries: Vec<FileEntry> = outputs
        .iter()
        .map(|(name, d)| FileEntry { path: name.clone(), role: String::new(), size: d.size, sha256: d.sha256.clone() })
        .collect();
    out_entries.sort_by(|a, b| a.path.cmp(&b.path));
    let coverage: Vec<serde_json::Value> = input
        .coverage
        .iter()
        .map(|c| {
            serde_json::json!({
                "app": c.app, "app_kind": c.app_kind, "status": c.status,
                "accounts_collected": c.accounts_collected, "total_reported": c.total_reported,
                "pages": c.pages, "requests": c.requests, "retries": c.retries, "throttled_429": c.throttled,
                "duplicates_dropped": c.duplicates_dropped, "last_login_known": c.last_login_known,
                "source": c.source, "errors": c.errors, "notes": c.notes,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "tool": "access-audit",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "review": input.config.review.name,
        "as_of": input.as_of.format("%Y-%m-%d").to_string(),
        "started_at": input.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "finished_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "complete": input.coverage.iter().all(|c| c.status == COVERAGE_COMPLETE),
        "config_file": input.config.file.display().to_string(),
        "config": input.config.redacted_json(),
        "inputs": inputs,
        "outputs": out_entries,
        "coverage": coverage,
        "workbook": workbook,
        "collection": {
            "tool_version": input.snapshot.tool_version,
            "snapshot_format": input.snapshot.format_version,
            "config_sha256": input.snapshot.config_sha256,
            "apps": input.snapshot.collected,
        },
        "warnings": input.warnings,
    });
    let mut doc = doc;
    if let Some(key) = key {
        doc["signing"] = signing_block(key);
    }
    write_signed(path, &doc, key)
}

/// What the manifest says about its own signature: which key to ask for, and where it is.
pub fn signing_block(key: &EvidenceKey) -> serde_json::Value {
    serde_json::json!({
        "algorithm": signing::ALGORITHM,
        "public_key_sha256": signing::fingerprint(&key.public_key()),
        "file": signing::SIGNATURE_FILE,
    })
}

/// Writes a manifest document and, with a key, its signature (after it: a signature never
/// exists without the bytes it signs).
pub fn write_signed(path: &Path, doc: &serde_json::Value, key: Option<&EvidenceKey>) -> Result<(), ReportError> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(|e| ReportError::Template(e.to_string()))?;
    bytes.push(b'\n');
    let sig_path = path.with_file_name(signing::SIGNATURE_FILE);
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| ReportError::Io { path: p, source }
    };
    files::write_atomic(path, &bytes).map_err(io(path))?;
    match key {
        Some(key) => {
            let sig = key.sign(&bytes, super::names::MANIFEST_JSON);
            let mut sig_bytes = serde_json::to_vec_pretty(&sig).map_err(|e| ReportError::Template(e.to_string()))?;
            sig_bytes.push(b'\n');
            files::write_atomic(&sig_path, &sig_bytes).map_err(io(&sig_path))?;
        }
        None => {
            if sig_path.exists() {
                std::fs::remove_file(&sig_path).map_err(io(&sig_path))?;
            }
        }
    }
    Ok(())
}
