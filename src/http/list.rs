//! Reading a whole list: the page loop every collector shares.
//!
//! The engine owns the loop; a collector only describes the endpoint, the pager, where the items
//! are and what an item's id is. Items are deduplicated by id (counted). A page that fails after
//! its retries is recorded and the rest of the list is still read where the pager allows it, so a
//! partial app keeps what was collected. Positional lists (offset, page number, startAt) can shift
//! while they are read; when a pass shows signs of that (totals that change, an id seen twice, a
//! total that does not match) the list is read again until two passes agree, and the accounts
//! that appeared or disappeared meanwhile are recorded.

use std::collections::{BTreeSet, HashSet};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tracing::debug;

use super::client::{AppClient, Fetched};
use super::pager::{at, is_url, link_next, Pager};

/// Reads at most this many extra passes of a list that changes while it is read.
const MAX_EXTRA_PASSES: usize = 3;
/// No list has more pages than this; a pager that never ends is stopped here.
const MAX_PAGES: u64 = 2_000_000;

/// What to list.
#[derive(Clone)]
pub struct ListSpec {
    pub endpoint: String,
    pub query: Vec<(String, String)>,
    pub pager: Pager,
    /// Where the items are ("" = the body is the array; `a|b`: the first of these that is one).
    pub items: String,
    /// The id of an item, for deduplication.
    pub id: fn(&Value) -> Option<String>,
    /// What the list is, in messages: "users", "members of group x".
    pub what: String,
}

/// What was read, and how completely.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    pub items: Vec<Value>,
    pub pages: u64,
    pub total_reported: Option<u64>,
    pub duplicates_dropped: u64,
    pub complete: bool,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

/// One page read by position: its items and the response, or why it failed.
type PageResult = Result<(Vec<Value>, Fetched), String>;

struct Pass {
    /// Items per page index, in order; a failed page is `None`.
    pages: Vec<Option<Vec<Value>>>,
    /// The page size the server serves, when it is smaller than the one asked for.
    served_fewer: Option<u32>,
    totals: BTreeSet<u64>,
    errors: Vec<String>,
}

impl Pass {
    /// Records one page; returns whether the API said it was the last.
    fn record(&mut self, pager: &Pager, result: PageResult) -> bool {
        match result {
            Ok((items, fetched)) => {
                if let Some(t) = pager.total(&fetched.body, &fetched.headers) {
                    self.totals.insert(t);
                }
                let last = pager.is_last(&fetched.body, items.len());
                self.pages.push(Some(items));
                last
            }
            Err(e) => {
                self.errors.push(e);
                self.pages.push(None);
                false
            }
        }
    }
}

/// Moves the item list out of a page (the rest of the body stays, for totals and end signals).
/// `path` may name alternatives, `user|users`: the first that holds an array is taken.
pub fn take_items(body: &mut Value, path: &str) -> Option<Vec<Value>> {
    for alternative in path.split('|') {
        let is_array = at(body, alternative).is_some_and(|v| v.is_array());
        if !is_array {
            continue;
        }
        let slot = if alternative.is_empty() {
            Some(&mut *body)
        } else {
            alternative.split('.').try_fold(&mut *body, |cur, key| cur.get_mut(key))
        };
        if let Some(Value::Array(items)) = slot.map(Value::take) {
            return Some(items);
        }
    }
    None
}

impl AppClient {
    /// Reads every page of a list.
    pub async fn list(&self, spec: &ListSpec) -> Listing {
        if spec.pager.is_positional() {
            self.list_positional(spec).await
        } else {
            self.list_sequential(spec).await
        }
    }

    async fn fetch_position(&self, spec: &ListSpec, index: u64) -> PageResult {
        let mut query = spec.query.clone();
        query.extend(spec.pager.position_query(index));
        let mut fetched = self.get_json(&spec.endpoint, &query).await.map_err(|e| e.to_string())?;
        self.stats.pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let items = take_items(&mut fetched.body, &spec.items).ok_or_else(|| {
            format!(
                "app {}: {} page {}: the response has no item list at \"{}\" (the API answered in an unexpected shape)",
                self.app,
                spec.what,
                index + 1,
                spec.items
            )
        })?;
        Ok((items, fetched))
    }

