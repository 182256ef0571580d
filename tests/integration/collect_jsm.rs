//! The Jira Service Management collector against the sandbox's Atlassian simulator, over
//! loopback: both API shapes, the organization admin API, and the engine's faults. Every test
//! either gets exactly the tenant's accounts and memberships (none lost, none duplicated) or an
//! app that says it is incomplete.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::model::{Collection, COVERAGE_COMPLETE, COVERAGE_FAILED, COVERAGE_PARTIAL};
use access_audit_sandbox::atlassian::synthetic_tenant;
use access_audit_sandbox::{Faults, Sandbox, Tenant};
use serde_json::{json, Value};

const TOKEN: &str = "atl-token-canary-3f9e";
const ORG_KEY: &str = "org-key-canary-77ab";

/// A small site with every case of the issue: hidden emails, an app account, customers on two
/// desks, an admin-group member, a user deactivated in Jira but still a customer, an account
/// hidden from users/search that keeps its slot, and Confluence activity that must not count.
fn acme() -> Tenant {
    let users = json!([
        {"accountId": "u-ann", "accountType": "atlassian", "displayName": "Ann Admin", "email": "ann@acme.com", "active": true,
         "groups": ["jira-administrators", "jira-software-users"], "lastActive": "2026-12-20"},
        {"accountId": "u-hid", "accountType": "atlassian", "displayName": "Hidden Hans", "email": "hans@acme.com", "emailHidden": true,
         "active": true, "groups": ["jira-software-users"], "lastActive": "2026-03-01", "confluenceLastActive": "2026-12-30"},
        {"accountId": "u-ghost", "accountType": "atlassian", "displayName": "Ghost Gil", "email": "gil@acme.com", "invisible": true,
         "active": true, "groups": ["jira-software-users"]},
        {"accountId": "app-bot", "accountType": "app", "displayName": "Automation for Jira", "active": true, "groups": ["atlassian-addons"]},
        {"accountId": "u-left", "accountType": "atlassian", "displayName": "Leo Leaver", "email": "leo@acme.com", "active": false,
         "groups": ["jira-software-users"], "serviceDesks": ["1"]},
        {"accountId": "qm:c1:5ad6", "accountType": "customer", "displayName": "Cora Customer", "email": "cora@client.example", "active": true,
         "serviceDesks": ["1", "2"]},
        {"accountId": "qm:c2:5ad6", "accountType": "customer", "displayName": "Carl Client", "email": "carl@client.example", "active": true,
         "serviceDesks": ["2"]},
        {"accountId": "u-dana", "accountType": "atlassian", "displayName": "Dana Dev", "email": "dana@acme.com", "active": true,
         "groups": ["jira-software-users", "site-admins"], "lastActive": "2026-11-02"},
        {"accountId": "u-eve", "accountType": "atlassian", "displayName": "Eve Ext", "email": "eve@partner.example", "emailHidden": true,
         "managed": false, "active": true, "groups": ["jira-software-users"]}
    ]);
    let site = access_audit_sandbox::atlassian::Site {
        org_api_key: Some(ORG_KEY.into()),
        groups: serde_json::from_value(json!([
            {"name": "jira-administrators", "groupId": "g-admins"}, {"name": "jira-software-users", "groupId": "g-users"},
            {"name": "atlassian-addons", "groupId": "g-addons"}, {"name": "site-admins"}
        ]))
        .unwrap(),
        service_desks: serde_json::from_value(json!([
            {"id": "1", "projectKey": "IT", "projectName": "IT Help"}, {"id": "2", "projectKey": "HR", "projectName": "HR Desk"}
        ]))
        .unwrap(),
        application_roles: Some(
            serde_json::from_value(json!([
                {"key": "jira-servicedesk", "name": "Jira Service Management", "groups": ["jira-administrators", "site-admins"]},
                {"key": "jira-software", "name": "Jira Software", "groups": ["jira-software-users"]}
            ]))
            .unwrap(),
        ),
    };
    Tenant {
        username: Some("audit-bot@acme.com".into()),
        organization_id: Some("org-acme".into()),
        users: serde_json::from_value(users).unwrap(),
        ..Tenant::new(access_audit_sandbox::App::new(site), TOKEN)
    }
}

async fn start(name: &str, t: Tenant) -> Sandbox {
    Sandbox::start("127.0.0.1:0", BTreeMap::from([(name.to_string(), t)])).await.unwrap()
}

