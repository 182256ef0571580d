//! Separation of duties: any/all on both sides, globs, the admin matcher, disabled accounts, an
//! app not collected completely, exceptions, and the rules' config errors.

use super::*;
use crate::model::{EntitlementKind, EntitlementRecord};

const APPS: [&str; 3] = ["erp", "crm", "git"];

fn sod_config(rules: &str) -> Result<Config, crate::config::ConfigError> {
    let mut text = "[review]\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\n".to_string();
    for app in APPS {
        text.push_str(&format!("[[apps]]\nname = \"{app}\"\nkind = \"csv\"\npath = \"{app}.csv\"\n"));
    }
    text.push_str(rules);
    Config::parse(&text, Path::new("c.toml"), &crate::collectors::REGISTRY)
}

/// An account of a person of the roster (`ann`, `bob`, ...), active.
fn person_acct(person: &str) -> AccountRecord {
    acct(&format!("{person}-id"), Some(&format!("{person}@acme.com")))
}

struct World {
    accounts: Vec<(&'static str, AccountRecord)>,
    ents: Vec<(&'static str, String, EntitlementKind, &'static str)>,
    incomplete: Vec<&'static str>,
    exceptions: Exceptions,
}

impl World {
    fn new() -> World {
        World { accounts: Vec::new(), ents: Vec::new(), incomplete: Vec::new(), exceptions: Exceptions::default() }
    }
    /// `person` has a live account in `app` holding `grants` (`kind`, `value`).
    fn grant(mut self, app: &'static str, person: &str, grants: &[(EntitlementKind, &'static str)]) -> World {
        if !self.accounts.iter().any(|(a, r)| *a == app && r.account_id == format!("{person}-id")) {
            self.accounts.push((app, person_acct(person)));
        }
        for (kind, value) in grants {
            self.ents.push((app, format!("{person}-id"), *kind, value));
        }
        self
    }
    fn account(mut self, app: &'static str, record: AccountRecord) -> World {
        self.accounts.push((app, record));
        self
    }

    fn run(self, rules: &str) -> Run {
        let cfg = sod_config(rules).unwrap();
        let mut by_app: Vec<(String, String, Vec<AccountRecord>)> = Vec::new();
        let mut ents_by_app: Vec<(String, Vec<EntitlementRecord>)> = Vec::new();
        for app in APPS {
            by_app.push((app.into(), "csv".into(), self.accounts.iter().filter(|(a, _)| *a == app).map(|(_, r)| r.clone()).collect()));
            ents_by_app.push((
                app.into(),
                self.ents
                    .iter()
                    .filter(|(a, ..)| *a == app)
                    .map(|(_, id, kind, value)| EntitlementRecord {
                        account_id: id.clone(),
                        kind: *kind,
                        value: value.to_string(),
                        privileged: false,
                    })
                    .collect(),
            ));
        }
        let refs: Vec<(String, String, &[AccountRecord])> = by_app.iter().map(|(a, k, r)| (a.clone(), k.clone(), r.as_slice())).collect();
        let df = accounts_frame(&refs).unwrap();
        let ent_refs: Vec<(String, &[EntitlementRecord])> = ents_by_app.iter().map(|(a, r)| (a.clone(), r.as_slice())).collect();
        let ents = crate::model::entitlements_frame(&ent_refs).unwrap();
        let r = roster();
        let c = correlate(&df, &r, &Default::default(), &Overrides::default()).unwrap();
        let cov: Vec<CoverageRecord> =
            APPS.iter().map(|app| coverage(app, if self.incomplete.contains(app) { "partial" } else { "complete" }, false)).collect();
        let params = base_params();
        let hits = sod::entitlement_hits(&ents, &cfg.sod).unwrap();
        let creds = credentials_frame(&[]).unwrap();
        let assignments = idp_assignments(&ents).unwrap();
        let findings =
            evaluate(&c.accounts, &licences(&ents).unwrap(), &assignments, &cov, &creds, &cfg, &r, &params, &self.exceptions, &hits)
                .unwrap();
        Run { findings }
    }
}

