//! One positive and one negative case per rule of SPEC §6, plus ids, exceptions and ordering.

use super::*;
use crate::config::Config;
use crate::config::{Identity, RosterFormat};
use crate::correlate::{correlate, Override, OverrideAction, Overrides};
use crate::model::{accounts_frame, coverage_frame, credentials_frame, AccountRecord, CoverageRecord, CredentialRecord};
use crate::roster::Roster;
use chrono::NaiveDate;
use chrono::{TimeZone, Utc};
use std::path::Path;

mod sod_rules;

const HR: &str = "email,employee_id,name,status,termination_date\n\
ann@acme.com,E1,Ann,active,\n\
bob@acme.com,E2,Bob,active,2026-12-01\n\
cid@acme.com,E3,Cid,terminated,\n\
lea@acme.com,E4,Lea,leave,\n";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

fn roster() -> Roster {
    let id = Identity {
        source: None,
        path: "hr.csv".into(),
        format: RosterFormat::Generic,
        domain_aliases: Default::default(),
        columns: None,
        status_map: Default::default(),
        date_format: None,
        delimiter: None,
    };
    Roster::from_bytes(HR.as_bytes(), Path::new("hr.csv"), &id, as_of()).unwrap()
}

fn config(extra: &str) -> Config {
    let text = format!(
        "[review]\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\n\
[[apps]]\nname = \"app\"\nkind = \"csv\"\npath = \"a.csv\"\n{extra}\n\
[[apps]]\nname = \"jira\"\nkind = \"jira_service_management\"\nbase_url = \"https://x.atlassian.net\"\nauth = {{ type = \"bearer\", token = {{ env = \"T\" }} }}\n"
    );
    Config::parse(&text, Path::new("c.toml"), &crate::collectors::REGISTRY).unwrap()
}

/// [`config`] with more keys in its `[review]`.
fn config_with_review(review: &str) -> Config {
    let text = format!(
        "[review]\nas_of = \"2026-12-31\"\n{review}\n[identity]\npath = \"hr.csv\"\n\
[[apps]]\nname = \"app\"\nkind = \"csv\"\npath = \"a.csv\"\n"
    );
    Config::parse(&text, Path::new("c.toml"), &crate::collectors::REGISTRY).unwrap()
}

fn ago(days: i64) -> Option<chrono::DateTime<Utc>> {
    Some(Utc.from_utc_datetime(&as_of().and_hms_opt(0, 0, 0).unwrap()) - chrono::Duration::days(days))
}

fn acct(id: &str, email: Option<&str>) -> AccountRecord {
    AccountRecord {
        account_id: id.into(),
        email: email.map(str::to_string),
        status: crate::model::AccountStatus::Active,
        account_type: crate::model::AccountType::Human,
        last_login_at: ago(1),
        created_at: ago(400),
        ..Default::default()
    }
}

fn coverage_status(s: &str) -> crate::model::CoverageStatus {
    crate::model::CoverageStatus::parse(s).unwrap()
}

fn coverage(app: &str, status: &str, login: bool) -> CoverageRecord {
    CoverageRecord {
        app: app.into(),
        app_kind: "csv".into(),
        status: coverage_status(status),
        last_login_known: login,
        ..Default::default()
    }
}

/// The rules' parameters of these tests: as of [`as_of`], the default thresholds, nothing else.
fn base_params() -> RuleParams {
    RuleParams {
        as_of: as_of(),
        dormant_after_days: 90,
        invite_stale_after_days: 14,
        token_warn_days: 30,
        flag_local_logins: false,
        last_login_apps: Vec::new(),
        customer_orphan_apps: Vec::new(),
        max_credential_lifetime_days: Default::default(),
        idp_links: Vec::new(),
        recommend: Default::default(),
    }
}

struct Run {
    findings: Findings,
}

impl Run {
    fn has(&self, category: &str, account: &str) -> Option<String> {
        let df = &self.findings.all;
        let cats = df.column(col_name::CATEGORY).unwrap().str().unwrap();
        let ids = df.column(col_name::ACCOUNT_ID).unwrap().str().unwrap();
        let sev = df.column(col_name::SEVERITY).unwrap().str().unwrap();
        (0..df.height()).find(|i| cats.get(*i) == Some(category) && ids.get(*i) == Some(account)).map(|i| sev.get(i).unwrap().to_string())
    }
    fn count(&self, category: &str) -> usize {
        self.findings.by_category.get(category).map(|d| d.height()).unwrap_or(0)
    }
}

fn run_with(
    accounts: Vec<AccountRecord>,
    cov: Vec<CoverageRecord>,
    creds: Vec<CredentialRecord>,
    cfg: &Config,
    overrides: Overrides,
    exceptions: Exceptions,
) -> Run {
    run_with_entitlements(accounts, Vec::new(), cov, creds, cfg, overrides, exceptions)
}

fn run_with_entitlements(
    accounts: Vec<AccountRecord>,
    entitlements: Vec<crate::model::EntitlementRecord>,
    cov: Vec<CoverageRecord>,
    creds: Vec<CredentialRecord>,
    cfg: &Config,
    overrides: Overrides,
    exceptions: Exceptions,
) -> Run {
    // Accounts belong to the first app of the coverage ("app" unless a test says otherwise).
    let app = cov.first().map(|c| c.app.clone()).unwrap_or_else(|| "app".into());
    let ents = crate::model::entitlements_frame(&[(app.clone(), &entitlements)]).unwrap();
    let df = accounts_frame(&[(app, "csv".into(), &accounts)]).unwrap();
    let r = roster();
    let c = correlate(&df, &r, &Default::default(), &overrides).unwrap();
    let cov_df = coverage_frame(&cov).unwrap();
    let cov = crate::model::coverage_records(&cov_df).unwrap();
    let creds = credentials_frame(&[("jira".into(), &creds)]).unwrap();
    let params = RuleParams {
        flag_local_logins: cfg.review.flag_local_logins,
        last_login_apps: cov.iter().filter(|c| c.last_login_known).map(|c| c.app.clone()).collect(),
        customer_orphan_apps: RuleParams::customer_orphan_apps(cfg),
        max_credential_lifetime_days: cfg
            .apps
            .iter()
            .filter_map(|a| Some((a.name.clone(), crate::collectors::REGISTRY.kind(a.kind)?.max_credential_lifetime_days()?)))
            .collect(),
        recommend: cfg.campaign.as_ref().map(|c| c.recommend.clone()).unwrap_or_default(),
        ..base_params()
    };
    let assignments = idp_assignments(&ents).unwrap();
    let hits = sod::entitlement_hits(&ents, &cfg.sod).unwrap();
    Run {
        findings: evaluate(&c.accounts, &licences(&ents).unwrap(), &assignments, &cov, &creds, cfg, &r, &params, &exceptions, &hits)
            .unwrap(),
    }
}

