//! Atlassian simulators: a Jira Cloud site with Jira Service Management, and the organization
//! admin API (API-NOTES §1).
//!
//! - `/atlassian/{tenant}/rest/...`: the real shapes. `GET /rest/api/3/users/search` (and its
//!   alias `/rest/api/3/users`): a bare array, no total, `maxResults` capped at 1000, and accounts
//!   hidden by privacy controls take their slot without being returned, so pages are short
//!   mid-list. `/rest/api/3/user/search` needs `query` or `accountId` and stops at the 1000th
//!   match. `/rest/api/3/group/bulk` and `/rest/api/3/group/member` (`groupId` or `groupname`,
//!   `includeInactiveUsers`, at most 50 per page, `{self, nextPage, maxResults, startAt, total,
//!   isLast, values}`). `/rest/servicedeskapi/servicedesk` and `/servicedesk/{id}/customer`
//!   (needs `X-ExperimentalApi: opt-in`, `start`/`limit` with at most 50 served, `isLastPage`,
//!   no total).
//! - `/atlassian-guide/{tenant}/rest/...`: the guide's shapes: no `users/search` (404), user
//!   objects of `user/search` without `accountType`, group members `{startAt, maxResults, total,
//!   values}` without `isLast`, customers `{size, start, limit, values}` without `isLastPage`.
//! - `/atlassian-admin/{tenant}/admin/v1/orgs/{org}/users?cursor=`: Bearer org API key, 50 per
//!   page, `{data, meta: {total}, links: {self, prev, next}}` where `links.next` is the next
//!   cursor; managed accounts only, with their email even when Jira hides it, `last_active` and
//!   `product_access[].last_active`.
//! - `/atlassian-admin/{tenant}/admin/v2/orgs/{org}/directories/-/users?cursor=&limit=&expand=`:
//!   the same accounts in v2's shape (camelCase, `addedToOrg`, `status`, no total), `limit` at
//!   most 100 (default 20); `productAccess` (keys with the site's ARI `id` and
//!   `lastActiveTimestamp`) only with `expand=productAccess`. As the API says, a `cursor` makes
//!   every other parameter be ignored: the cursor carries the first request's `expand` and `limit`.
//!
//! Auth: Basic `username:secret` (an email and an API token); 401 with
//! `X-Seraph-LoginReason: AUTHENTICATED_FAILED` and a plain-text body otherwise, or when the
//! fault `credential_expired` is set. 429s come as JSON or HTML (see `faults`).
//!
//! Canonical users of a tenant file: `{accountId, accountType (atlassian | app | customer),
//! displayName, email, emailHidden, active, groups: [names], serviceDesks: [ids], managed
//! (default: atlassian accounts with an email), lastActive, confluenceLastActive, addedToOrg (dates),
//! invisible (filtered out of users/search while keeping its slot)}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::app::{App, Part};
use super::faults::finish_body;
use super::sim::{parse_part, SimApp};
use super::state::{SandboxState, Tenant, TenantState};

/// A Jira Service Management site's own part of a tenant file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Site {
    /// The groups, `{groupId, name}`; members are the users whose `groups` name them.
    pub groups: Vec<Value>,
    /// The service desks, `{id, projectKey, projectName}`; customers are the users whose
    /// `serviceDesks` name them.
    pub service_desks: Vec<Value>,
    /// The organization API key of the admin API (`organization_id` is the org id).
    pub org_api_key: Option<String>,
    /// `GET /rest/api/3/applicationrole`: `{key, name, groups, groupDetails}`, the product
    /// licences and the groups that grant them; absent: 403, as for an API user who is no Jira
    /// administrator.
    pub application_roles: Option<Vec<Value>>,
}

static NO_SITE: Site = Site { groups: Vec::new(), service_desks: Vec::new(), org_api_key: None, application_roles: None };

impl Tenant {
    /// The site's own part (empty for a tenant of another kind).
    pub fn site(&self) -> &Site {
        self.app.part::<Site>().unwrap_or(&NO_SITE)
    }

    /// The site's own part, to change it (`None` for a tenant of another kind).
    pub fn site_mut(&mut self) -> Option<&mut Site> {
        self.app.part_mut::<Site>()
    }
}