impl Run {
    /// The `sod_conflict` rows: `(person_id, result, severity, excepted)`.
    fn sod(&self) -> Vec<(String, String, String, bool)> {
        let Some(df) = self.findings.by_category.get("sod_conflict") else { return Vec::new() };
        let text = |c: &str| df.column(c).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect::<Vec<_>>();
        let (people, results, severities) = (text(col_name::PERSON_ID), text(sod::RESULT), text(col_name::SEVERITY));
        let excepted: Vec<bool> = df.column(col_name::EXCEPTED).unwrap().bool().unwrap().iter().map(|v| v.unwrap_or(false)).collect();
        let mut rows: Vec<_> =
            (0..df.height()).map(|i| (people[i].clone(), results[i].clone(), severities[i].clone(), excepted[i])).collect();
        rows.sort();
        rows
    }
    fn sod_text(&self, column: &str) -> Vec<String> {
        let df = &self.findings.by_category["sod_conflict"];
        df.column(column).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect()
    }
    fn conflicts(&self) -> Vec<String> {
        self.sod().into_iter().filter(|r| r.1 == "conflict").map(|r| r.0).collect()
    }
}

use EntitlementKind::{Group, Role};

fn rule(left_mode: &str, right_mode: &str) -> String {
    format!(
        "[[sod]]\nname = \"vendor-vs-payment\"\ndescription = \"Create vendors / approve payments\"\n\
[sod.left]\nmatch = \"{left_mode}\"\naccess = [ {{ app = \"erp\", kind = \"role\", value = \"Vendor Create\" }}, {{ app = \"erp\", kind = \"role\", value = \"Vendor Edit\" }} ]\n\
[sod.right]\nmatch = \"{right_mode}\"\naccess = [ {{ app = \"crm\", kind = \"group\", value = \"Payment Approvers\" }}, {{ app = \"git\", kind = \"role\", value = \"release\" }} ]\n"
    )
}

/// Ann holds everything; Bob one of each side; Lea both left roles and one right; Cid nothing.
fn four_people() -> World {
    World::new()
        .grant("erp", "ann", &[(Role, "Vendor Create"), (Role, "Vendor Edit")])
        .grant("crm", "ann", &[(Group, "Payment Approvers")])
        .grant("git", "ann", &[(Role, "release")])
        .grant("erp", "bob", &[(Role, "Vendor Create")])
        .grant("crm", "bob", &[(Group, "Payment Approvers")])
        .grant("erp", "lea", &[(Role, "Vendor Create"), (Role, "Vendor Edit")])
        .grant("git", "lea", &[(Role, "release")])
        .grant("erp", "cid", &[(Role, "Vendor Edit")])
}

#[test]
fn any_and_all_on_both_sides() {
    // (left, right) -> who is in conflict (person ids E1 ann, E2 bob, E3 cid, E4 lea).
    let cases =
        [("any", "any", vec!["E1", "E2", "E4"]), ("all", "any", vec!["E1", "E4"]), ("any", "all", vec!["E1"]), ("all", "all", vec!["E1"])];
    for (left, right, expected) in cases {
        let run = four_people().run(&rule(left, right));
        assert_eq!(run.conflicts(), expected, "left {left}, right {right}");
    }
}

