use super::*;
use crate::config::{Identity, RosterFormat};
use crate::model::{accounts_frame, AccountRecord};
use chrono::NaiveDate;
use std::path::Path;

fn roster(text: &str) -> Roster {
    let id = Identity {
        source: None,
        path: "hr.csv".into(),
        format: RosterFormat::Generic,
        domain_aliases: BTreeMap::new(),
        columns: None,
        status_map: BTreeMap::new(),
        date_format: None,
        delimiter: None,
    };
    Roster::from_bytes(text.as_bytes(), Path::new("hr.csv"), &id, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()).unwrap()
}

fn account(id: &str, email: Option<&str>) -> AccountRecord {
    AccountRecord {
        account_id: id.into(),
        email: email.map(str::to_string),
        status: crate::model::AccountStatus::Active,
        account_type: crate::model::AccountType::Human,
        ..Default::default()
    }
}

fn column(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
}

const HR: &str = "email,employee_id,name,status,aliases\nann@acme.com,E1,Ann,active,ann.old@acme.com\nbob@acme.com,E2,Bob,terminated,\nomar@acme.com,E3,Omar,active,\n";

#[test]
fn every_match_method_and_no_null_joins() {
    let mut accounts = vec![
        account("1", Some("  ANN@acme.com ")),
        account("2", Some("ann.old@acme.com")),
        account("3", Some("bob@oldco.com")),
        account("4", Some("stranger@else.com")),
        account("5", None),
        account("6", Some("")),
        account("7", None),
    ];
    accounts[3].other_emails = vec!["nobody@x.com".into()];
    let mut other = account("8", Some("personal@gmail.com"));
    other.other_emails = vec!["Omar@acme.com".into()];
    accounts.push(other);
    let df = accounts_frame(&[("app".into(), "csv".into(), &accounts)]).unwrap();
    let aliases: BTreeMap<String, String> = [("oldco.com".to_string(), "acme.com".to_string())].into();
    let overrides = Overrides {
        file: "o.csv".into(),
        rows: vec![Override {
            app: "app".into(),
            account_id: "7".into(),
            action: OverrideAction::Link { person_email: "bob@acme.com".into() },
            reason: "hidden email".into(),
            line: 2,
        }],
    };
    let c = correlate(&df, &roster(HR), &aliases, &overrides).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let methods = column(&c.accounts, acc::MATCH_METHOD);
    let people = column(&c.accounts, acc::PERSON_EMAIL);
    let ids = column(&c.accounts, acc::ACCOUNT_ID);
    let got: Vec<(String, String, String)> = ids
        .iter()
        .zip(methods.iter())
        .zip(people.iter())
        .map(|((i, m), p)| (i.clone().unwrap(), m.clone().unwrap(), p.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("1".into(), "email".into(), "ann@acme.com".into()),
            ("2".into(), "alias".into(), "ann@acme.com".into()),
            ("3".into(), "domain_alias".into(), "bob@acme.com".into()),
            ("4".into(), "none".into(), "".into()),
            ("5".into(), "none".into(), "".into()),
            ("6".into(), "none".into(), "".into()),
            ("7".into(), "override".into(), "bob@acme.com".into()),
            ("8".into(), "email".into(), "omar@acme.com".into()),
        ]
    );
    assert_eq!(column(&c.accounts, acc::PERSON_STATUS)[2].as_deref(), Some("terminated"));
    assert_eq!(column(&c.accounts, acc::PERSON_ID)[0].as_deref(), Some("E1"));
}

#[test]
fn service_override_names_the_owner_even_outside_the_roster() {
    let accounts = vec![account("bot", Some("bot@acme.com")), account("bot2", None)];
    let df = accounts_frame(&[("gh".into(), "csv".into(), &accounts)]).unwrap();
    let ov = |id: &str, owner: &str| Override {
        app: "gh".into(),
        account_id: id.into(),
        action: OverrideAction::Service { owner_email: owner.into() },
        reason: String::new(),
        line: 2,
    };
    let overrides = Overrides {
        file: "o.csv".into(),
        rows: vec![ov("bot", "omar@acme.com"), ov("bot2", "ghost@acme.com"), ov("nope", "omar@acme.com")],
    };
    let c = correlate(&df, &roster(HR), &BTreeMap::new(), &overrides).unwrap();
    assert_eq!(column(&c.accounts, acc::ACCOUNT_TYPE), vec![Some("service".to_string()), Some("service".to_string())]);
    assert_eq!(column(&c.accounts, acc::PERSON_EMAIL), vec![Some("omar@acme.com".to_string()), Some("ghost@acme.com".to_string())]);
    assert_eq!(column(&c.accounts, acc::PERSON_STATUS), vec![Some("active".to_string()), None]);
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("matches no collected account"), "{:?}", c.warnings);
}

#[test]
fn link_to_unknown_person_is_a_warning_not_a_match() {
    let accounts = vec![account("x", None)];
    let df = accounts_frame(&[("a".into(), "csv".into(), &accounts)]).unwrap();
    let overrides = Overrides {
        file: "o.csv".into(),
        rows: vec![Override {
            app: "a".into(),
            account_id: "x".into(),
            action: OverrideAction::Link { person_email: "who@acme.com".into() },
            reason: String::new(),
            line: 5,
        }],
    };
    let c = correlate(&df, &roster(HR), &BTreeMap::new(), &overrides).unwrap();
    assert_eq!(column(&c.accounts, acc::MATCH_METHOD), vec![Some("none".to_string())]);
    assert!(c.warnings[0].contains("line 5") && c.warnings[0].contains("not in the roster"));
}
