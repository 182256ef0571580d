//! What can go wrong writing a report.

use std::path::{Path, PathBuf};

use polars::prelude::PolarsError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("report: {0}")]
    Frame(#[from] PolarsError),
    #[error("report template: {0}")]
    Template(String),
    #[error(transparent)]
    Signing(#[from] crate::signing::SigningError),
    #[error("{dir} holds files that are not an access-audit report ({found}) and no manifest.json of this tool: refusing to write a report into it (choose a new or empty directory, or add --force to write there anyway)")]
    NotAPack { dir: PathBuf, found: String },
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}