#[test]
fn a_conflict_names_both_sides_and_counts_in_findings() {
    let run = four_people().run(&rule("all", "all"));
    let rows = run.sod();
    assert_eq!(rows, vec![("E1".into(), "conflict".into(), "high".into(), false)]);
    assert_eq!(run.sod_text(col_name::APP), ["crm + erp + git"]);
    assert_eq!(run.sod_text(col_name::ACCOUNT_ID), ["crm:ann-id; erp:ann-id; git:ann-id"]);
    assert_eq!(run.sod_text(sod::LEFT_ACCESS), ["erp ann-id: role \"Vendor Create\"; erp ann-id: role \"Vendor Edit\""]);
    assert_eq!(run.sod_text(sod::RIGHT_ACCESS), ["crm ann-id: group \"Payment Approvers\"; git ann-id: role \"release\""]);
    assert_eq!(run.sod_text(col_name::CONTROLS), ["SOX ITGC segregation of duties; ISO/IEC 27001:2022 A.5.3"]);
    assert_eq!(run.sod_text(col_name::EMAIL), ["ann@acme.com"]);
    let detail = &run.sod_text(col_name::DETAIL)[0];
    assert!(detail.starts_with("Rule \"vendor-vs-payment\" (Create vendors / approve payments): holds both sides."), "{detail}");
    // In findings.csv's frame too, with a stable id from the rule and the person.
    assert_eq!(run.has("sod_conflict", "crm:ann-id; erp:ann-id; git:ann-id").as_deref(), Some("high"));
    let id = &run.sod_text(col_name::FINDING_ID)[0];
    assert_eq!(id, &finding_id("sod_conflict", "vendor-vs-payment", "E1"));
    // Each account on a side is for review, and says why; another person's is not.
    let rec = &run.findings.recommendations;
    let text = |c: &str| rec.column(c).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect::<Vec<_>>();
    let (apps, ids, recs, reasons) = (text("app"), text("account_id"), text(RECOMMENDATION), text(REASON));
    for i in 0..rec.height() {
        let on_a_side = ids[i] == "ann-id";
        assert_eq!(recs[i] == "review", on_a_side, "{} {}: {}", apps[i], ids[i], reasons[i]);
        assert_eq!(
            reasons[i].contains("separation of duties: rule \"vendor-vs-payment\" across crm + erp + git"),
            on_a_side,
            "{}",
            reasons[i]
        );
    }
}

#[test]
fn globs_match_apps_and_values() {
    let rules = "[[sod]]\nname = \"globs\"\nseverity = \"critical\"\ncontrols = \"SOX ITGC SoD-7\"\n\
left = [ { app = \"e*\", kind = \"role\", value = \"Vendor *\" } ]\n\
right = [ { app = \"[cg]*\", value = \"Pay*\" } ]\n";
    let run = World::new()
        .grant("erp", "ann", &[(Role, "Vendor Create")])
        .grant("crm", "ann", &[(Group, "Payments")])
        .grant("erp", "bob", &[(Role, "Vendor Create")])
        .grant("crm", "bob", &[(Group, "Approvers")])
        // A glob is whole-value and case-sensitive: "vendor create" is not "Vendor *".
        .grant("erp", "lea", &[(Role, "vendor create")])
        .grant("git", "lea", &[(Role, "Payroll")])
        .run(rules);
    assert_eq!(run.sod(), vec![("E1".into(), "conflict".into(), "critical".into(), false)]);
    assert_eq!(run.sod_text(col_name::CONTROLS), ["SOX ITGC SoD-7"]);
}

#[test]
fn admin_matcher_and_account_matcher() {
    let rules = "[[sod]]\nname = \"admin-and-approver\"\n\
left = [ { app = \"*\", admin = true } ]\n\
right = [ { app = \"crm\" } ]\n";
    let mut admin = person_acct("ann");
    admin.is_admin = true;
    let mut bob_admin = person_acct("bob");
    bob_admin.is_admin = true;
    let run = World::new()
        .account("git", admin)
        .grant("crm", "ann", &[])
        .account("git", bob_admin)
        .grant("erp", "lea", &[])
        .grant("crm", "lea", &[])
        .run(rules);
    assert_eq!(run.conflicts(), vec!["E1"]);
    assert_eq!(run.sod_text(sod::LEFT_ACCESS), ["git ann-id: admin"]);
    assert_eq!(run.sod_text(sod::RIGHT_ACCESS), ["crm ann-id: account"]);
}

