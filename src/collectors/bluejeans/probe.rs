//! `check` of the Meetings API: the users list (its total), what the token may do, and one
//! user's details when the collection reads them.

use super::options::{BluejeansOptions, UserDetails, DEFAULTS};
use super::users::{enterprise, guide, user_id, users_spec};
use crate::collectors::http_common::{check_get, not_checked, oauth_scope, said};
use crate::collectors::{CheckOutcome, EndpointCheck};
use crate::config::HttpConfig;
use crate::http::AppClient;

/// The checks of the users list, the token's scope and a user's details (unless `user_details =
/// "never"`), with `users` (a client of the Meetings API); and the first user listed.
pub async fn probe_users(users: &AppClient, http: &HttpConfig, opts: &BluejeansOptions) -> (Vec<EndpointCheck>, Option<String>) {
    let enterprise_grant = "an API client of the enterprise (client credentials of an enterprise app, or an enterprise admin)";
    let spec = users_spec(http, opts);
    let mut query = spec.query.clone();
    query.extend(spec.pager.with_page_size(1).position_query(0));
    let (check, f) = check_get(users, "enterprise users", &spec.endpoint, &query, enterprise_grant).await;
    let total = f.as_ref().and_then(|f| spec.pager.total(&f.body, &f.headers));
    let first = f.and_then(|mut f| crate::http::list::take_items(&mut f.body, &spec.items)).and_then(|l| l.first().and_then(user_id));
    let mut checks = vec![said(check, total.map(|t| format!("the API reports {t} user(s)")).unwrap_or_default())];
    // What the token may do, when its response says (`scope`): more than reading fails the check.
    if let Some(scope) = users.auth.token_info().await.and_then(|i| i.scope) {
        let (text, write) = oauth_scope(&scope);
        let text = text.unwrap_or_else(|| "the scope names no permission".into());
        checks.push(EndpointCheck {
            what: "OAuth token scope".into(),
            endpoint: format!("POST {}", DEFAULTS.token_path.unwrap_or_default()),
            outcome: if write == Some(true) {
                CheckOutcome::Failed(format!("{text}: broader than a read-only audit needs (give the API client list_users only)"))
            } else {
                CheckOutcome::Ok(text)
            },
        });
    }
    let mode = opts.user_details.unwrap_or_default();
    if mode != UserDetails::Never {
        let endpoints = match (&first, guide(opts)) {
            (None, _) => Vec::new(),
            (Some(id), true) => vec![format!("/v1/enterprise/{}/users/{id}", enterprise(opts))],
            (Some(id), false) if mode == UserDetails::Always => vec![format!("/v1/user/{id}/enterprise_profile"), format!("/v1/user/{id}")],
            (Some(id), false) => vec![format!("/v1/user/{id}/enterprise_profile")],
        };
        if endpoints.is_empty() {
            checks.push(not_checked("user details", "GET /v1/user/{id}", "no user was listed"));
        }
        for e in endpoints {
            checks.push(check_get(users, "user details", &e, &[], enterprise_grant).await.0);
        }
    }
    (checks, first)
}
