//! Reading something for each item of a list: the members of each group, the events of each
//! user, a user's details. The engine runs the requests concurrently (within the app's limits),
//! reads every sub-list through the one list loop, and tells apart what was deleted while the
//! collection ran from what failed.
//!
//! A 404 for an item listed earlier in the same run is churn, not a broken config: the item was
//! deleted after its list was read. [`AppClient::recheck`] reads the parent list again; an item
//! no longer on it is *gone* (left out, and named in a note: "deleted during collection"), one
//! still listed is an error (the API answered 404 for something it lists). The message that
//! blames the config (`check base_url and the ids`) is kept for the ids a config names.

use std::collections::BTreeSet;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::client::AppClient;
use super::list::{ids_excerpt, ListSpec, Listing};

/// What was read for each item.
#[derive(Debug)]
pub struct EachRead<T> {
    /// What was read, per item id, in the order asked.
    pub read: Vec<(String, T)>,
    /// Items whose request (or whose list's first page) answered 404, with the error: deleted
    /// meanwhile, or never there; [`AppClient::recheck`] tells which.
    pub not_found: Vec<(String, String)>,
    /// Items whose request failed otherwise: (id, why).
    pub failed: Vec<(String, String)>,
}

impl<T> EachRead<T> {
    /// The ids of the items that answered 404.
    pub fn not_found_ids(&self) -> Vec<String> {
        self.not_found.iter().map(|(id, _)| id.clone()).collect()
    }
}

impl<T> Default for EachRead<T> {
    fn default() -> Self {
        EachRead { read: Vec::new(), not_found: Vec::new(), failed: Vec::new() }
    }
}

/// What a second read of a parent list said about items that answered 404.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recheck {
    /// No longer listed: deleted during collection (left out).
    pub gone: BTreeSet<String>,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

impl Recheck {
    /// As a listing of no items, to go into an app's coverage with its other listings.
    pub fn into_listing(self) -> Listing {
        Listing { complete: self.errors.is_empty(), errors: self.errors, notes: self.notes, passes: 1, ..Default::default() }
    }
}

impl AppClient {
    /// One sub-list per item (`(item id, spec)`), each read to its end by the list loop,
    /// concurrently. A sub-list whose first page answers 404 is `not_found`; one that is not
    /// complete stays in `read` with its own errors (its owner decides what it means).
    pub async fn list_each(&self, children: Vec<(String, ListSpec)>) -> EachRead<Listing> {
        self.list_each_map(children, |listing| listing).await
    }

