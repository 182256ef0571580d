//! The faults a tenant file can ask for (what `faults` acts on).

use serde::Deserialize;

/// Faults of one tenant. Everything off by default.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// The first N API requests get 429.
    pub burst_429: u32,
    /// `Retry-After` on those 429s: seconds ("2", "0"), "date+N" (an HTTP date N seconds ahead),
    /// or none.
    pub retry_after: Option<String>,
    /// Every Nth request gets a 503 with an HTML body.
    pub error_5xx_every: u32,
    /// Delay before every page.
    pub slow_ms: u64,
    /// OAuth tenants: a token is refused (401) after this many API requests, as one that expires
    /// mid-run.
    pub token_expires_after_requests: u32,
    /// After page P (0-based) was served, the next page request first adds `add_users` users at
    /// the front of the list and removes `remove_users` from it. Once.
    pub mutate_after_page: Option<u32>,
    pub add_users: u32,
    pub remove_users: u32,
    /// Churn while the user list is read, as a directory changes under a collector: before
    /// user-list request number `churn_from` (0-based, counted over the whole run, every pass and
    /// retry included) and each of the next `churn_changes - 1`, one change (see [`ChurnMode`]):
    /// the first account of the list, which was already read, is deleted (it was before the
    /// cursor, so the next page silently skips a stable account), or a new account is inserted at
    /// the front (the next page repeats one).
    pub churn_from: Option<u32>,
    pub churn_changes: u32,
    pub churn_mode: ChurnMode,
    /// Added to the reported total.
    pub total_offset: i64,
    /// Every page after the first starts with the last row of the page before.
    pub repeat_row: bool,
    /// Every Nth response body is cut short.
    pub truncate_every: u32,
    /// This page (0-based) of the user list streams a JSON body without end (a broken server or
    /// a proxy in between).
    pub endless_page: Option<u32>,
    /// This page (0-based) always fails with a 500.
    pub fail_page: Option<u32>,
    /// Server-side limit: past this many requests in any second, 429 without `Retry-After`.
    pub server_rps: Option<f64>,
    /// The credential has expired: every API request is refused with 401 (Atlassian API tokens
    /// expire after at most a year).
    pub credential_expired: bool,
    /// Paths (any part of them, e.g. "/group/member") the credential is not allowed to read:
    /// answered 403, as an API account without the permission.
    pub forbid: Vec<String>,
    /// The user with this id is deleted right before the first request that is not for a page
    /// of the user list, once the list has been read: a user deleted while the collector reads
    /// each user's details, events or group policies (which then answer 404).
    pub delete_user_after_list: Option<String>,
}

/// Which changes the churn fault makes.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ChurnMode {
    /// A deletion, then an insertion, then a deletion...
    #[default]
    DeleteThenInsert,
    /// An insertion, then a deletion...
    InsertThenDelete,
    /// Only insertions at the front.
    Insert,
    /// Only deletions of accounts already read.
    Delete,
    /// Each change deletes an account already read and, at the same instant, appends a new one at
    /// the end: the total stays the same, and so does the count a pass reads, while the next page
    /// silently skips a stable account.
    DeleteAndAppend,
}
