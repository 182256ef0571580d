//! Every pager kind against a directory that changes while it is read (the sandbox's churn
//! fault: an account already read is deleted, so the next page silently skips a stable one, and
//! accounts are inserted at the front). The promise: every account that existed for the whole
//! run is collected exactly once, or the app is not `complete` and says what changed. Never
//! `complete` with a loss.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use access_audit::collectors;
use access_audit::config::{AppConfig, Config};
use access_audit::http::pager::PAGER_KINDS;
use access_audit::model::{Collection, COVERAGE_COMPLETE};
use access_audit_sandbox::faults::ChurnMode;
use access_audit_sandbox::scim::Quirks;
use access_audit_sandbox::{faults, App, Faults, Sandbox, Tenant};
use serde_json::json;

/// One way of reading a user list: the kind and flavour, the pager it exercises, and the tenant.
#[derive(Clone, Copy, Debug)]
enum Case {
    MessagebirdGuide,
    Bird,
    BluejeansApi,
    BluejeansGuide,
    JsmCloud,
    JsmGuide,
    BeyondtrustV3,
    BeyondtrustConfigApi,
    PasswordSafe,
    Scim(Dialect),
    Okta,
    Entra,
    Google,
}

#[derive(Clone, Copy, Debug)]
enum Dialect {
    Rfc,
    ZeroBased,
    Entra,
    NoTotal,
    PageSizeTotal,
    CappedCount,
}

const SCIM_DIALECTS: [Dialect; 6] =
    [Dialect::Rfc, Dialect::ZeroBased, Dialect::Entra, Dialect::NoTotal, Dialect::PageSizeTotal, Dialect::CappedCount];

impl Case {
    fn all() -> Vec<Case> {
        let mut v = vec![
            Case::MessagebirdGuide,
            Case::Bird,
            Case::BluejeansApi,
            Case::BluejeansGuide,
            Case::JsmCloud,
            Case::JsmGuide,
            Case::BeyondtrustV3,
            Case::BeyondtrustConfigApi,
            Case::PasswordSafe,
        ];
        v.extend(SCIM_DIALECTS.map(Case::Scim));
        v.push(Case::Okta);
        v.push(Case::Entra);
        v.push(Case::Google);
        v
    }

