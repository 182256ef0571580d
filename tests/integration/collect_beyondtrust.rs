//! The BeyondTrust collector's three flavours against the sandbox, over loopback and, like an
//! appliance, over TLS with a certificate from a private CA made for the test.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Instant;

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
use access_audit_sandbox::beyondtrust::synthetic_tenant;
use access_audit_sandbox::{Faults, Sandbox, Tenant};

/// A TCP listener that speaks TLS with a certificate signed by a private CA.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            let _ = tcp.set_nodelay(true);
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// The sandbox over TLS; returns it and the PEM of the CA that signed its certificate.
async fn start_tls(t: Tenant) -> (Sandbox, String) {
    let (acceptor, ca_pem) = common::private_ca_tls();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = TlsListener { tcp, acceptor };
    (Sandbox::serve(listener, addr, BTreeMap::from([("bt".to_string(), t)])), ca_pem)
}

async fn start(t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([("bt".to_string(), t)])).await.unwrap()
}

fn dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("aa-bt-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    common::write_atomic(&d.join("secret"), "synthetic-bt-secret");
    d
}

/// An app of one flavour; `base` is the sandbox URL (http or https).
fn app(base: &str, flavor: &str, extra: &str) -> AppConfig {
    let (prefix, auth) = match flavor {
        "config_api" => (
            "beyondtrust-pra",
            "auth = { type = \"oauth2_client_credentials\", client_id = \"synthetic-bt-client\", client_secret = { file = \"secret\" } }",
        ),
        "password_safe" => ("beyondtrust-ps", "auth = { type = \"ps_auth\", key = { file = \"secret\" }, runas = \"audit-runner\" }"),
        _ => (
            "beyondtrust",
            "auth = { type = \"oauth2_client_credentials\", client_id = \"synthetic-bt-client\", client_secret = { file = \"secret\" } }",
        ),
    };
    let suffix = if flavor == "password_safe" { "/BeyondTrust/api/public/v3" } else { "" };
    let rate = if extra.contains("requests_per_second") { "" } else { "requests_per_second = 500\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"bt\"\nkind = \"beyondtrust\"\nflavor = \"{flavor}\"\nbase_url = \"{base}/{prefix}/bt{suffix}\"\n{auth}\n{rate}{extra}"
    );
    Config::parse(&text, &dir().join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

fn http(sb: &Sandbox) -> String {
    format!("http://{}", sb.addr)
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

fn assert_exact(c: &Collection, sb: &Sandbox) {
    let users = sb.users("bt");
    let want: BTreeSet<String> = users.iter().map(|u| u["id"].to_string()).collect();
    let got: BTreeSet<String> = c.accounts.iter().map(|a| a.account_id.clone()).collect();
    assert_eq!(c.accounts.len(), got.len(), "no account twice");
    assert_eq!(got, want, "exactly the tenant's users");
    let admins: BTreeSet<String> = users.iter().filter(|u| u["perm_admin"] == true).map(|u| u["id"].to_string()).collect();
    let got_admins: BTreeSet<String> = c.accounts.iter().filter(|a| a.is_admin).map(|a| a.account_id.clone()).collect();
    assert_eq!(got_admins, admins, "exactly the administrators");
    let disabled: BTreeSet<String> = users.iter().filter(|u| u["enabled"] == false).map(|u| u["id"].to_string()).collect();
    let got_disabled: BTreeSet<String> = c.accounts.iter().filter(|a| a.status == "disabled").map(|a| a.account_id.clone()).collect();
    assert_eq!(got_disabled, disabled);
    assert!(c.accounts.iter().all(|a| a.last_login_at.is_some()) && c.coverage.last_login_known, "last login feeds the dormant rule");
}

#[tokio::test]
async fn public_v3_reads_users_groups_and_admin_groups() {
    let sb = start(synthetic_tenant(450)).await;
    let c = collect(&app(&http(&sb), "public_v3", "page_size = 100")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    let a = c.accounts.iter().find(|a| a.account_id == "5000").unwrap();
    assert_eq!(a.admin_reason.as_deref(), Some("group Administrators"));
    assert_eq!(a.groups, vec!["Administrators", "Support Tier 1", "Vault Users"]);
    assert_eq!(c.coverage.total_reported, Some(450));
    assert!(c.credentials[0].observation.as_deref().unwrap().contains("3600 s"));
}

#[tokio::test]
async fn config_api_follows_link_headers_and_reads_permissions_and_group_policies() {
    let sb = start(synthetic_tenant(250)).await;
    let c = collect(&app(&http(&sb), "config_api", "group_policies = true")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    assert_eq!(
        sb.stats("bt").requests,
        2 * 3 + 1 + 250 + 1,
        "three pages of 100 until the Link header has no next, read twice (numbered pages cannot overlap), the security providers, a group-policy list per user, and the API account's permissions"
    );
    let a = c.accounts.iter().find(|a| a.account_id == "5000").unwrap();
    assert_eq!(a.admin_reason.as_deref(), Some("perm_admin (Administrator); group Administrators"));
    let perms: Vec<&str> =
        c.entitlements.iter().filter(|e| e.account_id == "5000" && e.kind == "permission").map(|e| e.value.as_str()).collect();
    assert!(perms.contains(&"perm_admin") && perms.contains(&"perm_view_support_reports=all"), "{perms:?}");
    assert!(c.entitlements.iter().any(|e| e.kind == "group_policy" && e.value == "Support Tier 1"));
    assert_eq!(c.coverage.total_reported, Some(250), "X-BT-Pagination-Total");
}

#[tokio::test]
async fn config_api_at_its_documented_rate_absorbs_a_server_limit() {
    let mut t = synthetic_tenant(600);
    t.faults = Faults { server_rps: Some(20.0), burst_429: 2, ..Default::default() };
    let sb = start(t).await;
    let started = Instant::now();
    let c = collect(&app(&http(&sb), "config_api", "page_size = 20\nrequests_per_second = 20")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    let st = sb.stats("bt");
    assert!(st.served_429 >= 2, "the burst was served");
    let times = &st.request_times;
    let max_in_a_second = times
        .iter()
        .map(|t| times.iter().filter(|u| **u >= *t && u.duration_since(*t) < std::time::Duration::from_secs(1)).count())
        .max()
        .unwrap();
    assert!(max_in_a_second <= 21, "{max_in_a_second} requests within one second");
    assert!(started.elapsed().as_secs_f64() >= 1.0);
}

#[tokio::test]
async fn password_safe_signs_in_reads_and_signs_out() {
    let sb = start(synthetic_tenant(300)).await;
    let c = collect(&app(&http(&sb), "password_safe", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    let sessions = sb.state.with_tenant("bt", |t| t.sessions.clone()).unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(sessions.values().all(|open| !open), "signed out");
    let a = c.accounts.iter().find(|a| a.account_id == "5025").unwrap();
    assert_eq!(a.admin_reason.as_deref(), Some("group Administrators"));
}

#[tokio::test]
async fn password_safe_signs_in_with_an_oauth_token() {
    let sb = start(synthetic_tenant(120)).await;
    let base = http(&sb);
    let mut a = app(&base, "password_safe", "");
    if let Some(http) = a.http.as_mut() {
        http.auth = access_audit::config::AuthConfig::Oauth2ClientCredentials {
            client_id: "synthetic-bt-client".into(),
            client_secret: access_audit::config::SecretRef::File(dir().join("secret")),
            token_url: None,
            scope: None,
        };
    }
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb);
    let (tokens, sessions) = sb.state.with_tenant("bt", |t| (t.tokens_issued, t.sessions.clone())).unwrap();
    assert_eq!(tokens, 1, "one token from Auth/connect/token");
    assert_eq!(sessions.len(), 1);
    assert!(sessions.values().all(|open| !open), "signed out");
    assert!(c.coverage.notes.iter().any(|n| n.contains("an OAuth client's token")), "{:?}", c.coverage.notes);
    assert!(c.credentials[0].label.contains("OAuth client"));
    assert!(c.credentials[0].observation.as_deref().unwrap().contains("3600 s"));
    // A wrong client secret: the token endpoint refuses, nothing is read, the secret is not shown.
    common::write_atomic(&dir().join("wrong-oauth"), "wrong-ps-oauth-secret-0815");
    if let Some(http) = a.http.as_mut() {
        if let access_audit::config::AuthConfig::Oauth2ClientCredentials { client_secret, .. } = &mut http.auth {
            *client_secret = access_audit::config::SecretRef::File(dir().join("wrong-oauth"));
        }
    }
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED);
    let e = c.coverage.errors.join("\n");
    assert!(e.contains("Auth/connect/token") && !e.contains("wrong-ps-oauth-secret-0815"), "{e}");
}

#[tokio::test]
async fn password_safe_signs_out_after_a_failure() {
    let mut t = synthetic_tenant(50);
    t.faults = Faults { fail_page: Some(0), ..Default::default() };
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "password_safe", "max_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED);
    assert!(c.coverage.errors.iter().any(|e| e.contains("/Users") && e.contains("HTTP 500")), "{:?}", c.coverage.errors);
    let sessions = sb.state.with_tenant("bt", |t| t.sessions.clone()).unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(sessions.values().all(|open| !open), "the session was signed out although the read failed");
    assert!(c.coverage.notes.iter().any(|n| n.contains("signed out")));
}

#[tokio::test]
async fn password_safe_with_a_wrong_key_says_so_without_the_key() {
    let sb = start(synthetic_tenant(5)).await;
    let mut a = app(&http(&sb), "password_safe", "");
    common::write_atomic(&dir().join("wrong"), "wrong-ps-key-4711");
    if let Some(http) = a.http.as_mut() {
        http.auth = access_audit::config::AuthConfig::PsAuth {
            key: access_audit::config::SecretRef::File(dir().join("wrong")),
            runas: "audit-runner".into(),
            password: None,
        };
    }
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED);
    let e = c.coverage.errors.join("\n");
    assert!(e.contains("HTTP 401") && e.contains("API Registrations") && !e.contains("wrong-ps-key-4711"), "{e}");
}

#[tokio::test]
async fn tls_with_a_private_ca_in_every_flavour() {
    for flavor in ["public_v3", "config_api", "password_safe"] {
        let (sb, ca) = start_tls(synthetic_tenant(120)).await;
        let base = format!("https://{}", sb.addr);
        // Without the CA: the certificate error names the option to set.
        let c = collect(&app(&base, flavor, "")).await;
        assert_ne!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}");
        let e = c.coverage.errors.join("\n");
        assert!(e.contains("ca_file"), "{flavor}: {e}");
        // With it: complete.
        common::write_atomic(&dir().join("ca.pem"), &ca);
        let c = collect(&app(&base, flavor, "ca_file = \"ca.pem\"")).await;
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage);
        assert_exact(&c, &sb);
        sb.stop().await;
    }
}

#[tokio::test]
async fn faults_lose_nothing_in_the_paged_flavours() {
    for flavor in ["public_v3", "config_api"] {
        let mut t = synthetic_tenant(1500);
        t.faults = Faults {
            burst_429: 3,
            retry_after: Some("0".into()),
            error_5xx_every: 29,
            truncate_every: 41,
            repeat_row: true,
            ..Default::default()
        };
        let sb = start(t).await;
        let c = collect(&app(&http(&sb), flavor, "max_attempts = 8")).await;
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage.errors);
        assert_exact(&c, &sb);
        assert!(c.coverage.duplicates_dropped > 0 || c.coverage.notes.iter().any(|n| n.contains("read")), "{flavor}");
    }
}

#[tokio::test]
async fn config_api_says_that_an_unknown_query_parameter_is_a_401() {
    let sb = start(synthetic_tenant(3)).await;
    let client = reqwest::Client::new();
    let r = client.get(format!("http://{}/beyondtrust-pra/bt/api/config/v1/user?page=2", sb.addr)).send().await.unwrap();
    assert_eq!(r.status(), 401, "the simulator has the quirk the hint explains");
}

/// `check` asks every endpoint kind a flavour's collection uses, and says what to grant when one
/// is refused.
#[tokio::test]
async fn probes_ask_every_endpoint_the_collection_uses() {
    let sb = start(synthetic_tenant(12)).await;
    for (flavor, extra, want) in [
        (
            "public_v3",
            "",
            vec!["users: ok (GET /api/public/v3/users): the API reports 12 user(s)", "groups: ok (GET /api/public/v3/groups)"],
        ),
        (
            "config_api",
            "group_policies = true",
            vec![
                "users: ok (GET /api/config/v1/user): the API reports 12 user(s)",
                "group policies of a user: ok (GET /api/config/v1/user/",
                "API account permissions: ok (GET /api/command/v2/info): perm_backup=0, perm_command=read_only, perm_configuration=1, perm_reporting=1 (perm_configuration=1 lets the API account use the Configuration API, which writes as well as reads; BeyondTrust offers no read-only Configuration API permission",
            ],
        ),
        (
            "password_safe",
            "",
            vec![
                "sign in: ok (POST /Auth/SignAppin): with the API key",
                "users: ok (GET /Users): 12 user(s)",
                "user groups: ok (GET /UserGroups)",
                "users of a user group: ok (GET /UserGroups/",
                "sign out: ok (POST /Auth/Signout)",
            ],
        ),
    ] {
        let lines: Vec<String> = collectors::probe(&app(&http(&sb), flavor, extra)).await.unwrap().iter().map(|c| c.line()).collect();
        assert_eq!(lines.len(), want.len(), "{flavor}: {lines:#?}");
        for (line, want) in lines.iter().zip(want) {
            assert!(line.starts_with(want), "{flavor}: {line} (wanted {want})");
        }
    }
    let mut t = synthetic_tenant(12);
    t.faults.forbid = vec!["/group-policies".into()];
    let sb = start(t).await;
    let checks = collectors::probe(&app(&http(&sb), "config_api", "group_policies = true")).await.unwrap();
    assert!(checks[0].is_ok());
    let line = checks[1].line();
    assert!(line.contains("NOT ALLOWED") && line.contains("HTTP 403: grant the Configuration API permission"), "{line}");
}

/// The scale case: 10k users per flavour under faults at the documented rate (config_api
/// 20/s). `scripts/bench-beyondtrust.sh`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-beyondtrust.sh"]
async fn scale_10k_users_per_flavour_under_faults() {
    let users: usize = std::env::var("BT_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    for (flavor, rps) in [("public_v3", 10.0), ("config_api", 20.0), ("password_safe", 10.0)] {
        let mut t = synthetic_tenant(users);
        t.faults = Faults {
            burst_429: 3,
            retry_after: Some("1".into()),
            error_5xx_every: 13,
            repeat_row: flavor != "password_safe",
            ..Default::default()
        };
        let sb = start(t).await;
        let started = Instant::now();
        let c = collect(&app(&http(&sb), flavor, &format!("requests_per_second = {rps}\nmax_attempts = 8"))).await;
        let wall = started.elapsed().as_secs_f64();
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage.errors);
        assert_exact(&c, &sb);
        let st = sb.stats("bt");
        println!(
            "beyondtrust {flavor}: {} users, {} requests ({} 429, {} 5xx), {} retries, wall {wall:.2} s at {rps}/s, rate-limit bound {:.2} s",
            c.accounts.len(),
            st.requests,
            st.served_429,
            st.served_5xx,
            c.coverage.retries,
            st.requests as f64 / rps
        );
        let _ = COVERAGE_PARTIAL;
    }
}

/// Issue 20 item 2: how each user signs in, from the security provider it authenticates through
/// (the Configuration API's `type`: local, ldap, saml...); a provider list that cannot be read
/// leaves it unknown and says so, and the users are still complete.
#[tokio::test]
async fn config_api_reads_how_each_user_signs_in() {
    let mut t = synthetic_tenant(6);
    t.appliance_mut().unwrap().security_providers = serde_json::from_value(serde_json::json!([
        {"id": 1, "type": "local", "name": "Local"}, {"id": 2, "type": "saml", "name": "Okta"}, {"id": 3, "type": "ldap", "name": "AD"}
    ]))
    .unwrap();
    for (i, u) in t.users.iter_mut().enumerate() {
        u["security_provider_id"] = serde_json::json!([2, 2, 1, 3, 2, 7][i]);
    }
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "config_api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let sources: Vec<&str> = c.accounts.iter().map(|a| a.auth_source.as_str()).collect();
    assert_eq!(sources, ["sso", "sso", "local", "ldap", "sso", "unknown"], "provider 7 is not listed: nothing is claimed");
    let mut t = synthetic_tenant(3);
    t.faults.forbid = vec!["/security-provider".into()];
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "config_api", "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.accounts.iter().all(|a| a.auth_source.as_str() == "unknown"));
    assert!(c.coverage.notes.iter().any(|n| n.contains("sign-in sources are unknown")), "{:?}", c.coverage.notes);
}

/// Issue 20 item 3 and issue 25 item 6: what the API account may do, from the command API's
/// info in the API guide's shape (`perm_command` a level, the others 1 or 0). A full command
/// API is broader than an audit needs (read_only exists): medium, and `check` fails. The
/// Configuration API, which collecting needs, writes too and has no read-only level: said in a
/// note and a low finding, and `check` passes.
#[tokio::test]
async fn config_api_records_what_the_api_account_may_do() {
    let mut t = synthetic_tenant(3);
    t.appliance_mut().unwrap().api_permissions =
        Some(serde_json::json!({"perm_command": "full_access", "perm_configuration": 1, "perm_backup": 0}));
    let sb = start(t).await;
    let a = app(&http(&sb), "config_api", "");
    let c = collect(&a).await;
    let cred = c.credentials.iter().find(|c| c.credential_id == "app-credential").unwrap();
    assert_eq!(cred.scope.as_deref(), Some("perm_backup=0, perm_command=full_access, perm_configuration=1"));
    assert_eq!((cred.write_access, cred.write_unavoidable), (Some(true), Some(false)));
    let checks = collectors::probe(&a).await.unwrap();
    let line = checks.iter().map(|c| c.line()).find(|l| l.starts_with("API account permissions")).unwrap();
    assert!(line.contains("FAILED") && line.contains("broader than a read-only audit needs"), "{line}");
    // The default appliance: the command API read-only, the Configuration API allowed.
    let sb = start(synthetic_tenant(3)).await;
    let a = app(&http(&sb), "config_api", "");
    let c = collect(&a).await;
    let cred = c.credentials.iter().find(|c| c.credential_id == "app-credential").unwrap();
    assert_eq!((cred.write_access, cred.write_unavoidable), (Some(true), Some(true)));
    assert!(
        c.coverage.notes.iter().any(|n| n.contains("BeyondTrust offers no read-only Configuration API permission")),
        "{:?}",
        c.coverage.notes
    );
    assert!(collectors::probe(&a).await.unwrap().iter().all(|c| c.is_ok()), "check passes: nothing narrower exists");
    // A command API denied, the Configuration API off: reads nothing more than it may.
    let mut t = synthetic_tenant(3);
    t.appliance_mut().unwrap().api_permissions = Some(serde_json::json!({"perm_command": "deny", "perm_configuration": false}));
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "config_api", "")).await;
    let cred = c.credentials.iter().find(|c| c.credential_id == "app-credential").unwrap();
    assert_eq!((cred.scope.as_deref(), cred.write_access), (Some("perm_command=deny, perm_configuration=0"), Some(false)));
}

