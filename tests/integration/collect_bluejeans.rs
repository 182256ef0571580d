//! The BlueJeans and BlueJeans Events collectors against the sandbox's simulators, over loopback:
//! both user-list shapes, per-user details, the OAuth token (JSON body, query parameter, expiry
//! mid-run), events with their roles, registrations and keys, and the engine's faults.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_PARTIAL};
use access_audit_sandbox::bluejeans::synthetic_tenant;
use access_audit_sandbox::{Faults, Sandbox, Tenant};

/// The Events app's registration client (checks every registration key).
const REGISTRATION_APP: &str = "registration_client_id = \"synthetic-registration-app\"\nregistration_client_secret = { file = \"reg\" }";

async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("bj".to_string(), t)])).await.unwrap()
}

/// An app of `kind` on the sandbox tenant "bj"; `flavor` picks the users shape.
fn app(sb: &Sandbox, kind: &str, flavor: &str, extra: &str) -> AppConfig {
    let dir = std::env::temp_dir().join(format!("aa-bj-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (secret, reg) =
        sb.state.with_tenant("bj", |t| (t.tenant.secret.clone(), t.tenant.enterprise().registration_secret.clone())).unwrap();
    common::write_atomic(&dir.join("secret"), secret);
    common::write_atomic(&dir.join("reg"), reg.unwrap_or_default());
    let users_base = sb.base_url("bj", if flavor == "guide" { "bluejeans-guide" } else { "bluejeans" });
    let (base, users_url) = if kind == "bluejeans_events" {
        (sb.base_url("bj", "bluejeans-events"), format!("users_url = \"{users_base}\"\n"))
    } else {
        (users_base, String::new())
    };
    let rate = if extra.contains("requests_per_second") { "" } else { "requests_per_second = 1000\n" };
    let rate = format!("{rate}{}", if extra.contains("concurrency") { "" } else { "concurrency = 8\n" });
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"bj\"\nkind = \"{kind}\"\nflavor = \"{flavor}\"\nenterprise_id = \"28663\"\n\
         base_url = \"{base}\"\n{users_url}auth = {{ type = \"oauth2_client_credentials\", client_id = \"synthetic-client\", client_secret = {{ file = \"secret\" }} }}\n{rate}{extra}"
    );
    Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

fn ids(c: &Collection) -> BTreeSet<String> {
    c.accounts.iter().map(|a| a.account_id.clone()).collect()
}

fn tenant_ids(sb: &Sandbox) -> BTreeSet<String> {
    sb.users("bj").iter().map(|u| u["id"].to_string()).collect()
}

fn admins(sb: &Sandbox) -> BTreeSet<String> {
    sb.users("bj").iter().filter(|u| u["isEnterpriseAdmin"] == true).map(|u| u["id"].to_string()).collect()
}

fn assert_users_exact(c: &Collection, sb: &Sandbox) {
    assert_eq!(c.accounts.len(), ids(c).len(), "no account twice");
    assert_eq!(ids(c), tenant_ids(sb), "exactly the tenant's users");
    let got: BTreeSet<String> = c.accounts.iter().filter(|a| a.is_admin).map(|a| a.account_id.clone()).collect();
    assert_eq!(got, admins(sb), "exactly the enterprise admins");
}

#[tokio::test]
async fn api_flavour_reads_1_based_pages_of_user() {
    let sb = start(synthetic_tenant(2500, 0, false)).await;
    let c = collect(&app(&sb, "bluejeans", "api", "page_size = 1000")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_users_exact(&c, &sb);
    assert_eq!(c.coverage.total_reported, Some(2500));
    assert_eq!(
        sb.stats("bj").requests,
        6,
        "three pages read twice (numbered pages cannot overlap), no detail request: the list has the admin flag"
    );
    assert!(c.coverage.notes.iter().any(|n| n.contains("read twice") && n.contains("both reads listed the same accounts")));
    let a = c.accounts.iter().find(|a| a.account_id == "100000").unwrap();
    assert_eq!((a.email.as_deref(), a.is_admin, a.admin_reason.as_deref()), (Some("user0@acme.com"), true, Some("isEnterpriseAdmin")));
    assert_eq!(a.created_at.unwrap().timestamp_millis(), 1_600_000_000_000, "enterpriseJoinDate is in milliseconds");
    assert!(a.last_login_at.is_none() && !c.coverage.last_login_known);
    assert!(c.credentials[0].observation.as_deref().unwrap().contains("access tokens live 3600 s"), "{:?}", c.credentials);
    assert!(c.entitlements.iter().all(|e| e.privileged && e.value == "enterprise admin"));
}

#[tokio::test]
async fn guide_flavour_reads_0_based_pages_and_details_for_the_admin_flag() {
    let sb = start(synthetic_tenant(300, 0, false)).await;
    let c = collect(&app(&sb, "bluejeans", "guide", "page_size = 100")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_users_exact(&c, &sb);
    assert_eq!(
        sb.stats("bj").requests,
        2 * 4 + 300,
        "pages 0-2 and the empty page 3 that ends the list, read twice (numbered pages cannot overlap), a detail per user (no admin flag in the guide's list)"
    );
    assert!(c.coverage.notes.iter().any(|n| n.contains("300 user detail(s) were read because the list lacks the admin flag")));
}

#[tokio::test]
async fn a_list_without_the_admin_flag_is_completed_from_enterprise_profiles() {
    let sb = start(synthetic_tenant(120, 0, true)).await;
    let c = collect(&app(&sb, "bluejeans", "api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_users_exact(&c, &sb);
}

#[tokio::test]
async fn user_details_always_gives_last_login() {
    let sb = start(synthetic_tenant(50, 0, false)).await;
    let c = collect(&app(&sb, "bluejeans", "api", "user_details = \"always\"")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.coverage.last_login_known);
    assert!(c.accounts.iter().all(|a| a.last_login_at.is_some()));
    assert_eq!(sb.stats("bj").requests, 1 + 50 * 2, "a page, then enterprise_profile and user per user");
}

#[tokio::test]
async fn a_token_in_the_query_that_expires_mid_run_is_refreshed_and_never_shown() {
    let mut t = synthetic_tenant(900, 0, false);
    t.faults = Faults { token_expires_after_requests: 3, fail_page: Some(7), ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans", "api", "token_in_query = true\npage_size = 100\nconcurrency = 1\nmax_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "page 8 always fails");
    assert_eq!(c.accounts.len(), 800, "every other page, across token refreshes");
    let tokens = sb.state.with_tenant("bj", |t| t.tokens_issued).unwrap();
    assert!(tokens >= 3, "{tokens}");
    let shown = format!("{:?}", c.coverage);
    assert!(shown.contains("/v1/enterprise/28663/users") && !shown.contains("access_token") && !shown.contains("sbx-bj"), "{shown}");
}

#[tokio::test]
async fn faults_lose_nothing_and_duplicate_nothing() {
    let mut t = synthetic_tenant(3000, 0, true);
    t.faults = Faults {
        burst_429: 3,
        retry_after: Some("0".into()),
        error_5xx_every: 37,
        truncate_every: 53,
        repeat_row: true,
        ..Default::default()
    };
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans", "api", "page_size = 500\nmax_attempts = 8")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    assert_users_exact(&c, &sb);
    assert!(c.coverage.throttled >= 3 && c.coverage.duplicates_dropped > 0, "{:?}", c.coverage);
}

#[tokio::test]
async fn a_wrong_enterprise_id_fails_with_what_to_check() {
    let sb = start(synthetic_tenant(10, 0, false)).await;
    let mut a = app(&sb, "bluejeans", "api", "");
    if let Some(options) = a.options.get_mut::<access_audit::collectors::bluejeans::BluejeansOptions>() {
        options.enterprise_id = Some("99999".into());
    }
    let c = collect(&a).await;
    let e = c.coverage.errors.join("\n");
    assert!(e.contains("HTTP 403") && e.contains("enterprise_id must be the enterprise of its token"), "{e}");
}

/// Events: roles, registrations, outside participants, keys (working, expired), key values
/// never kept, the moderator who left (by email) has an account with the moderator role.
#[tokio::test]
async fn events_roles_registrations_and_registration_keys() {
    let mut t = synthetic_tenant(60, 40, false);
    // Event 3 is moderated by someone who has left the company (an outside address now).
    t.enterprise_mut().unwrap().events[3]["moderators"] = serde_json::json!(["rita.leaver@acme.com"]);
    let events = t.enterprise().events.clone();
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", REGISTRATION_APP)).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    // Accounts: the 60 enterprise users plus the outside participants.
    let outside: BTreeSet<String> = events
        .iter()
        .flat_map(|e| ["moderators", "panelists", "attendees"].map(|k| e[k].as_array().unwrap().clone()).concat())
        .filter_map(|v| v.as_str().map(str::to_string))
        .filter(|e| !e.ends_with("@acme.com") || e.starts_with("rita"))
        .map(|e| format!("email:{e}"))
        .collect();
    assert_eq!(c.accounts.len(), 60 + outside.len());
    let rita = c.accounts.iter().find(|a| a.account_id == "email:rita.leaver@acme.com").expect("the leaver has an account");
    assert_eq!((rita.status.as_str(), rita.account_type.as_str()), ("active", "human"), "an outside moderator is a person to account for");
    let guest = c.accounts.iter().find(|a| a.account_id == "email:guest0@partner.example").unwrap();
    assert_eq!(guest.account_type, "customer", "outside attendees are guests, external by design");
    let roles = |id: &str, kind: &str| -> Vec<String> {
        c.entitlements.iter().filter(|e| e.account_id == id && e.kind == kind).map(|e| e.value.clone()).collect()
    };
    assert_eq!(roles("email:rita.leaver@acme.com", "event_role"), vec!["moderator · ev-000003 · Town hall 3 · 2026-09-21 – 2026-09-21"]);
    assert!(c.entitlements.iter().any(|e| e.kind == "event_registration" && e.account_id == "email:guest0@partner.example"));
    let organizer = c.entitlements.iter().filter(|e| e.value.starts_with("organizer")).count();
    assert_eq!(organizer, 40, "every event has its organizer");
    // Keys: one credential per registration-enabled event (ev-000000 expired, the others work).
    let keys: Vec<_> = c.credentials.iter().filter(|k| k.credential_id.starts_with("event:")).collect();
    assert_eq!(keys.len(), 10);
    let expired = keys.iter().find(|k| k.credential_id == "event:ev-000000:api_key").unwrap();
    assert!(expired.refused_at.is_some() && expired.observation.as_deref().unwrap().contains("refused"), "{expired:?}");
    assert_eq!(expired.expires_at, None, "its expiry date is not known; that it was refused is");
    assert!(expired.label.contains("Town hall 0") && expired.owner.as_deref() == Some("user0@acme.com"), "{expired:?}");
    let working = keys.iter().find(|k| k.credential_id == "event:ev-000004:api_key").unwrap();
    assert!(working.expires_at.is_none() && working.observation.as_deref().unwrap().contains("living 86400 s"), "{working:?}");
    assert_eq!(working.token_lifetime_seconds, Some(86400), "expires_in is a field, not only text");
    assert!(working.token_expires_at.is_some(), "so is the JWT's exp: {working:?}");
    let everything = format!("{:?}", c);
    assert!(!everything.contains("key-0000") && !everything.contains("synthetic-registration-secret"), "key values never kept");
}

#[tokio::test]
async fn events_without_a_registration_app_leave_keys_unchecked() {
    let sb = start(synthetic_tenant(20, 8, false)).await;
    let c = collect(&app(&sb, "bluejeans_events", "guide", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let keys: Vec<_> = c.credentials.iter().filter(|k| k.credential_id.starts_with("event:")).collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.expires_at.is_none() && k.observation.as_deref().unwrap().contains("not checked")));
}

#[tokio::test]
async fn probe_checks_users_and_the_events_token() {
    let sb = start(synthetic_tenant(42, 0, false)).await;
    let lines = |c: Vec<collectors::EndpointCheck>| c.iter().map(|c| c.line()).collect::<Vec<_>>();
    let got = lines(collectors::probe(&app(&sb, "bluejeans", "api", "")).await.unwrap());
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].starts_with("enterprise users: ok (GET /v1/enterprise/28663/users): the API reports 42 user(s)"), "{got:#?}");
    assert!(got[1].starts_with("user details: ok (GET /v1/user/100000/enterprise_profile)"), "{got:#?}");
    let got = lines(collectors::probe(&app(&sb, "bluejeans", "api", "user_details = \"never\"")).await.unwrap());
    assert_eq!(got.len(), 1, "no details are read, none asked: {got:#?}");
    let sb = start(synthetic_tenant(42, 30, false)).await;
    let got = lines(collectors::probe(&app(&sb, "bluejeans_events", "api", REGISTRATION_APP)).await.unwrap());
    assert!(got.iter().any(|l| l.starts_with("Events API token: ok")), "{got:#?}");
    assert!(got.iter().any(|l| l.starts_with("events of a user: ok (GET /api/scheduling/v1/users/100000/events)")), "{got:#?}");
    assert!(got.iter().any(|l| l.starts_with("registration app token: ok")), "{got:#?}");
    assert!(!got.join(" ").contains("key-0"), "no key value in what check prints");
}

/// The scale case: 20k users and 5k events under faults. `scripts/bench-bluejeans.sh`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-bluejeans.sh"]
async fn scale_20k_users_5k_events_under_faults() {
    let users: usize = std::env::var("BJ_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let events: usize = std::env::var("BJ_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let rps: f64 = std::env::var("BJ_BENCH_RPS").ok().and_then(|v| v.parse().ok()).unwrap_or(500.0);
    let faults = std::env::var("BJ_BENCH_FAULTS").map(|v| v != "0").unwrap_or(true);
    let conc: u32 = std::env::var("BJ_BENCH_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let mut t = synthetic_tenant(users, events, true);
    if faults {
        t.faults = Faults {
            burst_429: 5,
            retry_after: Some("1".into()),
            error_5xx_every: 211,
            token_expires_after_requests: 5000,
            ..Default::default()
        };
    }
    let expected_events = t.enterprise().events.len();
    let sb = start(t).await;
    let a = app(
        &sb,
        "bluejeans_events",
        "api",
        &format!("requests_per_second = {rps}\nconcurrency = {conc}\nmax_attempts = 8\nregistration_client_id = \"synthetic-registration-app\"\nregistration_client_secret = {{ file = \"reg\" }}"),
    );
    let started = Instant::now();
    let c = collect(&a).await;
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    let enterprise = c.accounts.iter().filter(|a| !a.account_id.starts_with("email:")).count();
    assert_eq!(enterprise, users);
    let organizers = c.entitlements.iter().filter(|e| e.value.starts_with("organizer")).count();
    assert_eq!(organizers, expected_events, "every event once");
    let st = sb.stats("bj");
    let bound = st.requests as f64 / rps;
    println!(
        "bluejeans events scale (faults {}): {enterprise} users, {organizers} events, {} entitlements, {} keys, {} requests ({} 429, {} 5xx), {} retries, {} tokens, wall {wall:.2} s, rate-limit bound {bound:.2} s ({:.2}x)",
        if faults { "on" } else { "off" },
        c.entitlements.len(),
        c.credentials.len() - 1,
        st.requests,
        st.served_429,
        st.served_5xx,
        c.coverage.retries,
        sb.state.with_tenant("bj", |t| t.tokens_issued).unwrap(),
        wall / bound
    );
}

/// A clean collection notes only what the API does not tell and how the keys were checked: no
/// warning about the collection itself.
#[tokio::test]
async fn a_clean_events_collection_carries_no_warning_note() {
    let sb = start(synthetic_tenant(60, 40, false)).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", REGISTRATION_APP)).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(
        c.coverage.notes,
        [
            "40 event(s) of 60 user(s) (their lists' counts sum to 40); 40 participant(s) outside the enterprise listed as accounts of their own; 10 registration key(s), 1 refused by the registration token endpoint",
            "BlueJeans Events does not report last login: no dormant or never-logged-in findings for this app",
            "OAuth access tokens live 3600 s; 1 token(s) fetched",
        ]
    );
}

/// Issue 20 item 4, in both shapes: a room system (no email) is a service account, a host of
/// moderator-less meetings holds that permission, and the guide's join date in seconds is read
/// as such (not as 1970).
#[tokio::test]
async fn rooms_moderator_less_hosts_and_join_dates_in_both_shapes() {
    let mut t = synthetic_tenant(5, 0, false);
    t.users[1]["isModeratorLess"] = serde_json::json!(true);
    t.users[2]["email"] = serde_json::json!("");
    t.users[2]["username"] = serde_json::json!("boardroom-4");
    let sb = start(t).await;
    for (flavor, extra) in [("api", ""), ("guide", "user_details = \"always\"")] {
        let c = collect(&app(&sb, "bluejeans", flavor, extra)).await;
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage);
        let by_id = |id: &str| c.accounts.iter().find(|a| a.account_id == id).unwrap();
        assert_eq!(by_id("100002").account_type, access_audit::model::AccountType::Service, "{flavor}: a room system");
        assert_eq!(by_id("100001").account_type, access_audit::model::AccountType::Human);
        let joined = by_id("100001").created_at.unwrap().date_naive().to_string();
        assert_eq!(joined, "2020-09-14", "{flavor}: 1_600_086_400 s = 1_600_086_400_000 ms");
        let perms: Vec<&str> = c
            .entitlements
            .iter()
            .filter(|e| e.kind == access_audit::model::EntitlementKind::Permission)
            .map(|e| e.account_id.as_str())
            .collect();
        assert_eq!(perms, ["100001"], "{flavor}: the moderator-less host");
    }
    sb.stop().await;
}

/// Issue 20 item 5: a declined or pending registration is not access (no entitlement, no account,
/// counted in coverage); an approved one added through the API names its source.
#[tokio::test]
async fn declined_and_pending_registrations_are_not_access() {
    let mut t = synthetic_tenant(3, 1, false);
    let event = &mut t.enterprise_mut().unwrap().events[0];
    event["attendees"] = serde_json::json!([
        "user1@acme.com",
        {"email": "no@guest.example", "state": "DECLINED"},
        {"email": "wait@guest.example", "state": "PENDING"},
        {"email": "api@guest.example", "state": "APPROVED", "source": "apiIntegration"}
    ]);
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let registrations: Vec<(&str, &str)> = c
        .entitlements
        .iter()
        .filter(|e| e.kind == access_audit::model::EntitlementKind::EventRegistration)
        .map(|e| (e.account_id.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(registrations.len(), 2, "{registrations:?}");
    assert!(registrations.iter().any(|(a, v)| *a == "email:api@guest.example" && v.ends_with(" · registered via apiIntegration")));
    assert!(!ids(&c).contains("email:no@guest.example") && !ids(&c).contains("email:wait@guest.example"));
    assert!(
        c.coverage.notes.iter().any(|n| n.contains("1 declined and 1 pending registration(s) are not access")),
        "{:?}",
        c.coverage.notes
    );
    sb.stop().await;
}

/// Issue 20 item 3: what the OAuth token may do, from its `scope`: an enterprise client's scope
/// names no permission (nothing claimed); one listing `modify_users` may write.
#[tokio::test]
async fn the_token_scope_is_recorded_on_the_credential() {
    for (scope, want_scope, want_write) in [
        (
            serde_json::json!({"enterprise": 28663, "partitionName": "z2", "partition": {"id": 2, "name": "z2"}}),
            "enterprise 28663, partitionName z2 (no permissions listed)",
            None,
        ),
        (serde_json::json!({"appPermissions": ["list_users", "modify_users"]}), "list_users modify_users", Some(true)),
    ] {
        let mut t = synthetic_tenant(3, 0, false);
        t.token_scope = Some(scope);
        let sb = start(t).await;
        let a = app(&sb, "bluejeans", "api", "");
        let c = collect(&a).await;
        let cred = c.credentials.iter().find(|c| c.credential_id == "app-credential").unwrap();
        assert_eq!((cred.scope.as_deref(), cred.write_access), (Some(want_scope), want_write));
        // `check` says it too, and fails on write access.
        let checks = collectors::probe(&a).await.unwrap();
        let line = checks.iter().find(|c| c.what == "OAuth token scope").map(|c| (c.line(), c.is_ok())).unwrap();
        assert!(line.0.contains(want_scope) && line.1 == (want_write != Some(true)), "{line:?}");
        sb.stop().await;
    }
}

/// The organizers' events of a synthetic tenant, as `(owner, event id)`.
fn organized(c: &Collection) -> BTreeSet<(String, String)> {
    c.entitlements
        .iter()
        .filter(|e| e.value.starts_with("organizer · "))
        .map(|e| (e.account_id.clone(), e.value.split(" · ").nth(1).unwrap_or_default().to_string()))
        .collect()
}

/// Issue 25 item 1: a user's events come in pages (the server serves at most 4 of the 100 asked
/// for, with a count): every page of every organizer is read, and nothing else is needed.
#[tokio::test]
async fn every_page_of_every_organizers_events_is_read() {
    let mut t = synthetic_tenant(3, 45, false);
    t.enterprise_mut().unwrap().events_page_max = Some(4);
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(organized(&c).len(), 45, "every event of every organizer, 15 each over 4 pages");
    assert!(
        c.coverage.notes.iter().any(|n| n.contains("45 event(s) of 3 user(s) (their lists' counts sum to 45)")),
        "{:?}",
        c.coverage.notes
    );
}

/// A count larger than what the pages held when the list ended: the app is partial, naming the
/// list, never complete.
#[tokio::test]
async fn an_events_count_larger_than_the_events_read_makes_the_app_partial() {
    let mut t = synthetic_tenant(3, 9, false);
    t.enterprise_mut().unwrap().events_count_offset = 2;
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    let errors = c.coverage.errors.join("\n");
    assert!(errors.contains("events of user 100000: the API reported 5 but only 3 distinct were read"), "{errors}");
    assert_eq!(organized(&c).len(), 9, "what was read is kept");
}

/// Issue 25 item 2: a list whose entries carry no people (a summary) is completed from each
/// event's detail: the same roles and registrations as from the full list.
#[tokio::test]
async fn events_listed_as_summaries_are_read_in_detail() {
    let full = {
        let sb = start(synthetic_tenant(30, 20, false)).await;
        collect(&app(&sb, "bluejeans_events", "api", "")).await
    };
    let mut t = synthetic_tenant(30, 20, false);
    t.enterprise_mut().unwrap().events_summary = true;
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.entitlements, full.entitlements, "nobody lost: moderators, panelists and attendees from the details");
    assert_eq!(ids(&c), ids(&full));
    assert!(c.coverage.notes.iter().any(|n| n == "20 event detail(s) read because the events list leaves out their people"));
}

/// A bare array without a count is still paged: a full page means there is more.
#[tokio::test]
async fn events_as_a_bare_array_are_paged_until_a_short_page() {
    let mut t = synthetic_tenant(2, 30, false);
    t.enterprise_mut().unwrap().events_bare_array = true;
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "events_page_size = 4")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(organized(&c).len(), 30);
}

/// Issue 25 item 2: the registration source from `integration.provider`, as the Events guide's
/// registration token carries it (and the older top-level field where that is all there is).
#[tokio::test]
async fn the_registration_source_is_read_from_its_integration() {
    let mut t = synthetic_tenant(3, 1, false);
    t.enterprise_mut().unwrap().events[0]["attendees"] = serde_json::json!([
        {"email": "lead@guest.example", "state": "APPROVED", "integration": {"provider": "marketo", "details": {"identifier": "11223"}}},
        {"email": "old@guest.example", "source": "apiIntegration"}
    ]);
    let sb = start(t).await;
    let c = collect(&app(&sb, "bluejeans_events", "api", "")).await;
    let via = |who: &str| {
        c.entitlements
            .iter()
            .find(|e| e.account_id == who && e.kind == access_audit::model::EntitlementKind::EventRegistration)
            .map(|e| e.value.rsplit(" · ").next().unwrap_or_default().to_string())
    };
    assert_eq!(via("email:lead@guest.example").as_deref(), Some("registered via marketo"));
    assert_eq!(via("email:old@guest.example").as_deref(), Some("registered via apiIntegration"));
}

/// Issue 25 item 3: a user deleted after the user list was read answers 404 for their events
/// (Events) or details (guide flavour): that is churn, not a broken config. The user is left
/// out and named, and the app stays complete.
#[tokio::test]
async fn a_user_deleted_during_the_read_is_left_out_and_named() {
    for (kind, flavor) in [("bluejeans_events", "api"), ("bluejeans", "guide")] {
        let mut t = synthetic_tenant(12, 6, false);
        t.faults.delete_user_after_list = Some("100005".into());
        let sb = start(t).await;
        let c = collect(&app(&sb, kind, flavor, "")).await;
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{kind}: {:?}", c.coverage);
        assert!(!ids(&c).contains("100005"), "{kind}: the deleted user is left out");
        assert_eq!(c.accounts.iter().filter(|a| !a.account_id.starts_with("email:")).count(), 11, "{kind}");
        let notes = c.coverage.notes.join("\n");
        assert!(notes.contains("1 user(s) deleted during collection") && notes.contains("100005"), "{kind}: {notes}");
        assert!(!format!("{:?}", c.coverage).contains("check base_url"), "{kind}: the config is not blamed");
        sb.stop().await;
    }
}
