//! What can go wrong with a pack.

use std::path::PathBuf;

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