/// The app config for a tenant: `flavor` picks the sandbox prefix; `org` adds the admin API.
fn app(sb: &Sandbox, tenant: &str, flavor: &str, org: bool, extra: &str) -> AppConfig {
    let secret = sb.state.with_tenant(tenant, |t| (t.tenant.secret.clone(), t.tenant.site().org_api_key.clone())).unwrap();
    // One directory per set of secrets: tests run in parallel and their tenants' keys differ.
    let keys = format!("{}{}", secret.0, secret.1.as_deref().unwrap_or("")).bytes().map(u64::from).sum::<u64>();
    let dir = std::env::temp_dir().join(format!("aa-jsm-{}-{tenant}-{keys}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::write_atomic(&dir.join("token"), &secret.0);
    common::write_atomic(&dir.join("org-key"), secret.1.unwrap_or_default());
    let prefix = if flavor == "guide" { "atlassian-guide" } else { "atlassian" };
    let org_id = sb.state.with_tenant(tenant, |t| t.tenant.organization_id.clone()).unwrap().unwrap_or_default();
    let org_lines = if org {
        format!(
            "org_id = \"{org_id}\"\norg_api_key = {{ file = \"org-key\" }}\norg_api_url = \"{}\"\n",
            sb.base_url(tenant, "atlassian-admin")
        )
    } else {
        String::new()
    };
    let rate = if extra.contains("requests_per_second") { "" } else { "requests_per_second = 500\nconcurrency = 4\n" };
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"jsm\"\nkind = \"jira_service_management\"\nflavor = \"{flavor}\"\n\
         base_url = \"{}\"\nauth = {{ type = \"basic\", username = \"audit-bot@acme.com\", password = {{ file = \"token\" }} }}\n{org_lines}{rate}{extra}",
        sb.base_url(tenant, prefix)
    );
    Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
}

async fn collect(app: &AppConfig) -> Collection {
    collectors::collect(app).await.unwrap()
}

fn account<'a>(c: &'a Collection, id: &str) -> &'a access_audit::model::AccountRecord {
    c.accounts.iter().find(|a| a.account_id == id).unwrap_or_else(|| panic!("{id} not collected"))
}

fn entitlements(c: &Collection, id: &str, kind: &str) -> Vec<String> {
    c.entitlements.iter().filter(|e| e.account_id == id && e.kind == kind).map(|e| e.value.clone()).collect()
}

fn s<'a>(u: &'a Value, k: &str) -> &'a str {
    u.get(k).and_then(|v| v.as_str()).unwrap_or("")
}

fn list<'a>(u: &'a Value, k: &str) -> Vec<&'a str> {
    u.get(k).and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str()).collect()
}

/// What a complete collection of a tenant holds: every account id, and every (account, group)
/// and (account, desk) pair.
type Pairs = BTreeSet<(String, String)>;

fn expected(users: &[Value]) -> (BTreeSet<String>, Pairs, Pairs) {
    let ids = users.iter().map(|u| s(u, "accountId").to_string()).collect();
    let groups =
        users.iter().flat_map(|u| list(u, "groups").into_iter().map(move |g| (s(u, "accountId").to_string(), g.to_string()))).collect();
    let desks = users
        .iter()
        .flat_map(|u| list(u, "serviceDesks").into_iter().map(move |d| (s(u, "accountId").to_string(), d.to_string())))
        .collect();
    (ids, groups, desks)
}

/// Asserts the collection is exactly the tenant: accounts, group memberships, desk customers.
fn assert_exact(c: &Collection, users: &[Value]) {
    let (ids, groups, desks) = expected(users);
    let got: BTreeSet<String> = c.accounts.iter().map(|a| a.account_id.clone()).collect();
    assert_eq!(c.accounts.len(), got.len(), "no account twice");
    assert_eq!(got, ids, "exactly the tenant's accounts");
    let got_groups: BTreeSet<(String, String)> =
        c.entitlements.iter().filter(|e| e.kind == "group").map(|e| (e.account_id.clone(), e.value.clone())).collect();
    assert_eq!(c.entitlements.iter().filter(|e| e.kind == "group").count(), got_groups.len(), "no membership twice");
    assert_eq!(got_groups, groups, "exactly the tenant's group memberships");
    // Desk entitlements are labelled `KEY (name)`: compare by count per account.
    let got_desks = c.entitlements.iter().filter(|e| e.kind == "service_desk").count();
    assert_eq!(got_desks, desks.len(), "every (customer, desk) pair once");
}