/// An identity provider `okta` and an app `jira` linked to its application `0oa-jira`: the
/// accounts of both, okta's assignments, and the links as given.
fn run_idp(
    okta: Vec<AccountRecord>,
    jira: Vec<AccountRecord>,
    assignments: &[(&str, &str)],
    links: Vec<IdpRule>,
    overrides: Overrides,
) -> Run {
    use crate::model::{EntitlementKind, EntitlementRecord};
    let ents: Vec<EntitlementRecord> = assignments
        .iter()
        .map(|(account, value)| EntitlementRecord {
            account_id: account.to_string(),
            kind: EntitlementKind::AppAssignment,
            value: value.to_string(),
            privileged: false,
        })
        .collect();
    let ents = crate::model::entitlements_frame(&[("okta".to_string(), &ents)]).unwrap();
    let df = accounts_frame(&[("jira".to_string(), "jira_service_management".into(), &jira), ("okta".to_string(), "okta".into(), &okta)])
        .unwrap();
    let r = roster();
    let c = correlate(&df, &r, &Default::default(), &overrides).unwrap();
    let cov = vec![coverage("okta", "complete", true), coverage("jira", "complete", false)];
    let creds = credentials_frame(&[]).unwrap();
    let params = RuleParams { last_login_apps: vec!["okta".into()], idp_links: links, ..base_params() };
    let assignments = idp_assignments(&ents).unwrap();
    let cfg = config("");
    let hits = sod::entitlement_hits(&ents, &cfg.sod).unwrap();
    let f = evaluate(&c.accounts, &licences(&ents).unwrap(), &assignments, &cov, &creds, &cfg, &r, &params, &Exceptions::default(), &hits)
        .unwrap();
    Run { findings: f }
}

fn link(key: &str) -> IdpRule {
    IdpRule { app: "jira".into(), idp_app: "okta".into(), key: key.into(), describe: key.replace(':', " "), not_claimed: None }
}

#[test]
fn outside_idp_direct_group_missing_disabled_service_and_unlinked() {
    let okta = vec![acct("00u-ann", Some("ann@acme.com")), acct("00u-bob", Some("bob@acme.com")), acct("00u-lea", Some("lea@acme.com"))];
    let mut admin = acct("j-lea", Some("lea@acme.com"));
    admin.is_admin = true;
    let mut disabled = acct("j-bob2", Some("bob@acme.com"));
    disabled.status = crate::model::AccountStatus::Disabled;
    let mut service = acct("j-svc", Some("svc@acme.com"));
    service.account_type = crate::model::AccountType::Service;
    let jira = vec![
        acct("j-ann", Some("ann@acme.com")), // assigned directly
        acct("j-bob", Some("bob@acme.com")), // assigned through a group
        admin,                               // has an okta account, not assigned
        acct("j-cid", Some("cid@acme.com")), // no okta account at all
        disabled,
        service,
        acct("j-nobody", Some("nobody@acme.com")), // no person: orphaned, not outside_idp
    ];
    let assignments = [
        ("00u-ann", "0oa-jira · Jira Service Management · direct"),
        ("00u-bob", "0oa-jira · Jira Service Management · via group Engineering"),
        ("00u-lea", "0oa-other · Other · direct"),
    ];
    let r = run_idp(okta.clone(), jira.clone(), &assignments, vec![link("id:0oa-jira")], Overrides::default());
    assert_eq!(r.has("outside_idp", "j-ann"), None, "assigned directly");
    assert_eq!(r.has("outside_idp", "j-bob"), None, "assigned through a group");
    assert_eq!(r.has("outside_idp", "j-lea").as_deref(), Some("high"), "an admin not assigned");
    assert_eq!(r.has("outside_idp", "j-cid").as_deref(), Some("medium"), "no account in the identity provider");
    assert_eq!(r.has("outside_idp", "j-bob2"), None, "a disabled account holds no access");
    assert_eq!(r.has("outside_idp", "j-svc"), None, "no person");
    assert_eq!(r.has("outside_idp", "j-nobody"), None);
    assert!(r.has("orphaned", "j-nobody").is_some(), "an account without a person stays orphaned");
    assert_eq!(r.count("outside_idp"), 2);
    let d = r.findings.by_category["outside_idp"].column(col_name::DETAIL).unwrap().str().unwrap().get(0).unwrap().to_string();
    assert!(d.contains("okta account 00u-lea is not assigned it") || d.contains("no account in okta"), "{d}");
    // By label (any case), the same.
    let r = run_idp(okta.clone(), jira.clone(), &assignments, vec![link("label:jira service management")], Overrides::default());
    assert_eq!(r.count("outside_idp"), 2);
    // Unlinked: nothing.
    let r = run_idp(okta.clone(), jira.clone(), &assignments, Vec::new(), Overrides::default());
    assert_eq!(r.count("outside_idp"), 0);
    // A declared service account is exempt.
    let declared = Overrides {
        file: "overrides.csv".into(),
        rows: vec![Override {
            app: "jira".into(),
            account_id: "j-cid".into(),
            action: OverrideAction::Service { owner_email: "ann@acme.com".into() },
            reason: "backup job".into(),
            line: 2,
        }],
    };
    let r = run_idp(okta.clone(), jira.clone(), &assignments, vec![link("id:0oa-jira")], declared);
    assert_eq!(r.has("outside_idp", "j-cid"), None);
    // A link to an application nobody is assigned is not relied on: a coverage note, no finding.
    let r = run_idp(okta.clone(), jira.clone(), &assignments, vec![link("id:0oa-typo")], Overrides::default());
    assert_eq!(r.count("outside_idp"), 0);
    assert!(
        r.findings.coverage_notes.iter().any(|(app, n)| app == "jira" && n.contains("no account of okta is assigned")),
        "{:?}",
        r.findings.coverage_notes
    );
    // A link whose record is incomplete: not claimed.
    let mut l = link("id:0oa-jira");
    l.not_claimed = Some("outside_idp not evaluated: assignments not read".into());
    let r = run_idp(okta, jira, &assignments, vec![l], Overrides::default());
    assert_eq!(r.count("outside_idp"), 0);
    assert_eq!(r.findings.coverage_notes.len(), 1);
}