impl Part for Site {
    const KIND: &'static str = "jira_service_management";

    fn new_user(id: &str, name: &str) -> Value {
        json!({"accountId": id, "accountType": "atlassian", "displayName": name, "email": super::faults::joiner_email(id), "active": true})
    }

    /// Jira sends JSON or, from some edges, an HTML page.
    fn body_429(n: u64) -> (&'static str, &'static str) {
        if n % 2 == 0 {
            ("text/html", "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head><body><div id=\"error429\">Rate limit exceeded</div></body></html>")
        } else {
            (
                "application/json",
                r#"{"errorMessages":["The request has been rate-limited. Please try again later."],"errors":{},"status":429}"#,
            )
        }
    }
}

/// The Jira Service Management / Atlassian simulator.
pub struct Sim;

impl SimApp for Sim {
    fn kinds(&self) -> &'static [&'static str] {
        &["jira_service_management"]
    }

    fn parse(&self, kind: &'static str, own: serde_json::Map<String, Value>) -> Result<App, String> {
        parse_part::<Site>(kind, own)
    }

    fn routes(&self, state: Arc<SandboxState>) -> Router {
        routes(state)
    }

    fn base_urls(&self, base: &dyn Fn(&str) -> String, tenant: &Tenant) -> Vec<String> {
        let mut v = vec![format!("{} (flavor cloud)", base("atlassian")), format!("{} (flavor guide)", base("atlassian-guide"))];
        if let Some(org) = &tenant.organization_id {
            v.push(format!("{} (org_api_url, org_id {org})", base("atlassian-admin")));
        }
        v
    }
}

fn routes(state: Arc<SandboxState>) -> Router {
    let mut router = Router::new();
    for (prefix, guide) in [("/atlassian", false), ("/atlassian-guide", true)] {
        let p = |path: &str| format!("{prefix}/{{tenant}}{path}");
        router = if guide {
            router
                .route(&p("/rest/api/3/user/search"), get(user_search::<true>))
                .route(&p("/rest/api/3/group/bulk"), get(group_bulk))
                .route(&p("/rest/api/3/applicationrole"), get(application_roles))
                .route(&p("/rest/api/3/group/member"), get(group_member::<true>))
                .route(&p("/rest/servicedeskapi/servicedesk"), get(service_desks))
                .route(&p("/rest/servicedeskapi/servicedesk/{desk}/customer"), get(customers::<true>))
        } else {
            router
                .route(&p("/rest/api/3/users/search"), get(all_users))
                .route(&p("/rest/api/3/users"), get(all_users))
                .route(&p("/rest/api/3/user/search"), get(user_search::<false>))
                .route(&p("/rest/api/3/group/bulk"), get(group_bulk))
                .route(&p("/rest/api/3/applicationrole"), get(application_roles))
                .route(&p("/rest/api/3/group/member"), get(group_member::<false>))
                .route(&p("/rest/servicedeskapi/servicedesk"), get(service_desks))
                .route(&p("/rest/servicedeskapi/servicedesk/{desk}/customer"), get(customers::<false>))
        };
    }
    router
        .route("/atlassian-admin/{tenant}/admin/v1/orgs/{org}/users", get(org_users))
        .route("/atlassian-admin/{tenant}/admin/v2/orgs/{org}/directories/{directory}/users", get(org_users_v2))
        .with_state(state)
}

fn s<'a>(u: &'a Value, key: &str) -> &'a str {
    u.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

fn flag(u: &Value, key: &str) -> bool {
    u.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
}

fn names<'a>(u: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    u.get(key).and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str())
}

fn active(u: &Value) -> bool {
    u.get("active").and_then(|v| v.as_bool()).unwrap_or(true)
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"errorMessages": [message], "errors": {}}))).into_response()
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [("x-seraph-loginreason", "AUTHENTICATED_FAILED"), ("www-authenticate", "OAuth realm=\"https%3A%2F%2Fsandbox.atlassian.net\"")],
        "Client must be authenticated to access this resource.",
    )
        .into_response()
}

