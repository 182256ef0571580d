//! Pagination as data: one enum of strategies, each with its end-of-list rule (API-NOTES §0).
//!
//! The API's own end signal ends a list: an empty page, `isLast`, no next token, no `rel="next"`
//! link, a short page where that is the rule. A reported total is a cross-check (and, for lists
//! addressed by position, lets the pages be fetched concurrently). A token or link that does not
//! advance is an error, never a loop.
//!
//! Positional pagers (offset, page number, startAt, SCIM startIndex, numbered pages with `Link`
//! headers) address a page by where it is in the list, so a list that changes while it is read
//! can shift under them; `list.rs` reads such lists with the churn rules. Cursor pagers follow a
//! token the server hands out and are read once.

use serde_json::Value;

/// A value inside a JSON document, by dot-separated keys ("" = the document itself). A key that
/// itself holds dots (Microsoft Graph's `@odata.nextLink`) is found whole first.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    if let Some(whole) = v.get(path) {
        return Some(whole);
    }
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

/// A number that may be written as a JSON number or a string.
pub fn number_at(v: &Value, path: &str) -> Option<u64> {
    at(v, path).and_then(|x| x.as_u64().or_else(|| x.as_str().and_then(|s| s.trim().parse().ok())))
}

/// A boolean that may be written as `true` or `"true"`.
pub fn bool_at(v: &Value, path: &str) -> Option<bool> {
    at(v, path).and_then(|x| x.as_bool().or_else(|| x.as_str().map(|s| s.eq_ignore_ascii_case("true"))))
}

/// How a list endpoint pages.
#[derive(Debug, Clone, PartialEq)]
pub enum Pager {
    /// `?offset=0&limit=100`; ends on an empty page, or on a short one when `short_page_ends`
    /// (unless the reported total says more follow).
    OffsetLimit { offset_param: String, limit_param: String, page_size: u32, total: Option<String>, short_page_ends: bool },
    /// `?pageNumber=1&pageSize=100`; ends like offset/limit.
    PageNumber { page_param: String, size_param: String, page_size: u32, first_page: u32, total: Option<String>, short_page_ends: bool },
    /// Jira's `startAt`/`maxResults`: ends on `isLast: true` or an empty page. Short pages are
    /// normal mid-list (privacy-filtered accounts take slots), so they never end it.
    /// `served`: where the body says how many it serves per page (Jira `maxResults`, JSM `limit`);
    /// a server that serves fewer than asked is followed rather than skipped past.
    StartAt {
        start_param: String,
        max_param: String,
        page_size: u32,
        is_last: Option<String>,
        total: Option<String>,
        served: Option<String>,
    },
    /// SCIM 2.0 `startIndex`/`count` (RFC 7644 §3.4.2.4): `Resources`, `totalResults`. The index
    /// of the first resource is 1 by the RFC; some servers count from 0 (`base`: configured, or
    /// detected on the first page when `None`). A server may serve fewer than `count`: the next
    /// page starts after what was served. Ends on an empty page, or a short one that reaches
    /// `totalResults` (which may be missing, or only the page's size: never an end signal alone).
    StartIndex { page_size: u32, base: Option<u32> },
    /// Numbered pages (`?per_page=100&current_page=1`) whose response carries an RFC 5988 `Link`
    /// header: ends when the header has no `rel="next"` (or, without a `Link` header, on a short
    /// page). `total_header`: where the total is (`X-BT-Pagination-Total`).
    LinkHeader { page_param: String, size_param: String, page_size: u32, first_page: u32, total_header: Option<String> },
    /// `?pageToken=...`: ends when the next token is absent or empty. `next_is_url`: the field
    /// always holds the next page's URL; a value that is a URL (`http(s)://...` or `/path`) is
    /// followed as one anyway (Atlassian admin `links.next` is seen in both forms).
    Cursor { token_param: String, limit_param: Option<String>, page_size: u32, next: String, next_is_url: bool },
    /// A cursor carried only by the response's RFC 8288 `Link` header (Okta: `Link:
    /// <...?after=...&limit=200>; rel="next"`): the first page asks for `limit_param`, every
    /// next page is the `rel="next"` URL as given; ends when the header has no `rel="next"`.
    LinkNext { limit_param: String, page_size: u32 },
    /// One response holds the whole list.
    Single,
}