#[test]
fn mfa_missing_admins_high_others_medium_services_listed() {
    let mut admin = acct("00u-ann", Some("ann@acme.com"));
    admin.is_admin = true;
    admin.mfa = Some(false);
    let mut bob = acct("00u-bob", Some("bob@acme.com"));
    bob.mfa = Some(false);
    let mut lea = acct("00u-lea", Some("lea@acme.com"));
    lea.mfa = Some(true);
    let mut svc = acct("00u-svc", Some("svc@acme.com"));
    svc.account_type = crate::model::AccountType::Service;
    svc.mfa = Some(false);
    let mut suspended = acct("00u-cid", Some("cid@acme.com"));
    suspended.status = crate::model::AccountStatus::Suspended;
    suspended.mfa = Some(false);
    let unknown = acct("00u-x", Some("x@acme.com"));
    let r = run_idp(vec![admin, bob, lea, svc, suspended, unknown], Vec::new(), &[], Vec::new(), Overrides::default());
    assert_eq!(r.has("mfa_missing", "00u-ann").as_deref(), Some("high"));
    assert_eq!(r.has("mfa_missing", "00u-bob").as_deref(), Some("medium"));
    assert_eq!(r.has("mfa_missing", "00u-lea"), None, "enrolled");
    assert_eq!(r.has("mfa_missing", "00u-svc").as_deref(), Some("info"), "a service account is listed, not flagged");
    assert_eq!(r.has("mfa_missing", "00u-cid"), None, "not active");
    assert_eq!(r.has("mfa_missing", "00u-x"), None, "unknown is not missing");
}

fn run(accounts: Vec<AccountRecord>) -> Run {
    run_with(accounts, vec![coverage("app", "complete", true)], vec![], &config(""), Overrides::default(), Exceptions::default())
}

#[test]
fn terminated_with_access() {
    let mut admin = acct("c1", Some("cid@acme.com"));
    admin.is_admin = true;
    let mut disabled = acct("c2", Some("CID@acme.com"));
    disabled.status = crate::model::AccountStatus::Disabled;
    let r = run(vec![acct("b1", Some("bob@acme.com")), admin, disabled, acct("a1", Some("ann@acme.com"))]);
    assert_eq!(r.has("terminated_with_access", "b1").as_deref(), Some("high"), "terminated by date");
    assert_eq!(r.has("terminated_with_access", "c1").as_deref(), Some("critical"), "admin");
    assert_eq!(r.has("terminated_with_access", "c2"), None, "disabled account");
    assert_eq!(r.has("terminated_with_access", "a1"), None, "active person");
}

#[test]
fn orphaned() {
    let mut admin = acct("x2", Some("admin@evil.example"));
    admin.is_admin = true;
    let mut customer = acct("x3", Some("cust@client.example"));
    customer.account_type = crate::model::AccountType::Customer;
    let mut deact = acct("x4", Some("gone@else.example"));
    deact.status = crate::model::AccountStatus::Deactivated;
    let r = run(vec![acct("x1", Some("who@else.example")), admin, customer, deact, acct("x5", None), acct("a1", Some("ann@acme.com"))]);
    assert_eq!(r.has("orphaned", "x1").as_deref(), Some("medium"));
    assert_eq!(r.has("orphaned", "x2").as_deref(), Some("high"));
    for negative in ["x3", "x4", "x5", "a1"] {
        assert_eq!(r.has("orphaned", negative), None, "{negative}");
    }
}

#[test]
fn customers_are_orphans_only_where_the_app_says_so() {
    let mut customer = acct("q1", Some("cust@client.example"));
    customer.account_type = crate::model::AccountType::Customer;
    let cov = || vec![coverage("jira", "complete", false)];
    let plain = run_with(vec![customer.clone()], cov(), vec![], &config(""), Overrides::default(), Exceptions::default());
    assert_eq!(plain.has("orphaned", "q1"), None, "customers are external by design");
    let strict = Config::parse(
        "[review]\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"jira\"\nkind = \"jira_service_management\"\nbase_url = \"https://x.atlassian.net\"\nauth = { type = \"bearer\", token = { env = \"T\" } }\ncustomers_in_orphans = true\n",
        Path::new("c.toml"),
        &crate::collectors::REGISTRY,
    )
    .unwrap();
    let r = run_with(vec![customer], cov(), vec![], &strict, Overrides::default(), Exceptions::default());
    assert_eq!(r.has("orphaned", "q1").as_deref(), Some("medium"), "customers_in_orphans = true");
}

#[test]
fn service_account_owner_not_active_is_orphaned_only() {
    let ov = |id: &str, owner: &str| Override {
        app: "app".into(),
        account_id: id.into(),
        action: OverrideAction::Service { owner_email: owner.into() },
        reason: "bot".into(),
        line: 2,
    };
    let overrides =
        Overrides { file: "o.csv".into(), rows: vec![ov("s1", "cid@acme.com"), ov("s2", "ann@acme.com"), ov("s3", "nobody@acme.com")] };
    let r = run_with(
        vec![acct("s1", Some("bot1@acme.com")), acct("s2", Some("bot2@acme.com")), acct("s3", None), acct("a1", Some("ann@acme.com"))],
        vec![coverage("app", "complete", true)],
        vec![],
        &config(""),
        overrides,
        Exceptions::default(),
    );
    assert_eq!(r.has("orphaned", "s1").as_deref(), Some("medium"));
    assert_eq!(r.has("orphaned", "s3").as_deref(), Some("medium"), "owner not in roster");
    assert_eq!(r.has("orphaned", "s2"), None, "active owner");
    assert_eq!(r.has("terminated_with_access", "s1"), None, "no other finding for that reason");
    assert_eq!(r.has("duplicate_account", "s2"), None, "never a duplicate of the owner's own account");
    assert_eq!(r.has("unmatchable", "s3"), None);
}

#[test]
fn admin() {
    let mut a = acct("a1", Some("ann@acme.com"));
    a.is_admin = true;
    a.admin_reason = Some("role Owner".into());
    let mut o = acct("o1", Some("out@else.example"));
    o.is_admin = true;
    let mut d = acct("d1", Some("ann@acme.com"));
    d.is_admin = true;
    d.status = crate::model::AccountStatus::Disabled;
    let r = run(vec![a, o, d, acct("n1", Some("lea@acme.com"))]);
    assert_eq!(r.has("admin", "a1").as_deref(), Some("low"));
    assert_eq!(r.has("admin", "o1").as_deref(), Some("high"), "also orphaned");
    assert_eq!(r.has("admin", "d1"), None, "disabled: no access");
    assert_eq!(r.has("admin", "n1"), None);
}