#[tokio::test]
async fn cloud_flavour_maps_every_kind_of_account() {
    let sb = start("acme", acme()).await;
    // Page size 3: the ghost's slot makes the first page short, and the list goes on past it.
    let c = collect(&app(&sb, "acme", "cloud", false, "page_size = 3\nadmin_groups = [\"jira-administrators\", \"site-admins\"]")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let ann = account(&c, "u-ann");
    assert_eq!((ann.account_type.as_str(), ann.email.as_deref(), ann.is_admin), ("human", Some("ann@acme.com"), true));
    assert_eq!(ann.admin_reason.as_deref(), Some("group jira-administrators"));
    assert_eq!(ann.groups, vec!["jira-administrators", "jira-software-users"]);
    let dana = account(&c, "u-dana");
    assert_eq!(dana.admin_reason.as_deref(), Some("group site-admins"), "a group without a groupId is read by name");
    let hidden = account(&c, "u-hid");
    assert_eq!(hidden.email, None, "the email is hidden: the account is unmatchable, never an orphan");
    assert_eq!(account(&c, "app-bot").account_type, "service");
    let cora = account(&c, "qm:c1:5ad6");
    assert_eq!(cora.account_type, "customer");
    assert_eq!(entitlements(&c, "qm:c1:5ad6", "service_desk"), vec!["HR (HR Desk)", "IT (IT Help)"], "a customer of two desks");
    let leo = account(&c, "u-left");
    assert_eq!(leo.status, "deactivated");
    assert_eq!(entitlements(&c, "u-left", "service_desk"), vec!["IT (IT Help)"], "deactivated in Jira, still a customer");
    let notes = c.coverage.notes.join("\n");
    assert!(notes.contains("deactivated in Jira are still customers of a service desk") && notes.contains("u-left"), "{notes}");
    assert!(notes.contains("found only as group members"), "the ghost came through its group: {notes}");
    assert!(notes.contains("2 account(s) other than app accounts have no email") && notes.contains("org_id + org_api_key"), "{notes}");
    assert!(notes.contains("last login is unknown for this app"), "{notes}");
    assert!(!c.coverage.last_login_known);
    assert_exact(&c, &sb.users("acme"));
    let privileged: Vec<&str> = c.entitlements.iter().filter(|e| e.privileged).map(|e| e.value.as_str()).collect();
    assert_eq!(privileged, vec!["jira-administrators", "site-admins"]);
    assert_eq!(c.credentials.len(), 1);
    assert_eq!(c.credentials[0].max_lifetime_days, Some(365));
    assert!(c.credentials[0].label.contains("audit-bot@acme.com"));
}

#[tokio::test]
async fn the_org_admin_api_fills_hidden_emails_and_jira_activity() {
    let sb = start("acme", acme()).await;
    let c = collect(&app(&sb, "acme", "cloud", true, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.coverage.last_login_known);
    let hans = account(&c, "u-hid");
    assert_eq!(hans.email.as_deref(), Some("hans@acme.com"), "filled from the organization API");
    assert_eq!(
        hans.last_login_at.map(|d| d.date_naive().to_string()).as_deref(),
        Some("2026-03-01"),
        "Jira activity, not the later Confluence activity"
    );
    assert_eq!(account(&c, "u-eve").email, None, "not managed by the organization: still hidden");
    assert_eq!(entitlements(&c, "u-ann", "product"), vec!["jira-servicedesk"]);
    let notes = c.coverage.notes.join("\n");
    assert!(notes.contains("1 hidden email(s) filled") && notes.contains("1 account(s) other than app accounts have no email"), "{notes}");
    let org = c.credentials.iter().find(|c| c.credential_id == "org-api-key").expect("the org key is a credential");
    assert_eq!(org.max_lifetime_days, Some(365));
    // Admin groups default to Atlassian's when the config names none.
    assert_eq!(account(&c, "u-dana").admin_reason.as_deref(), Some("group site-admins"));
    let requests = sb.stats("acme").requests;
    assert_eq!(c.coverage.requests as u64, requests, "the org API's requests are counted with the site's");
}

#[tokio::test]
async fn the_org_admin_api_v2_adds_join_dates_and_names_the_site_by_its_cloud_id() {
    let mut t = acme();
    for u in t.users.iter_mut() {
        match s(u, "accountId") {
            "u-dana" => u["addedToOrg"] = json!("2025-01-10T08:00:00.000Z"),
            "u-ghost" => u["addedToOrg"] = json!("2026-01-05T08:00:00.000Z"),
            "u-ann" => u["otherSiteLastActive"] = json!("2026-12-28"),
            _ => {}
        }
    }
    let sb = start("acme", t).await;
    let site = access_audit_sandbox::atlassian::cloud_id("acme");
    let c = collect(&app(&sb, "acme", "cloud", true, &format!("org_api_version = \"v2\"\nsite_id = \"{site}\"\n"))).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.coverage.last_login_known);
    let hans = account(&c, "u-hid");
    assert_eq!(hans.email.as_deref(), Some("hans@acme.com"), "filled from the organization API");
    assert_eq!(hans.last_login_at.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-03-01"), "Jira, not Confluence");
    let ann = account(&c, "u-ann");
    assert_eq!(ann.last_login_at.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-20"), "this site only");
    assert_eq!(entitlements(&c, "u-ann", "product"), vec!["jira-servicedesk"]);
    assert_eq!(account(&c, "u-dana").created_at.map(|d| d.date_naive().to_string()).as_deref(), Some("2025-01-10"));
    let ghost = account(&c, "u-ghost");
    assert_eq!(
        (ghost.created_at.map(|d| d.date_naive().to_string()).as_deref(), ghost.last_login_at),
        (Some("2026-01-05"), None),
        "joined, never used Jira: the never-logged-in half of invited_inactive can fire"
    );
    let notes = c.coverage.notes.join("\n");
    assert!(notes.contains("2 account(s) have the date they joined the organization"), "{notes}");
    // Without site_id, activity on every Jira site of the organization counts, and the note says so.
    let c = collect(&app(&sb, "acme", "cloud", true, "org_api_version = \"v2\"\n")).await;
    assert_eq!(account(&c, "u-ann").last_login_at.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-28"));
    assert!(c.coverage.notes.iter().any(|n| n.contains("site_id is not set")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn the_org_admin_api_v2_pages_by_cursor_keeping_its_parameters() {
    let sb = start("big", synthetic_tenant(600, 4, 2)).await;
    let c = collect(&app(&sb, "big", "cloud", true, "org_api_version = \"v2\"\n")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    let users = sb.users("big");
    let hidden: Vec<&Value> = users.iter().filter(|u| u["emailHidden"] == true).collect();
    assert!(!hidden.is_empty());
    for u in hidden {
        assert_eq!(account(&c, s(u, "accountId")).email.as_deref(), Some(s(u, "email")), "hidden email filled on every page");
    }
    let managed = users.iter().filter(|u| s(u, "accountType") == "atlassian").count();
    let with_login = c.accounts.iter().filter(|a| a.last_login_at.is_some()).count();
    assert_eq!(with_login, managed, "productAccess (expand) on every page, not only the first");
    let notes = c.coverage.notes.join("\n");
    assert!(notes.contains(&format!("{managed} managed account(s) read")), "{notes}");
}

#[tokio::test]
async fn guide_flavour_finds_the_same_accounts_through_search() {
    let sb = start("acme", acme()).await;
    let c = collect(&app(&sb, "acme", "guide", false, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb.users("acme"));
    // The guide's user objects have no accountType: desk customers are known as customers from
    // their desks, the others stay unknown (and so can be orphaned).
    assert_eq!(account(&c, "qm:c2:5ad6").account_type, "customer");
    assert_eq!(account(&c, "u-ann").account_type, "human", "group member objects carry accountType");
    assert!(c.coverage.notes.iter().any(|n| n.contains("flavor guide")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn guide_sweep_refines_prefixes_past_the_search_cap() {
    // 2500 accounts whose names all start with J: "j" alone matches more than 1000.
    let mut t = synthetic_tenant(2500, 5, 2);
    for (i, u) in t.users.iter_mut().enumerate() {
        let name = format!("J{} Person{i}", ["ade", "ake", "ine", "orge", "ules", "ett", "ax", "immy", "oy", "ia"][i % 10]);
        u["displayName"] = json!(name);
        u["email"] = json!(format!("j{i}@acme.com"));
    }
    let sb = start("big", t).await;
    let c = collect(&app(&sb, "big", "guide", false, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    assert_exact(&c, &sb.users("big"));
}

/// A search is not a list: app accounts without an email whose names begin with `<`, `=` or a
/// letter outside ASCII are found by the widened sweep; one that no prefix finds but a group
/// lists is caught by the cross-check, included, and the app is partial with the method's limit.
#[tokio::test]
async fn the_guide_sweep_finds_every_first_character_and_a_miss_makes_the_app_partial() {
    let mut t = synthetic_tenant(300, 4, 2);
    for (i, name) in ["<Deploy Bot>", "=cmd Runner", "Ørsted Sync", "[ci] Builder", "~backup", "\"quoted\" bot"].iter().enumerate() {
        t.users.push(json!({"accountId": format!("app-odd-{i}"), "accountType": "app", "displayName": name, "active": true}));
    }
    // An accented first letter that another account's name starts with: found once "ø" is seen.
    t.users.push(json!({"accountId": "u-oyvind", "accountType": "atlassian", "displayName": "Øyvind Berg", "email": "oyvind@acme.com", "active": true}));
    let sb = start("odd", t.clone()).await;
    let c = collect(&app(&sb, "odd", "guide", false, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert_exact(&c, &sb.users("odd"));
    // A name starting with a character no prefix asks and no found name starts with; it is a
    // member of a group, so the cross-check finds what the sweep missed.
    t.users.push(json!({"accountId": "app-snowman", "accountType": "app", "displayName": "\u{2603}SnowSync", "active": true,
                        "groups": ["jira-software-users"]}));
    let sb = start("odd", t).await;
    let c = collect(&app(&sb, "odd", "guide", false, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "{:?}", c.coverage);
    assert!(c.accounts.iter().any(|a| a.account_id == "app-snowman"), "the missed account is included");
    let e = c.coverage.errors.join(" ");
    assert!(e.contains("sweep missed 1 account(s)") && e.contains("app-snowman") && e.contains("not a complete list"), "{e}");
    // The cloud flavour lists every account: nothing to cross-check, complete.
    let c = collect(&app(&sb, "odd", "cloud", false, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
}

/// Every fault of the engine at once on a mid-sized tenant: the result is still exact.
#[tokio::test]
async fn faults_lose_nothing_and_duplicate_nothing() {
    let mut t = synthetic_tenant(3000, 30, 5);
    t.faults = Faults {
        burst_429: 4,
        retry_after: Some("0".into()),
        error_5xx_every: 23,
        truncate_every: 41,
        repeat_row: true,
        ..Default::default()
    };
    let sb = start("big", t).await;
    let c = collect(&app(&sb, "big", "cloud", true, "page_size = 200\nmax_attempts = 8")).await;
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    assert_exact(&c, &sb.users("big"));
    assert!(c.coverage.throttled >= 4 && c.coverage.retries > 4, "{:?}", c.coverage);
    assert!(c.coverage.duplicates_dropped > 0, "repeated rows were dropped and counted");
    let admins = c.accounts.iter().filter(|a| a.is_admin).count();
    let expected_admins = sb.users("big").iter().filter(|u| list(u, "groups").contains(&"jira-administrators")).count();
    assert_eq!(admins, expected_admins);
    assert!(c.coverage.last_login_known);
}

#[tokio::test]
async fn users_added_between_pages_are_caught_by_a_re_read() {
    let mut t = synthetic_tenant(1200, 4, 1);
    t.faults = Faults { mutate_after_page: Some(1), add_users: 3, ..Default::default() };
    let sb = start("big", t).await;
    let c = collect(&app(&sb, "big", "cloud", false, "page_size = 100\ncustomers = false")).await;
    let got: BTreeSet<String> = c.accounts.iter().map(|a| a.account_id.clone()).collect();
    let now: BTreeSet<String> = sb.users("big").iter().map(|u| s(u, "accountId").to_string()).collect();
    assert!(now.is_subset(&got), "every account present at the end was collected");
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage);
    assert!(c.coverage.notes.iter().any(|n| n.contains("the list changed while it was read")), "{:?}", c.coverage.notes);
}

#[tokio::test]
async fn a_users_page_that_always_fails_makes_the_app_partial() {
    let mut t = synthetic_tenant(600, 4, 1);
    t.faults = Faults { fail_page: Some(2), ..Default::default() };
    let sb = start("big", t).await;
    let c = collect(&app(&sb, "big", "cloud", false, "page_size = 100\nmax_attempts = 2")).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL);
    assert!(c.coverage.errors.iter().any(|e| e.contains("/rest/api/3/users/search") && e.contains("HTTP 500")), "{:?}", c.coverage.errors);
    assert!(c.accounts.len() >= 500, "the other pages are kept: {}", c.accounts.len());
}

#[tokio::test]
async fn an_expired_api_token_fails_the_app_and_says_why_without_the_secret() {
    let mut t = acme();
    t.faults.credential_expired = true;
    let sb = start("acme", t).await;
    let c = collect(&app(&sb, "acme", "cloud", true, "")).await;
    assert_eq!(c.coverage.status, COVERAGE_FAILED);
    let e = c.coverage.errors.join("\n");
    assert!(e.contains("HTTP 401") && e.contains("Atlassian API tokens expire at most a year"), "{e}");
    assert!(!e.contains(TOKEN) && !e.contains(ORG_KEY), "{e}");
    assert!(!format!("{:?}", c.coverage).contains(TOKEN));
}

#[tokio::test]
async fn a_wrong_org_key_keeps_the_accounts_but_not_last_login() {
    let mut t = acme();
    t.site_mut().unwrap().org_api_key = Some("another-key".into());
    let sb = start("acme", t.clone()).await;
    let mut a = app(&sb, "acme", "cloud", true, "");
    let dir = std::env::temp_dir().join(format!("aa-jsm-{}-wrong-org-key", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::write_atomic(&dir.join("org-key-wrong"), ORG_KEY);
    if let Some(options) = a.options.get_mut::<access_audit::collectors::jsm::JsmOptions>() {
        options.org_api_key = Some(access_audit::config::SecretRef::File(dir.join("org-key-wrong")));
    }
    let c = collect(&a).await;
    assert_eq!(c.coverage.status, COVERAGE_PARTIAL, "configured data could not be read");
    assert!(!c.coverage.last_login_known, "no dormant findings on guesswork");
    assert_eq!(c.accounts.len(), t.users.len());
    let e = c.coverage.errors.join("\n");
    assert!(e.contains("(organization API)") && e.contains("HTTP 401") && !e.contains(ORG_KEY), "{e}");
}

/// `check` makes one request to every endpoint kind the collection uses, and names the
/// permission to grant where one is refused, or the desk that is not there.
#[tokio::test]
async fn probe_asks_every_endpoint_kind_once() {
    let sb = start("acme", acme()).await;
    let checks = collectors::probe(&app(&sb, "acme", "cloud", true, "")).await.unwrap();
    let lines: Vec<String> = checks.iter().map(|c| c.line()).collect();
    let want = [
        "users: ok (GET /rest/api/3/users/search)",
        "groups: ok (GET /rest/api/3/group/bulk)",
        "members of group ",
        "product licences (application roles): ok (GET /rest/api/3/applicationrole)",
        "service desks: ok (GET /rest/servicedeskapi/servicedesk)",
        "customers of service desk ",
        "organization accounts: ok (GET /admin/v1/orgs/",
    ];
    assert_eq!(lines.len(), want.len(), "{lines:#?}");
    for (line, want) in lines.iter().zip(want) {
        assert!(line.starts_with(want), "{line} (wanted {want})");
    }
    assert!(checks.iter().all(|c| c.is_ok()), "{lines:#?}");
    assert!(lines[3].ends_with("2 application role(s)") && lines[6].ends_with("5 managed account(s)"), "{lines:#?}");
    assert_eq!(sb.stats("acme").requests, 7, "one request per endpoint kind");
    // A token without "Administer Jira" cannot list group members; a desk that is not there.
    let mut t = acme();
    t.faults.forbid = vec!["/group/member".into()];
    let sb = start("acme", t).await;
    let checks = collectors::probe(&app(&sb, "acme", "cloud", false, "service_desk_ids = [\"NOPE\"]")).await.unwrap();
    let lines: Vec<String> = checks.iter().map(|c| c.line()).collect();
    assert!(lines[2].contains("NOT ALLOWED") && lines[2].contains("\"Administer Jira\""), "{lines:#?}");
    assert!(lines[5].contains("NOT FOUND") && lines[5].contains("HTTP 404"), "{lines:#?}");
    assert_eq!(checks.iter().filter(|c| !c.is_ok()).count(), 2, "{lines:#?}");
}

/// The scale case: 50k accounts, 200 groups, 5 desks, under faults, with the organization
/// API. Run with `scripts/bench-jsm.sh` (release build); prints the figures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-jsm.sh"]
async fn scale_50k_accounts_200_groups_5_desks_under_faults() {
    let users: usize = std::env::var("JSM_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let rps: f64 = std::env::var("JSM_BENCH_RPS").ok().and_then(|v| v.parse().ok()).unwrap_or(200.0);
    let faults = std::env::var("JSM_BENCH_FAULTS").map(|v| v != "0").unwrap_or(true);
    let mut t = synthetic_tenant(users, 200, 5);
    if faults {
        t.faults = Faults { burst_429: 5, retry_after: Some("1".into()), error_5xx_every: 97, repeat_row: true, ..Default::default() };
    }
    let sb = start("scale", t).await;
    let org = std::env::var("JSM_BENCH_ORG").map(|v| v != "0").unwrap_or(true);
    let a = app(&sb, "scale", "cloud", org, &format!("requests_per_second = {rps}\nconcurrency = 8\nmax_attempts = 8"));
    let started = Instant::now();
    let c = collect(&a).await;
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{:?}", c.coverage.errors);
    assert_exact(&c, &sb.users("scale"));
    let st = sb.stats("scale");
    if std::env::var("JSM_BENCH_HIST").is_ok() {
        let t0 = st.request_times[0];
        let mut hist = vec![0u32; 80];
        for t in &st.request_times {
            let i = (t.duration_since(t0).as_secs() as usize).min(79);
            hist[i] += 1;
        }
        println!("requests per second: {hist:?}");
    }
    let bound = st.requests as f64 / rps;
    println!(
        "jsm scale (faults {}): {} accounts, {} group memberships, {} desk customers, {} requests ({} 429, {} 5xx), {} retries, wall {wall:.2} s, rate-limit bound {bound:.2} s ({:.2}x)",
        if faults { "on" } else { "off" },
        c.accounts.len(),
        c.entitlements.iter().filter(|e| e.kind == "group").count(),
        c.entitlements.iter().filter(|e| e.kind == "service_desk").count(),
        st.requests,
        st.served_429,
        st.served_5xx,
        c.coverage.retries,
        wall / bound
    );
}

/// Issue 20 item 1: licences from the application roles and the groups that grant them, in both
/// flavours; a customer in a licensed group is never a licensed agent, a deactivated account
/// holds no seat; without the permission to
/// read the roles, licences are unknown and said so, and the accounts are still complete.
#[tokio::test]
async fn product_licences_come_from_application_roles_and_their_groups() {
    let mut t = acme();
    // A customer who somehow sits in the agents' group.
    t.users[5]["groups"] = json!(["site-admins"]);
    let sb = start("lic", t).await;
    for flavor in ["cloud", "guide"] {
        let c = collect(&app(&sb, "lic", flavor, false, "")).await;
        let licences: BTreeSet<(String, String)> = c
            .entitlements
            .iter()
            .filter(|e| e.kind == access_audit::model::EntitlementKind::ProductLicence)
            .map(|e| (e.account_id.clone(), e.value.clone()))
            .collect();
        let want: BTreeSet<(String, String)> = [
            ("u-ann", "jira-servicedesk"),
            ("u-ann", "jira-software"),
            ("u-dana", "jira-servicedesk"),
            ("u-dana", "jira-software"),
            ("u-eve", "jira-software"),
            ("u-ghost", "jira-software"),
            ("u-hid", "jira-software"),
        ]
        .iter()
        .map(|(a, k)| (a.to_string(), k.to_string()))
        .collect();
        assert_eq!(licences, want, "{flavor}");
        assert!(!c.coverage.notes.iter().any(|n| n.contains("licence")), "{flavor}: nothing to say when licences are read");
    }
    // An API user who is no Jira administrator: 403, licences unknown, the accounts still complete.
    sb.state.with_tenant("lic", |t| t.tenant.site_mut().unwrap().application_roles = None);
    let c = collect(&app(&sb, "lic", "cloud", false, "")).await;
    assert!(c.entitlements.iter().all(|e| e.kind != access_audit::model::EntitlementKind::ProductLicence));
    assert!(c.coverage.notes.iter().any(|n| n.contains("product licences are unknown") && n.contains("403")), "{:?}", c.coverage.notes);
    assert_eq!(c.coverage.status, COVERAGE_COMPLETE);
    sb.stop().await;
}