    /// As [`AppClient::list_each`], each sub-list handed to `keep` as soon as it is read, and
    /// only what `keep` returns held: a hundred thousand members' full records need not wait
    /// in memory for the last group to be read.
    pub async fn list_each_map<T>(&self, children: Vec<(String, ListSpec)>, keep: impl Fn(Listing) -> T) -> EachRead<T> {
        let concurrency = self.limiter.concurrency.max(1);
        let keep = &keep;
        let results: Vec<(String, Result<T, String>)> = stream::iter(children)
            .map(|(id, spec)| async move {
                let listing = self.list(&spec).await;
                if listing.not_found {
                    (id, Err(listing.errors.join("; ")))
                } else {
                    (id, Ok(keep(listing)))
                }
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut out = EachRead::default();
        for (id, result) in results {
            match result {
                Ok(kept) => out.read.push((id, kept)),
                Err(why) => out.not_found.push((id, why)),
            }
        }
        out
    }

    /// One or more documents per item (`(item id, endpoints)`), concurrently: all of an item's
    /// endpoints, or its first failure.
    pub async fn get_each(&self, requests: Vec<(String, Vec<String>)>) -> EachRead<Vec<Value>> {
        let concurrency = self.limiter.concurrency.max(1);
        let results: Vec<(String, Result<Vec<Value>, super::FetchError>)> = stream::iter(requests)
            .map(|(id, endpoints)| async move {
                let mut bodies = Vec::with_capacity(endpoints.len());
                for endpoint in &endpoints {
                    match self.get_json(endpoint, &[]).await {
                        Ok(f) => bodies.push(f.body),
                        Err(e) => return (id, Err(e)),
                    }
                }
                (id, Ok(bodies))
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut out = EachRead::default();
        for (id, result) in results {
            match result {
                Ok(bodies) => out.read.push((id, bodies)),
                Err(e) if e.failure.status() == Some(404) => out.not_found.push((id, e.to_string())),
                Err(e) => out.failed.push((id, e.to_string())),
            }
        }
        out
    }

    /// Reads `parent` again to tell which of `missing` (items it listed whose own request then
    /// answered 404) were deleted during collection. `item`: what one item is, in messages
    /// ("user", "group"). A parent list that is itself gone (404) takes its items with it.
    pub async fn recheck(&self, parent: &ListSpec, missing: &[String], item: &str) -> Recheck {
        let mut out = Recheck::default();
        if missing.is_empty() {
            return out;
        }
        let again = self.list(parent).await;
        let listed: BTreeSet<String> = if again.not_found {
            BTreeSet::new()
        } else if !again.complete {
            out.errors.push(format!(
                "app {}: {} {item}(s) answered HTTP 404 ({}), and {} could not be read again to tell whether they were deleted meanwhile: {}",
                self.app,
                missing.len(),
                ids_excerpt(missing.iter()),
                parent.what,
                again.errors.first().map(String::as_str).unwrap_or("the list is not complete")
            ));
            return out;
        } else {
            again.items.iter().filter_map(|v| (parent.id)(v)).collect()
        };
        let (still, gone): (Vec<&String>, Vec<&String>) = missing.iter().partition(|id| listed.contains(*id));
        if !gone.is_empty() {
            out.notes.push(format!(
                "{} {item}(s) deleted during collection (listed, then answered HTTP 404, and no longer in {}{}): left out: {}",
                gone.len(),
                parent.what,
                if again.not_found { ", which is itself gone" } else { "" },
                ids_excerpt(gone.iter().copied())
            ));
            out.gone = gone.into_iter().cloned().collect();
        }
        if !still.is_empty() {
            out.errors.push(format!(
                "app {}: {} {item}(s) answered HTTP 404 although {} still lists them: {}",
                self.app,
                still.len(),
                parent.what,
                ids_excerpt(still.iter().copied())
            ));
        }
        out
    }
}

/// The failures of [`EachRead::failed`] as one error: how many, and the first.
pub fn failures(failed: &[(String, String)], what: &str) -> Option<String> {
    let mut sorted: Vec<&(String, String)> = failed.iter().collect();
    sorted.sort();
    sorted.first().map(|(_, first)| format!("{} {what} could not be read, first: {first}", failed.len()))
}

/// The errors and notes of many sub-lists, for one coverage row: the first 20 errors (then how
/// many more), the first 5 notes (then how many more). `what`: the lists, in words.
pub fn summarize(listings: &[Listing], what: &str) -> (Vec<String>, Vec<String>) {
    const ERRORS_SHOWN: usize = 20;
    const NOTES_SHOWN: usize = 5;
    let errors: Vec<&String> = listings.iter().flat_map(|l| &l.errors).collect();
    let notes: Vec<&String> = listings.iter().flat_map(|l| &l.notes).collect();
    let mut out_errors: Vec<String> = errors.iter().take(ERRORS_SHOWN).map(|e| e.to_string()).collect();
    if errors.len() > ERRORS_SHOWN {
        out_errors.push(format!("... and {} more error(s) of {what}", errors.len() - ERRORS_SHOWN));
    }
    let mut out_notes: Vec<String> = notes.iter().take(NOTES_SHOWN).map(|n| n.to_string()).collect();
    if notes.len() > NOTES_SHOWN {
        out_notes.push(format!("... and {} more note(s) of {what}", notes.len() - NOTES_SHOWN));
    }
    (out_errors, out_notes)
}