    /// One pass over a positional list.
    async fn positional_pass(&self, spec: &ListSpec) -> Pass {
        let mut pass = Pass { pages: Vec::new(), served_fewer: None, totals: BTreeSet::new(), errors: Vec::new() };
        let first = self.fetch_position(spec, 0).await;
        // A server that serves fewer per page than asked (a cap below `maxResults`) is followed:
        // the next page starts where the served one ended, so nothing is skipped.
        let adjusted = first.as_ref().ok().and_then(|(_, f)| spec.pager.served_fewer(&f.body)).map(|n| {
            pass.served_fewer = Some(n);
            ListSpec { pager: spec.pager.with_page_size(n), ..spec.clone() }
        });
        let spec = adjusted.as_ref().unwrap_or(spec);
        let size = spec.pager.page_size().max(1) as u64;
        let mut last_done = pass.record(&spec.pager, first);
        if pass.pages[0].is_none() {
            // Without the first page there is no total and no end signal to go on.
            return pass;
        }
        let total = pass.totals.iter().next().copied();
        let mut next = 1u64;
        // With a total, the remaining pages are known up front: fetch them concurrently.
        if let (false, Some(total)) = (last_done, total) {
            let expected_pages = total.div_ceil(size).max(1);
            if expected_pages > 1 {
                let concurrency = self.limiter.concurrency.max(1);
                let results: Vec<(u64, PageResult)> = stream::iter(1..expected_pages)
                    .map(|i| async move { (i, self.fetch_position(spec, i).await) })
                    .buffered(concurrency)
                    .collect()
                    .await;
                for (_, r) in results {
                    last_done = pass.record(&spec.pager, r);
                }
                next = expected_pages;
            }
        }
        // Then page by page until the API's own end signal.
        while !last_done && next < MAX_PAGES {
            last_done = pass.record(&spec.pager, self.fetch_position(spec, next).await);
            // A failed page may be the last one: stop after two failures in a row rather than
            // guessing past the end.
            let n = pass.pages.len();
            if n >= 2 && pass.pages[n - 1].is_none() && pass.pages[n - 2].is_none() {
                break;
            }
            next += 1;
        }
        if next >= MAX_PAGES {
            pass.errors.push(format!("app {}: {}: stopped after {MAX_PAGES} pages without an end-of-list signal", self.app, spec.what));
        }
        pass
    }

    async fn list_positional(&self, spec: &ListSpec) -> Listing {
        let mut listing = Listing::default();
        let mut passes: Vec<(Vec<Value>, Vec<String>, u64)> = Vec::new(); // (unique items, ids in order, duplicates)
        let mut stable = false;
        let mut signals: Vec<String> = Vec::new();
        for pass_no in 0..=MAX_EXTRA_PASSES {
            let pass = self.positional_pass(spec).await;
            listing.pages += pass.pages.len() as u64;
            if let (Some(n), 0) = (pass.served_fewer, pass_no) {
                listing.notes.push(format!(
                    "{}: the server serves at most {n} per page (asked for {}); pages were read at that size",
                    spec.what,
                    spec.pager.page_size()
                ));
            }
            let failed = !pass.errors.is_empty();
            let mut seen = HashSet::new();
            let mut unique = Vec::new();
            let mut ids = Vec::new();
            let mut dups = 0u64;
            for item in pass.pages.into_iter().flatten().flatten() {
                let Some(id) = (spec.id)(&item) else {
                    unique.push(item);
                    continue;
                };
                if seen.insert(id.clone()) {
                    ids.push(id);
                    unique.push(item);
                } else {
                    dups += 1;
                }
            }
            let total = pass.totals.iter().next_back().copied();
            listing.total_reported = total;
            signals.clear();
            if pass.totals.len() > 1 {
                signals.push(format!("the reported total changed during the pass ({:?})", pass.totals));
            }
            if dups > 0 {
                signals.push(format!("{dups} id(s) appeared on more than one page"));
            }
            if let Some(t) = total {
                if t != ids.len() as u64 && !failed {
                    signals.push(format!("the API reported {t} but {} distinct were read", ids.len()));
                }
            }
            listing.errors.extend(pass.errors);
            let previous_ids = passes.last().map(|(_, ids, _)| ids.clone());
            passes.push((unique, ids.clone(), dups));
            if failed {
                break;
            }
            if signals.is_empty() && pass_no == 0 {
                stable = true;
                break;
            }
            if let Some(prev) = previous_ids {
                let a: BTreeSet<&String> = prev.iter().collect();
                let b: BTreeSet<&String> = ids.iter().collect();
                if a == b {
                    stable = true;
                    break;
                }
            }
            debug!("app {}: {}: re-reading the list ({})", self.app, spec.what, signals.join("; "));
        }
        // Every account seen in any pass: one that existed for the whole run is in all of them.
        let mut seen = HashSet::new();
        let first_ids: HashSet<String> = passes.first().map(|(_, ids, _)| ids.iter().cloned().collect()).unwrap_or_default();
        let last_ids: HashSet<String> = passes.last().map(|(_, ids, _)| ids.iter().cloned().collect()).unwrap_or_default();
        listing.duplicates_dropped = passes.first().map(|p| p.2).unwrap_or(0);
        let pass_count = passes.len();
        for (items, _, _) in passes {
            for item in items {
                if (spec.id)(&item).is_none_or(|id| seen.insert(id)) {
                    listing.items.push(item);
                }
            }
        }
        if pass_count > 1 {
            let mut added: Vec<&String> = last_ids.difference(&first_ids).collect();
            let mut removed: Vec<&String> = first_ids.difference(&last_ids).collect();
            added.sort();
            removed.sort();
            listing.notes.push(format!(
                "{}: the list changed while it was read and was read {} times{}{}{}",
                spec.what,
                pass_count,
                if stable { " until two passes agreed" } else { "" },
                if added.is_empty() { String::new() } else { format!("; appeared meanwhile: {}", ids_excerpt(&added)) },
                if removed.is_empty() {
                    String::new()
                } else {
                    format!("; disappeared meanwhile (kept, they existed when collection began): {}", ids_excerpt(&removed))
                },
            ));
        }
        if let (Some(t), true) = (listing.total_reported, stable) {
            let n = last_ids.len() as u64;
            if t != n {
                listing.notes.push(format!("{}: the API reported a total of {t}, but {n} distinct were listed (the end-of-list signal was reached; the total is only a cross-check)", spec.what));
            }
        }
        listing.complete = listing.errors.is_empty() && stable;
        if !stable && listing.errors.is_empty() {
            listing.errors.push(format!(
                "app {}: {}: the list kept changing over {} passes ({}); what was seen is kept, but it may not be all",
                self.app,
                spec.what,
                pass_count,
                signals.join("; ")
            ));
        }
        listing
    }

