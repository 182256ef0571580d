//! The collection engine and the MessageBird/Bird collector against the sandbox, over loopback:
//! real sockets, real JSON, real faults. Each fault either leaves the tenant's accounts exactly
//! (none lost, none duplicated) or makes the app incomplete.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
use access_audit_sandbox::{Faults, Sandbox, Tenant};
use serde_json::json;

const KEY: &str = "canary-key-7c1d55";

fn tenant(n: usize) -> Tenant {
    let users = (0..n)
        .map(|i| {
            json!({"id": format!("u{i:05}"), "email": format!("user{i}@acme.com"), "firstName": "User", "lastName": format!("{i}"),
                   "role": if i % 50 == 0 { "admin" } else { "member" },
                   "status": if i % 40 == 7 { "invited" } else if i % 97 == 3 { "suspended" } else { "active" },
                   "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z"})
        })
        .collect();
    Tenant {
        organization_id: Some("org-1".into()),
        users,
        ..Tenant::new(access_audit_sandbox::App::new(access_audit_sandbox::messagebird::Workspace::default()), KEY)
    }
}

async fn sandbox(n: usize, faults: Faults) -> Sandbox {
    let mut t = tenant(n);
    t.faults = faults;
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("acme".to_string(), t)])).await.unwrap()
}

