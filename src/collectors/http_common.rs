//! What every API collector shares: coverage from the engine's counters and listing, and errors.

use serde_json::Value;

use super::{CheckOutcome, CollectError, EndpointCheck};
use crate::config::AppConfig;
use crate::http::client::Fetched;
use crate::http::{AppClient, ClientError, Failure, FetchError, Listing};
use crate::model::{CoverageRecord, CoverageStatus, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};

/// A non-empty, trimmed string field of a JSON item.
pub fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str()).map(str::trim).filter(|s| !s.is_empty())
}

/// A timestamp field of a JSON item (RFC 3339 or another layout the date parser reads), as UTC.
pub fn time_at(v: &Value, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    text(v, key).and_then(crate::dates::utc)
}

/// An id written as a number or a string.
pub fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Coverage status: complete, or failed when nothing was read, else partial.
pub fn status_of(complete: bool, accounts: usize) -> CoverageStatus {
    if complete {
        COVERAGE_COMPLETE
    } else if accounts == 0 {
        COVERAGE_FAILED
    } else {
        COVERAGE_PARTIAL
    }
}

/// One listing for coverage out of the listings of several endpoints, plus the collector's own
/// errors and notes (items are not carried).
pub fn combine(parts: Vec<Listing>, errors: Vec<String>, notes: Vec<String>) -> Listing {
    let mut all = Listing { complete: true, ..Default::default() };
    for l in parts {
        all.complete &= l.complete;
        all.pages += l.pages;
        all.duplicates_dropped += l.duplicates_dropped;
        all.total_reported = all.total_reported.or(l.total_reported);
        all.errors.extend(l.errors);
        all.notes.extend(l.notes);
    }
    all.complete &= errors.is_empty();
    all.errors.extend(errors);
    all.notes.extend(notes);
    all
}

/// Coverage of one app from the client's counters, the listings it read and the number of
/// accounts made of them (complete, else failed when there are none, else partial).
pub async fn coverage_from(
    app: &AppConfig,
    client: &AppClient,
    listing: &Listing,
    accounts: usize,
    last_login_known: bool,
) -> CoverageRecord {
    let s = &client.stats;
    let mut notes = listing.notes.clone();
    if let Some(info) = client.auth.token_info().await {
        if let Some(secs) = info.expires_in_secs {
            notes.push(format!("OAuth access tokens live {secs} s; {} token(s) fetched", info.fetched));
        }
    }
    CoverageRecord {
        app: app.name.clone(),
        app_kind: app.kind.as_str().into(),
        status: status_of(listing.complete, accounts),
        accounts_collected: accounts as i64,
        total_reported: listing.total_reported.map(|t| t as i64),
        pages: s.get(&s.pages),
        requests: s.get(&s.requests),
        retries: s.get(&s.retries),
        throttled: s.get(&s.throttled),
        duplicates_dropped: listing.duplicates_dropped as i64,
        errors: listing.errors.clone(),
        last_login_known,
        source: format!("API {}", client.app),
        notes,
    }
}

/// A client that cannot be built is a configuration problem of that app.
pub fn describe_client_error(e: ClientError) -> CollectError {
    CollectError::Input { detail: e.failure.to_string(), app: e.app }
}

/// One `check` request: GET `endpoint` and classify the answer. `grant`: the permission or scope
/// to grant when it is refused. Returns the check and, when it answered, the response.
pub async fn check_get(
    client: &AppClient,
    what: &str,
    endpoint: &str,
    query: &[(String, String)],
    grant: &str,
) -> (EndpointCheck, Option<Fetched>) {
    let shown = format!("GET {}", endpoint.split('?').next().unwrap_or(endpoint));
    match client.get_json(endpoint, query).await {
        Ok(f) => (EndpointCheck { what: what.into(), endpoint: shown, outcome: CheckOutcome::Ok(String::new()) }, Some(f)),
        Err(e) => (EndpointCheck { what: what.into(), endpoint: shown, outcome: classify(&e, grant) }, None),
    }
}

/// What a failed `check` request means: refused (grant this), not found, or another failure.
pub fn classify(e: &FetchError, grant: &str) -> CheckOutcome {
    let message = e.failure.to_string();
    match e.failure {
        Failure::Status { status: 403, .. } => CheckOutcome::NotAllowed(format!("HTTP 403: grant {grant}")),
        Failure::Status { status: 404, .. } => CheckOutcome::NotFound(message),
        _ => CheckOutcome::Failed(message),
    }
}

/// A check that was not made, and why (nothing to ask about, or an earlier step failed).
pub fn not_checked(what: &str, endpoint: &str, why: &str) -> EndpointCheck {
    EndpointCheck { what: what.into(), endpoint: endpoint.into(), outcome: CheckOutcome::NotChecked(why.into()) }
}

/// The same check with what the answer said.
pub fn said(mut check: EndpointCheck, detail: impl Into<String>) -> EndpointCheck {
    if let CheckOutcome::Ok(d) = &mut check.outcome {
        *d = detail.into();
    }
    check
}

/// What an OAuth token's `scope` says it may do: the scope as text, and whether it is more than
/// reading (a permission or scope that writes, modifies, deletes, creates or manages; `None`
/// when the scope names no permission at all, e.g. BlueJeans' `{enterprise, partition}`).
/// Strings are space- or comma-separated scopes; objects are read for `appPermissions`,
/// `bearerPermissions` or `permissions` lists, else described by their other keys.
pub fn oauth_scope(scope: &Value) -> (Option<String>, Option<bool>) {
    // A scope that starts by reading (read:accounts:admin, list_users, view_reports) reads,
    // whatever it reads about.
    let writes = |p: &str| {
        let p = p.to_ascii_lowercase();
        !["read", "list", "view", "get"].iter().any(|r| p.starts_with(r))
            && ["write", "modify", "delete", "create", "manage", "admin", "full_access", "update"].iter().any(|w| p.contains(w))
    };
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            Value::String(s) => s.split([' ', ',']).filter(|x| !x.is_empty()).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let perms: Vec<String> = match scope {
        Value::String(_) => list(scope),
        Value::Object(o) => {
            ["appPermissions", "bearerPermissions", "permissions"].iter().filter_map(|k| o.get(*k)).flat_map(list).collect()
        }
        _ => Vec::new(),
    };
    if !perms.is_empty() {
        let mut perms = perms;
        perms.sort();
        perms.dedup();
        let write = perms.iter().any(|p| writes(p));
        return (Some(perms.join(" ")), Some(write));
    }
    match scope {
        Value::Object(o) if !o.is_empty() => {
            let described: Vec<String> = o
                .iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some(format!("{k} {s}")),
                    Value::Number(n) => Some(format!("{k} {n}")),
                    _ => None,
                })
                .collect();
            (Some(format!("{} (no permissions listed)", described.join(", "))), None)
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oauth_scopes_say_what_a_token_may_do() {
        assert_eq!(
            oauth_scope(&json!("read:accounts:admin read:jira-user")),
            (Some("read:accounts:admin read:jira-user".into()), Some(false))
        );
        assert_eq!(oauth_scope(&json!("read:jira-user write:jira-work")).1, Some(true));
        assert_eq!(
            oauth_scope(&json!({"user": 1, "appPermissions": ["list_users", "modify_users"]})),
            (Some("list_users modify_users".into()), Some(true))
        );
        assert_eq!(
            oauth_scope(&json!({"enterprise": 28663, "partitionName": "z2", "partition": {"id": 2}})),
            (Some("enterprise 28663, partitionName z2 (no permissions listed)".into()), None)
        );
        assert_eq!(oauth_scope(&json!(null)), (None, None));
    }
}