    /// The pager kind the case's user list is read with.
    fn pager(self) -> &'static str {
        match self {
            Case::MessagebirdGuide | Case::BeyondtrustV3 => "offset_limit",
            Case::Bird => "cursor",
            Case::BluejeansApi | Case::BluejeansGuide => "page_number",
            Case::JsmCloud | Case::JsmGuide => "start_at",
            Case::BeyondtrustConfigApi => "link_header",
            Case::PasswordSafe => "single",
            Case::Scim(_) => "start_index",
            Case::Okta => "link_next",
            Case::Entra | Case::Google => "cursor",
        }
    }

    fn tenant(self, users: usize) -> Tenant {
        match self {
            Case::MessagebirdGuide | Case::Bird => {
                let list = (0..users)
                    .map(|i| {
                        json!({"id": format!("u{i:05}"), "email": format!("user{i}@acme.com"), "firstName": "User", "lastName": format!("{i}"),
                               "role": "member", "status": "active", "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z"})
                    })
                    .collect();
                Tenant {
                    organization_id: Some("org-1".into()),
                    users: list,
                    ..Tenant::new(App::new(access_audit_sandbox::messagebird::Workspace::default()), "churn-key")
                }
            }
            Case::BluejeansApi | Case::BluejeansGuide => access_audit_sandbox::bluejeans::synthetic_tenant(users, 0, false),
            Case::JsmCloud | Case::JsmGuide => access_audit_sandbox::atlassian::synthetic_tenant(users, 3, 1),
            Case::BeyondtrustV3 | Case::BeyondtrustConfigApi | Case::PasswordSafe => {
                access_audit_sandbox::beyondtrust::synthetic_tenant(users)
            }
            Case::Okta => access_audit_sandbox::okta::synthetic_tenant(users, 3, 4),
            Case::Entra => access_audit_sandbox::entra::synthetic_tenant(users, 3, 4),
            Case::Google => access_audit_sandbox::google::synthetic_tenant(
                users,
                &std::fs::read_to_string(crate::collect_okta::keys().join("rsa-public.pem")).unwrap(),
            ),
            Case::Scim(d) => {
                let mut t = access_audit_sandbox::scim::synthetic_tenant(users);
                t.provider_mut().unwrap().scim_quirks = match d {
                    Dialect::Rfc => Quirks::default(),
                    Dialect::ZeroBased => Quirks { zero_based: true, ..Default::default() },
                    Dialect::Entra => Quirks { string_booleans: true, items_per_page_is_count: true, ..Default::default() },
                    Dialect::NoTotal => Quirks { no_total: true, ..Default::default() },
                    Dialect::PageSizeTotal => Quirks { total_is_page_size: true, ..Default::default() },
                    Dialect::CappedCount => Quirks { max_count: Some(40), items_per_page_is_count: true, ..Default::default() },
                };
                t
            }
        }
    }

    /// The app reading tenant "t" of `sb`, with small pages so that the list has many boundaries.
    fn app(self, sb: &Sandbox, dir: &std::path::Path, page_size: u32, extra: &str) -> AppConfig {
        let (secret, client) = sb.state.with_tenant("t", |t| (t.tenant.secret.clone(), t.tenant.oauth_client_id.clone())).unwrap();
        common::write_atomic(&dir.join("secret"), secret);
        let oauth = format!(
            "auth = {{ type = \"oauth2_client_credentials\", client_id = \"{}\", client_secret = {{ file = \"secret\" }} }}",
            client.unwrap_or_default()
        );
        let http = |prefix: &str| format!("base_url = \"{}\"\n", sb.base_url("t", prefix));
        let body = match self {
            Case::MessagebirdGuide | Case::Bird => {
                let flavor = if matches!(self, Case::Bird) { "bird" } else { "messagebird" };
                format!(
                    "kind = \"messagebird\"\nflavor = \"{flavor}\"\norganization_id = \"org-1\"\n{}auth = {{ type = \"access_key\", key = {{ file = \"secret\" }} }}\npage_size = {}\n",
                    http(flavor),
                    page_size.min(100)
                )
            }
            Case::BluejeansApi | Case::BluejeansGuide => {
                let (flavor, prefix) = if matches!(self, Case::BluejeansGuide) { ("guide", "bluejeans-guide") } else { ("api", "bluejeans") };
                format!(
                    "kind = \"bluejeans\"\nflavor = \"{flavor}\"\nenterprise_id = \"28663\"\nuser_details = \"never\"\n{}{oauth}\npage_size = {page_size}\n",
                    http(prefix)
                )
            }
            Case::JsmCloud | Case::JsmGuide => {
                let (flavor, prefix) = if matches!(self, Case::JsmGuide) { ("guide", "atlassian-guide") } else { ("cloud", "atlassian") };
                format!(
                    "kind = \"jira_service_management\"\nflavor = \"{flavor}\"\n{}auth = {{ type = \"basic\", username = \"audit-bot@acme.com\", password = {{ file = \"secret\" }} }}\npage_size = {page_size}\n",
                    http(prefix)
                )
            }
            Case::BeyondtrustV3 => format!("kind = \"beyondtrust\"\nflavor = \"public_v3\"\n{}{oauth}\npage_size = {page_size}\n", http("beyondtrust")),
            Case::BeyondtrustConfigApi => format!(
                "kind = \"beyondtrust\"\nflavor = \"config_api\"\n{}{oauth}\npage_size = {}\n",
                http("beyondtrust-pra"),
                page_size.min(100)
            ),
            Case::PasswordSafe => format!(
                "kind = \"beyondtrust\"\nflavor = \"password_safe\"\nbase_url = \"{}/BeyondTrust/api/public/v3\"\nauth = {{ type = \"ps_auth\", key = {{ file = \"secret\" }}, runas = \"audit-runner\" }}\n",
                sb.base_url("t", "beyondtrust-ps")
            ),
            Case::Scim(_) => format!(
                "kind = \"scim\"\n{}auth = {{ type = \"bearer\", token = {{ file = \"secret\" }} }}\ngroups_path = \"\"\npage_size = {page_size}\n",
                http("scim")
            ),
            Case::Okta => format!("kind = \"okta\"\n{}auth = {{ type = \"ssws\", token = {{ file = \"secret\" }} }}\npage_size = {page_size}\n", http("okta")),
            Case::Google => {
                let base = sb.base_url("t", "google");
                common::write_atomic(&dir.join("sa.json"), crate::collect_google::key_json(&format!("{base}/token"), "rsa-private.pem"));
                format!(
                    "kind = \"google_workspace\"\nbase_url = \"{base}\"\nauth = {{ type = \"google_service_account\", key = {{ file = \"sa.json\" }}, subject = \"user0@acme.com\" }}\npage_size = {page_size}\n"
                )
            }
            Case::Entra => format!(
                "kind = \"entra\"\nbase_url = \"{0}/v1.0\"\nauthority = \"{0}/login\"\ntenant_id = \"contoso.onmicrosoft.com\"\n{oauth}\npage_size = {page_size}\n",
                sb.base_url("t", "entra")
            ),
        };
        let text = format!(
            "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"churny\"\n{body}requests_per_second = 2000\nconcurrency = 4\nmax_attempts = 3\n{extra}"
        );
        Config::parse(&text, &dir.join("config.toml"), &access_audit::collectors::REGISTRY).unwrap().apps.remove(0)
    }
}