#[test]
fn invited_inactive() {
    let mut stale = acct("i1", Some("ann@acme.com"));
    stale.status = crate::model::AccountStatus::Invited;
    stale.invited_at = ago(30);
    stale.last_login_at = None;
    let mut fresh = acct("i2", Some("lea@acme.com"));
    fresh.status = crate::model::AccountStatus::Invited;
    fresh.invited_at = ago(3);
    fresh.created_at = ago(300);
    let mut by_created = acct("i3", Some("ann@acme.com"));
    by_created.status = crate::model::AccountStatus::Invited;
    by_created.created_at = ago(20);
    let mut never = acct("i4", Some("lea@acme.com"));
    never.last_login_at = None;
    never.created_at = ago(60);
    let mut new = acct("i5", Some("lea@acme.com"));
    new.last_login_at = None;
    new.created_at = ago(5);
    let r = run(vec![stale, fresh, by_created, never, new]);
    assert_eq!(r.has("invited_inactive", "i1").as_deref(), Some("medium"));
    assert_eq!(r.has("invited_inactive", "i2"), None, "invited_at wins over created_at");
    assert!(r.has("invited_inactive", "i3").is_some(), "created_at when no invited_at");
    assert!(r.has("invited_inactive", "i4").is_some(), "never logged in");
    assert_eq!(r.has("invited_inactive", "i5"), None, "created recently");
}

#[test]
fn never_logged_in_needs_an_app_that_reports_login() {
    let mut never = acct("i4", Some("lea@acme.com"));
    never.last_login_at = None;
    let r =
        run_with(vec![never], vec![coverage("app", "complete", false)], vec![], &config(""), Overrides::default(), Exceptions::default());
    assert_eq!(r.count("invited_inactive"), 0);
}

#[test]
fn dormant() {
    let mut old = acct("d1", Some("ann@acme.com"));
    old.last_login_at = ago(91);
    let mut edge = acct("d2", Some("ann@acme.com"));
    edge.last_login_at = ago(90);
    let mut suspended = acct("d3", Some("ann@acme.com"));
    suspended.last_login_at = ago(200);
    suspended.status = crate::model::AccountStatus::Suspended;
    let r = run(vec![old, edge, suspended]);
    assert_eq!(r.has("dormant", "d1").as_deref(), Some("medium"));
    assert_eq!(r.has("dormant", "d2"), None, "exactly 90 days is not older than 90");
    assert_eq!(r.has("dormant", "d3"), None, "only active accounts");
    let df = &r.findings.by_category["dormant"];
    assert_eq!(df.column("days_since_login").unwrap().i64().unwrap().get(0), Some(91));
}

#[test]
fn dormant_only_where_last_login_is_reported() {
    let mut old = acct("d1", Some("ann@acme.com"));
    old.last_login_at = ago(400);
    let r = run_with(vec![old], vec![coverage("app", "complete", false)], vec![], &config(""), Overrides::default(), Exceptions::default());
    assert_eq!(r.count("dormant"), 0);
}

#[test]
fn duplicate_account() {
    let r = run(vec![acct("p1", Some("ann@acme.com")), acct("p2", Some("Ann@Acme.com")), acct("q1", Some("lea@acme.com"))]);
    assert_eq!(r.has("duplicate_account", "p1").as_deref(), Some("low"));
    assert_eq!(r.has("duplicate_account", "p2").as_deref(), Some("low"), "one row per account");
    assert_eq!(r.has("duplicate_account", "q1"), None);
}

#[test]
fn unmatchable() {
    let mut disabled = acct("u2", None);
    disabled.status = crate::model::AccountStatus::Disabled;
    let r = run(vec![acct("u1", None), disabled, acct("a1", Some("ann@acme.com"))]);
    assert_eq!(r.has("unmatchable", "u1").as_deref(), Some("info"));
    assert_eq!(r.has("unmatchable", "u2"), None);
    assert_eq!(r.has("unmatchable", "a1"), None);
}

#[test]
fn collection_incomplete() {
    let mut partial = coverage("app", "partial", true);
    partial.errors = vec!["page 7 failed".into()];
    let r = run_with(
        vec![],
        vec![partial, coverage("jira", "complete", true)],
        vec![],
        &config(""),
        Overrides::default(),
        Exceptions::default(),
    );
    assert_eq!(r.has("collection_incomplete", "").as_deref(), Some("critical"));
    assert_eq!(r.count("collection_incomplete"), 1);
    let detail = r.findings.all.column(col_name::DETAIL).unwrap().str().unwrap().get(0).unwrap().to_string();
    assert!(detail.contains("page 7 failed"), "{detail}");
}

fn token_run(credential: &str, creds: Vec<CredentialRecord>) -> Run {
    run_with(
        vec![],
        vec![coverage("app", "complete", true), coverage("jira", "complete", true)],
        creds,
        &config(credential),
        Overrides::default(),
        Exceptions::default(),
    )
}

fn token_detail(r: &Run, app: &str) -> String {
    let df = &r.findings.by_category["token_expiry"];
    let apps = df.column(col_name::APP).unwrap().str().unwrap();
    let det = df.column(col_name::DETAIL).unwrap().str().unwrap();
    (0..df.height()).find(|i| apps.get(*i) == Some(app)).map(|i| det.get(i).unwrap().to_string()).unwrap_or_default()
}

fn token_severity(r: &Run, app: &str) -> Option<String> {
    let df = &r.findings.by_category["token_expiry"];
    let apps = df.column(col_name::APP).unwrap().str().unwrap();
    let sev = df.column(col_name::SEVERITY).unwrap().str().unwrap();
    (0..df.height()).find(|i| apps.get(*i) == Some(app)).map(|i| sev.get(i).unwrap().to_string())
}

#[test]
fn token_expiry_from_credential_blocks() {
    let cases = [
        ("credential = { owner = \"ann@acme.com\", expires = \"2026-12-30\" }", Some("critical"), "expired"),
        ("credential = { owner = \"ann@acme.com\", expires = \"2027-01-20\" }", Some("high"), "within the 30-day window"),
        ("credential = { owner = \"cid@acme.com\", expires = \"2028-01-20\" }", Some("high"), "terminated"),
        ("credential = { owner = \"lea@acme.com\", expires = \"2028-01-20\" }", Some("medium"), "on leave"),
        ("credential = { owner = \"zed@acme.com\", expires = \"2028-01-20\" }", Some("medium"), "not in the roster"),
        (
            "credential = { owner = \"ann@acme.com\", created = \"2026-01-01\", expires = \"2027-06-01\", max_lifetime_days = 365 }",
            Some("medium"),
            "exceeds",
        ),
        ("credential = { owner = \"ann@acme.com\" }", Some("low"), "no known expiry"),
        (
            "credential = { owner = \"ann@acme.com\", created = \"2026-06-01\", expires = \"2027-05-01\", max_lifetime_days = 365 }",
            None,
            "",
        ),
    ];
    for (block, severity, words) in cases {
        let r = token_run(block, vec![]);
        assert_eq!(token_severity(&r, "app").as_deref(), severity, "{block}");
        assert!(token_detail(&r, "app").contains(words), "{block}: {}", token_detail(&r, "app"));
    }
}

