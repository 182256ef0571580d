//! The SCIM collector against the sandbox's SCIM server, with each known quirk of real servers
//! and the engine's faults: every user and membership exactly, or an app that says it is not.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_PARTIAL};
use access_audit_sandbox::scim::{synthetic_tenant, Quirks};
use access_audit_sandbox::{Faults, Sandbox, Tenant};

async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("sc".to_string(), t)])).await.unwrap()
}

fn app(sb: &Sandbox, extra: &str) -> AppConfig {
    let dir = std::env::temp_dir().join(format!("aa-scim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::write_atomic(&dir.join("token"), "synthetic-scim-token");
    let rate = if extra.contains("requests_per_second") { "" } else { "requests_per_second = 1000\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"sc\"\nkind = \"scim\"\nbase_url = \"{}\"\nauth = {{ type = \"bearer\", token = {{ file = \"token\" }} }}\n\
         admin_roles = [\"admin\"]\nadmin_groups = [\"admins\"]\n{rate}{extra}",
        sb.base_url("sc", "scim")
    );
    Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

fn assert_exact(c: &Collection, sb: &Sandbox) {
    let users = sb.users("sc");
    let want: BTreeSet<String> = users.iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    let got: BTreeSet<String> = c.accounts.iter().map(|a| a.account_id.clone()).collect();
    assert_eq!(c.accounts.len(), got.len(), "no user twice");
    assert!(got == want, "exactly the server's users: {} missing, {} extra", want.difference(&got).count(), got.difference(&want).count());
    let groups = sb.state.with_tenant("sc", |t| t.tenant.provider().groups.clone()).unwrap();
    let want_members: BTreeSet<(String, String)> = groups
        .iter()
        .flat_map(|g| {
            let name = g["displayName"].as_str().unwrap().to_string();
            g["members"].as_array().unwrap().iter().map(move |m| (m["value"].as_str().unwrap().to_string(), name.clone()))
        })
        .collect();
    let got_members: BTreeSet<(String, String)> =
        c.entitlements.iter().filter(|e| e.kind == "group").map(|e| (e.account_id.clone(), e.value.clone())).collect();
    assert_eq!(got_members, want_members, "exactly the memberships");
    let disabled = users.iter().filter(|u| u["active"] == false).count();
    assert_eq!(c.accounts.iter().filter(|a| a.status == "disabled").count(), disabled);
    let admins = users.iter().filter(|u| u.get("roles").is_some()).count();
    assert_eq!(c.accounts.iter().filter(|a| a.is_admin).count(), admins);
}

async fn exact_with(quirks: Quirks, faults: Faults, extra: &str) -> Collection {
    let mut t = synthetic_tenant(1234);
    t.provider_mut().unwrap().scim_quirks = quirks;
    t.faults = faults;
    let sb = start(t).await;
    let c = collect(&app(&sb, extra)).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    c
}

#[tokio::test]
async fn an_rfc_server() {
    let c = exact_with(Quirks::default(), Faults::default(), "page_size = 100").await;
    assert_eq!(c.coverage.total_reported, Some(1234));
    let a = c.accounts.iter().find(|a| a.account_id == "u-0000000").unwrap();
    assert_eq!(a.admin_reason.as_deref(), Some("role admin; group admins"));
    assert_eq!(a.email.as_deref(), Some("user0@acme.com"));
    assert!(!c.coverage.last_login_known);
}

#[tokio::test]
async fn a_zero_based_server() {
    let c = exact_with(Quirks { zero_based: true, ..Default::default() }, Faults::default(), "").await;
    assert!(c.coverage.notes.iter().any(|n| n.contains("0-based offset")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn a_zero_based_server_configured_as_such() {
    exact_with(Quirks { zero_based: true, ..Default::default() }, Faults::default(), "start_index = 0").await;
}

#[tokio::test]
async fn a_server_that_serves_fewer_than_asked() {
    // count=1000 asked, 100 served, itemsPerPage echoing the request: followed by what was served.
    exact_with(Quirks { max_count: Some(100), items_per_page_is_count: true, ..Default::default() }, Faults::default(), "page_size = 1000")
        .await;
}

#[tokio::test]
async fn no_total_a_page_size_total_and_string_booleans() {
    exact_with(Quirks { no_total: true, string_booleans: true, ..Default::default() }, Faults::default(), "").await;
    let c = exact_with(Quirks { total_is_page_size: true, ..Default::default() }, Faults::default(), "").await;
    assert!(c.coverage.notes.iter().any(|n| n.contains("only each page's size")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn faults_lose_nothing() {
    let faults = Faults {
        burst_429: 3,
        retry_after: Some("0".into()),
        error_5xx_every: 7,
        truncate_every: 11,
        repeat_row: true,
        ..Default::default()
    };
    let c = exact_with(Quirks::default(), faults, "max_attempts = 8").await;
    assert!(c.coverage.duplicates_dropped > 0 && c.coverage.throttled == 3, "{:?}", c.coverage);
}

#[tokio::test]
async fn a_server_that_ignores_start_index_is_stopped_and_says_so() {
    let mut t = synthetic_tenant(500);
    t.provider_mut().unwrap().scim_quirks = Quirks { ignore_start_index: true, ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "page_size = 100")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL);
    assert!(c.coverage.errors.iter().any(|e| e.contains("does not advance")), "{:?}", c.coverage.errors);
    assert!(sb.stats("sc").requests < 20, "stopped, not looping: {}", sb.stats("sc").requests);
}

#[tokio::test]
async fn a_preset_caps_the_page_size() {
    let mut t = synthetic_tenant(250);
    t.provider_mut().unwrap().scim_quirks = Quirks { max_count: Some(100), ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "preset = \"atlassian\"\npage_size = 500")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE);
    assert_exact(&c, &sb);
}

#[tokio::test]
async fn probe_reports_the_total() {
    let sb = start(synthetic_tenant(42)).await;
    let lines: Vec<String> = collectors::probe(&app(&sb, "")).await.unwrap().iter().map(|c| c.line()).collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], "users: ok (GET /Users): the server reports 42 user(s)");
    assert!(lines[1].starts_with("groups: ok (GET /Groups): the server reports "), "{lines:#?}");
}

/// The scale case: 100k users (and their groups). `scripts/bench-scim.sh`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-scim.sh"]
async fn scale_100k_users() {
    let users: usize = std::env::var("SCIM_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rps: f64 = std::env::var("SCIM_BENCH_RPS").ok().and_then(|v| v.parse().ok()).unwrap_or(100.0);
    let mut t = synthetic_tenant(users);
    t.faults = Faults { burst_429: 3, retry_after: Some("1".into()), error_5xx_every: 97, ..Default::default() };
    let sb = start(t).await;
    let started = Instant::now();
    let c = collect(&app(&sb, &format!("requests_per_second = {rps}\npage_size = 1000\nmax_attempts = 8"))).await;
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    assert_exact(&c, &sb);
    let st = sb.stats("sc");
    println!(
        "scim scale: {} users, {} memberships, {} requests ({} 429, {} 5xx), wall {wall:.2} s, rate-limit bound {:.2} s",
        c.accounts.len(),
        c.entitlements.iter().filter(|e| e.kind == "group").count(),
        st.requests,
        st.served_429,
        st.served_5xx,
        st.requests as f64 / rps
    );
}

/// The sandbox's `PATCH /Users/{id}`, as `remediate --apply` and real IdPs send it: RFC form,
/// Entra's form (no path, capitalised op, "False"), and the refusals a client must expect.
#[tokio::test]
async fn the_sandbox_deactivates_a_user_by_patch_in_either_form_and_refuses_bad_ones() {
    let sb = start(synthetic_tenant(3)).await;
    let client = reqwest::Client::new();
    let url = |id: &str| format!("{}/Users/{id}", sb.base_url("sc", "scim"));
    let send = |id: &str, token: &str, body: serde_json::Value| client.patch(url(id)).bearer_auth(token).json(&body).send();
    let op = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    let rfc = serde_json::json!({"schemas": [op], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let entra = serde_json::json!({"schemas": [op], "Operations": [{"op": "Replace", "value": {"active": "False"}}]});
    let r = send("u-0000000", "synthetic-scim-token", rfc.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["active"], false);
    assert_eq!(send("u-0000001", "synthetic-scim-token", entra).await.unwrap().status(), 200);
    let active: Vec<serde_json::Value> = sb.users("sc").iter().map(|u| u["active"].clone()).collect();
    assert_eq!(active, [false, false, true]);
    assert_eq!(send("u-9", "synthetic-scim-token", rfc.clone()).await.unwrap().status(), 404);
    assert_eq!(send("u-0000002", "wrong", rfc).await.unwrap().status(), 401);
    let not_a_patch = serde_json::json!({"Operations": [{"op": "replace", "path": "active", "value": false}]});
    assert_eq!(send("u-0000002", "synthetic-scim-token", not_a_patch).await.unwrap().status(), 400);
    let bad_path =
        serde_json::json!({"schemas": [op], "Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x"}]});
    assert_eq!(send("u-0000002", "synthetic-scim-token", bad_path).await.unwrap().status(), 400);
    assert_eq!(sb.users("sc")[2]["active"], true, "nothing changed by a refused PATCH");
    sb.stop().await;
}
