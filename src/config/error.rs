//! A config problem, positioned.

/// A config problem, positioned.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    /// The key path, e.g. `apps[2].columns.email` or `review.as_of`.
    pub key: String,
    pub message: String,
}