#[test]
fn token_expiry_for_an_api_app_without_a_block_and_from_observations() {
    let r = token_run("", vec![]);
    assert_eq!(token_severity(&r, "app"), None, "a csv app without a credential block has none");
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("medium"), "unknown expiry + no owner");
    let obs = CredentialRecord {
        credential_id: "app-credential".into(),
        label: "token".into(),
        expires_at: ago(-10),
        source: "api".into(),
        owner: Some("ann@acme.com".into()),
        ..Default::default()
    };
    let r = token_run("", vec![obs]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("high"), "{}", token_detail(&r, "jira"));
}

/// SPEC §6: a credential refused by its issuer when it was checked is expired as of that check,
/// whatever as_of is: a review dated before the run, or after it.
#[test]
fn a_credential_refused_by_its_issuer_is_expired_whatever_the_review_date() {
    for refused_days_ago in [-20, 0, 100] {
        let obs = CredentialRecord {
            credential_id: "event:ev-1:api_key".into(),
            label: "registration key of event 1".into(),
            owner: Some("ann@acme.com".into()),
            source: "api".into(),
            refused_at: ago(refused_days_ago),
            ..Default::default()
        };
        let r = token_run("", vec![obs]);
        let df = &r.findings.by_category["token_expiry"];
        let ids = df.column(col_name::ACCOUNT_ID).unwrap().str().unwrap();
        let i = (0..df.height()).find(|i| ids.get(*i) == Some("event:ev-1:api_key")).expect("a finding for the refused key");
        assert_eq!(
            df.column(col_name::SEVERITY).unwrap().str().unwrap().get(i),
            Some("critical"),
            "refused {refused_days_ago} days before as_of"
        );
        let detail = df.column(col_name::DETAIL).unwrap().str().unwrap().get(i).unwrap().to_string();
        assert!(detail.contains("refused by its issuer") && !detail.contains("no known expiry"), "{detail}");
        assert!(df.column("refused_at").unwrap().str().unwrap().get(i).is_some());
    }
}

/// An Atlassian API token whose creation is known and expiry is not expires at most 365 days
/// after it was created; with only the expiry known, one that ends more than the maximum after
/// the review date is over the maximum lifetime whenever it was created.
#[test]
fn the_maximum_lifetime_applies_when_either_date_is_known() {
    let token = |created: Option<i64>, expires: Option<i64>| CredentialRecord {
        credential_id: "app-credential".into(),
        label: "Atlassian API token of audit-bot".into(),
        owner: Some("ann@acme.com".into()),
        created_at: created.and_then(ago),
        expires_at: expires.and_then(ago),
        max_lifetime_days: Some(365),
        source: "api".into(),
        ..Default::default()
    };
    let r = token_run("", vec![token(Some(380), None)]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("critical"));
    let d = token_detail(&r, "jira");
    assert!(d.contains("expired on 2026-12-16 at the latest") && d.contains("maximum lifetime of 365 days"), "{d}");
    let r = token_run("", vec![token(Some(350), None)]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("high"), "{}", token_detail(&r, "jira"));
    assert!(token_detail(&r, "jira").contains("at the latest"));
    let r = token_run("", vec![token(Some(100), None)]);
    assert_eq!(token_severity(&r, "jira"), None, "{}", token_detail(&r, "jira"));
    let r = token_run("", vec![token(None, Some(-500))]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("medium"));
    assert!(token_detail(&r, "jira").contains("more than the app's maximum lifetime of 365 days"), "{}", token_detail(&r, "jira"));
    let r = token_run("", vec![token(None, Some(-200))]);
    assert_eq!(token_severity(&r, "jira"), None, "{}", token_detail(&r, "jira"));
}

#[test]
fn finding_ids_are_stable_and_distinct() {
    assert_eq!(finding_id("orphaned", "app", "x1"), finding_id("orphaned", "app", "x1"));
    assert_ne!(finding_id("orphaned", "app", "x1"), finding_id("admin", "app", "x1"));
    assert_ne!(finding_id("orphaned", "ap", "px1"), finding_id("orphaned", "app", "x1"));
    let id = finding_id("orphaned", "app", "x1");
    assert!(id.starts_with("AA-") && id.len() == 19 && id[3..].chars().all(|c| c.is_ascii_hexdigit()), "{id}");
}

fn exception(finding_id: &str, account: &str, category: &str, expires: &str) -> crate::findings::Exception {
    crate::findings::Exception {
        finding_id: finding_id.into(),
        app: if finding_id.is_empty() { "app".into() } else { String::new() },
        account_id: account.into(),
        category: category.into(),
        reason: "accepted".into(),
        approved_by: "ciso@acme.com".into(),
        expires: NaiveDate::parse_from_str(expires, "%Y-%m-%d").unwrap(),
        ticket: "RISK-1".into(),
        line: 2,
    }
}

#[test]
fn exceptions_mark_expire_and_warn() {
    let mut admin = acct("x2", Some("admin@evil.example"));
    admin.is_admin = true;
    let by_id = finding_id("orphaned", "app", "x1");
    let exceptions = Exceptions {
        file: "e.csv".into(),
        rows: vec![
            exception(&by_id, "", "", "2027-01-31"),
            exception("", "x2", "admin", "2027-01-31"),
            exception("", "x2", "orphaned", "2026-12-30"),
            exception("", "ghost", "", "2027-01-31"),
        ],
    };
    let r = run_with(
        vec![acct("x1", Some("who@else.example")), admin],
        vec![coverage("app", "complete", true)],
        vec![],
        &config(""),
        Overrides::default(),
        exceptions,
    );
    let df = &r.findings.all;
    let excepted = |cat: &str, id: &str| -> bool {
        let cats = df.column(col_name::CATEGORY).unwrap().str().unwrap();
        let ids = df.column(col_name::ACCOUNT_ID).unwrap().str().unwrap();
        let exc = df.column(col_name::EXCEPTED).unwrap().bool().unwrap();
        (0..df.height()).find(|i| cats.get(*i) == Some(cat) && ids.get(*i) == Some(id)).map(|i| exc.get(i).unwrap()).unwrap()
    };
    assert!(excepted("orphaned", "x1"), "by finding_id");
    assert!(excepted("admin", "x2"), "by app + account + category");
    assert!(!excepted("orphaned", "x2"), "expired exception no longer applies");
    assert_eq!(r.findings.warnings.len(), 2, "{:?}", r.findings.warnings);
    assert!(r.findings.warnings.iter().any(|w| w.contains("expired on 2026-12-30")));
    assert!(r.findings.warnings.iter().any(|w| w.contains("ghost") && w.contains("matches no finding")));
}

#[test]
fn findings_are_sorted_most_severe_first() {
    let mut admin = acct("c1", Some("cid@acme.com"));
    admin.is_admin = true;
    let r = run(vec![acct("u1", None), admin, acct("x1", Some("who@else.example"))]);
    let sev: Vec<usize> =
        r.findings.all.column(col_name::SEVERITY).unwrap().str().unwrap().iter().map(|s| severity_rank(s.unwrap())).collect();
    let mut sorted = sev.clone();
    sorted.sort();
    assert_eq!(sev, sorted);
}