/// How a positional pager addresses its pages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Addressing {
    /// By the index of the first item (offset, startAt, startIndex). Without a total to check a
    /// pass against, each page is asked for from `overlap` items before where the previous one
    /// ended, so that a list that moved under the cursor shows it (see `list.rs`).
    Items { overlap: u64 },
    /// By page number: pages cannot overlap.
    Pages,
}

/// Every kind of pager, by [`Pager::kind`] (the churn test runs each against the sandbox).
pub const PAGER_KINDS: [&str; 8] =
    ["offset_limit", "page_number", "start_at", "start_index", "link_header", "cursor", "link_next", "single"];

impl Pager {
    pub fn offset_limit(page_size: u32, total: Option<&str>) -> Pager {
        Pager::OffsetLimit {
            offset_param: "offset".into(),
            limit_param: "limit".into(),
            page_size,
            total: total.map(str::to_string),
            short_page_ends: true,
        }
    }

    pub fn cursor(token_param: &str, limit_param: &str, page_size: u32, next: &str) -> Pager {
        Pager::Cursor {
            token_param: token_param.into(),
            limit_param: Some(limit_param.into()),
            page_size,
            next: next.into(),
            next_is_url: false,
        }
    }

    /// Jira-style `startAt`/`maxResults` paging.
    pub fn start_at(
        start_param: &str,
        max_param: &str,
        page_size: u32,
        is_last: Option<&str>,
        total: Option<&str>,
        served: Option<&str>,
    ) -> Pager {
        Pager::StartAt {
            start_param: start_param.into(),
            max_param: max_param.into(),
            page_size,
            is_last: is_last.map(str::to_string),
            total: total.map(str::to_string),
            served: served.map(str::to_string),
        }
    }

