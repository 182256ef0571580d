//! The snapshot on disk: what `collect` hands to `report`.
//!
//! A snapshot directory holds one Parquet file per frame (accounts, entitlements, credentials,
//! coverage) and `snapshot.json`: the format version, the tool version, the config's hash, when
//! each app was collected, and the SHA-256 of every frame file (`report` refuses a snapshot whose
//! files do not match). Parquet keeps the
//! column types (timestamps stay timestamps), so `report` re-reads exactly what was collected, with
//! no network. A snapshot of another format version is refused with a clear message rather than
//! misread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::write_atomic_with;

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
    #[error("snapshot {dir}: cannot write {file}: {source}")]
    Write { dir: PathBuf, file: String, source: std::io::Error },
    #[error("snapshot {dir}: {file} is not a valid snapshot file: {detail}")]
    Invalid { dir: PathBuf, file: String, detail: String },
    #[error("snapshot {dir} has format version {found}; this access-audit reads versions {OLDEST_READABLE} to {expected} (re-run `collect` with this version)")]
    Version { dir: PathBuf, found: u32, expected: u32 },
    #[error("{dir} is not a snapshot: no {META_FILE} in it or in {dir}/snapshot (expected the directory written by `collect`, or a report directory with a snapshot/ inside)")]
    Missing { dir: PathBuf },
    #[error("snapshot {dir}: {file} is not the file that was collected (SHA-256 {found}, {META_FILE} records {expected}): it was changed or replaced after collection, so no report is made from it; collect again")]
    Altered { dir: PathBuf, file: String, expected: String, found: String },
    #[error("snapshot {dir}: {META_FILE} records no SHA-256 for {file}: the snapshot's files cannot be checked; collect again")]
    Unrecorded { dir: PathBuf, file: String },
    #[error("{dir} holds files that are not an access-audit snapshot ({found}) and no {META_FILE}: refusing to write a snapshot into it (choose a new or empty directory, or add --force to write there anyway)")]
    NotASnapshot { dir: PathBuf, found: String },
}

/// `snapshot.json`: what the snapshot is and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SnapshotMeta {
    pub format_version: u32,
    /// The version of access-audit that collected it.
    pub tool_version: String,
    /// App names in the snapshot, sorted.
    pub apps: Vec<String>,
    /// SHA-256 of the config text the collection ran with (secrets are references, never values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_sha256: Option<String>,
    /// When each app was collected, sorted by app.
    #[serde(default)]
    pub collected: Vec<AppCollected>,
    /// SHA-256 of every frame file, by file name: `report` refuses a snapshot whose files differ.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The apps whose rule settings differ from the defaults, as they were collected.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, super::AppRules>,
}

impl SnapshotMeta {
    /// Whether the snapshot records the apps' rule settings (format 2 on); older ones leave them
    /// to the config.
    pub fn records_rules(&self) -> bool {
        self.format_version >= 2
    }
}

/// When one app was collected: start and end, UTC, RFC 3339.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppCollected {
    pub app: String,
    pub started_at: String,
    pub finished_at: String,
}