#[test]
fn every_category_has_its_row_in_order() {
    assert_eq!(CATEGORIES.len(), FindingCategory::ALL.len());
    for (i, c) in FindingCategory::ALL.iter().enumerate() {
        assert_eq!(CATEGORIES[i].category, *c, "CATEGORIES[{i}] is the row of {c}");
        assert_eq!(c.info().name(), c.as_str());
        assert_eq!(category(c.as_str()).map(|x| x.category), Some(*c));
    }
    assert!(category("nope").is_none());
}

/// Issue 20 item 1: a leaver's, an orphan's and a dormant account's product licences are named
/// in those findings' detail (an agent seat as such); an unlicensed account's detail is as before.
#[test]
fn licences_of_leavers_orphans_and_dormant_accounts_are_named() {
    use crate::model::{EntitlementKind, EntitlementRecord};
    let licence = |id: &str, key: &str| EntitlementRecord {
        account_id: id.into(),
        kind: EntitlementKind::ProductLicence,
        value: key.into(),
        privileged: false,
    };
    let mut dormant = acct("d1", Some("ann@acme.com"));
    dormant.last_login_at = ago(200);
    let accounts = vec![acct("c1", Some("cid@acme.com")), acct("o1", Some("who@else.example")), dormant, acct("b1", Some("bob@acme.com"))];
    let ents = vec![
        licence("c1", "jira-software"),
        licence("c1", "jira-servicedesk"),
        licence("o1", "jira-software"),
        licence("d1", "jira-servicedesk"),
        EntitlementRecord { account_id: "b1".into(), kind: EntitlementKind::Group, value: "jira-servicedesk".into(), privileged: false },
    ];
    let r = run_with_entitlements(
        accounts,
        ents,
        vec![coverage("app", "complete", true)],
        vec![],
        &config(""),
        Overrides::default(),
        Exceptions::default(),
    );
    let detail = |category: &str, id: &str| {
        let df = &r.findings.all;
        let (cats, ids, details) = (
            df.column(col_name::CATEGORY).unwrap().str().unwrap(),
            df.column(col_name::ACCOUNT_ID).unwrap().str().unwrap(),
            df.column(col_name::DETAIL).unwrap().str().unwrap(),
        );
        (0..df.height())
            .find(|i| cats.get(*i) == Some(category) && ids.get(*i) == Some(id))
            .map(|i| details.get(i).unwrap().to_string())
            .unwrap()
    };
    assert!(
        detail("terminated_with_access", "c1")
            .ends_with("; holds product licence(s): jira-servicedesk, jira-software (jira-servicedesk is an agent seat)"),
        "{}",
        detail("terminated_with_access", "c1")
    );
    assert!(detail("orphaned", "o1").ends_with("; holds product licence(s): jira-software"), "{}", detail("orphaned", "o1"));
    assert!(detail("dormant", "d1").ends_with("(jira-servicedesk is an agent seat)"), "{}", detail("dormant", "d1"));
    assert!(!detail("terminated_with_access", "b1").contains("licence"), "a group is not a licence");
}

/// Issue 20 item 2: a local password beside single sign-on. An active admin signing in locally in
/// an app whose other accounts use SSO is high; a non-admin only with flag_local_logins (medium);
/// never a service account, a disabled one, an unknown source, or an app where nobody uses SSO.
#[test]
fn local_logins_beside_single_sign_on() {
    use crate::model::AuthSource;
    let with = |id: &str, email: &str, source: AuthSource, admin: bool| {
        let mut a = acct(id, Some(email));
        a.auth_source = source;
        a.is_admin = admin;
        a
    };
    let mut service = with("svc", "svc@acme.com", AuthSource::Local, true);
    service.account_type = crate::model::AccountType::Service;
    let mut disabled = with("off", "ann@acme.com", AuthSource::Local, true);
    disabled.status = crate::model::AccountStatus::Disabled;
    let accounts = || {
        vec![
            with("sso1", "ann@acme.com", AuthSource::Sso, false),
            with("adm", "ann@acme.com", AuthSource::Local, true),
            with("usr", "lea@acme.com", AuthSource::Local, false),
            with("unk", "lea@acme.com", AuthSource::Unknown, true),
            service.clone(),
            disabled.clone(),
        ]
    };
    let r = run(accounts());
    assert_eq!(r.has("local_login", "adm").as_deref(), Some("high"));
    for negative in ["usr", "unk", "svc", "off", "sso1"] {
        assert_eq!(r.has("local_login", negative), None, "{negative}");
    }
    let flagged = run_with(
        accounts(),
        vec![coverage("app", "complete", true)],
        vec![],
        &config_with_review("flag_local_logins = true"),
        Overrides::default(),
        Exceptions::default(),
    );
    assert_eq!(flagged.has("local_login", "usr").as_deref(), Some("medium"));
    assert_eq!(flagged.has("local_login", "adm").as_deref(), Some("high"));
    // Nobody in the app signs in centrally: a local password is how the app works.
    let r = run(vec![with("adm", "ann@acme.com", AuthSource::Local, true), with("b", "lea@acme.com", AuthSource::Local, false)]);
    assert_eq!(r.count("local_login"), 0);
}

/// Issue 20 item 3: a collecting credential that may write is broader than an audit needs
/// (medium, with what the API said it may do); a read-only one, or one whose scope the API does
/// not tell, is not.
#[test]
fn a_collecting_credential_with_write_access_is_a_finding() {
    let obs = |write: Option<bool>, scope: &str| CredentialRecord {
        credential_id: "app-credential".into(),
        label: "API account".into(),
        owner: Some("ann@acme.com".into()),
        expires_at: ago(-300),
        source: "api".into(),
        scope: Some(scope.to_string()).filter(|s| !s.is_empty()),
        write_access: write,
        ..Default::default()
    };
    let r = token_run("", vec![obs(Some(true), "perm_configuration=full_access")]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("medium"));
    assert!(
        token_detail(&r, "jira").contains("broader than a read-only audit needs (perm_configuration=full_access)"),
        "{}",
        token_detail(&r, "jira")
    );
    for (write, scope) in [(Some(false), "perm_configuration=read_only"), (None, "")] {
        let r = token_run("", vec![obs(write, scope)]);
        assert_eq!(token_severity(&r, "jira"), None, "{scope}: {}", token_detail(&r, "jira"));
    }
}