fn app(sb: &Sandbox, flavor: &str, extra: &str) -> AppConfig {
    let dir = std::env::temp_dir().join(format!("aa-sbx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::write_atomic(&dir.join("key"), KEY);
    let base = sb.base_url("acme", flavor);
    let rate = if extra.contains("requests_per_second") { "" } else { "requests_per_second = 200\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"mb\"\nkind = \"messagebird\"\nflavor = \"{flavor}\"\norganization_id = \"org-1\"\n\
         base_url = \"{base}\"\nauth = {{ type = \"access_key\", key = {{ file = \"key\" }} }}\n{rate}{extra}"
    );
    Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

fn ids(c: &Collection) -> BTreeSet<String> {
    c.accounts.iter().map(|a| a.account_id.clone()).collect()
}

fn tenant_ids(users: &[serde_json::Value]) -> BTreeSet<String> {
    users.iter().map(|u| u["id"].as_str().unwrap().to_string()).collect()
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

async fn exact(faults: Faults, flavor: &str) -> (Collection, Sandbox) {
    let sb = sandbox(250, faults).await;
    let c = collect(&app(&sb, flavor, "")).await;
    assert_eq!(c.accounts.len(), ids(&c).len(), "no duplicates");
    assert_eq!(ids(&c), tenant_ids(&sb.users("acme")), "exactly the tenant's accounts: {:?}", c.coverage);
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    (c, sb)
}

#[tokio::test]
async fn guide_flavour_reads_every_page_and_maps_accounts() {
    let (c, sb) = exact(Faults::default(), "messagebird").await;
    assert_eq!(c.coverage.total_reported, Some(250));
    assert_eq!(c.coverage.pages, 3);
    assert_eq!(sb.stats("acme").requests, 3, "no extra request past a short last page");
    let admin = c.accounts.iter().find(|a| a.account_id == "u00050").unwrap();
    assert!(admin.is_admin && admin.admin_reason.as_deref() == Some("role admin"));
    assert_eq!(c.accounts.iter().find(|a| a.account_id == "u00007").unwrap().status, "invited");
    assert_eq!(c.accounts.iter().find(|a| a.account_id == "u00003").unwrap().status, "suspended");
    assert!(!c.coverage.last_login_known);
    assert_eq!(c.credentials.len(), 1);
}

#[tokio::test]
async fn bird_flavour_follows_page_tokens() {
    let (c, _) = exact(Faults::default(), "bird").await;
    assert_eq!(c.coverage.total_reported, None, "Bird reports no total");
    assert_eq!(c.coverage.pages, 3);
    assert_eq!(c.accounts.iter().find(|a| a.account_id == "u00007").unwrap().status, "invited", "pending user");
}

#[tokio::test]
async fn burst_of_429_with_retry_after_seconds() {
    let started = Instant::now();
    let (c, sb) = exact(Faults { burst_429: 2, retry_after: Some("1".into()), ..Default::default() }, "messagebird").await;
    assert_eq!(c.coverage.throttled, 2);
    assert_eq!(sb.stats("acme").served_429, 2);
    assert!(started.elapsed() >= Duration::from_secs(2), "Retry-After honoured twice: {:?}", started.elapsed());
}

#[tokio::test]
async fn burst_of_429_without_retry_after_backs_off() {
    let started = Instant::now();
    let (c, _) = exact(Faults { burst_429: 3, ..Default::default() }, "bird").await;
    assert_eq!(c.coverage.throttled, 3);
    assert!(started.elapsed() >= Duration::from_secs(3), "at least the minimum wait after each 429: {:?}", started.elapsed());
}

#[tokio::test]
async fn retry_after_zero_is_clamped_to_a_minimum_wait() {
    let started = Instant::now();
    let (c, _) = exact(Faults { burst_429: 1, retry_after: Some("0".into()), ..Default::default() }, "messagebird").await;
    assert_eq!(c.coverage.throttled, 1);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn retry_after_as_an_http_date() {
    let started = Instant::now();
    let (c, _) = exact(Faults { burst_429: 1, retry_after: Some("date+2".into()), ..Default::default() }, "messagebird").await;
    assert_eq!(c.coverage.throttled, 1);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn intermittent_5xx_with_html_bodies_are_retried() {
    let (c, sb) = exact(Faults { error_5xx_every: 2, ..Default::default() }, "bird").await;
    assert!(c.coverage.retries >= 2, "{:?}", c.coverage);
    assert!(sb.stats("acme").served_5xx >= 2);
}

#[tokio::test]
async fn slow_pages() {
    let (c, _) = exact(Faults { slow_ms: 300, ..Default::default() }, "messagebird").await;
    assert_eq!(c.coverage.retries, 0);
}

#[tokio::test]
async fn bodies_cut_short_are_retried() {
    let (c, _) = exact(Faults { truncate_every: 2, ..Default::default() }, "messagebird").await;
    assert!(c.coverage.retries >= 1, "{:?}", c.coverage);
}

#[tokio::test]
async fn a_row_repeated_across_pages_is_dropped_and_counted() {
    let (c, _) = exact(Faults { repeat_row: true, ..Default::default() }, "messagebird").await;
    assert!(c.coverage.duplicates_dropped >= 2, "{:?}", c.coverage);
    let (c, _) = exact(Faults { repeat_row: true, ..Default::default() }, "bird").await;
    assert!(c.coverage.duplicates_dropped >= 2, "{:?}", c.coverage);
}

/// A total smaller than what was listed is a note (an API may count what it does not show).
#[tokio::test]
async fn a_smaller_total_is_a_note_not_a_loss() {
    let (c, _) = exact(Faults { total_offset: -7, ..Default::default() }, "messagebird").await;
    assert_eq!(c.coverage.total_reported, Some(243));
    assert!(c.coverage.notes.iter().any(|n| n.contains("243") && n.contains("250")), "{:?}", c.coverage.notes);
}

/// Issue 25: a total larger than what was read when the list ended says there is more: the app
/// is partial, naming the list, never complete; what was read is kept.
#[tokio::test]
async fn a_larger_total_than_was_read_is_never_complete() {
    let sb = sandbox(250, Faults { total_offset: 7, ..Default::default() }).await;
    let c = collect(&app(&sb, "messagebird", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    assert_eq!(ids(&c), tenant_ids(&sb.users("acme")), "what was read is kept");
    let errors = c.coverage.errors.join("\n");
    assert!(errors.contains("users: the API reported 257 but only 250 distinct were read"), "{errors}");
}

#[tokio::test]
async fn users_added_and_removed_between_pages_lose_nobody() {
    for flavor in ["messagebird", "bird"] {
        let sb = sandbox(250, Faults { mutate_after_page: Some(0), add_users: 5, remove_users: 3, ..Default::default() }).await;
        let before = tenant_ids(&sb.users("acme"));
        let c = collect(&app(&sb, flavor, "concurrency = 1")).await;
        let after = tenant_ids(&sb.users("acme"));
        assert_ne!(before, after, "the list did change");
        let got = ids(&c);
        assert_eq!(c.accounts.len(), got.len(), "{flavor}: no duplicates");
        let existed_throughout: BTreeSet<String> = before.intersection(&after).cloned().collect();
        assert!(existed_throughout.is_subset(&got), "{flavor}: nobody who existed for the whole run is lost");
        if flavor == "messagebird" {
            // Offset pages are re-read until two passes agree, so the late joiners are in too. A
            // keyset cursor rightly skips users added behind it: they did not exist when the
            // collection began.
            assert!(after.is_subset(&got), "{flavor}: the late joiners are in");
        }
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage);
        if flavor == "messagebird" {
            assert!(c.coverage.notes.iter().any(|n| n.contains("changed while it was read")), "{:?}", c.coverage.notes);
        }
    }
}

#[tokio::test]
async fn a_page_that_always_fails_makes_the_app_partial_and_keeps_the_rest() {
    let sb = sandbox(250, Faults { fail_page: Some(1), ..Default::default() }).await;
    let c = collect(&app(&sb, "messagebird", "max_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    // Pages start one account before the previous one ended (0, 99, 198): the first and the
    // third are kept, 100 + 52 accounts.
    assert_eq!(c.accounts.len(), 152, "pages 1 and 3 are kept");
    assert!(c.coverage.errors[0].contains("HTTP 500") || c.coverage.errors[0].contains("gave up"), "{:?}", c.coverage.errors);
    // With a cursor, what follows a failed page cannot be reached.
    let sb = sandbox(250, Faults { fail_page: Some(1), ..Default::default() }).await;
    let c = collect(&app(&sb, "bird", "max_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL);
    assert_eq!(c.accounts.len(), 100);
}

/// A server (or a proxy) that streams a body without end must not take the host down: the page
/// fails at `max_response_mb`, the rest of the list is kept, the app is partial.
#[tokio::test]
async fn a_body_without_end_fails_its_page_at_the_cap_and_the_rest_is_kept() {
    let sb = sandbox(250, Faults { endless_page: Some(1), ..Default::default() }).await;
    let started = Instant::now();
    let c = collect(&app(&sb, "messagebird", "max_response_mb = 2\nmax_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 152, "pages 1 and 3 are kept");
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("larger than max_response_mb allows (2 MB)") && e.contains("/users"), "{e}");
    assert_eq!(sb.stats("acme").requests, 3, "the oversized page is not retried: it would be as large again");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_wrong_key_fails_the_app_with_what_to_check_and_no_secret() {
    let sb = sandbox(10, Faults::default()).await;
    let mut a = app(&sb, "messagebird", "");
    common::write_atomic(&std::env::temp_dir().join(format!("aa-sbx-{}", std::process::id())).join("wrong"), "not-the-key-99");
    if let Some(http) = a.http.as_mut() {
        http.auth = access_audit::config::AuthConfig::AccessKey {
            key: access_audit::config::SecretRef::File(std::env::temp_dir().join(format!("aa-sbx-{}", std::process::id())).join("wrong")),
        };
    }
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED);
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("HTTP 401") && e.contains("authentication failed") && e.contains("/users"), "{e}");
    assert!(!e.contains("not-the-key-99") && !e.contains(KEY), "{e}");
    assert_eq!(sb.stats("acme").requests, 1, "a 401 is not retried");
}

#[tokio::test]
async fn the_configured_rate_limit_is_respected() {
    let sb = sandbox(2000, Faults::default()).await;
    let started = Instant::now();
    let c = collect(&app(&sb, "messagebird", "requests_per_second = 8\npage_size = 100")).await;
    assert_eq!(c.accounts.len(), 2000);
    let stats = sb.stats("acme");
    assert_eq!(stats.requests, 21, "20 full pages, then the empty page that ends the list");
    let times = &stats.request_times;
    let max_in_a_second =
        times.iter().map(|t| times.iter().filter(|u| **u >= *t && u.duration_since(*t) < Duration::from_secs(1)).count()).max().unwrap();
    assert!(max_in_a_second <= 8, "{max_in_a_second} requests within one second at a limit of 8/s");
    assert!(started.elapsed() >= Duration::from_millis(20 * 1000 / 8), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_side_limit_is_absorbed_by_slowing_down() {
    let sb = sandbox(1500, Faults { server_rps: Some(5.0), ..Default::default() }).await;
    let c = collect(&app(&sb, "bird", "requests_per_second = 20\npage_size = 100")).await;
    assert_eq!(ids(&c), tenant_ids(&sb.users("acme")));
    assert!(c.coverage.throttled > 0, "the server did throttle");
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE);
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_refreshed_and_nothing_is_lost() {
    let mut t = tenant(600);
    t.oauth_client_id = Some("audit-client".into());
    t.faults = Faults { token_expires_after_requests: 2, ..Default::default() };
    let sb = Sandbox::start("127.0.0.1:0", BTreeMap::from([("acme".to_string(), t)])).await.unwrap();
    let mut a = app(&sb, "messagebird", "concurrency = 1");
    let key = std::env::temp_dir().join(format!("aa-sbx-{}", std::process::id())).join("key");
    if let Some(http) = a.http.as_mut() {
        http.auth = access_audit::config::AuthConfig::Oauth2ClientCredentials {
            client_id: "audit-client".into(),
            client_secret: access_audit::config::SecretRef::File(key),
            token_url: Some(sb.token_url("acme")),
            scope: None,
        };
    }
    let c = collect(&a).await;
    assert_eq!(ids(&c), tenant_ids(&sb.users("acme")));
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let tokens = sb.state.with_tenant("acme", |t| t.tokens_issued).unwrap();
    assert!(tokens >= 3, "7 pages with tokens good for 2 requests each: {tokens} tokens");
    assert!(c.coverage.notes.iter().any(|n| n.contains("OAuth access tokens live 3600 s")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn probe_reports_the_total() {
    let sb = sandbox(42, Faults::default()).await;
    let checks = collectors::probe(&app(&sb, "messagebird", "")).await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].line(), "users: ok (GET /users): the API reports 42 user(s)");
    assert_eq!(sb.stats("acme").requests, 1);
}

#[test]
fn the_sample_tenant_loads() {
    let tenants = access_audit_sandbox::load_tenants(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/tenants")).unwrap();
    assert!(tenants.contains_key("acme-bird"));
}
