//! Pagination as data: one enum of strategies, each with its end-of-list rule (API-NOTES §0).
//!
//! The API's own end signal ends a list: an empty page, `isLast`, no next token, no `rel="next"`
//! link. A reported total is only a cross-check (and, for offset and page-number lists, lets the
//! pages be fetched concurrently). A token or link that does not advance is an error, never a loop.

use serde_json::Value;

/// A value inside a JSON document, by dot-separated keys ("" = the document itself).
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
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
    /// `?offset=0&limit=100`; ends on an empty page, or a short one when `short_page_ends`.
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
    /// `?pageToken=...`: ends when the next token is absent or empty. `next_is_url`: the field
    /// always holds the next page's URL; a value that is a URL (`http(s)://...` or `/path`) is
    /// followed as one anyway (Atlassian admin `links.next` is seen in both forms).
    Cursor { token_param: String, limit_param: Option<String>, page_size: u32, next: String, next_is_url: bool },
    /// RFC 5988 `Link: <...>; rel="next"`: ends when there is no next link.
    LinkHeader { size_param: String, page_size: u32, total_header: Option<String> },
    /// One response holds the whole list.
    Single,
}

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

    /// How many the server says it serves per page, when that is fewer than asked.
    pub fn served_fewer(&self, body: &Value) -> Option<u32> {
        match self {
            Pager::StartAt { served: Some(p), page_size, .. } => {
                number_at(body, p).and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0 && n < page_size)
            }
            _ => None,
        }
    }

    /// The same pager with another page size.
    pub fn with_page_size(&self, n: u32) -> Pager {
        let mut p = self.clone();
        match &mut p {
            Pager::OffsetLimit { page_size, .. }
            | Pager::PageNumber { page_size, .. }
            | Pager::StartAt { page_size, .. }
            | Pager::Cursor { page_size, .. }
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
            | Pager::Cursor { page_size, .. }
            | Pager::LinkHeader { page_size, .. } => *page_size,
            Pager::Single => 0,
        }
    }

    /// The query of page `index` (0-based) for position-addressed pagers.
    pub fn position_query(&self, index: u64) -> Vec<(String, String)> {
        match self {
            Pager::OffsetLimit { offset_param, limit_param, page_size, .. } => {
                vec![(offset_param.clone(), (index * *page_size as u64).to_string()), (limit_param.clone(), page_size.to_string())]
            }
            Pager::PageNumber { page_param, size_param, page_size, first_page, .. } => {
                vec![(page_param.clone(), (index + *first_page as u64).to_string()), (size_param.clone(), page_size.to_string())]
            }
            Pager::StartAt { start_param, max_param, page_size, .. } => {
                vec![(start_param.clone(), (index * *page_size as u64).to_string()), (max_param.clone(), page_size.to_string())]
            }
            Pager::LinkHeader { size_param, page_size, .. } => vec![(size_param.clone(), page_size.to_string())],
            Pager::Cursor { limit_param, page_size, .. } => limit_param.iter().map(|l| (l.clone(), page_size.to_string())).collect(),
            Pager::Single => Vec::new(),
        }
    }

    /// Pages are addressed by position (offset, page number, startAt), so they can be re-read and,
    /// with a total, fetched concurrently.
    pub fn is_positional(&self) -> bool {
        matches!(self, Pager::OffsetLimit { .. } | Pager::PageNumber { .. } | Pager::StartAt { .. })
    }

    /// The total the API reports on a page, if this pager knows where to find it.
    pub fn total(&self, body: &Value, headers: &reqwest::header::HeaderMap) -> Option<u64> {
        match self {
            Pager::OffsetLimit { total: Some(p), .. }
            | Pager::PageNumber { total: Some(p), .. }
            | Pager::StartAt { total: Some(p), .. } => number_at(body, p),
            Pager::LinkHeader { total_header: Some(h), .. } => {
                headers.get(h.as_str()).and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse().ok())
            }
            _ => None,
        }
    }

    /// Whether this page is the last one, by the API's own signal.
    pub fn is_last(&self, body: &Value, items_on_page: usize) -> bool {
        match self {
            Pager::OffsetLimit { page_size, short_page_ends, .. } | Pager::PageNumber { page_size, short_page_ends, .. } => {
                items_on_page == 0 || (*short_page_ends && items_on_page < *page_size as usize)
            }
            Pager::StartAt { is_last, .. } => items_on_page == 0 || is_last.as_deref().and_then(|p| bool_at(body, p)).unwrap_or(false),
            Pager::Cursor { .. } | Pager::LinkHeader { .. } | Pager::Single => false,
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
        let p = Pager::offset_limit(100, Some("totalCount"));
        assert!(p.is_last(&json!({}), 0));
        assert!(p.is_last(&json!({}), 40));
        assert!(!p.is_last(&json!({}), 100));
        let jira = Pager::start_at("startAt", "maxResults", 50, Some("isLast"), None, Some("maxResults"));
        assert!(!jira.is_last(&json!([]), 7), "a short page mid-list is normal");
        assert!(jira.is_last(&json!({"isLast": true}), 7));
        assert!(jira.is_last(&json!([]), 0));
        assert_eq!(jira.served_fewer(&json!({"maxResults": 20})), Some(20), "the server serves fewer than asked");
        assert_eq!(jira.served_fewer(&json!({"maxResults": 50})), None);
        assert_eq!(jira.served_fewer(&json!([])), None);
        assert_eq!(jira.with_page_size(20).position_query(2)[0], ("startAt".to_string(), "40".to_string()));
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