    /// The pager's kind, one of [`PAGER_KINDS`].
    pub fn kind(&self) -> &'static str {
        match self {
            Pager::OffsetLimit { .. } => "offset_limit",
            Pager::PageNumber { .. } => "page_number",
            Pager::StartAt { .. } => "start_at",
            Pager::StartIndex { .. } => "start_index",
            Pager::LinkHeader { .. } => "link_header",
            Pager::Cursor { .. } => "cursor",
            Pager::LinkNext { .. } => "link_next",
            Pager::Single => "single",
        }
    }

    /// How the pages of a positional list are addressed; `None` for cursors and single responses.
    pub fn addressing(&self) -> Option<Addressing> {
        match self {
            // Jira pages may be short mid-list (hidden accounts keep their slots), so the slot at
            // the end of a page may hold nobody visible: two slots of overlap make a false alarm
            // (which costs a pass, never an account) rare.
            Pager::StartAt { .. } => Some(Addressing::Items { overlap: 2 }),
            Pager::OffsetLimit { .. } | Pager::StartIndex { .. } => Some(Addressing::Items { overlap: 1 }),
            Pager::PageNumber { .. } | Pager::LinkHeader { .. } => Some(Addressing::Pages),
            Pager::Cursor { .. } | Pager::LinkNext { .. } | Pager::Single => None,
        }
    }

    /// Pages are addressed by position (offset, page number, startAt, startIndex), so they can be
    /// re-read and, with a total, fetched concurrently.
    pub fn is_positional(&self) -> bool {
        self.addressing().is_some()
    }

    /// The same pager with another page size.
    pub fn with_page_size(&self, n: u32) -> Pager {
        let mut p = self.clone();
        match &mut p {
            Pager::OffsetLimit { page_size, .. }
            | Pager::PageNumber { page_size, .. }
            | Pager::StartAt { page_size, .. }
            | Pager::StartIndex { page_size, .. }
            | Pager::Cursor { page_size, .. }
            | Pager::LinkNext { page_size, .. }
            | Pager::LinkHeader { page_size, .. } => *page_size = n,
            Pager::Single => {}
        }
        p
    }

    pub fn page_size(&self) -> u32 {
        match self {
            Pager::OffsetLimit { page_size, .. }
            | Pager::PageNumber { page_size, .. }
            | Pager::StartAt { page_size, .. }
            | Pager::StartIndex { page_size, .. }
            | Pager::Cursor { page_size, .. }
            | Pager::LinkNext { page_size, .. }
            | Pager::LinkHeader { page_size, .. } => *page_size,
            Pager::Single => 0,
        }
    }

    /// The query of the page at `position` (an item index, or a 0-based page index for pagers
    /// addressed by page) asking for `size` items.
    pub fn query_at(&self, position: u64, size: u32) -> Vec<(String, String)> {
        let pair = |k: &str, v: u64| (k.to_string(), v.to_string());
        match self {
            Pager::OffsetLimit { offset_param, limit_param, .. } => vec![pair(offset_param, position), pair(limit_param, size.into())],
            Pager::StartAt { start_param, max_param, .. } => vec![pair(start_param, position), pair(max_param, size.into())],
            Pager::StartIndex { base, .. } => {
                vec![pair("startIndex", position + u64::from(base.unwrap_or(1))), pair("count", size.into())]
            }
            Pager::PageNumber { page_param, size_param, first_page, .. } | Pager::LinkHeader { page_param, size_param, first_page, .. } => {
                vec![pair(page_param, position + u64::from(*first_page)), pair(size_param, size.into())]
            }
            Pager::Cursor { limit_param, .. } => limit_param.iter().map(|l| pair(l, size.into())).collect(),
            Pager::LinkNext { limit_param, .. } => vec![pair(limit_param, size.into())],
            Pager::Single => Vec::new(),
        }
    }

    /// The query of the first page.
    pub fn position_query(&self, index: u64) -> Vec<(String, String)> {
        let size = self.page_size();
        match self.addressing() {
            Some(Addressing::Items { .. }) => self.query_at(index * u64::from(size), size),
            _ => self.query_at(index, size),
        }
    }

    /// The total the API reports on a page, if this pager knows where to find it.
    pub fn total(&self, body: &Value, headers: &reqwest::header::HeaderMap) -> Option<u64> {
        match self {
            Pager::OffsetLimit { total: Some(p), .. }
            | Pager::PageNumber { total: Some(p), .. }
            | Pager::StartAt { total: Some(p), .. } => number_at(body, p),
            Pager::StartIndex { .. } => number_at(body, "totalResults"),
            Pager::LinkHeader { total_header: Some(h), .. } => {
                headers.get(h.as_str()).and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse().ok())
            }
            _ => None,
        }
    }

    /// How many the server says it serves per page, when that is fewer than asked.
    pub fn served_fewer(&self, body: &Value) -> Option<u32> {
        match self {
            Pager::StartAt { served: Some(p), page_size, .. } => {
                number_at(body, p).and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0 && n < page_size)
            }
            _ => None,
        }
    }

    /// Whether a first page shorter than asked that is not the end of the list means the server
    /// caps the page size (and is then read at that size). Not for `startAt`: Jira pages are
    /// short mid-list by design, and the body says what it serves.
    pub fn follows_short_pages(&self) -> bool {
        !matches!(self, Pager::StartAt { .. } | Pager::Cursor { .. } | Pager::LinkNext { .. } | Pager::Single)
    }

    /// Whether this page is the last one, by the API's own signal. `before`: how many items come
    /// before this page in the list; `items`: how many it holds; `size`: how many were asked for.
    pub fn is_last(&self, body: &Value, headers: &reqwest::header::HeaderMap, before: u64, items: usize, size: u32) -> bool {
        let short = items < size as usize;
        let total_says_more = || self.total(body, headers).is_some_and(|t| before + (items as u64) < t);
        match self {
            _ if items == 0 => true,
            Pager::OffsetLimit { short_page_ends, .. } | Pager::PageNumber { short_page_ends, .. } => {
                *short_page_ends && short && !total_says_more()
            }
            Pager::StartAt { is_last, .. } => is_last.as_deref().and_then(|p| bool_at(body, p)).unwrap_or(false),
            Pager::StartIndex { .. } => short && self.total(body, headers).is_some_and(|t| before + items as u64 >= t),
            Pager::LinkHeader { .. } => {
                let links: Vec<&str> = headers.get_all("link").iter().filter_map(|v| v.to_str().ok()).collect();
                if links.is_empty() {
                    short && !total_says_more()
                } else {
                    !links.iter().any(|l| link_next(l).is_some())
                }
            }
            Pager::Cursor { .. } | Pager::LinkNext { .. } | Pager::Single => false,
        }
    }

    /// How many positions a page of `items` items took (where the next page starts, without
    /// overlap): Jira counts slots (hidden accounts take one), SCIM the resources it served.
    pub fn slots(&self, body: &Value, items: usize, size: u32) -> u64 {
        match self {
            Pager::StartIndex { .. } => items as u64,
            Pager::StartAt { .. } => u64::from(self.served_fewer(body).unwrap_or(size).min(size)),
            _ => u64::from(size),
        }
    }

    /// Whether a page that holds nothing but the items it overlapped ends the list: so where every
    /// position holds an item (SCIM). Jira's hidden accounts keep empty slots, so there only an
    /// empty page ends it; offset pages end on a short page anyway.
    pub fn ends_after_overlap_alone(&self) -> bool {
        matches!(self, Pager::StartIndex { .. })
    }

    /// The SCIM pager with its index base known.
    pub fn with_base(&self, b: u32) -> Pager {
        match self {
            Pager::StartIndex { page_size, .. } => Pager::StartIndex { page_size: *page_size, base: Some(b) },
            other => other.clone(),
        }
    }
}