/// Issue 20 item 2 in the other shapes, against the sandbox: the guide's `public_v3` names the
/// sign-in in `account_type`, Password Safe in `UserType`.
#[tokio::test]
async fn public_v3_and_password_safe_read_how_each_user_signs_in() {
    for (flavor, types, want) in [
        ("public_v3", ["SAML", "local", "LDAP"], ["sso", "local", "ldap"]),
        ("password_safe", ["ActiveDirectory", "BeyondInsight", "LDAP"], ["ldap", "local", "ldap"]),
    ] {
        let mut t = synthetic_tenant(3);
        for (u, ty) in t.users.iter_mut().zip(types) {
            u["user_type"] = serde_json::json!(ty);
        }
        let sb = start(t).await;
        let c = collect(&app(&http(&sb), flavor, "")).await;
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{flavor}: {:?}", c.coverage);
        let got: Vec<&str> = c.accounts.iter().map(|a| a.auth_source.as_str()).collect();
        assert_eq!(got, want, "{flavor}");
    }
}

/// Issue 25 item 1: a user's group policies are a paged list like every other of the
/// Configuration API: a server that serves two per page is followed to the last page.
#[tokio::test]
async fn group_policies_on_more_than_one_page_are_all_read() {
    let mut t = synthetic_tenant(30);
    t.appliance_mut().unwrap().group_policies_per_page = Some(2);
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "config_api", "group_policies = true")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    // User 0 has three policies: Vault Users, Administrators, Support Tier 1 (two pages).
    let policies: BTreeSet<&str> =
        c.entitlements.iter().filter(|e| e.account_id == "5000" && e.kind == "group_policy").map(|e| e.value.as_str()).collect();
    assert_eq!(policies, BTreeSet::from(["Administrators", "Support Tier 1", "Vault Users"]));
    let admin = c.accounts.iter().find(|a| a.account_id == "5000").unwrap();
    assert_eq!(admin.admin_reason.as_deref(), Some("perm_admin (Administrator); group Administrators"), "the second page counts");
}

/// Issue 25 item 3: a user deleted after the list was read answers 404 for their group
/// policies: left out and named, the app complete, the config not blamed.
#[tokio::test]
async fn a_user_deleted_while_group_policies_are_read_is_left_out() {
    let mut t = synthetic_tenant(20);
    t.faults.delete_user_after_list = Some("5007".into());
    let sb = start(t).await;
    let c = collect(&app(&http(&sb), "config_api", "group_policies = true")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_eq!(c.accounts.len(), 19);
    assert!(c.accounts.iter().all(|a| a.account_id != "5007") && c.entitlements.iter().all(|e| e.account_id != "5007"));
    let notes = c.coverage.notes.join("\n");
    assert!(notes.contains("1 user(s) deleted during collection") && notes.contains("5007"), "{notes}");
    assert!(!format!("{:?}", c.coverage).contains("check base_url"));
}
