//! Reading a whole list: the page loops every collector shares.
//!
//! The engine owns the loops; a collector only describes the endpoint, the pager, where the items
//! are and what an item's id is. No collector pages on its own: a loop of its own is where a
//! directory that changes while it is read silently loses accounts.
//!
//! Positional lists (offset, page number, startAt, SCIM startIndex, numbered `Link` pages) can
//! shift while they are read: an account deleted before the cursor makes the next page skip a
//! stable account, one added at the front makes it repeat one. A pass checks itself where it can:
//! - a total that changes between pages, an id seen twice, or a count that differs from the total
//!   shows the list moved (with a total the API reports, and that is not just the page's size,
//!   the pages are fetched concurrently);
//! - pages addressed by item are asked for from a little before where the previous one ended
//!   (one item; two for Jira, whose hidden accounts keep their slots): the first items of a page
//!   must be ones already read, else the list moved under the cursor. This also catches what a
//!   total cannot: an account deleted before the cursor while another is added after it;
//! - numbered pages cannot overlap, so such a list of more than one page is read twice and the
//!   passes compared.
//!
//! A pass that shows movement starts another, until two passes agree (the same ids), within a
//! pass budget (`max_list_passes`) and the app's `max_collect_seconds`, and while the churn does
//! not keep growing. Every account seen in any pass is kept (one that existed for the whole run is
//! in every pass); the ids that appeared or disappeared meanwhile are named in the notes. When the
//! passes never agree the list is incomplete and its error names what kept changing.
//!
//! A failed page (after its retries) is recorded and the rest of the list is still read where the
//! pager allows it, so a partial app keeps what was collected. Two full pages in a row that bring
//! nothing new mean the server does not advance: an error, never a loop.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tracing::debug;

use super::client::{origin_of, AppClient, Fetched};
use super::pager::{at, is_url, number_at, Addressing, Pager};

/// No list has more pages than this; a pager that never ends is stopped here.
const MAX_PAGES: u64 = 2_000_000;
/// Pages in a row that bring nothing new before a list is declared stuck.
const MAX_STALLED: u32 = 2;
/// Why a list of numbered pages is read twice even when nothing showed it moved.
const CONFIRMATION: &str =
    "numbered pages cannot overlap, so one pass cannot show that nothing moved between them: the list is read twice and the passes compared";
/// How many ids a note or an error names before it says "+N more".
const IDS_SHOWN: usize = 10;

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
    /// How many times the list was read (a positional list is read again while it changes).
    pub passes: u32,
    /// The list's first page answered 404: the list (or what it belongs to) does not exist.
    pub not_found: bool,
}

/// One page read by position: its items and the response, or why it failed.
type PageResult = Result<(Vec<Value>, Fetched), PageError>;

/// Why a page could not be read, and whether the API said it does not exist (HTTP 404).
struct PageError {
    text: String,
    not_found: bool,
}

impl From<String> for PageError {
    fn from(text: String) -> Self {
        PageError { text, not_found: false }
    }
}

impl From<super::client::FetchError> for PageError {
    fn from(e: super::client::FetchError) -> Self {
        PageError { not_found: e.failure.status() == Some(404), text: e.to_string() }
    }
}

/// What one pass over a positional list saw.
#[derive(Default)]
struct Pass {
    /// Distinct items in the order read, and those without an id.
    items: Vec<Value>,
    ids: HashSet<String>,
    duplicates: u64,
    /// (total reported, items on that page), per page that reported a total.
    totals: Vec<(u64, usize)>,
    /// Page boundaries (item positions) where an overlapping page showed the list had moved.
    moved_at: Vec<u64>,
    errors: Vec<String>,
    notes: Vec<String>,
    pages: u64,
    /// The first page answered 404.
    not_found: bool,
    /// The page size the server serves, when it is smaller than the one asked for.
    served_fewer: Option<u32>,
    /// Whether the pass could check every page boundary (pages addressed by item overlap).
    checked: bool,
    took: Duration,
}

