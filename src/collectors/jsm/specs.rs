//! The endpoints read, as the engine's list specs, and the reading itself: users (a list, or the
//! guide's search sweep and its cross-check by id), groups and members, desks and customers, the
//! organization API, all at once.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::mapping::{account_id, desk_id, desk_label, first_chars, group_key};
use super::options::{flavor, org_v2, JsmFlavor, JsmOptions};
use super::org::org_spec;
use crate::collectors::http_common::text;
use crate::config::HttpConfig;
use crate::http::{AppClient, ListSpec, Listing, Pager, Recheck};

/// The first prefixes of the guide flavour's search sweep: every printable ASCII character a name
/// or an email can start with (the search ignores case: lower case only). The first characters
/// of the names and emails the sweep finds are added to it as it goes.
pub(super) fn sweep_alphabet() -> BTreeSet<char> {
    ('!'..='~').filter(|c| !c.is_ascii_uppercase()).collect()
}

/// `user/search` returns at most this many matches per query.
pub(super) const SEARCH_CAP: usize = 1000;

/// Prefixes longer than this that still hit the cap are reported, not refined further.
pub(super) const SWEEP_MAX_DEPTH: usize = 12;

pub(super) fn start_at(page_size: u32, is_last: Option<&str>, total: Option<&str>, served: Option<&str>) -> Pager {
    Pager::start_at("startAt", "maxResults", page_size, is_last, total, served)
}

pub(super) fn users_spec(page_size: u32) -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/users/search".into(),
        query: Vec::new(),
        pager: start_at(page_size, None, None, None),
        items: String::new(),
        id: account_id,
        what: "users".into(),
    }
}

pub(super) fn search_spec(page_size: u32, prefix: &str) -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/user/search".into(),
        query: vec![("query".into(), prefix.into())],
        pager: start_at(page_size, None, None, None),
        items: String::new(),
        id: account_id,
        what: format!("users matching \"{prefix}\""),
    }
}

/// What the guide flavour's sweep found.
pub(super) struct Sweep {
    pub(super) items: Vec<Value>,
    pub(super) listings: Vec<Listing>,
    pub(super) errors: Vec<String>,
    /// Prefixes the API refused (HTTP 400): accounts only they would find are left to the
    /// cross-check.
    pub(super) refused: Vec<String>,
}

