//! The snapshot on disk: what `collect` hands to `report`.
//!
//! A snapshot directory holds one Parquet file per frame (accounts, entitlements, credentials,
//! coverage) and `snapshot.json` with the format version and what was collected. Parquet keeps the
//! column types (timestamps stay timestamps), so `report` re-reads exactly what was collected, with
//! no network. A snapshot of another format version is refused with a clear message rather than
//! misread.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::report::files::write_atomic_with;

/// Bumped whenever a column is added, removed or changes meaning. 2: coverage errors and notes
/// are lists (format 1 joined them with " | ", which split a message containing it); credential
/// observations carry `refused_at`, `token_lifetime_seconds` and `token_expires_at`.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this version still reads.
pub const OLDEST_READABLE: u32 = 1;
pub const META_FILE: &str = "snapshot.json";
pub const ACCOUNTS_FILE: &str = "accounts.parquet";
pub const ENTITLEMENTS_FILE: &str = "entitlements.parquet";
pub const CREDENTIALS_FILE: &str = "credentials.parquet";
pub const COVERAGE_FILE: &str = "coverage.parquet";
pub const FILES: [&str; 4] = [ACCOUNTS_FILE, ENTITLEMENTS_FILE, CREDENTIALS_FILE, COVERAGE_FILE];

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {dir}: cannot read {file}: {source}")]
    Io { dir: PathBuf, file: String, source: std::io::Error },
    #[error("snapshot {dir}: {file} is not a valid snapshot file: {detail}")]
    Invalid { dir: PathBuf, file: String, detail: String },
    #[error("snapshot {dir} has format version {found}; this access-audit reads versions {OLDEST_READABLE} to {expected} (re-run `collect` with this version)")]
    Version { dir: PathBuf, found: u32, expected: u32 },
    #[error("{dir} is not a snapshot: no {META_FILE} in it or in {dir}/snapshot (expected the directory written by `collect`, or a report directory with a snapshot/ inside)")]
    Missing { dir: PathBuf },
}

/// `snapshot.json`: describes the snapshot; deterministic for the same collection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapshotMeta {
    pub format_version: u32,
    pub tool_version: String,
    /// App names in the snapshot, sorted.
    pub apps: Vec<String>,
}

/// The four frames of a snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub accounts: DataFrame,
    pub entitlements: DataFrame,
    pub credentials: DataFrame,
    pub coverage: DataFrame,
}

impl Snapshot {
    /// Writes the snapshot into `dir` (created if needed); each file atomically, the meta file last.
    pub fn write(&mut self, dir: &Path) -> Result<(), SnapshotError> {
        std::fs::create_dir_all(dir).map_err(|source| SnapshotError::Io { dir: dir.into(), file: String::new(), source })?;
        for (name, df) in [
            (ACCOUNTS_FILE, &mut self.accounts),
            (ENTITLEMENTS_FILE, &mut self.entitlements),
            (CREDENTIALS_FILE, &mut self.credentials),
            (COVERAGE_FILE, &mut self.coverage),
        ] {
            write_atomic_with(&dir.join(name), |file| {
                ParquetWriter::new(file).with_statistics(StatisticsOptions::empty()).finish(df).map(|_| ()).map_err(std::io::Error::other)
            })
            .map_err(|source| SnapshotError::Io { dir: dir.into(), file: name.into(), source })?;
        }
        let meta = serde_json::to_vec_pretty(&self.meta).expect("meta serializes");
        write_atomic_with(&dir.join(META_FILE), |file| std::io::Write::write_all(file, &meta))
            .map(|_| ())
            .map_err(|source| SnapshotError::Io { dir: dir.into(), file: META_FILE.into(), source })?;
        Ok(())
    }

    /// Finds the snapshot in `dir` itself or in `dir/snapshot`.
    pub fn locate(dir: &Path) -> Result<PathBuf, SnapshotError> {
        if dir.join(META_FILE).is_file() {
            Ok(dir.to_path_buf())
        } else if dir.join("snapshot").join(META_FILE).is_file() {
            Ok(dir.join("snapshot"))
        } else {
            Err(SnapshotError::Missing { dir: dir.into() })
        }
    }

    pub fn read(dir: &Path) -> Result<Snapshot, SnapshotError> {
        let dir = Self::locate(dir)?;
        let meta_bytes =
            std::fs::read(dir.join(META_FILE)).map_err(|source| SnapshotError::Io { dir: dir.clone(), file: META_FILE.into(), source })?;
        let meta: SnapshotMeta = serde_json::from_slice(&meta_bytes).map_err(|e| SnapshotError::Invalid {
            dir: dir.clone(),
            file: META_FILE.into(),
            detail: e.to_string(),
        })?;
        if !(OLDEST_READABLE..=FORMAT_VERSION).contains(&meta.format_version) {
            return Err(SnapshotError::Version { dir, found: meta.format_version, expected: FORMAT_VERSION });
        }
        let read = |name: &str| -> Result<DataFrame, SnapshotError> {
            let file = File::open(dir.join(name)).map_err(|source| SnapshotError::Io { dir: dir.clone(), file: name.into(), source })?;
            ParquetReader::new(file).finish().map_err(|e| SnapshotError::Invalid {
                dir: dir.clone(),
                file: name.into(),
                detail: e.to_string(),
            })
        };
        Ok(Snapshot {
            accounts: read(ACCOUNTS_FILE)?,
            entitlements: read(ENTITLEMENTS_FILE)?,
            credentials: read(CREDENTIALS_FILE)?,
            coverage: read(COVERAGE_FILE)?,
            meta,
        })
    }
}