#[test]
fn disabled_accounts_hold_nothing() {
    let mut disabled = person_acct("ann");
    disabled.status = crate::model::AccountStatus::Disabled;
    let mut invited = person_acct("bob");
    invited.status = crate::model::AccountStatus::Invited;
    let run = World::new()
        .grant("erp", "ann", &[(Role, "Vendor Create")])
        .account("crm", disabled)
        .grant("crm", "ann", &[(Group, "Payment Approvers")])
        // An invitation is access not yet taken up, but access: it counts.
        .grant("erp", "bob", &[(Role, "Vendor Create")])
        .account("crm", invited)
        .grant("crm", "bob", &[(Group, "Payment Approvers")])
        .run(&rule("any", "any"));
    assert_eq!(run.conflicts(), vec!["E2"]);
}

#[test]
fn an_incomplete_app_makes_the_result_unverifiable_never_clean() {
    let mut world = World::new()
        // Ann: left held, a crm account without the group; crm incomplete -> unverifiable.
        .grant("erp", "ann", &[(Role, "Vendor Create")])
        .grant("crm", "ann", &[])
        // Bob: left held, no crm account at all; crm incomplete, the missing accounts may be his.
        .grant("erp", "bob", &[(Role, "Vendor Create")])
        // Lea: a crm account only; the left side (erp, complete) is not held: clean.
        .grant("crm", "lea", &[])
        // Cid: a conflict found in what was read stays a conflict.
        .grant("erp", "cid", &[(Role, "Vendor Edit")])
        .grant("crm", "cid", &[(Group, "Payment Approvers")]);
    world.incomplete = vec!["crm"];
    let rules = "[[sod]]\nname = \"r\"\nseverity = \"critical\"\n\
left = [ { app = \"erp\", kind = \"role\", value = \"Vendor*\" } ]\n\
right = [ { app = \"crm\", kind = \"group\", value = \"Payment Approvers\" } ]\n";
    let run = world.run(rules);
    assert_eq!(
        run.sod(),
        vec![
            ("E1".into(), "unverifiable".into(), "medium".into(), false),
            ("E2".into(), "unverifiable".into(), "medium".into(), false),
            ("E3".into(), "conflict".into(), "critical".into(), false),
        ]
    );
    let unverified = run.sod_text(sod::UNVERIFIED_APPS);
    assert_eq!(unverified.iter().filter(|u| *u == "crm").count(), 2);
    assert!(run.sod_text(col_name::DETAIL).iter().any(|d| d.contains("could not be verified: crm not collected completely")));
}

#[test]
fn an_exception_applies_by_rule_and_person_or_by_id() {
    let exceptions = |finding_id: &str, app: &str, account: &str| Exceptions {
        file: "exceptions.csv".into(),
        rows: vec![Exception {
            finding_id: finding_id.into(),
            app: app.into(),
            account_id: account.into(),
            category: "sod_conflict".into(),
            reason: "Compensating control: dual approval in the bank portal".into(),
            approved_by: "cfo@acme.com".into(),
            expires: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            ticket: "RISK-7".into(),
            line: 2,
        }],
    };
    let mut by_subject = four_people();
    by_subject.exceptions = exceptions("", "vendor-vs-payment", "E1");
    let rows = by_subject.run(&rule("all", "all")).sod();
    assert_eq!(rows, vec![("E1".into(), "conflict".into(), "high".into(), true)]);

    let mut by_id = four_people();
    by_id.exceptions = exceptions(&finding_id("sod_conflict", "vendor-vs-payment", "E1"), "", "");
    let run = by_id.run(&rule("all", "all"));
    assert!(run.sod()[0].3);
    assert!(run.findings.warnings.is_empty(), "{:?}", run.findings.warnings);

    // An exception for someone else's conflict leaves this one open.
    let mut other = four_people();
    other.exceptions = exceptions("", "vendor-vs-payment", "E2");
    assert!(!other.run(&rule("all", "all")).sod()[0].3);
}