/// Whether the request carries the tenant's Basic credential (or a sandbox-issued OAuth token).
fn site_authorized(t: &mut TenantState, headers: &HeaderMap) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", t.tenant.username.as_deref().unwrap_or(""), t.tenant.secret))
    );
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    given == Some(expected.as_str()) || super::oauth::authorized(t, headers, "Bearer")
}

fn org_authorized(t: &TenantState, headers: &HeaderMap) -> bool {
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    matches!((t.tenant.site().org_api_key.as_deref(), given), (Some(k), Some(g)) if g == format!("Bearer {k}"))
}

/// The shared checks: tenant, slowness, auth, faults. `Err` is the response to send instead.
async fn gate(state: &SandboxState, tenant: &str, headers: &HeaderMap, page: Option<u32>, org: bool) -> Result<(), Box<Response>> {
    super::faults::gate(
        state,
        tenant,
        page,
        || json_error(StatusCode::NOT_FOUND, "Site not found"),
        |t| {
            let ok = if org { org_authorized(t, headers) } else { site_authorized(t, headers) };
            if ok && (org || !t.tenant.faults.credential_expired) {
                Ok(())
            } else {
                Err(Box::new(unauthorized()))
            }
        },
    )
    .await
}

/// A user as Jira's REST v3 returns it. `guide`: the guide's smaller object.
fn jira_user(u: &Value, guide: bool) -> Value {
    let id = s(u, "accountId");
    if guide {
        let mut o = json!({"accountId": id, "displayName": s(u, "displayName"), "active": active(u)});
        if !flag(u, "emailHidden") && !s(u, "email").is_empty() {
            o["emailAddress"] = json!(s(u, "email"));
        }
        return o;
    }
    let mut o = json!({
        "self": format!("https://sandbox.atlassian.net/rest/api/3/user?accountId={id}"),
        "key": "", "name": "",
        "accountId": id,
        "accountType": if s(u, "accountType").is_empty() { "atlassian" } else { s(u, "accountType") },
        "avatarUrls": {"48x48": "https://avatar.example/48.png", "24x24": "https://avatar.example/24.png",
                       "16x16": "https://avatar.example/16.png", "32x32": "https://avatar.example/32.png"},
        "displayName": s(u, "displayName"),
        "active": active(u),
        "timeZone": "Europe/Berlin",
        "locale": "en_US",
    });
    if !flag(u, "emailHidden") && !s(u, "email").is_empty() {
        o["emailAddress"] = json!(s(u, "email"));
    }
    o
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartAtQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    query: Option<String>,
    account_id: Option<String>,
    group_id: Option<String>,
    groupname: Option<String>,
    include_inactive_users: Option<bool>,
}

/// `startAt`/`maxResults` with the server's cap.
fn window(q: &StartAtQuery, cap: usize) -> (usize, usize) {
    (q.start_at.unwrap_or(0), q.max_results.unwrap_or(50).clamp(1, cap))
}