    async fn list_sequential(&self, spec: &ListSpec) -> Listing {
        let mut listing = Listing { complete: true, ..Default::default() };
        let mut seen = HashSet::new();
        let mut endpoint = spec.endpoint.clone();
        let mut query: Vec<(String, String)> = spec.query.clone();
        query.extend(spec.pager.position_query(0));
        let mut previous_tokens: HashSet<String> = HashSet::new();
        loop {
            if listing.pages >= MAX_PAGES {
                listing
                    .errors
                    .push(format!("app {}: {}: stopped after {MAX_PAGES} pages without an end-of-list signal", self.app, spec.what));
                break;
            }
            let mut fetched = match self.get_json(&endpoint, &query).await {
                Ok(f) => f,
                Err(e) => {
                    // A cursor cannot skip a failed page: what follows it is unreachable.
                    listing.errors.push(format!("{e} (the rest of the list could not be read)"));
                    break;
                }
            };
            self.stats.pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            listing.pages += 1;
            let Some(items) = take_items(&mut fetched.body, &spec.items) else {
                listing.errors.push(format!(
                    "app {}: {} page {}: the response has no item list at \"{}\" (the API answered in an unexpected shape)",
                    self.app, spec.what, listing.pages, spec.items
                ));
                break;
            };
            if let Some(t) = spec.pager.total(&fetched.body, &fetched.headers) {
                listing.total_reported = Some(t);
            }
            for item in items {
                if (spec.id)(&item).is_none_or(|id| seen.insert(id)) {
                    listing.items.push(item);
                } else {
                    listing.duplicates_dropped += 1;
                }
            }
            let next = match &spec.pager {
                Pager::Cursor { next, .. } => {
                    at(&fetched.body, next).and_then(|v| v.as_str()).map(str::to_string).filter(|s| !s.is_empty())
                }
                Pager::LinkHeader { .. } => fetched.headers.get_all("link").iter().filter_map(|v| v.to_str().ok()).find_map(link_next),
                _ => None,
            };
            let Some(next) = next else { break };
            if !previous_tokens.insert(next.clone()) {
                listing.errors.push(format!(
                    "app {}: {}: the API returned a next-page token or link it had already returned; the list does not advance, so reading stopped",
                    self.app, spec.what
                ));
                break;
            }
            match &spec.pager {
                Pager::Cursor { token_param, next_is_url: false, .. } if !is_url(&next) => {
                    query.retain(|(k, _)| k != token_param);
                    query.push((token_param.clone(), next));
                }
                _ => {
                    // The next link is a whole URL (or a server path) with its own query.
                    endpoint = self.resolve_link(&next);
                    query.clear();
                }
            }
        }
        if let Some(t) = listing.total_reported {
            if t != listing.items.len() as u64 && listing.errors.is_empty() {
                listing.notes.push(format!(
                    "{}: the API reported a total of {t}, but {} distinct were listed",
                    spec.what,
                    listing.items.len()
                ));
            }
        }
        listing.complete = listing.errors.is_empty();
        listing
    }
}

fn ids_excerpt(ids: &[&String]) -> String {
    let shown: Vec<&str> = ids.iter().take(10).map(|s| s.as_str()).collect();
    if ids.len() > 10 {
        format!("{} (+{} more)", shown.join(", "), ids.len() - 10)
    } else {
        shown.join(", ")
    }
}