/// Issue 25 item 6: write access the vendor offers no read-only level for (BeyondTrust's
/// Configuration API) is a low finding that says so, not the medium "broader than needed".
#[test]
fn write_access_that_cannot_be_narrowed_is_low() {
    let cred = CredentialRecord {
        credential_id: "app-credential".into(),
        label: "API account".into(),
        owner: Some("ann@acme.com".into()),
        expires_at: ago(-300),
        source: "api".into(),
        scope: Some("perm_command=read_only, perm_configuration=1".into()),
        write_access: Some(true),
        write_unavoidable: Some(true),
        ..Default::default()
    };
    let r = token_run("", vec![cred.clone()]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("low"));
    let detail = token_detail(&r, "jira");
    assert!(
        detail.contains("may write (perm_command=read_only, perm_configuration=1), and the vendor offers no read-only permission"),
        "{detail}"
    );
    assert!(!detail.contains("broader than"), "{detail}");
    let r = token_run("", vec![CredentialRecord { write_unavoidable: Some(false), ..cred }]);
    assert_eq!(token_severity(&r, "jira").as_deref(), Some("medium"));
}

impl Run {
    /// An account's recommendation and reason.
    fn recommended(&self, app: &str, account: &str) -> (String, String) {
        let df = &self.findings.recommendations;
        let apps = df.column(col_name::APP).unwrap().str().unwrap();
        let ids = df.column(col_name::ACCOUNT_ID).unwrap().str().unwrap();
        let rec = df.column(RECOMMENDATION).unwrap().str().unwrap();
        let why = df.column(REASON).unwrap().str().unwrap();
        let i = (0..df.height()).find(|i| apps.get(*i) == Some(app) && ids.get(*i) == Some(account)).expect("a row for every account");
        (rec.get(i).unwrap().to_string(), why.get(i).unwrap().to_string())
    }
}

fn recommend_run(accounts: Vec<AccountRecord>, extra: &str, exceptions: Exceptions) -> Run {
    run_with(accounts, vec![coverage("app", "complete", true)], vec![], &config(extra), Overrides::default(), exceptions)
}

/// One account alone (no second account of its person), with `extra` config: its recommendation.
fn recommended_alone(account: AccountRecord, extra: &str) -> (String, String) {
    let id = account.account_id.clone();
    recommend_run(vec![account], extra, Exceptions::default()).recommended("app", &id)
}

#[test]
fn revoke_only_from_facts_each_with_its_reason() {
    let mut invited_long = acct("i1", Some("ann@acme.com"));
    invited_long.status = crate::model::AccountStatus::Invited;
    invited_long.invited_at = ago(40);
    invited_long.last_login_at = None;
    let mut never_used = acct("n1", Some("ann@acme.com"));
    never_used.last_login_at = None;
    never_used.created_at = ago(45);
    let mut dormant = acct("d1", Some("ann@acme.com"));
    dormant.last_login_at = ago(212);
    let last = ago(1).unwrap().format("%Y-%m-%d");
    assert_eq!(
        recommended_alone(acct("t1", Some("cid@acme.com")), ""),
        ("revoke".into(), format!("person terminated (roster status); last sign-in {last}"))
    );
    let orphan = recommended_alone(acct("o1", Some("who@else.example")), "");
    assert_eq!(orphan.0, "revoke");
    assert!(orphan.1.starts_with("no person in the roster matches the account"), "{orphan:?}");
    assert_eq!(recommended_alone(dormant, ""), ("revoke".into(), "no sign-in for 212 days (dormant after 90)".into()));
    let invited_on = ago(40).unwrap().format("%Y-%m-%d");
    assert_eq!(recommended_alone(invited_long, ""), ("revoke".into(), format!("invited {invited_on}, never signed in")));
    let created_on = ago(45).unwrap().format("%Y-%m-%d");
    assert_eq!(recommended_alone(never_used, ""), ("revoke".into(), format!("created {created_on}, never signed in")));
    // Negative: an active person's account in use, nothing found.
    assert_eq!(recommended_alone(acct("a1", Some("ann@acme.com")), ""), ("keep".into(), format!("no open finding; last sign-in {last}")));
    // Two accounts of one person: review, not revoke.
    let r = recommend_run(vec![acct("a1", Some("ann@acme.com")), acct("a2", Some("ann@acme.com"))], "", Exceptions::default());
    assert_eq!(
        r.recommended("app", "a2"),
        ("review".into(), format!("one of several accounts of the person in the app; last sign-in {last}"))
    );
}

#[test]
fn recommendations_made_a_slice_of_accounts_at_a_time_are_the_same() {
    let mut accounts = Vec::new();
    for i in 0..7 {
        let mut a = acct(&format!("x{i}"), Some(["ann@acme.com", "cid@acme.com", "who@else.example", "lea@acme.com"][i % 4]));
        a.is_admin = i % 3 == 0;
        a.last_login_at = if i % 2 == 0 { ago(1) } else { ago(200) };
        accounts.push(a);
    }
    // Lea's one account: in use, nothing found (keep).
    accounts[3].is_admin = false;
    accounts[3].last_login_at = ago(1);
    let whole = recommend_run(accounts.clone(), "", Exceptions::default()).findings.recommendations;
    for rows in [1, 2, 3] {
        super::recommend::TEST_SLICE_ROWS.with(|r| r.set(rows));
        let sliced = recommend_run(accounts.clone(), "", Exceptions::default()).findings.recommendations;
        super::recommend::TEST_SLICE_ROWS.with(|r| r.set(usize::MAX));
        assert!(whole.equals_missing(&sliced), "slices of {rows}:\n{whole}\n{sliced}");
    }
    assert_eq!(whole.height(), 7);
    let recs = whole.column(RECOMMENDATION).unwrap().str().unwrap();
    for r in ["revoke", "review", "keep"] {
        assert!(recs.iter().any(|x| x == Some(r)), "the fixture has a {r}: {whole}");
    }
}

#[test]
fn thresholds_below_which_dormancy_and_invitations_are_for_review() {
    let mut dormant = acct("d1", Some("ann@acme.com"));
    dormant.last_login_at = ago(100);
    let mut invited = acct("i1", Some("lea@acme.com"));
    invited.status = crate::model::AccountStatus::Invited;
    invited.invited_at = ago(20);
    invited.last_login_at = None;
    // Defaults (90 and 30 days): 100 days dormant is revoke; a 20-day invitation is review.
    let r = recommend_run(vec![dormant.clone(), invited.clone()], "", Exceptions::default());
    assert_eq!(r.recommended("app", "d1").0, "revoke");
    let since = ago(20).unwrap().format("%Y-%m-%d");
    assert_eq!(r.recommended("app", "i1"), ("review".into(), format!("invited {since}, never signed in (revoke after 30 days)")));
    // Raised to 120 and lowered to 10: the other way round.
    let r = recommend_run(vec![dormant, invited], "[campaign.recommend]\ndormant_days = 120\ninvited_days = 10", Exceptions::default());
    assert_eq!(r.recommended("app", "d1"), ("review".into(), "no sign-in for 100 days (dormant after 90; revoke after 120)".into()));
    assert_eq!(r.recommended("app", "i1"), ("revoke".into(), format!("invited {since}, never signed in")));
}

