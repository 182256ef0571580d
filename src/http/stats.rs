//! The counters of one app's collection, shared by its clients and its progress line.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one app's collection.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub pages: AtomicU64,
    pub waited_ms: AtomicU64,
}

impl Stats {
    pub fn get(&self, c: &AtomicU64) -> i64 {
        c.load(Ordering::Relaxed) as i64
    }
}