/// A page as the pass recorded it.
struct Recorded {
    /// The API's end-of-list signal.
    last: bool,
    /// Items on the page, and those of them not read before in this pass.
    items: usize,
    new: usize,
}

impl Pass {
    /// Records one page read: counts it, keeps its total, takes the API's end signal and adds
    /// its items. `before`: items before it in the list; `size`: how many were asked for.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        spec: &ListSpec,
        pager: &Pager,
        items: Vec<Value>,
        fetched: &Fetched,
        before: u64,
        size: u32,
        overlap: Option<u64>,
    ) -> Recorded {
        self.pages += 1;
        let n = items.len();
        if let Some(t) = pager.total(&fetched.body, &fetched.headers) {
            self.totals.push((t, n));
        }
        let last = pager.is_last(&fetched.body, &fetched.headers, before, n, size);
        let new = self.add_page(spec, items, overlap, before);
        Recorded { last, items: n, new }
    }

    /// Adds a page's items; returns how many were new. `overlap`: the page was asked for from this many items before where
    /// the previous one ended, so its first items should be ones already read.
    fn add_page(&mut self, spec: &ListSpec, items: Vec<Value>, overlap: Option<u64>, position: u64) -> usize {
        let raw = items.len();
        let mut leading = 0u64;
        let mut in_lead = true;
        let mut new = 0usize;
        for item in items {
            match (spec.id)(&item) {
                None => {
                    in_lead = false;
                    new += 1;
                    self.items.push(item);
                }
                Some(id) if self.ids.contains(&id) => {
                    if in_lead {
                        leading += 1;
                    } else {
                        self.duplicates += 1;
                    }
                }
                Some(id) => {
                    in_lead = false;
                    new += 1;
                    self.ids.insert(id);
                    self.items.push(item);
                }
            }
        }
        match overlap {
            Some(k) if raw > 0 => {
                if leading == 0 {
                    // The slots that were read already hold something new: items before the cursor
                    // were removed, and the page would have skipped as many stable ones.
                    self.moved_at.push(position);
                } else if leading > k {
                    // More than the overlap was read twice: items were added before the cursor.
                    self.duplicates += leading - k;
                    self.moved_at.push(position);
                }
            }
            Some(_) => {}
            None => self.duplicates += leading,
        }
        new
    }

    /// The signs that the list moved during this pass (or that one pass cannot show it did not).
    fn signals(&self, spec: &ListSpec) -> (Vec<String>, Option<u64>, Option<String>) {
        let mut signals = Vec::new();
        let mut note = None;
        // A server whose total is only the size of each page (a known SCIM quirk) says nothing
        // about the list: such totals are not used.
        let page_sized = self.totals.len() > 1 && self.totals.iter().all(|(t, n)| *t == *n as u64);
        let total = if page_sized {
            note = Some(format!(
                "{}: the reported total is only each page's size, not the list's; it is not used as a cross-check",
                spec.what
            ));
            None
        } else {
            self.totals.last().map(|(t, _)| *t)
        };
        if !page_sized {
            let distinct: BTreeSet<u64> = self.totals.iter().map(|(t, _)| *t).collect();
            if distinct.len() > 1 {
                let shown: Vec<String> = distinct.iter().map(u64::to_string).collect();
                signals.push(format!("the reported total changed during the pass ({})", shown.join(", ")));
            }
            if let Some(t) = total {
                let n = self.items.len() as u64;
                if t != n && self.errors.is_empty() {
                    signals.push(format!("the API reported {t} but {n} distinct were read"));
                }
            }
        }
        if self.duplicates > 0 {
            signals.push(format!("{} id(s) appeared on more than one page", self.duplicates));
        }
        if !self.moved_at.is_empty() {
            signals.push(format!(
                "the list moved under the cursor at {} page boundar{}",
                self.moved_at.len(),
                plural_y(self.moved_at.len())
            ));
        }
        if !self.checked && self.pages > 1 && signals.is_empty() {
            signals.push(CONFIRMATION.into());
        }
        (signals, total, note)
    }
}