/// Flavour `guide`: every account through `user/search`, by a sweep of prefixes, in rounds. A
/// prefix whose matches reach the search cap is refined (`a` -> `a!`..`a~` and every other first
/// character seen), so no account behind the cap is lost; a character that a found name or email
/// starts with and that was not asked yet is asked in the next round. Queries of one round run
/// concurrently.
pub(super) async fn sweep(client: &AppClient, page_size: u32) -> Sweep {
    let mut alphabet = sweep_alphabet();
    let mut asked: BTreeSet<String> = BTreeSet::new();
    let mut capped: Vec<String> = Vec::new();
    let mut round: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
    let mut seen = BTreeSet::new();
    let mut out = Sweep { items: Vec::new(), listings: Vec::new(), errors: Vec::new(), refused: Vec::new() };
    let concurrency = client.limiter.concurrency.max(1);
    while !round.is_empty() {
        round.retain(|p| asked.insert(p.clone()));
        let results: Vec<(String, Listing)> = stream::iter(round.drain(..))
            .map(|prefix| async move {
                let listing = client.list(&search_spec(page_size, &prefix)).await;
                (prefix, listing)
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut found_chars: BTreeSet<char> = BTreeSet::new();
        for (prefix, mut listing) in results {
            if listing.items.len() >= SEARCH_CAP {
                if prefix.chars().count() < SWEEP_MAX_DEPTH {
                    round.extend(alphabet.iter().map(|c| format!("{prefix}{c}")));
                    capped.push(prefix.clone());
                } else {
                    out.errors.push(format!(
                        "app {}: user/search: \"{prefix}\" still matches {SEARCH_CAP}+ accounts; accounts beyond the search cap may be missing (use flavor = \"cloud\")",
                        client.app
                    ));
                }
            }
            if !listing.errors.is_empty() && listing.errors.iter().all(|e| e.contains("HTTP 400")) {
                // The API does not take this character as a query: a note, and the cross-check.
                out.refused.push(prefix.clone());
                listing.errors.clear();
                listing.complete = true;
            }
            for item in std::mem::take(&mut listing.items) {
                found_chars.extend(first_chars(&item));
                if let Some(id) = account_id(&item) {
                    if seen.insert(id) {
                        out.items.push(item);
                    }
                }
            }
            out.listings.push(listing);
        }
        let new: Vec<char> = found_chars.into_iter().filter(|c| !alphabet.contains(c)).collect();
        alphabet.extend(new.iter().copied());
        round.extend(new.iter().map(|c| c.to_string()));
        for p in &capped {
            round.extend(new.iter().map(|c| format!("{p}{c}")));
        }
    }
    out
}

/// Flavour `guide`: the accounts other sources name (group members, desk customers, Jira users of
/// the organization API) that the sweep did not return, each looked up by its id
/// (`user/search?accountId=`). Returns those search does return (the sweep missed them: it is
/// not a complete list) and the number it does not return at all (hidden from search, as from
/// every user list).
pub(super) async fn cross_check(client: &AppClient, candidates: Vec<String>) -> (Vec<Value>, usize, Vec<String>) {
    let concurrency = client.limiter.concurrency.max(1);
    let results: Vec<(String, Result<Vec<Value>, String>)> = stream::iter(candidates)
        .map(|id| async move {
            let query = vec![("accountId".to_string(), id.clone()), ("maxResults".to_string(), "1".to_string())];
            let r = client.get_json("/rest/api/3/user/search", &query).await.map(|f| f.body.as_array().cloned().unwrap_or_default());
            (id, r.map_err(|e| e.to_string()))
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut found = Vec::new();
    let mut hidden = 0usize;
    let mut errors = Vec::new();
    for (id, r) in results {
        match r {
            Ok(items) => match items.into_iter().find(|v| account_id(v).as_deref() == Some(id.as_str())) {
                Some(v) => found.push(v),
                None => hidden += 1,
            },
            Err(e) => errors.push(format!("{e} (looking up account {id} that another source lists)")),
        }
    }
    found.sort_by_key(account_id);
    errors.sort();
    (found, hidden, errors)
}

pub(super) fn groups_spec() -> ListSpec {
    ListSpec {
        endpoint: "/rest/api/3/group/bulk".into(),
        query: Vec::new(),
        pager: start_at(50, Some("isLast"), Some("total"), Some("maxResults")),
        items: "values".into(),
        id: group_key,
        what: "groups".into(),
    }
}

pub(super) fn members_spec(group: &Value, page_size: u32) -> Option<ListSpec> {
    let name = text(group, "name").unwrap_or("?");
    let by = match (text(group, "groupId"), text(group, "name")) {
        (Some(id), _) => ("groupId", id),
        (None, Some(name)) => ("groupname", name),
        _ => return None,
    };
    Some(ListSpec {
        endpoint: "/rest/api/3/group/member".into(),
        query: vec![(by.0.into(), by.1.into()), ("includeInactiveUsers".into(), "true".into())],
        pager: start_at(page_size, Some("isLast"), Some("total"), Some("maxResults")),
        items: "values".into(),
        id: account_id,
        what: format!("members of group {name}"),
    })
}

pub(super) fn desks_spec() -> ListSpec {
    ListSpec {
        endpoint: "/rest/servicedeskapi/servicedesk".into(),
        query: Vec::new(),
        pager: Pager::start_at("start", "limit", 50, Some("isLastPage"), None, Some("limit")),
        items: "values".into(),
        id: desk_id,
        what: "service desks".into(),
    }
}

pub(super) fn customers_spec(desk: &str, page_size: u32) -> ListSpec {
    ListSpec {
        endpoint: format!("/rest/servicedeskapi/servicedesk/{desk}/customer"),
        query: Vec::new(),
        pager: Pager::start_at("start", "limit", page_size, Some("isLastPage"), None, Some("limit")),
        items: "values".into(),
        id: account_id,
        what: format!("customers of service desk {desk}"),
    }
}

/// Everything read from the APIs, before it is put together.
pub(super) struct Fetched {
    /// Flavour cloud: the one users listing; guide: one per search query (items moved to `users`).
    pub(super) users: Vec<Value>,
    pub(super) user_listings: Vec<Listing>,
    pub(super) sweep_errors: Vec<String>,
    /// Guide flavour: prefixes the API refused as queries.
    pub(super) refused_prefixes: Vec<String>,
    pub(super) groups: Listing,
    pub(super) members: Vec<(String, Listing)>,
    pub(super) desks: Option<Listing>,
    pub(super) customers: Vec<(String, Listing)>,
    /// What the 404s of group members and desk customers meant (deleted meanwhile, or not).
    pub(super) churn: Vec<Listing>,
    pub(super) org: Option<Listing>,
    /// `GET /rest/api/3/applicationrole`: the product licences and the groups that grant them
    /// (an error text when it could not be read: it needs the Administer Jira permission).
    pub(super) roles: Result<Vec<Value>, String>,
}

/// Reads the four sources concurrently: users, groups with members, desks with customers, and
/// the organization API (another host, with its own limits).
pub(super) async fn fetch(client: &AppClient, org: Option<&AppClient>, http: &HttpConfig, opts: &JsmOptions) -> Fetched {
    let page_size = http.page_size.unwrap_or(1000).clamp(1, 1000);
    let group_page = opts.group_page_size.unwrap_or(50).clamp(1, 1000);
    let users = async {
        if flavor(opts) == JsmFlavor::Guide {
            sweep(client, page_size).await
        } else {
            let mut l = client.list(&users_spec(page_size)).await;
            Sweep { items: std::mem::take(&mut l.items), listings: vec![l], errors: Vec::new(), refused: Vec::new() }
        }
    };
    let groups = async {
        let mut groups = client.list(&groups_spec()).await;
        let items = std::mem::take(&mut groups.items);
        let names: BTreeMap<String, String> =
            items.iter().filter_map(|g| Some((group_key(g)?, text(g, "name").unwrap_or("?").to_string()))).collect();
        let specs: Vec<(String, ListSpec)> = items.iter().filter_map(|g| Some((group_key(g)?, members_spec(g, group_page)?))).collect();
        let read = client.list_each(specs).await;
        // A group deleted after the groups were listed answers 404 for its members.
        let churn = client.recheck(&groups_spec(), &read.not_found_ids(), "group").await;
        let members: Vec<(String, Listing)> = read.read.into_iter().map(|(key, l)| (names[&key].clone(), l)).collect();
        (groups, members, churn.into_listing())
    };
    let desks = async {
        if !opts.customers.unwrap_or(true) {
            return (None, Vec::new(), Listing { complete: true, ..Default::default() });
        }
        let mut desks = client.list(&desks_spec()).await;
        let desk_items = std::mem::take(&mut desks.items);
        let configured = !opts.service_desk_ids.is_empty();
        let wanted: Vec<(String, String)> = if !configured {
            desk_items.iter().filter_map(|d| Some((desk_id(d)?, desk_label(d)))).collect()
        } else {
            // A configured desk the list does not show is still read (it may be a project key).
            opts.service_desk_ids
                .iter()
                .map(|want| {
                    let found =
                        desk_items.iter().find(|d| desk_id(d).as_deref() == Some(want) || text(d, "projectKey") == Some(want.as_str()));
                    (found.and_then(desk_id).unwrap_or_else(|| want.clone()), found.map(desk_label).unwrap_or_else(|| want.clone()))
                })
                .collect()
        };
        let labels: BTreeMap<String, String> = wanted.iter().cloned().collect();
        let read = client.list_each(wanted.iter().map(|(id, _)| (id.clone(), customers_spec(id, group_page))).collect()).await;
        let churn = if configured {
            // A desk the config names that is not there: the config's 404, as it was.
            let errors = read.not_found.iter().map(|(_, e)| e.clone()).collect();
            Recheck { errors, ..Default::default() }
        } else {
            // A desk deleted after the desks were listed answers 404 for its customers.
            client.recheck(&desks_spec(), &read.not_found_ids(), "service desk").await
        };
        let customers: Vec<(String, Listing)> = read.read.into_iter().map(|(id, l)| (labels[&id].clone(), l)).collect();
        (Some(desks), customers, churn.into_listing())
    };
    let organization = async {
        match (org, &opts.org_id) {
            (Some(org), Some(id)) => Some(org.list(&org_spec(id, org_v2(opts))).await),
            _ => None,
        }
    };
    let roles = async {
        // One response holds every role (the API has no paging for them).
        let spec = ListSpec {
            endpoint: APPLICATION_ROLES.into(),
            query: Vec::new(),
            pager: Pager::Single,
            items: String::new(),
            id: |r| text(r, "key").map(str::to_string),
            what: "application roles".into(),
        };
        let listing = client.list(&spec).await;
        if listing.complete {
            Ok(listing.items)
        } else {
            Err(listing.errors.join("; "))
        }
    };
    let (users, (groups, members, member_churn), (desks, customers, desk_churn), org, roles) =
        tokio::join!(users, groups, desks, organization, roles);
    Fetched {
        users: users.items,
        user_listings: users.listings,
        sweep_errors: users.errors,
        refused_prefixes: users.refused,
        groups,
        members,
        desks,
        customers,
        churn: vec![member_churn, desk_churn],
        org,
        roles,
    }
}

/// The application roles (product licences) of the site, with the groups that grant each.
pub(super) const APPLICATION_ROLES: &str = "/rest/api/3/applicationrole";