#[test]
fn rule_errors_are_positioned() {
    let cases = [
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erpp\" } ]\nright = [ { app = \"crm\" } ]\n", "sod[0].left.access[0].app", "\"erpp\", not an app of this config", 19),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"z*\" } ]\nright = [ { app = \"crm\" } ]\n", "sod[0].left.access[0].app", "matches no app", 19),
        ("[[sod]]\nname = \"x\"\nleft = []\nright = [ { app = \"crm\" } ]\n", "sod[0].left.access", "empty side", 19),
        ("[[sod]]\nname = \"x\"\n\n[sod.left]\nmatch = \"all\"\naccess = []\n[sod.right]\naccess = [ { app = \"crm\" } ]\n", "sod[0].left.access", "empty side", 22),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\", value = \"[Vendor\" } ]\nright = [ { app = \"crm\" } ]\n", "sod[0].left.access[0].value", "not a valid glob", 19),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\" } ]\nright = [ { app = \"crm\", kind = \"roles\" } ]\n", "sod[0].right.access[0].kind", "expected an entitlement kind", 20),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\" } ]\n", "sod[0].right", "missing key `right`", 17),
        ("[[sod]]\nname = \"x\"\nseverity = \"urgent\"\nleft = [ { app = \"erp\" } ]\nright = [ { app = \"crm\" } ]\n", "sod[0].severity", "expected one of critical", 19),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\" } ]\nright = [ { app = \"crm\" } ]\nowner = \"me\"\n", "sod[0].owner", "unknown key `owner`", 21),
        ("[[sod]]\nname = \"x\"\n[sod.left]\nmatch = \"some\"\naccess = [ { app = \"erp\" } ]\n[sod.right]\naccess = [ { app = \"crm\" } ]\n", "sod[0].left.match", "expected \"any\" or \"all\"", 20),
        ("[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\" } ]\nright = [ { app = \"crm\" } ]\n[[sod]]\nname = \"x\"\nleft = [ { app = \"erp\" } ]\nright = [ { app = \"crm\" } ]\n", "sod[1].name", "found \"x\" again", 22),
    ];
    for (rules, key, message, line) in cases {
        let e = sod_config(rules).expect_err(rules);
        assert_eq!(e.key, key, "{rules}: {e}");
        assert!(e.message.contains(message), "{rules}: {e}");
        assert_eq!(e.line, line, "{rules}: {e}");
        assert_eq!(e.file, "c.toml");
    }
}

#[test]
fn rules_can_live_in_their_own_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sod.toml"), rule("any", "any")).unwrap();
    let mut text = "[review]\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\nsod_rules = { path = \"sod.toml\" }\n".to_string();
    text = text.replace("sod_rules = { path = \"sod.toml\" }\n", "");
    text = format!("sod_rules = {{ path = \"sod.toml\" }}\n{text}");
    for app in APPS {
        text.push_str(&format!("[[apps]]\nname = \"{app}\"\nkind = \"csv\"\npath = \"{app}.csv\"\n"));
    }
    let cfg = Config::parse(&text, &dir.path().join("config.toml"), &crate::collectors::REGISTRY).unwrap();
    assert_eq!(cfg.sod.len(), 1);
    assert_eq!(cfg.sod[0].right.access[1].describe(), "git role \"release\"");
    // Its errors name that file.
    std::fs::write(dir.path().join("sod.toml"), "[[sod]]\nname = \"x\"\nleft = [ { app = \"nope\" } ]\nright = [ { app = \"crm\" } ]\n")
        .unwrap();
    let e = Config::parse(&text, &dir.path().join("config.toml"), &crate::collectors::REGISTRY).unwrap_err();
    assert!(e.file.ends_with("sod.toml"), "{e}");
    assert_eq!(e.line, 3);
}