fn dir_for(case: Case, label: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("aa-churn-{}-{case:?}-{label}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tenant_ids(sb: &Sandbox) -> BTreeSet<String> {
    sb.users("t").iter().map(faults::user_id).collect()
}

fn ids(c: &Collection) -> BTreeSet<String> {
    c.accounts.iter().map(|a| a.account_id.clone()).collect()
}

struct Outcome {
    collection: Collection,
    lost: BTreeSet<String>,
    churn_log: Vec<String>,
}

/// Collects `case` under `faults` and checks the invariant: no account twice, and every account
/// that existed for the whole run (and that the kind surfaces at all: a run without churn is the
/// baseline) collected, or the app not complete.
async fn run(case: Case, users: usize, page_size: u32, faults: Faults, extra: &str, label: &str) -> Outcome {
    let dir = dir_for(case, label);
    let baseline = {
        let sb = Sandbox::start("127.0.0.1:0", BTreeMap::from([("t".to_string(), case.tenant(users))])).await.unwrap();
        let c = collectors::collect(&case.app(&sb, &dir, page_size, "")).await.unwrap();
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{case:?}: the baseline run is complete: {:?}", c.coverage);
        ids(&c)
    };
    let mut t = case.tenant(users);
    t.faults = faults;
    let sb = Sandbox::start("127.0.0.1:0", BTreeMap::from([("t".to_string(), t)])).await.unwrap();
    let before = tenant_ids(&sb);
    let c = collectors::collect(&case.app(&sb, &dir, page_size, extra)).await.unwrap();
    let after = tenant_ids(&sb);
    let churn_log = sb.state.with_tenant("t", |t| t.churn_log.clone()).unwrap();
    assert!(!churn_log.is_empty(), "{case:?}: the directory did change");
    let got = ids(&c);
    assert_eq!(c.accounts.len(), got.len(), "{case:?}: no account twice");
    let must: BTreeSet<String> = before.intersection(&after).filter(|id| baseline.contains(*id)).cloned().collect();
    let lost: BTreeSet<String> = must.difference(&got).cloned().collect();
    if c.coverage.status == COVERAGE_COMPLETE {
        assert!(
            lost.is_empty(),
            "{case:?} [{label}]: complete, yet {} account(s) that existed for the whole run are missing: {:?}\nchurn: {churn_log:?}\ncoverage: {:?}",
            lost.len(),
            lost.iter().take(5).collect::<Vec<_>>(),
            c.coverage
        );
    } else {
        let said = c.coverage.errors.join(" ");
        assert!(said.contains("kept changing") || said.contains("does not advance"), "{case:?}: says why it is not complete: {said}");
    }
    Outcome { collection: c, lost, churn_log }
}

fn churn(from: u32, changes: u32, mode: ChurnMode) -> Faults {
    Faults { churn_from: Some(from), churn_changes: changes, churn_mode: mode, ..Default::default() }
}

#[test]
fn the_cases_cover_every_pager_kind() {
    let covered: BTreeSet<&str> = Case::all().into_iter().map(Case::pager).collect();
    let all: BTreeSet<&str> = PAGER_KINDS.into_iter().collect();
    assert_eq!(covered, all, "every pager kind has a case here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pager_kind_loses_no_stable_account_while_the_directory_changes() {
    for case in Case::all() {
        // A deletion before the cursor, then an insertion at the front, a page later; and the
        // other way round.
        for (label, mut faults) in [
            ("delete-then-insert", churn(1, 2, ChurnMode::DeleteThenInsert)),
            ("insert-then-delete", churn(2, 2, ChurnMode::InsertThenDelete)),
            ("deletions", churn(1, 3, ChurnMode::Delete)),
            ("insertions", churn(2, 3, ChurnMode::Insert)),
            // The total and the count stay the same: only overlapping pages (or a second read of
            // numbered pages) show the skipped account.
            ("delete-and-append", churn(1, 2, ChurnMode::DeleteAndAppend)),
        ] {
            if case.pager() == "single" {
                // One response holds the whole list: the change comes before it.
                faults.churn_from = Some(0);
            }
            let o = run(case, 230, 20, faults, "", label).await;
            assert!(o.lost.is_empty() || o.collection.coverage.status != COVERAGE_COMPLETE);
            if case.pager() != "cursor" && case.pager() != "single" {
                assert_eq!(
                    o.collection.coverage.status, COVERAGE_COMPLETE,
                    "{case:?} [{label}]: two changes settle well within the pass budget: {:?}\n{:?}",
                    o.collection.coverage, o.churn_log
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_in_every_dialect_and_beyondtrust_config_api_under_longer_churn() {
    let mut cases: Vec<Case> = SCIM_DIALECTS.map(Case::Scim).to_vec();
    cases.push(Case::BeyondtrustConfigApi);
    for case in cases {
        for (label, faults, observable) in [
            ("alternating-burst", churn(1, 4, ChurnMode::DeleteThenInsert), false),
            ("spread", churn(3, 3, ChurnMode::InsertThenDelete), false),
            ("deletions", churn(2, 4, ChurnMode::Delete), false),
            ("insertions", churn(1, 4, ChurnMode::Insert), true),
        ] {
            let o = run(case, 440, 40, faults, "", label).await;
            let cov = &o.collection.coverage;
            assert_eq!(cov.status, COVERAGE_COMPLETE, "{case:?} [{label}]: {cov:?}");
            assert!(o.lost.is_empty());
            if observable {
                // Insertions at the front always show (an id read twice), and the coverage says
                // how the list was read and what appeared.
                assert!(
                    cov.notes.iter().any(|n| n.contains("changed while it was read") && n.contains("churn-")),
                    "{case:?} [{label}]: {:?}",
                    cov.notes
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_six_changes_on_1200_users_at_1000_per_page_converges() {
    for case in [Case::Scim(Dialect::Rfc), Case::Scim(Dialect::NoTotal), Case::JsmCloud] {
        // Six accounts appear at the front, one before each page request: every pass but the last
        // two sees some of them.
        let o = run(case, 1200, 1000, churn(1, 6, ChurnMode::Insert), "", "burst-of-six").await;
        let cov = &o.collection.coverage;
        assert_eq!(cov.status, COVERAGE_COMPLETE, "{case:?}: {cov:?}\n{:?}", o.churn_log);
        let note = cov.notes.iter().find(|n| n.contains("until two passes agreed")).unwrap_or_else(|| panic!("{case:?}: {:?}", cov.notes));
        assert!(note.contains("churn-") && note.contains("appeared meanwhile"), "the changing ids are named: {note}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_pass_budget_runs_out_the_app_is_partial_and_names_what_changed() {
    let o = run(Case::Scim(Dialect::NoTotal), 1200, 1000, churn(1, 6, ChurnMode::Insert), "max_list_passes = 2", "budget").await;
    let cov = &o.collection.coverage;
    assert_eq!(cov.status, access_audit::model::COVERAGE_PARTIAL, "{cov:?}");
    let e = cov.errors.join(" ");
    assert!(e.contains("kept changing over 2 passes") && e.contains("max_list_passes") && e.contains("churn-"), "{e}");
}

/// What a clean collection of each kind notes: facts about the API (what it does not report, how
/// it was signed in) and about the data, never a warning about the collection itself. A spurious
/// warning (a group id "not named" when every id is, a list "read again" that did not change) is
/// a note that is not true.
fn clean_notes(case: Case) -> Vec<&'static str> {
    const SCIM_LOGIN: &str = "SCIM does not report last login: no dormant or never-logged-in findings for this app";
    const OAUTH: &str = "OAuth access tokens live 3600 s; 1 token(s) fetched";
    const BJ_LOGIN: &str =
        "last login is read only with user_details = \"always\" (one request per user): no dormant or never-logged-in findings for this app";
    const JSM_LOGIN: &str = "last login is unknown for this app (Jira's REST API does not report it; set org_id and org_api_key to read it from the organization admin API): no dormant or never-logged-in findings for it";
    const JSM_DESK: &str = "1 account(s) deactivated in Jira are still customers of a service desk (remove them from the desk): qm:0000005d:5ad6d3581db05e2a66fa80b";
    match case {
        Case::MessagebirdGuide | Case::Bird => vec!["the API does not report last login: no dormant or never-logged-in findings for this app"],
        Case::BluejeansApi | Case::BluejeansGuide => vec![
            "enterprise users: numbered pages cannot overlap, so the list was read twice to show that nothing moved between its pages; both reads listed the same accounts",
            BJ_LOGIN,
            OAUTH,
        ],
        Case::JsmCloud => vec![
            JSM_DESK,
            JSM_LOGIN,
            "16 account(s) other than app accounts have no email (hidden by Atlassian profile visibility): they are listed as unmatchable; to match them, configure the organization admin API (org_id + org_api_key), which returns managed accounts' emails, or add action = link rows to the overrides file",
        ],
        Case::JsmGuide => vec![
            "flavor guide: accounts were found by 68 user/search queries (every printable first character of a name or an email, and every other first character found, refined where a prefix reached the 1000-match cap), and cross-checked by id against group members, desk customers and the organization API; a search is not a list: an account that no prefix and no other source finds cannot be seen this way (flavor = \"cloud\" lists every account)",
            JSM_DESK,
            JSM_LOGIN,
            "18 account(s) other than app accounts have no email (hidden by Atlassian profile visibility): they are listed as unmatchable; to match them, configure the organization admin API (org_id + org_api_key), which returns managed accounts' emails, or add action = link rows to the overrides file",
        ],
        Case::BeyondtrustV3 => vec![OAUTH],
        Case::BeyondtrustConfigApi => vec![
            "users: numbered pages cannot overlap, so the list was read twice to show that nothing moved between its pages; both reads listed the same accounts",
            "group policies not read (group_policies = true reads them, one request per user)",
            OAUTH,
            access_audit::collectors::beyondtrust::CONFIGURATION_WRITES,
        ],
        Case::PasswordSafe => vec!["signed in with the API key and signed out at the end"],
        Case::Scim(Dialect::ZeroBased) => vec![
            "users: the server answered startIndex=0 with a resource that startIndex=1 did not return, as a server that takes startIndex as a 0-based offset does (RFC 7644 says 1-based): read from startIndex=0",
            SCIM_LOGIN,
        ],
        Case::Scim(Dialect::PageSizeTotal) => {
            vec!["users: the reported total is only each page's size, not the list's; it is not used as a cross-check", SCIM_LOGIN]
        }
        Case::Scim(_) => vec![SCIM_LOGIN],
        Case::Okta => vec![],
        Case::Entra => vec![OAUTH],
        Case::Google => vec![OAUTH],
    }
}

#[tokio::test]
async fn a_clean_collection_of_every_kind_carries_no_warning_note() {
    for case in Case::all() {
        let dir = dir_for(case, "clean");
        let sb = Sandbox::start("127.0.0.1:0", BTreeMap::from([("t".to_string(), case.tenant(230))])).await.unwrap();
        let c = collectors::collect(&case.app(&sb, &dir, 20, "")).await.unwrap();
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE, "{case:?}");
        assert_eq!(c.coverage.notes, clean_notes(case), "{case:?}");
        assert_eq!(c.coverage.duplicates_dropped, 0, "{case:?}");
    }
}
