//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes a file so that a concurrent reader sees either the old or the new content, never an
/// empty or half-written file (tests running in parallel share secret files).
pub fn write_atomic(path: &Path, content: impl AsRef<[u8]>) {
    static N: AtomicU64 = AtomicU64::new(0);
    let tmp = path.with_extension(format!("tmp-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}