/// Whether a page of `slots` positions leaves room to overlap the next by `overlap`: at most a
/// quarter of the page, so that every page still brings mostly new items.
fn overlap_fits(slots: u64, overlap: u64) -> bool {
    overlap > 0 && slots >= 4 * overlap
}

fn plural_y(n: usize) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

/// Every item seen over the passes of a list, by id; a later pass's version replaces an earlier.
#[derive(Default)]
struct Merged {
    items: Vec<Value>,
    index: HashMap<String, usize>,
    /// Items without an id, from the latest pass only (they cannot be matched across passes).
    unnamed: Vec<Value>,
}

impl Merged {
    fn add(&mut self, spec: &ListSpec, items: Vec<Value>) {
        self.unnamed.clear();
        for item in items {
            match (spec.id)(&item) {
                None => self.unnamed.push(item),
                Some(id) => match self.index.get(&id) {
                    Some(i) => self.items[*i] = item,
                    None => {
                        self.index.insert(id, self.items.len());
                        self.items.push(item);
                    }
                },
            }
        }
    }

    fn into_items(mut self) -> Vec<Value> {
        self.items.append(&mut self.unnamed);
        self.items
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

/// Up to ten ids, sorted, then "+N more".
pub fn ids_excerpt<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    let mut all: Vec<&String> = ids.into_iter().collect();
    all.sort();
    crate::text::first_of(&all, IDS_SHOWN)
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

    async fn fetch_query(&self, spec: &ListSpec, extra: Vec<(String, String)>, label: &str) -> PageResult {
        let mut query = spec.query.clone();
        query.extend(extra);
        let mut fetched = self.get_json(&spec.endpoint, &query).await?;
        let items = take_items(&mut fetched.body, &spec.items).ok_or_else(|| {
            format!(
                "app {}: {} {label}: the response has no item list at \"{}\" (the API answered in an unexpected shape)",
                self.app, spec.what, spec.items
            )
        })?;
        Ok((items, fetched))
    }

    async fn fetch_at(&self, spec: &ListSpec, pager: &Pager, position: u64, size: u32) -> PageResult {
        let label = match pager.addressing() {
            Some(Addressing::Pages) => format!("page {}", position + 1),
            _ => format!("from position {position}"),
        };
        let page = self.fetch_query(spec, pager.query_at(position, size), &label).await;
        if let Ok((items, _)) = &page {
            self.stats.pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.progress_read(items.len());
        }
        page
    }

    /// SCIM: whether the server counts `startIndex` from 0. Asked once, right after the first
    /// page (read from 1): a server that echoes `startIndex: 0` says so; otherwise one resource
    /// from 0 tells (an RFC server answers 0 as 1, with the first resource already read; a
    /// 0-based one answers with a resource the first page skipped).
    async fn scim_base(&self, spec: &ListSpec, first: &(Vec<Value>, Fetched), notes: &mut Vec<String>) -> u32 {
        if number_at(&first.1.body, "startIndex") == Some(0) {
            notes.push(format!("{}: the server counts startIndex from 0 (RFC 7644 says 1); read accordingly", spec.what));
            return 0;
        }
        if first.0.is_empty() {
            return 1;
        }
        let probe = vec![("startIndex".to_string(), "0".to_string()), ("count".to_string(), "1".to_string())];
        match self.fetch_query(spec, probe, "startIndex=0").await {
            Ok((items, _)) => {
                let read: HashSet<String> = first.0.iter().filter_map(|v| (spec.id)(v)).collect();
                if items.first().and_then(|v| (spec.id)(v)).is_some_and(|id| !read.contains(&id)) {
                    notes.push(format!(
                        "{}: the server answered startIndex=0 with a resource that startIndex=1 did not return, as a server that takes startIndex as a 0-based offset does (RFC 7644 says 1-based): read from startIndex=0",
                        spec.what
                    ));
                    0
                } else {
                    1
                }
            }
            Err(e) => {
                notes.push(format!("{}: the check for a 0-based startIndex failed ({}); read as the RFC says", spec.what, e.text));
                1
            }
        }
    }

    fn progress_read(&self, n: usize) {
        if let Some(p) = &self.progress {
            p.read(n);
        }
    }

    fn progress_expect(&self, n: u64) {
        if let Some(p) = &self.progress {
            p.expect(n);
        }
    }

    /// One pass over a positional list; `first`: the list's first pass (its total goes to the
    /// progress display once).
    async fn positional_pass(&self, spec: &ListSpec, pager: &mut Pager, first_pass: bool) -> Pass {
        let started = Instant::now();
        let mut pass = Pass::default();
        let asked = pager.page_size().max(1);
        let Some(addressing) = pager.addressing() else { return pass };
        let mut first = self.fetch_at(spec, pager, 0, asked).await;
        let detect_base = matches!(pager, Pager::StartIndex { base: None, .. });
        if let (Ok(page), true) = (&first, detect_base) {
            let base = self.scim_base(spec, page, &mut pass.notes).await;
            *pager = pager.with_base(base);
            if base == 0 {
                first = self.fetch_at(spec, pager, 0, asked).await;
            }
        }
        let (items, fetched) = match first {
            Ok(page) => page,
            Err(e) => {
                // Without the first page there is no total and no end signal to go on.
                pass.not_found = e.not_found;
                pass.errors.push(e.text);
                pass.took = started.elapsed();
                return pass;
            }
        };
        let total = pager.total(&fetched.body, &fetched.headers);
        let first = pass.record(spec, pager, items, &fetched, 0, asked, None);
        let (raw, mut last) = (first.items, first.last);
        // A server that serves fewer per page than asked (a cap) is read at its size, so that
        // nothing is skipped: Jira says so in the body; elsewhere a short first page that is not
        // the end of the list shows it.
        let cap = pager
            .served_fewer(&fetched.body)
            .or_else(|| (pager.follows_short_pages() && !last && raw > 0 && raw < asked as usize).then_some(raw as u32));
        pass.served_fewer = cap;
        let size = cap.unwrap_or(asked);
        let first_slots = pager.slots(&fetched.body, raw, size);
        // A total is trusted when it says more follow, or the first page is all there is; a total
        // equal to a full first page may be only the page's size.
        let trusted = total.filter(|t| last || *t > raw as u64);
        if let (true, Some(t)) = (first_pass, trusted) {
            self.progress_expect(t);
        }
        // Pages addressed by item overlap (below); numbered pages cannot, so a list of more than
        // one of them can never show by itself that it was read whole.
        pass.checked = matches!(addressing, Addressing::Items { overlap } if overlap > 0);
        let (mut position, mut overlap_next) = match addressing {
            Addressing::Items { .. } => (first_slots, 0u64),
            Addressing::Pages => (1, 0),
        };
        if let (false, Some(total)) = (last, trusted) {
            // The remaining pages are known up front: fetch them concurrently. Pages addressed by
            // item overlap the one before by a little: with a total alone, an account deleted
            // before the cursor while another is added after it keeps the total, and the count,
            // and still skips a stable account; the overlap shows it.
            let size64 = u64::from(size);
            let overlap = match addressing {
                Addressing::Items { overlap } if overlap_fits(size64, overlap) => overlap,
                _ => 0,
            };
            if matches!(addressing, Addressing::Items { .. }) && overlap == 0 {
                pass.checked = false;
            }
            let stride = size64 - overlap;
            let positions: Vec<u64> = match addressing {
                Addressing::Items { .. } => (1..=total.saturating_sub(size64).div_ceil(stride)).map(|j| j * stride).collect(),
                Addressing::Pages => (1..total.div_ceil(size64).max(1)).collect(),
            };
            let pager_now = pager.clone();
            let results: Vec<(u64, PageResult)> = stream::iter(positions)
                .map(|p| {
                    let pager = &pager_now;
                    async move { (p, self.fetch_at(spec, pager, p, size).await) }
                })
                .buffered(self.limiter.concurrency.max(1))
                .collect()
                .await;
            let mut stalled = 0u32;
            let mut previous_read = true;
            for (p, result) in results {
                match addressing {
                    Addressing::Items { .. } => {
                        position = p + stride;
                        overlap_next = overlap;
                    }
                    Addressing::Pages => position = p + 1,
                }
                match result {
                    Ok((items, fetched)) => {
                        let before = if addressing == Addressing::Pages { p * size64 } else { p };
                        let checks = overlap > 0 && previous_read;
                        let page = pass.record(spec, pager, items, &fetched, before, size, checks.then_some(overlap));
                        last = page.last;
                        previous_read = true;
                        stalled = if page.new == 0 && page.items >= size as usize && !last { stalled + 1 } else { 0 };
                        if stalled >= MAX_STALLED {
                            pass.errors.push(self.stuck(spec));
                            pass.took = started.elapsed();
                            return pass;
                        }
                    }
                    Err(e) => {
                        pass.errors.push(e.text);
                        previous_read = false;
                        overlap_next = 0;
                        last = false;
                    }
                }
            }
        } else if let (false, Addressing::Items { overlap }) = (last, addressing) {
            if overlap_fits(first_slots, overlap) {
                position = first_slots - overlap;
                overlap_next = overlap;
            } else {
                pass.checked = false;
            }
        }
        // Then page by page until the API's own end signal.
        let mut stalled = 0u32;
        let mut failures = 0u32;
        while !last && pass.pages < MAX_PAGES {
            let overlap_here = overlap_next;
            let before = if addressing == Addressing::Pages { position * u64::from(size) } else { position };
            match self.fetch_at(spec, pager, position, size).await {
                Err(e) => {
                    pass.errors.push(e.text);
                    failures += 1;
                    // A failed page may be the last one: stop after two failures in a row rather
                    // than guessing past the end.
                    if failures >= 2 {
                        break;
                    }
                    position += match addressing {
                        Addressing::Items { .. } => u64::from(size) - overlap_here,
                        Addressing::Pages => 1,
                    };
                    overlap_next = 0;
                }
                Ok((items, fetched)) => {
                    failures = 0;
                    let n = items.len();
                    let slots = pager.slots(&fetched.body, n, size);
                    let page = pass.record(spec, pager, items, &fetched, before, size, (overlap_here > 0).then_some(overlap_here));
                    last = page.last;
                    if pager.ends_after_overlap_alone() && overlap_here > 0 && page.new == 0 && n as u64 <= overlap_here {
                        last = true;
                    }
                    if last {
                        break;
                    }
                    // A full page of nothing but items already read: a server that does not move
                    // with the position (a short one is the tail of a list that grew at the front).
                    stalled = if page.new == 0 && n >= size as usize { stalled + 1 } else { 0 };
                    if stalled >= MAX_STALLED {
                        pass.errors.push(self.stuck(spec));
                        break;
                    }
                    match addressing {
                        Addressing::Items { overlap } => {
                            let overlap = if overlap_fits(slots, overlap) { overlap } else { 0 };
                            // A full page that cannot overlap the next leaves that boundary
                            // unchecked (a short one is the tail: nothing can be skipped past it).
                            if overlap == 0 && n >= size as usize {
                                pass.checked = false;
                            }
                            position += slots - overlap;
                            overlap_next = overlap;
                        }
                        Addressing::Pages => position += 1,
                    }
                }
            }
        }
        if pass.pages >= MAX_PAGES {
            pass.errors.push(format!("app {}: {}: stopped after {MAX_PAGES} pages without an end-of-list signal", self.app, spec.what));
        }
        pass.took = started.elapsed();
        pass
    }

    fn stuck(&self, spec: &ListSpec) -> String {
        format!(
            "app {}: {}: {MAX_STALLED} full pages in a row brought only items already read (the server does not advance with the page position); reading stopped",
            self.app, spec.what
        )
    }

    async fn list_positional(&self, spec: &ListSpec) -> Listing {
        let mut listing = Listing::default();
        let mut pager = spec.pager.clone();
        let mut merged = Merged::default();
        // The first pass's ids, kept only once a second pass is needed (most lists are read once).
        let mut first_ids: Option<HashSet<String>> = None;
        let mut previous: Option<HashSet<String>> = None;
        let mut churn: Vec<usize> = Vec::new();
        let mut first_signals: Vec<String> = Vec::new();
        let mut last_signals: Vec<String> = Vec::new();
        let mut stop: Option<String> = None;
        let mut stable = false;
        let budget = self.max_list_passes.max(1);
        loop {
            let pass = self.positional_pass(spec, &mut pager, listing.passes == 0).await;
            listing.passes += 1;
            listing.pages += pass.pages;
            let (signals, total, note) = pass.signals(spec);
            for n in &pass.notes {
                if !listing.notes.contains(n) {
                    listing.notes.push(n.clone());
                }
            }
            if listing.passes == 1 {
                listing.notes.extend(note);
                if let Some(n) = pass.served_fewer {
                    listing.notes.push(format!(
                        "{}: the server serves at most {n} per page (asked for {}); pages were read at that size",
                        spec.what,
                        spec.pager.page_size()
                    ));
                }
                listing.duplicates_dropped = pass.duplicates;
                first_signals = signals.clone();
            }
            listing.total_reported = total;
            let failed = !pass.errors.is_empty();
            listing.not_found = pass.not_found && pass.pages == 0;
            listing.errors = pass.errors;
            let took = pass.took;
            let ids = pass.ids;
            merged.add(spec, pass.items);
            if failed {
                break;
            }
            let agrees = previous.as_ref().is_some_and(|p| *p == ids);
            if (listing.passes == 1 && signals.is_empty()) || agrees {
                stable = true;
                previous = Some(ids);
                break;
            }
            last_signals = signals;
            if let Some(p) = &previous {
                churn.push(p.symmetric_difference(&ids).count());
            }
            if first_ids.is_none() {
                first_ids = Some(ids.clone());
            }
            previous = Some(ids);
            if listing.passes >= budget {
                stop = Some(format!("the pass budget ({budget}; max_list_passes) is spent"));
                break;
            }
            if self.time_left() < took {
                stop = Some("another pass would not end within max_collect_seconds".into());
                break;
            }
            if let [.., a, b, c] = churn[..] {
                if c > b && b > a {
                    stop = Some(format!("the change grows with every pass ({a}, {b}, {c} ids differ between passes)"));
                    break;
                }
            }
            debug!("app {}: {}: reading the list again ({})", self.app, spec.what, last_signals.join("; "));
            // A SCIM index base found out while the list moved may be wrong (the one resource
            // asked for from 0 can be one the change shifted): found out again, as every pass is.
            if matches!(spec.pager, Pager::StartIndex { base: None, .. }) {
                pager = spec.pager.clone();
            }
        }
        let last_ids = previous.unwrap_or_default();
        let first_ids = first_ids.as_ref().unwrap_or(&last_ids);
        let appeared: Vec<&String> = last_ids.difference(first_ids).collect();
        let disappeared: Vec<&String> = first_ids.difference(&last_ids).collect();
        // Every id any pass saw is in `merged`.
        let transient: Vec<&String> = merged.index.keys().filter(|id| !first_ids.contains(*id) && !last_ids.contains(*id)).collect();
        let mut changes = Vec::new();
        if !appeared.is_empty() {
            changes.push(format!("appeared meanwhile: {}", ids_excerpt(appeared.iter().copied())));
        }
        if !disappeared.is_empty() {
            changes.push(format!(
                "disappeared meanwhile (kept: they existed when collection began): {}",
                ids_excerpt(disappeared.iter().copied())
            ));
        }
        if !transient.is_empty() {
            changes.push(format!("came and went between passes (kept): {}", ids_excerpt(transient.iter().copied())));
        }
        let confirmed = first_signals.len() == 1 && first_signals[0] == CONFIRMATION && changes.is_empty();
        if listing.passes == 2 && stable && confirmed {
            listing.notes.push(format!(
                "{}: numbered pages cannot overlap, so the list was read twice to show that nothing moved between its pages; both reads listed the same accounts",
                spec.what
            ));
        } else if listing.passes > 1 && listing.errors.is_empty() {
            let how =
                if stable { format!("until two passes agreed ({} in all)", listing.passes) } else { format!("{} times", listing.passes) };
            let what = if changes.is_empty() && !stable {
                String::new()
            } else if changes.is_empty() {
                "; the same accounts each time".to_string()
            } else {
                format!("; {}", changes.join("; "))
            };
            let verb = if changes.is_empty() { "was read again" } else { "changed while it was read; it was read" };
            listing.notes.push(format!("{}: the list {verb} {how} (first pass: {}){what}", spec.what, first_signals.join("; ")));
        }
        if let (Some(t), true) = (listing.total_reported, stable) {
            let n = last_ids.len() as u64;
            let why = if listing.passes > 1 {
                "the end-of-list signal was reached, and two passes agreed"
            } else {
                "the end-of-list signal was reached"
            };
            self.check_total(spec, t, n, why, &mut listing);
        }
        if !stable && listing.errors.is_empty() {
            listing.errors.push(format!(
                "app {}: {}: the list kept changing over {} passes and reading stopped because {} (last pass: {}){}; what was seen is kept, but it may not be all",
                self.app,
                spec.what,
                listing.passes,
                stop.unwrap_or_else(|| "it did not settle".into()),
                last_signals.join("; "),
                if changes.is_empty() { String::new() } else { format!("; {}", changes.join("; ")) },
            ));
        }
        listing.items = merged.into_items();
        listing.complete = listing.errors.is_empty() && stable;
        listing
    }

    async fn list_sequential(&self, spec: &ListSpec) -> Listing {
        let mut listing = Listing { complete: true, passes: 1, ..Default::default() };
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
                    listing.not_found = listing.pages == 0 && e.failure.status() == Some(404);
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
                if listing.total_reported.is_none() {
                    self.progress_expect(t);
                }
                listing.total_reported = Some(t);
            }
            self.progress_read(items.len());
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
                Pager::LinkNext { .. } => {
                    fetched.headers.get_all("link").iter().filter_map(|v| v.to_str().ok()).find_map(super::pager::link_next)
                }
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
                    // The next link is a whole URL (or a server path) with its own query. The
                    // credential goes only where base_url points: a link to another origin is
                    // not followed.
                    let url = self.resolve_link(&next);
                    if !self.same_origin(&url) {
                        listing.errors.push(format!(
                            "app {}: {}: the next-page link points to another host ({}); it was not followed, so the credential never went there",
                            self.app,
                            spec.what,
                            origin_of(&url)
                        ));
                        break;
                    }
                    endpoint = url;
                    query.clear();
                }
            }
        }
        if let (Some(t), true) = (listing.total_reported, listing.errors.is_empty()) {
            let n = listing.items.len() as u64;
            self.check_total(spec, t, n, "the last page had no next link or token", &mut listing);
        }
        listing.complete = listing.errors.is_empty();
        listing
    }

    /// A list read to its end against the total the API reported: more reported than read means
    /// the list is not complete, whatever the end signal said (never called complete); fewer is
    /// a note (an API may count what it does not show).
    fn check_total(&self, spec: &ListSpec, total: u64, read: u64, why: &str, listing: &mut Listing) {
        if total > read {
            listing.errors.push(format!(
                "app {}: {}: the API reported {total} but only {read} distinct were read ({why}): {} may be missing, so the list is not complete",
                self.app,
                spec.what,
                total - read
            ));
        } else if total < read {
            listing.notes.push(format!(
                "{}: the API reported a total of {total}, but {read} distinct were listed ({why}; a smaller total is only a cross-check)",
                spec.what
            ));
        }
    }
}