impl AppCollected {
    pub fn new(app: &str, started: chrono::DateTime<chrono::Utc>, finished: chrono::DateTime<chrono::Utc>) -> AppCollected {
        let t = |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        AppCollected { app: app.into(), started_at: t(started), finished_at: t(finished) }
    }
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
        self.meta.files = self.write_files(dir)?;
        Ok(())
    }

    /// Writes the snapshot (frames, then `snapshot.json` with their digests) without changing
    /// it, so that it can be written while it is read; returns the frames' digests.
    pub fn write_files(&self, dir: &Path) -> Result<BTreeMap<String, String>, SnapshotError> {
        std::fs::create_dir_all(dir).map_err(|source| SnapshotError::Write { dir: dir.into(), file: "(the directory)".into(), source })?;
        let mut files = BTreeMap::new();
        for (name, df) in [
            (ACCOUNTS_FILE, &self.accounts),
            (ENTITLEMENTS_FILE, &self.entitlements),
            (CREDENTIALS_FILE, &self.credentials),
            (COVERAGE_FILE, &self.coverage),
        ] {
            let digest = write_atomic_with(&dir.join(name), |file| {
                let mut df = df.clone();
                ParquetWriter::new(file)
                    .with_statistics(StatisticsOptions::empty())
                    .finish(&mut df)
                    .map(|_| ())
                    .map_err(std::io::Error::other)
            })
            .map_err(|source| SnapshotError::Write { dir: dir.into(), file: name.into(), source })?;
            files.insert(name.to_string(), digest.sha256);
        }
        let meta = SnapshotMeta { files: files.clone(), ..self.meta.clone() };
        let meta = serde_json::to_vec_pretty(&meta).expect("meta serializes");
        write_atomic_with(&dir.join(META_FILE), |file| std::io::Write::write_all(file, &meta))
            .map(|_| ())
            .map_err(|source| SnapshotError::Write { dir: dir.into(), file: META_FILE.into(), source })?;
        Ok(files)
    }

    /// Whether a snapshot may be written into `dir`: it does not exist, is empty, or holds only a
    /// snapshot's files (an earlier one is replaced). Anything else is refused unless `force`.
    pub fn check_output_dir(dir: &Path, force: bool) -> Result<(), SnapshotError> {
        if force || !dir.exists() {
            return Ok(());
        }
        let foreign = crate::files::foreign_entries(dir, |name, _| name == META_FILE || FILES.contains(&name))
            .map_err(|source| SnapshotError::Io { dir: dir.into(), file: String::new(), source })?;
        if foreign.is_empty() {
            return Ok(());
        }
        Err(SnapshotError::NotASnapshot { dir: dir.into(), found: crate::text::first_of(&foreign, 3) })
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
        // Format 1 recorded no hashes; from format 2 on, every frame file must be the one that
        // was collected.
        let checked = meta.format_version >= 2;
        let read = |name: &str| -> Result<DataFrame, SnapshotError> {
            let io = |source| SnapshotError::Io { dir: dir.clone(), file: name.into(), source };
            let mut file = std::fs::File::open(dir.join(name)).map_err(io)?;
            if checked {
                let expected = meta.files.get(name).ok_or_else(|| SnapshotError::Unrecorded { dir: dir.clone(), file: name.into() })?;
                // Hashed as a stream (a large company's frame file is not held twice), then read.
                let mut hasher = Sha256::new();
                std::io::copy(&mut file, &mut hasher).map_err(io)?;
                let found = hex::encode(hasher.finalize());
                if &found != expected {
                    return Err(SnapshotError::Altered { dir: dir.clone(), file: name.into(), expected: expected.clone(), found });
                }
                std::io::Seek::rewind(&mut file).map_err(io)?;
            }
            ParquetReader::new(file).finish().map_err(|e| SnapshotError::Invalid {
                dir: dir.clone(),
                file: name.into(),
                detail: e.to_string(),
            })
        };
        let mut accounts = read(ACCOUNTS_FILE)?;
        // Snapshots taken before the sign-in source was recorded: it is unknown.
        if accounts.column(super::account::AUTH_SOURCE).is_err() {
            let unknown = Column::new(super::account::AUTH_SOURCE.into(), vec![super::AuthSource::Unknown.as_str(); accounts.height()]);
            accounts.with_column(unknown).map_err(|e| SnapshotError::Invalid {
                dir: dir.clone(),
                file: ACCOUNTS_FILE.into(),
                detail: e.to_string(),
            })?;
        }
        // Snapshots taken before identity providers were read: no second factor or profile known.
        let height = accounts.height();
        let missing =
            |name: &str, dtype: DataType| (accounts.column(name).is_err()).then(|| Column::full_null(name.into(), height, &dtype));
        let absent: Vec<Column> = [
            missing(super::account::MFA, DataType::Boolean),
            missing(super::account::EMPLOYEE_ID, DataType::String),
            missing(super::account::MANAGER_EMAIL, DataType::String),
            missing(super::account::DEPARTMENT, DataType::String),
        ]
        .into_iter()
        .flatten()
        .collect();
        for column in absent {
            accounts.with_column(column).map_err(|e| SnapshotError::Invalid {
                dir: dir.clone(),
                file: ACCOUNTS_FILE.into(),
                detail: e.to_string(),
            })?;
        }
        Ok(Snapshot {
            accounts,
            entitlements: read(ENTITLEMENTS_FILE)?,
            credentials: read(CREDENTIALS_FILE)?,
            coverage: read(COVERAGE_FILE)?,
            meta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write failure says "cannot write", naming what could not be written.
    #[test]
    fn a_snapshot_that_cannot_be_written_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file-not-dir");
        std::fs::write(&blocked, "x").unwrap();
        let mut snap = Snapshot {
            meta: SnapshotMeta::default(),
            accounts: DataFrame::empty(),
            entitlements: DataFrame::empty(),
            credentials: DataFrame::empty(),
            coverage: DataFrame::empty(),
        };
        let e = snap.write(&blocked.join("snap")).unwrap_err().to_string();
        assert!(e.contains("cannot write") && !e.contains("cannot read"), "{e}");
    }
}