/// Whether a next-page value is a URL (absolute, or a path on the same host) rather than a token.
pub fn is_url(next: &str) -> bool {
    next.starts_with("https://") || next.starts_with("http://") || next.starts_with('/')
}

/// The `rel="next"` target of an RFC 5988 `Link` header.
pub fn link_next(header: &str) -> Option<String> {
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if is_next && target.starts_with('<') && target.ends_with('>') {
            return Some(target[1..target.len() - 1].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_paths_numbers_and_booleans() {
        let v = json!({"meta": {"total": "42"}, "isLast": "True", "links": {"next": null}});
        assert_eq!(number_at(&v, "meta.total"), Some(42));
        assert_eq!(bool_at(&v, "isLast"), Some(true));
        assert!(at(&v, "links.next").unwrap().is_null());
        assert_eq!(at(&v, "nope.x"), None);
        assert_eq!(at(&v, ""), Some(&v));
    }

    #[test]
    fn end_of_list_rules() {
        let h = reqwest::header::HeaderMap::new();
        let p = Pager::offset_limit(100, Some("totalCount"));
        assert!(p.is_last(&json!({}), &h, 0, 0, 100));
        assert!(p.is_last(&json!({}), &h, 0, 40, 100));
        assert!(!p.is_last(&json!({}), &h, 0, 100, 100));
        assert!(!p.is_last(&json!({"totalCount": 250}), &h, 0, 40, 100), "a short page the total says is not the last");
        assert!(p.is_last(&json!({"totalCount": 240}), &h, 200, 40, 100));
        let jira = Pager::start_at("startAt", "maxResults", 50, Some("isLast"), None, Some("maxResults"));
        assert!(!jira.is_last(&json!([]), &h, 0, 7, 50), "a short page mid-list is normal");
        assert!(jira.is_last(&json!({"isLast": true}), &h, 0, 7, 50));
        assert!(jira.is_last(&json!([]), &h, 0, 0, 50));
        assert_eq!(jira.served_fewer(&json!({"maxResults": 20})), Some(20), "the server serves fewer than asked");
        assert_eq!(jira.served_fewer(&json!({"maxResults": 50})), None);
        assert_eq!(jira.served_fewer(&json!([])), None);
        assert_eq!(jira.slots(&json!({"maxResults": 20}), 3, 50), 20);
        assert_eq!(jira.with_page_size(20).position_query(2)[0], ("startAt".to_string(), "40".to_string()));
        let scim = Pager::StartIndex { page_size: 100, base: None };
        assert!(!scim.is_last(&json!({"totalResults": 250}), &h, 0, 100, 100));
        assert!(!scim.is_last(&json!({}), &h, 100, 40, 100), "no total: only an empty page ends");
        assert!(scim.is_last(&json!({"totalResults": 140}), &h, 100, 40, 100));
        assert_eq!(scim.slots(&json!({}), 37, 100), 37, "the next page starts after what was served");
        assert_eq!(scim.query_at(100, 50), vec![("startIndex".into(), "101".into()), ("count".into(), "50".into())]);
        assert_eq!(scim.with_base(0).query_at(100, 50)[0], ("startIndex".to_string(), "100".to_string()));
    }

    #[test]
    fn link_header_pages_end_without_a_next_link() {
        let p = Pager::LinkHeader {
            page_param: "current_page".into(),
            size_param: "per_page".into(),
            page_size: 100,
            first_page: 1,
            total_header: Some("x-bt-pagination-total".into()),
        };
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("link", r#"<https://x/u?current_page=1>; rel="first", <https://x/u?current_page=3>; rel="next""#.parse().unwrap());
        h.insert("x-bt-pagination-total", "250".parse().unwrap());
        assert!(!p.is_last(&json!([]), &h, 100, 100, 100));
        assert_eq!(p.total(&json!([]), &h), Some(250));
        h.insert("link", r#"<https://x/u?current_page=1>; rel="first", <https://x/u?current_page=3>; rel="last""#.parse().unwrap());
        assert!(p.is_last(&json!([]), &h, 200, 50, 100));
        assert_eq!(p.query_at(2, 100), vec![("current_page".into(), "3".into()), ("per_page".into(), "100".into())]);
    }

    #[test]
    fn every_kind_is_named() {
        let all = [
            Pager::offset_limit(1, None),
            Pager::PageNumber {
                page_param: "p".into(),
                size_param: "s".into(),
                page_size: 1,
                first_page: 1,
                total: None,
                short_page_ends: true,
            },
            Pager::start_at("s", "m", 1, None, None, None),
            Pager::StartIndex { page_size: 1, base: None },
            Pager::LinkHeader { page_param: "p".into(), size_param: "s".into(), page_size: 1, first_page: 1, total_header: None },
            Pager::cursor("t", "l", 1, "n"),
            Pager::LinkNext { limit_param: "limit".into(), page_size: 1 },
            Pager::Single,
        ];
        let kinds: Vec<&str> = all.iter().map(Pager::kind).collect();
        assert_eq!(kinds, PAGER_KINDS);
    }

    #[test]
    fn next_values_that_are_urls() {
        assert!(is_url("https://api.atlassian.com/admin/v1/orgs/o/users?cursor=abc"));
        assert!(is_url("/admin/v1/orgs/o/users?cursor=abc"));
        assert!(!is_url("eyJvZmZzZXQiOjUwfQ"));
    }

    #[test]
    fn position_queries() {
        let p = Pager::PageNumber {
            page_param: "pageNumber".into(),
            size_param: "pageSize".into(),
            page_size: 1000,
            first_page: 1,
            total: None,
            short_page_ends: true,
        };
        assert_eq!(p.position_query(2), vec![("pageNumber".into(), "3".into()), ("pageSize".into(), "1000".into())]);
        assert_eq!(Pager::offset_limit(100, None).position_query(3)[0], ("offset".to_string(), "300".to_string()));
    }

    #[test]
    fn link_header() {
        let h = r#"<https://x/api/config/v1/user?per_page=10&current_page=1>; rel="first", <https://x/u?current_page=1>; rel="previous", <https://x/u?current_page=3>; rel="next", <https://x/u?current_page=5>; rel="last""#;
        assert_eq!(link_next(h).as_deref(), Some("https://x/u?current_page=3"));
        assert_eq!(link_next(r#"<https://x/u?p=5>; rel="last""#), None);
    }
}