#[test]
fn privilege_is_for_review_and_what_holds_no_access_is_kept() {
    let mut admin = acct("a1", Some("ann@acme.com"));
    admin.is_admin = true;
    admin.admin_reason = Some("group Administrators".into());
    let mut disabled_admin = acct("a2", Some("ann@acme.com"));
    disabled_admin.is_admin = true;
    disabled_admin.status = crate::model::AccountStatus::Disabled;
    let mut no_factor = acct("m1", Some("lea@acme.com"));
    no_factor.mfa = Some(false);
    let mut service_no_factor = acct("m2", Some("bot@acme.com"));
    service_no_factor.mfa = Some(false);
    service_no_factor.account_type = crate::model::AccountType::Service;
    let mut terminated_admin = acct("t1", Some("cid@acme.com"));
    terminated_admin.is_admin = true;
    terminated_admin.admin_reason = Some("role Owner".into());
    let r = recommend_run(
        vec![admin, disabled_admin, no_factor, service_no_factor, acct("u1", None), terminated_admin],
        "",
        Exceptions::default(),
    );
    let last = ago(1).unwrap().format("%Y-%m-%d");
    assert_eq!(r.recommended("app", "a1"), ("review".into(), format!("admin (group Administrators); last sign-in {last}")));
    assert_eq!(r.recommended("app", "a2"), ("keep".into(), "disabled: holds no access".into()));
    assert_eq!(r.recommended("app", "m1"), ("review".into(), format!("no second factor enrolled; last sign-in {last}")));
    assert_eq!(r.recommended("app", "m2").0, "keep", "a service account without a factor is listed, not flagged");
    assert_eq!(r.recommended("app", "u1").0, "review");
    assert!(r.recommended("app", "u1").1.starts_with("no email: cannot be matched to a person"));
    // A fact and a privilege: revoke, and the reason says both.
    assert_eq!(
        r.recommended("app", "t1"),
        ("revoke".into(), format!("person terminated (roster status); admin (role Owner); last sign-in {last}"))
    );
}
#[test]
fn an_excepted_finding_counts_for_nothing() {
    let mut admin = acct("a1", Some("ann@acme.com"));
    admin.is_admin = true;
    let exceptions = Exceptions {
        file: "e.csv".into(),
        rows: vec![exception("", "a1", "admin", "2027-01-31"), exception("", "o1", "orphaned", "2027-01-31")],
    };
    let r = recommend_run(vec![admin, acct("o1", Some("who@else.example"))], "", exceptions);
    let last = ago(1).unwrap().format("%Y-%m-%d");
    assert_eq!(r.recommended("app", "a1"), ("keep".into(), format!("no open finding; excepted: admin; last sign-in {last}")));
    assert_eq!(r.recommended("app", "o1").0, "keep");
}

#[test]
fn an_expired_credential_revokes_the_service_account_it_belongs_to_not_a_person() {
    let mut bot = acct("svc-1", Some("Bot@acme.com"));
    bot.account_type = crate::model::AccountType::Service;
    let person = acct("p1", Some("ann@acme.com"));
    let token = |owner: &str, id: &str| CredentialRecord {
        credential_id: id.into(),
        label: "token".into(),
        expires_at: ago(3),
        source: "api".into(),
        owner: Some(owner.into()),
        ..Default::default()
    };
    let r = run_with(
        vec![bot, person],
        vec![coverage("jira", "complete", true)],
        vec![token("bot@acme.com", "t-bot"), token("ann@acme.com", "t-ann")],
        &config(""),
        Overrides::default(),
        Exceptions::default(),
    );
    let expired_on = ago(3).unwrap().format("%Y-%m-%d");
    assert_eq!(r.recommended("jira", "svc-1").0, "revoke", "{:?}", r.recommended("jira", "svc-1"));
    assert!(r.recommended("jira", "svc-1").1.contains(&format!("credential expired on {expired_on}")));
    assert_eq!(r.recommended("jira", "p1").0, "keep", "a person's expired token is revoked as a token: {:?}", r.recommended("jira", "p1"));
}

#[test]
fn a_local_password_an_agent_seat_and_access_outside_the_identity_provider_are_for_review() {
    use crate::model::{AuthSource, EntitlementKind, EntitlementRecord};
    let mut sso = acct("s1", Some("lea@acme.com"));
    sso.auth_source = AuthSource::Sso;
    let mut local_admin = acct("l1", Some("ann@acme.com"));
    local_admin.auth_source = AuthSource::Local;
    local_admin.is_admin = true;
    local_admin.admin_reason = Some("role admin".into());
    let r = run(vec![sso, local_admin]);
    let (rec, why) = r.recommended("app", "l1");
    assert_eq!(rec, "review");
    assert!(why.starts_with("admin (role admin); local password beside single sign-on"), "{why}");
    assert_eq!(r.recommended("app", "s1").0, "keep");

    let licence = |id: &str, key: &str| EntitlementRecord {
        account_id: id.into(),
        kind: EntitlementKind::ProductLicence,
        value: key.into(),
        privileged: false,
    };
    let r = run_with_entitlements(
        vec![acct("agent", Some("ann@acme.com")), acct("user", Some("lea@acme.com"))],
        vec![licence("agent", "jira-servicedesk"), licence("user", "jira-software")],
        vec![coverage("app", "complete", true)],
        vec![],
        &config(""),
        Overrides::default(),
        Exceptions::default(),
    );
    assert!(r.recommended("app", "agent").1.starts_with("holds an agent licence"), "{:?}", r.recommended("app", "agent"));
    assert_eq!(r.recommended("app", "agent").0, "review");
    // Another licence is named only beside something else: alone it is kept.
    assert_eq!(r.recommended("app", "user").0, "keep");

    let okta = vec![acct("00u-ann", Some("ann@acme.com")), acct("00u-lea", Some("lea@acme.com"))];
    let jira = vec![acct("j-ann", Some("ann@acme.com")), acct("j-lea", Some("lea@acme.com"))];
    let assignments = [("00u-ann", "0oa-jira · Jira Service Management · direct")];
    let r = run_idp(okta, jira, &assignments, vec![link("id:0oa-jira")], Overrides::default());
    assert_eq!(r.recommended("jira", "j-lea").0, "review");
    assert!(r.recommended("jira", "j-lea").1.starts_with("not assigned in okta: granted outside the identity provider"));
    assert_eq!(r.recommended("jira", "j-ann").0, "keep", "assigned: {:?}", r.recommended("jira", "j-ann"));
}