/// `GET /rest/api/3/users/search`: every account, bare array, slots kept by hidden accounts.
async fn all_users(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<StartAtQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, max) = window(&q, 1000);
    if let Err(r) = gate(&state, &tenant, &headers, Some(super::faults::page_of(start, max)), false).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let users = &t.tenant.users;
            let mut page: Vec<Value> =
                users.iter().skip(start).take(max).filter(|u| !flag(u, "invisible")).map(|u| jira_user(u, false)).collect();
            if t.tenant.faults.repeat_row && start > 0 && start <= users.len() && !flag(&users[start - 1], "invisible") {
                page.insert(0, jira_user(&users[start - 1], false));
            }
            finish_body(t, Value::Array(page).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// Whether a user matches a `user/search` query: a word of the display name, or the visible
/// email, starts with it (case-insensitive).
fn matches_query(u: &Value, q: &str) -> bool {
    let q = q.to_lowercase();
    s(u, "displayName").to_lowercase().split_whitespace().any(|w| w.starts_with(&q))
        || (!flag(u, "emailHidden") && s(u, "email").to_lowercase().starts_with(&q))
}

/// `GET /rest/api/3/user/search`: a search, up to the 1000th match.
async fn user_search<const GUIDE: bool>(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<StartAtQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, max) = window(&q, 1000);
    if let Err(r) = gate(&state, &tenant, &headers, Some(super::faults::page_of(start, max)), false).await {
        return *r;
    }
    let query = q.query.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if query.is_some() == q.account_id.is_some() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "One of 'query', 'accountId' or 'property' query parameter must be provided (and not both 'query' and 'accountId').",
        );
    }
    state
        .with_tenant(&tenant, |t| {
            let hits: Vec<Value> = t
                .tenant
                .users
                .iter()
                .filter(|u| match (query, q.account_id.as_deref()) {
                    (Some(text), _) => matches_query(u, text),
                    (None, Some(id)) => s(u, "accountId") == id,
                    _ => false,
                })
                .take(1000)
                .skip(start)
                .take(max)
                .map(|u| jira_user(u, GUIDE))
                .collect();
            finish_body(t, Value::Array(hits).to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /rest/api/3/group/bulk`.
async fn group_bulk(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<StartAtQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, max) = window(&q, 50);
    if let Err(r) = gate(&state, &tenant, &headers, None, false).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let groups = &t.tenant.site().groups;
            let values: Vec<Value> =
                groups.iter().skip(start).take(max).map(|g| json!({"name": s(g, "name"), "groupId": s(g, "groupId")})).collect();
            let body = json!({"maxResults": max, "startAt": start, "total": groups.len(), "isLast": start + max >= groups.len(), "values": values});
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /rest/api/3/applicationrole`: a bare array of the site's application roles, each with
/// the names of its groups (`groups`) and their ids (`groupDetails`); 403 without them.
async fn application_roles(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, None, false).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| match t.tenant.site().application_roles.clone() {
            Some(roles) => {
                let groups = t.tenant.site().groups.clone();
                let body: Vec<Value> = roles
                    .iter()
                    .map(|r| {
                        let names: Vec<String> = names(r, "groups").map(str::to_string).collect();
                        let details: Vec<Value> = names
                            .iter()
                            .map(|n| {
                                let id = groups.iter().find(|g| s(g, "name") == n.as_str()).map(|g| s(g, "groupId").to_string()).unwrap_or_default();
                                json!({"name": n, "groupId": id})
                            })
                            .collect();
                        json!({"key": s(r, "key"), "name": s(r, "name"), "groups": names, "groupDetails": details,
                               "defaultGroups": names.first().cloned().into_iter().collect::<Vec<_>>(), "hasUnlimitedSeats": false, "platform": false})
                    })
                    .collect();
                finish_body(t, Value::Array(body).to_string())
            }
            None => (
                StatusCode::FORBIDDEN,
                axum::Json(json!({"errorMessages": ["You are not authorized to perform this action. Administrator privileges are required."], "errors": {}})),
            )
                .into_response(),
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The users of a group ("group:<name>", "active-group:<name>"), the customers of a desk
/// ("desk:<id>"), or the managed accounts ("managed"), by index, built once per tenant state.
fn members_of<'a>(t: &'a mut TenantState, key: &str) -> &'a [usize] {
    if t.members.is_none() {
        let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, u) in t.tenant.users.iter().enumerate() {
            for g in names(u, "groups") {
                index.entry(format!("group:{g}")).or_default().push(i);
                if active(u) {
                    index.entry(format!("active-group:{g}")).or_default().push(i);
                }
            }
            for d in names(u, "serviceDesks") {
                index.entry(format!("desk:{d}")).or_default().push(i);
            }
            if managed(u) {
                index.entry("managed".into()).or_default().push(i);
            }
        }
        t.members = Some(index);
    }
    t.members.as_ref().and_then(|m| m.get(key)).map(Vec::as_slice).unwrap_or(&[])
}

/// `GET /rest/api/3/group/member`.
async fn group_member<const GUIDE: bool>(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<StartAtQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, max) = window(&q, 50);
    if let Err(r) = gate(&state, &tenant, &headers, None, false).await {
        return *r;
    }
    if q.group_id.is_some() == q.groupname.is_some() {
        return json_error(StatusCode::BAD_REQUEST, "You must specify either groupId or groupname, not both.");
    }
    let include_inactive = q.include_inactive_users.unwrap_or(false);
    state
        .with_tenant(&tenant, |t| {
            let group = t.tenant.site().groups.iter().find(|g| match (&q.group_id, &q.groupname) {
                (Some(id), _) => s(g, "groupId") == id,
                (_, Some(name)) => s(g, "name") == name,
                _ => false,
            });
            let Some(name) = group.map(|g| s(g, "name").to_string()) else {
                return json_error(StatusCode::NOT_FOUND, "Specified group does not exist.");
            };
            let key = if include_inactive { format!("group:{name}") } else { format!("active-group:{name}") };
            let idx = members_of(t, &key).to_vec();
            let users = &t.tenant.users;
            let members: Vec<&Value> = idx.iter().map(|i| &users[*i]).collect();
            let mut values: Vec<Value> = members.iter().skip(start).take(max).map(|u| jira_user(u, false)).collect();
            if t.tenant.faults.repeat_row && start > 0 && start <= members.len() {
                values.insert(0, jira_user(members[start - 1], false));
            }
            let total = members.len();
            let last = start + max >= total;
            let link = |at: usize| {
                format!("https://sandbox.atlassian.net/rest/api/3/group/member?groupname={name}&includeInactiveUsers={include_inactive}&startAt={at}&maxResults={max}")
            };
            let body = if GUIDE {
                json!({"startAt": start, "maxResults": max, "total": total, "values": values})
            } else {
                let mut b = json!({"self": link(start), "maxResults": max, "startAt": start, "total": total, "isLast": last, "values": values});
                if !last {
                    b["nextPage"] = json!(link(start + max));
                }
                b
            };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[derive(Debug, Deserialize)]
pub struct StartLimitQuery {
    start: Option<usize>,
    limit: Option<usize>,
}

/// `GET /rest/servicedeskapi/servicedesk`.
async fn service_desks(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    Query(q): Query<StartLimitQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, limit) = (q.start.unwrap_or(0), q.limit.unwrap_or(50).clamp(1, 50));
    if let Err(r) = gate(&state, &tenant, &headers, None, false).await {
        return *r;
    }
    state
        .with_tenant(&tenant, |t| {
            let desks = &t.tenant.site().service_desks;
            let values: Vec<Value> = desks
                .iter()
                .skip(start)
                .take(limit)
                .map(|d| json!({"id": s(d, "id"), "projectId": format!("100{}", s(d, "id")), "projectName": s(d, "projectName"), "projectKey": s(d, "projectKey"), "_links": {"self": format!("https://sandbox.atlassian.net/rest/servicedeskapi/servicedesk/{}", s(d, "id"))}}))
                .collect();
            let body = json!({"size": values.len(), "start": start, "limit": limit, "isLastPage": start + limit >= desks.len(), "_links": {}, "values": values});
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn customer(u: &Value) -> Value {
    let id = s(u, "accountId");
    let mut o = json!({
        "accountId": id, "displayName": s(u, "displayName"), "active": active(u), "timeZone": "Europe/Berlin",
        "_links": {"jiraRest": format!("https://sandbox.atlassian.net/rest/api/2/user?accountId={id}"), "avatarUrls": {}, "self": format!("https://sandbox.atlassian.net/rest/api/2/user?accountId={id}")}
    });
    o["emailAddress"] = if flag(u, "emailHidden") || s(u, "email").is_empty() { Value::Null } else { json!(s(u, "email")) };
    o
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/customer` (an experimental API).
async fn customers<const GUIDE: bool>(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, desk)): Path<(String, String)>,
    Query(q): Query<StartLimitQuery>,
    headers: HeaderMap,
) -> Response {
    let (start, limit) = (q.start.unwrap_or(0), q.limit.unwrap_or(50).clamp(1, 50));
    if let Err(r) = gate(&state, &tenant, &headers, None, false).await {
        return *r;
    }
    if headers.get("x-experimentalapi").and_then(|v| v.to_str().ok()) != Some("opt-in") {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"errorMessage": "API is experimental. Experimental APIs are not guaranteed to be stable within the preview period. You must set the header 'X-ExperimentalApi: opt-in' to opt into using this API."}))).into_response();
    }
    state
        .with_tenant(&tenant, |t| {
            let Some(id) = t.tenant.site().service_desks.iter().find(|d| s(d, "id") == desk || s(d, "projectKey") == desk).map(|d| s(d, "id").to_string())
            else {
                return (StatusCode::NOT_FOUND, axum::Json(json!({"errorMessage": "Service Desk does not exist"}))).into_response();
            };
            let idx = members_of(t, &format!("desk:{id}")).to_vec();
            let users = &t.tenant.users;
            let mut values: Vec<Value> = idx.iter().skip(start).take(limit).map(|i| customer(&users[*i])).collect();
            if t.tenant.faults.repeat_row && start > 0 && start <= idx.len() {
                values.insert(0, customer(&users[idx[start - 1]]));
            }
            let last = start + limit >= idx.len();
            let body = if GUIDE {
                json!({"size": values.len(), "start": start, "limit": limit, "values": values})
            } else {
                let base = format!("https://sandbox.atlassian.net/rest/servicedeskapi/servicedesk/{id}/customer");
                let mut links = json!({"base": "https://sandbox.atlassian.net/rest/servicedeskapi", "context": "context", "self": format!("{base}?start={start}&limit={limit}")});
                if !last {
                    links["next"] = json!(format!("{base}?start={}&limit={limit}", start + limit));
                }
                json!({"_expands": [], "size": values.len(), "start": start, "limit": limit, "isLastPage": last, "_links": links, "values": values})
            };
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[derive(Debug, Deserialize)]
pub struct CursorQuery {
    cursor: Option<String>,
    limit: Option<usize>,
    expand: Option<String>,
}

/// The cloud id of a sandbox site, as it appears in the ARIs of v2's `productAccess[].id`.
pub fn cloud_id(tenant: &str) -> String {
    format!("{tenant}-0000-4000-8000-cloudid")
}

const ORG_PAGE: usize = 50;

fn managed(u: &Value) -> bool {
    u.get("managed")
        .and_then(|v| v.as_bool())
        .unwrap_or_else(|| matches!(s(u, "accountType"), "" | "atlassian") && !s(u, "email").is_empty())
}

fn org_user(u: &Value, site: &str) -> Value {
    let mut products = Vec::new();
    if !s(u, "lastActive").is_empty() {
        products
            .push(json!({"key": "jira-servicedesk", "name": "Jira Service Management", "url": site, "last_active": s(u, "lastActive")}));
    }
    if !s(u, "confluenceLastActive").is_empty() {
        products.push(json!({"key": "confluence", "name": "Confluence", "url": site, "last_active": s(u, "confluenceLastActive")}));
    }
    let last = [s(u, "lastActive"), s(u, "confluenceLastActive")].into_iter().max().filter(|d| !d.is_empty());
    json!({
        "account_id": s(u, "accountId"), "account_type": "atlassian",
        "account_status": if active(u) { "active" } else { "inactive" },
        "name": s(u, "displayName"), "picture": "https://avatar.example/48.png", "email": s(u, "email"),
        "access_billable": active(u), "last_active": last, "product_access": products,
        "links": {"self": format!("https://api.atlassian.com/users/{}/manage/profile", s(u, "accountId"))}
    })
}

fn org_user_v2(u: &Value, tenant: &str, expand: bool) -> Value {
    let mut v = json!({
        "accountId": s(u, "accountId"), "accountType": "atlassian",
        "status": if active(u) { "active" } else { "deactivated" },
        "accountStatus": "active", "membershipStatus": if active(u) { "active" } else { "suspended" },
        "addedToOrg": u.get("addedToOrg").cloned().unwrap_or(Value::Null),
        "name": s(u, "displayName"), "email": s(u, "email"), "emailVerified": true, "claimStatus": "managed",
        "mfaEnabled": false, "managementSource": u.get("managementSource").cloned().unwrap_or(Value::Null),
        "links": {"self": format!("https://api.atlassian.com/admin/v2/orgs/o/directories/-/users/{}", s(u, "accountId"))}
    });
    if expand {
        let site = cloud_id(tenant);
        let mut products = Vec::new();
        let stamp = |d: &str| if d.len() == 10 { format!("{d}T09:30:00.000Z") } else { d.to_string() };
        if !s(u, "lastActive").is_empty() {
            products.push(json!({"key": "jira-servicedesk", "id": format!("ari:cloud:jira-servicedesk::site/{site}"), "lastActiveTimestamp": stamp(s(u, "lastActive"))}));
        }
        if !s(u, "confluenceLastActive").is_empty() {
            products.push(json!({"key": "confluence", "id": format!("ari:cloud:confluence::site/{site}"), "lastActiveTimestamp": stamp(s(u, "confluenceLastActive"))}));
        }
        if let Some(other) = u.get("otherSiteLastActive").and_then(|v| v.as_str()) {
            products.push(json!({"key": "jira-software", "id": "ari:cloud:jira-software::site/another-site-cloud-id", "lastActiveTimestamp": stamp(other)}));
        }
        v["productAccess"] = json!(products);
    }
    v
}

/// `GET /admin/v2/orgs/{org}/directories/{directory}/users?cursor=&limit=&expand=`.
async fn org_users_v2(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, org, directory)): Path<(String, String, String)>,
    Query(q): Query<CursorQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, None, true).await {
        return *r;
    }
    // A cursor carries the first request's parameters; the request's own are ignored then.
    let (offset, limit, expand) = match q.cursor.as_deref() {
        None => (0, q.limit.unwrap_or(20), q.expand.as_deref().is_some_and(|e| e.split(',').any(|x| x == "productAccess"))),
        Some(c) => {
            match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok().and_then(|b| String::from_utf8(b).ok()).and_then(|s| {
                let mut it = s.split(':');
                (it.next()? == "v2").then_some(())?;
                Some((it.next()?.parse::<usize>().ok()?, it.next()?.parse::<usize>().ok()?, it.next()? == "1"))
            }) {
                Some(v) => v,
                None => return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 400, "message": "Invalid cursor"}))).into_response(),
            }
        }
    };
    if !(1..=100).contains(&limit) {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 400, "message": "limit must be between 1 and 100"}))).into_response();
    }
    state
        .with_tenant(&tenant, |t| {
            if t.tenant.organization_id.as_deref() != Some(org.as_str()) || directory != "-" {
                return (StatusCode::NOT_FOUND, axum::Json(json!({"code": 404, "message": "Organization or directory not found"}))).into_response();
            }
            let all = members_of(t, "managed").to_vec();
            let users = &t.tenant.users;
            let data: Vec<Value> = all.iter().skip(offset).take(limit).map(|i| org_user_v2(&users[*i], &tenant, expand)).collect();
            let cursor = |n: usize| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v2:{n}:{limit}:{}", expand as u8));
            let next = if offset + limit < all.len() { json!(cursor(offset + limit)) } else { Value::Null };
            let body = json!({"data": data, "links": {"self": cursor(offset), "prev": if offset > 0 { json!(cursor(offset.saturating_sub(limit))) } else { Value::Null }, "next": next}});
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// `GET /admin/v1/orgs/{org}/users?cursor=`: the managed accounts of the organization.
async fn org_users(
    State(state): State<Arc<SandboxState>>,
    Path((tenant, org)): Path<(String, String)>,
    Query(q): Query<CursorQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&state, &tenant, &headers, None, true).await {
        return *r;
    }
    let offset = match q.cursor.as_deref() {
        None => 0,
        Some(c) => match base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse::<usize>().ok()))
        {
            Some(n) => n,
            None => return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 400, "message": "Invalid cursor"}))).into_response(),
        },
    };
    let site = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("sandbox.atlassian.net").to_string();
    state
        .with_tenant(&tenant, |t| {
            if t.tenant.organization_id.as_deref() != Some(org.as_str()) {
                return (StatusCode::NOT_FOUND, axum::Json(json!({"code": 404, "message": "Organization not found"}))).into_response();
            }
            let all = members_of(t, "managed").to_vec();
            let users = &t.tenant.users;
            let data: Vec<Value> = all.iter().skip(offset).take(ORG_PAGE).map(|i| org_user(&users[*i], &site)).collect();
            let cursor = |n: usize| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{n}"));
            let next = if offset + ORG_PAGE < all.len() { json!(cursor(offset + ORG_PAGE)) } else { Value::Null };
            let body = json!({"data": data, "meta": {"total": all.len()}, "links": {"self": cursor(offset), "prev": if offset > 0 { json!(cursor(offset.saturating_sub(ORG_PAGE))) } else { Value::Null }, "next": next}});
            finish_body(t, body.to_string())
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// A synthetic Atlassian tenant for tests and benchmarks: `users` accounts (every 97th an app,
/// every 10th a JSM customer, some of them on two desks, every 13th with a hidden email, every
/// 31st deactivated, every 50th in `jira-administrators`), `groups` groups (each human in `jira-software-users` and one
/// or two more), `desks` service desks, an organization with its API key. Deterministic.
pub fn synthetic_tenant(users: usize, groups: usize, desks: usize) -> Tenant {
    const FIRST: [&str; 20] = [
        "ann", "bob", "carla", "dev", "emma", "farid", "gita", "hugo", "ines", "jon", "kofi", "lena", "mia", "nils", "olga", "piet",
        "quinn", "rosa", "sami", "tariq",
    ];
    const LAST: [&str; 10] = ["smith", "jensen", "okafor", "garcia", "nakamura", "kowalski", "haddad", "silva", "novak", "lee"];
    let groups = groups.max(1);
    let desks = desks.max(1);
    let group_list: Vec<Value> = (0..groups)
        .map(|g| {
            let name = match g {
                0 => "jira-administrators".to_string(),
                1 => "jira-software-users".to_string(),
                _ => format!("team-{g:03}"),
            };
            json!({"name": name, "groupId": format!("6e87dc72-4f1f-421f-9382-{g:012x}")})
        })
        .collect();
    let desk_list: Vec<Value> = (0..desks)
        .map(|d| json!({"id": format!("{}", d + 1), "projectKey": format!("SD{}", d + 1), "projectName": format!("Desk {}", d + 1)}))
        .collect();
    let list: Vec<Value> = (0..users)
        .map(|i| {
            let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
            let name = format!("{}{} {}{}", &first[..1].to_uppercase(), &first[1..], &last[..1].to_uppercase(), &last[1..]);
            if i % 97 == 50 {
                return json!({"accountId": format!("app-{i:07}"), "accountType": "app", "displayName": format!("Automation {i}"), "active": true});
            }
            if i % 10 == 3 {
                let mut on = vec![format!("{}", i % desks + 1)];
                if i % 20 == 3 && desks > 1 {
                    on.push(format!("{}", (i + 1) % desks + 1));
                }
                return json!({"accountId": format!("qm:{i:08x}:5ad6d3581db05e2a66fa80b"), "accountType": "customer", "displayName": name,
                              "email": format!("{first}.{last}{i}@client{}.example", i % 7), "active": i % 31 != 0, "serviceDesks": on});
            }
            let mut member_of = vec![group_list[1 % groups]["name"].clone(), group_list[(i * 7 + 3) % groups]["name"].clone()];
            if i % 50 == 0 {
                member_of.push(json!("jira-administrators"));
            }
            if i % 3 == 0 {
                member_of.push(group_list[(i / 3) % groups]["name"].clone());
            }
            member_of.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            member_of.dedup();
            json!({"accountId": format!("5b10{i:08x}"), "accountType": "atlassian", "displayName": name,
                   "email": format!("{first}.{last}{i}@acme.com"), "emailHidden": i % 13 == 5, "active": i % 31 != 0,
                   "groups": member_of, "lastActive": format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1)})
        })
        .collect();
    // Licences: agents are the administrators, every software user holds a Jira Software seat.
    let application_roles = Some(vec![
        json!({"key": "jira-servicedesk", "name": "Jira Service Management", "groups": ["jira-administrators"]}),
        json!({"key": "jira-software", "name": "Jira Software", "groups": ["jira-software-users"]}),
    ]);
    let site = Site { groups: group_list, service_desks: desk_list, org_api_key: Some("synthetic-org-key".into()), application_roles };
    Tenant {
        username: Some("audit-bot@acme.com".into()),
        organization_id: Some("org-synthetic".into()),
        users: list,
        ..Tenant::new(App::new(site), "synthetic-api-token")
    }
}
