use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::*;
use crate::config::IdentityColumns;
use crate::config::{Identity, RosterFormat};
use std::collections::BTreeMap;

fn identity(format: RosterFormat) -> Identity {
    Identity {
        source: None,
        path: PathBuf::from("roster.csv"),
        format,
        domain_aliases: BTreeMap::new(),
        columns: None,
        status_map: BTreeMap::new(),
        date_format: None,
        delimiter: None,
    }
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

fn load(bytes: &[u8], format: RosterFormat) -> Result<Roster, RosterError> {
    Roster::from_bytes(bytes, Path::new("roster.csv"), &identity(format), as_of())
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/rosters").join(name)).unwrap()
}

fn by_email<'a>(r: &'a Roster, email: &str) -> &'a Person {
    r.people.iter().find(|p| p.email == email).unwrap_or_else(|| panic!("{email} not in {:?}", r.people))
}

const GENERIC: &str = "\u{feff}email,employee_id,name,status,termination_date,manager_email,department,aliases\r\n\
 Ann@Acme.com ,E1,\"Doe, Ann\",Active,,boss@acme.com,Eng,ann.old@acme.com;ANN2@acme.com\r\n\
bob@acme.com,E2,\"Bob \"\"B\"\" Ray\",active,2026-12-01,,Sales,\r\n\
cat@acme.com,E3,\"Cat\nMultiline\",terminated,,,Ops,\r\n\
dan@acme.com,E4,Dan,On Leave,2027-03-01,,Ops,\r\n\
,E5,Nobody,active,,,Ops,\r\n\
not-an-email,E6,Bad,active,,,Ops,\r\n\
eve@acme.com,E7,Eve,active,31/12/2026,,Ops,\r\n\
fay@acme.com,E8,Fay,retired,,,Ops,\r\n";

#[test]
fn generic_reads_bom_crlf_quotes_and_applies_the_rules() {
    let r = load(GENERIC.as_bytes(), RosterFormat::Generic).unwrap();
    assert_eq!(r.people.len(), 4);
    let ann = by_email(&r, "ann@acme.com");
    assert_eq!(ann.name, "Doe, Ann");
    assert_eq!(ann.aliases, vec!["ann.old@acme.com", "ann2@acme.com"]);
    assert_eq!(ann.line, 2);
    let bob = by_email(&r, "bob@acme.com");
    assert_eq!(bob.name, "Bob \"B\" Ray");
    assert_eq!(bob.status, PersonStatus::Terminated, "a termination date on or before as_of wins over the status");
    let cat = by_email(&r, "cat@acme.com");
    assert_eq!(cat.name, "Cat\nMultiline");
    let dan = by_email(&r, "dan@acme.com");
    assert_eq!(dan.status, PersonStatus::Leave, "a future termination date does not terminate");
    assert_eq!(dan.line, 6, "the multi-line record shifts the next line number");
}

#[test]
fn bad_rows_are_warnings_with_line_numbers() {
    let r = load(GENERIC.as_bytes(), RosterFormat::Generic).unwrap();
    let lines: Vec<usize> = r.issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![7, 8, 9, 10]);
    assert!(r.issues[0].reason.contains("no email"), "{:?}", r.issues[0]);
    assert!(r.issues[1].reason.contains("malformed email \"not-an-email\""), "{:?}", r.issues[1]);
    assert!(r.issues[2].reason.contains("unparseable termination date \"31/12/2026\""), "{:?}", r.issues[2]);
    assert!(r.issues[3].reason.contains("unknown status \"retired\""), "{:?}", r.issues[3]);
}

#[test]
fn status_map_maps_custom_values() {
    let mut id = identity(RosterFormat::Generic);
    id.status_map.insert("Retired".into(), "terminated".into());
    let r = Roster::from_bytes(GENERIC.as_bytes(), Path::new("r.csv"), &id, as_of()).unwrap();
    assert_eq!(by_email(&r, "fay@acme.com").status, PersonStatus::Terminated);
}

#[test]
fn duplicate_email_is_an_error_naming_both_lines() {
    let text = "email,name\na@x.com,A\nb@x.com,B\n A@X.com ,A again\n";
    let e = load(text.as_bytes(), RosterFormat::Generic).unwrap_err().to_string();
    assert!(e.contains("a@x.com") && e.contains("line 2") && e.contains("line 4"), "{e}");
}

#[test]
fn alias_used_as_another_persons_email_is_an_error() {
    let text = "email,name,aliases\na@x.com,A,b@x.com\nb@x.com,B,\n";
    let e = load(text.as_bytes(), RosterFormat::Generic).unwrap_err().to_string();
    assert!(e.contains("b@x.com") && e.contains("line 2") && e.contains("line 3") && e.contains("also listed as an alias"), "{e}");
    // The other way round: a later row's alias is an earlier row's email.
    let text = "email,name,aliases\na@x.com,A,\nb@x.com,B,a@x.com\n";
    let e = load(text.as_bytes(), RosterFormat::Generic).unwrap_err().to_string();
    assert!(e.contains("a@x.com") && e.contains("line 2") && e.contains("line 3") && e.contains("one person only"), "{e}");
}

#[test]
fn generic_column_mapping_and_semicolons() {
    let mut id = identity(RosterFormat::Generic);
    id.columns = Some(IdentityColumns { email: "E-Mail".into(), name: "Nom".into(), status: "Statut".into(), ..Default::default() });
    id.status_map.insert("Actif".into(), "active".into());
    id.status_map.insert("Sorti".into(), "terminated".into());
    let text = "Nom;E-Mail;Statut\nAna;ana@x.com;Actif\nCal;cal@x.com;Sorti\n";
    let r = Roster::from_bytes(text.as_bytes(), Path::new("r.csv"), &id, as_of()).unwrap();
    assert_eq!(by_email(&r, "cal@x.com").status, PersonStatus::Terminated);
    assert_eq!(by_email(&r, "ana@x.com").name, "Ana");
}

#[test]
fn missing_email_column_says_what_to_do() {
    let e = load(b"name,status\nA,active\n", RosterFormat::Generic).unwrap_err().to_string();
    assert!(e.contains("no email column") && e.contains("[identity.columns]"), "{e}");
}

#[test]
fn person_id_falls_back_to_email_when_ids_collide() {
    let text = "email,employee_id\na@x.com,1895\nb@x.com,1895\nc@x.com,\n";
    let r = load(text.as_bytes(), RosterFormat::Generic).unwrap();
    assert_eq!(by_email(&r, "a@x.com").person_id, "a@x.com");
    assert_eq!(by_email(&r, "c@x.com").person_id, "c@x.com");
    assert_eq!(r.issues.len(), 2);
}

#[test]
fn preset_okta() {
    let r = load(&sample("okta.csv"), RosterFormat::Okta).unwrap();
    assert_eq!(r.people.len(), 5);
    assert_eq!(by_email(&r, "ava.abbott@acme.com").person_id, "1001");
    let ben = by_email(&r, "ben.banerjee@acme.com");
    assert_eq!(ben.status, PersonStatus::Active, "PASSWORD_EXPIRED is still an employee");
    assert_eq!(ben.name, "Ben Banerjee", "first + last when displayName is empty");
    assert!(ben.aliases.is_empty(), "a login that is not an address is no alias");
    assert_eq!(by_email(&r, "chloe.castillo@acme.com").status, PersonStatus::Leave);
    assert_eq!(by_email(&r, "dmitri.dubois@acme.com").status, PersonStatus::Terminated);
    assert!(!by_email(&r, "ava.abbott@acme.com").aliases.contains(&"ava.private@example.net".to_string()), "secondEmail is personal");
}

#[test]
fn preset_entra() {
    let r = load(&sample("entra.csv"), RosterFormat::Entra).unwrap();
    assert_eq!(r.people.len(), 4, "{:?}", r.issues);
    let farid = by_email(&r, "farid.fischer@acme.com");
    assert_eq!(farid.aliases, vec!["farid.fischer@acme.onmicrosoft.com"], "the UPN is an alias of mail");
    assert_eq!(by_email(&r, "grace.garcia@acme.com").status, PersonStatus::Terminated, "accountEnabled False");
    let guest = by_email(&r, "hiro.ito@partner.example");
    assert_eq!(guest.name, "Hiro Ito (Partner)");
    let ines = by_email(&r, "ines.ito@acme.com");
    assert_eq!(ines.name, "=1+3 Ines, Ito", "values are kept as text; outputs neutralise them");
    assert!(r.notes.iter().any(|n| n.contains("guest")));
}

#[test]
fn preset_google() {
    let r = load(&sample("google.csv"), RosterFormat::Google).unwrap();
    assert_eq!(r.people.len(), 4, "{:?}", r.issues);
    let liam = by_email(&r, "liam.laurent@acme.com");
    assert_eq!(liam.status, PersonStatus::Terminated, "Google suspends leavers");
    assert_eq!(liam.name, "Liam, Jr. Laurent");
    assert_eq!(by_email(&r, "maya.moreau@acme.com").status, PersonStatus::Active);
    assert_eq!(by_email(&r, "jonas.jensen@acme.com").manager_email.as_deref(), Some("keira.kowalski@acme.com"));
    assert_eq!(by_email(&r, "jonas.jensen@acme.com").person_id, "G-201");
}

#[test]
fn preset_bamboohr() {
    let r = load(&sample("bamboohr.csv"), RosterFormat::Bamboohr).unwrap();
    assert_eq!(r.people.len(), 4);
    let n = by_email(&r, "nikhil.nakamura@acme.com");
    assert_eq!((n.person_id.as_str(), n.termination_date), ("00017", None), "leading zeros kept; 0000-00-00 is no date");
    let p = by_email(&r, "pablo.petrov@acme.com");
    assert_eq!(p.status, PersonStatus::Terminated);
    assert_eq!(p.termination_date, NaiveDate::from_ymd_opt(2026, 11, 15));
    assert_eq!(by_email(&r, "quinn.quintero@acme.com").status, PersonStatus::Leave);
    assert_eq!(r.issues.len(), 1, "the row without a work email");
    assert_eq!(r.issues[0].line, 6);
}

#[test]
fn preset_workday_tsv_with_a_title_line() {
    let r = load(&sample("workday.tsv"), RosterFormat::Workday).unwrap();
    assert_eq!(r.people.len(), 3, "{:?}", r.issues);
    let u = by_email(&r, "umar.ueda@acme.com");
    assert_eq!(u.status, PersonStatus::Terminated);
    assert_eq!(u.line, 6);
    assert_eq!(by_email(&r, "samir.schmidt@acme.com").name, "Schmidt, Samir");
    assert!(r.notes.iter().any(|n| n.contains("above the header")));
}

// ---- Real exports written by others (../shared/external); skipped with a message when absent.

fn external(rel: &str) -> Option<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/external").join(rel);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("SKIPPED: {} is not here (the shared external test data is absent)", p.display());
            None
        }
    }
}

#[test]
fn external_entra_2026_download_without_status_column() {
    let Some(bytes) = external("rosters/entra/northstartek-exportUsers_2026-1-15.excerpt.csv") else { return };
    let r = load(&bytes, RosterFormat::Entra).unwrap();
    assert_eq!(r.people.len() + r.issues.len(), 21, "every row is used or reported: {:?}", r.issues);
    assert!(r.people.iter().all(|p| p.status == PersonStatus::Active));
    assert!(r.notes.iter().any(|n| n.contains("no status column")));
    assert!(r.people.iter().any(|p| p.email == "user003@example-a.com"), "UPN case is normalised");
}

#[test]
fn external_entra_2021_download_with_guest_and_formulas() {
    let Some(bytes) = external("rosters/entra/ysecurity-2021-download-users.blog-excerpt.csv") else { return };
    let r = load(&bytes, RosterFormat::Entra).unwrap();
    assert_eq!(r.people.len(), 2);
    assert!(r.people.iter().any(|p| p.email == "msobbysec@outlook.com"), "guest address from alternateEmailAddress");
}

#[test]
fn external_google_fixture_reports_the_ragged_row() {
    let Some(bytes) = external("rosters/google-workspace/admin-download-users-2026-format.test-fixture.csv") else { return };
    let r = load(&bytes, RosterFormat::Google).unwrap();
    assert_eq!(r.people.len(), 1);
    assert_eq!(r.issues.len(), 1);
    assert!(r.issues[0].reason.contains("38 fields") && r.issues[0].line == 3, "{:?}", r.issues);
}

#[test]
fn external_workday_raas_json() {
    let Some(bytes) = external("rosters/workday/cartography-workday-directory-raas.json") else { return };
    let r = load(&bytes, RosterFormat::Workday).unwrap();
    assert!(r.people.len() >= 4, "{:?}", r.issues);
    assert_eq!(by_email(&r, "alice.johnson@example.com").person_id, "emp001");
}

#[test]
fn external_bamboohr_directory_json() {
    let Some(bytes) = external("rosters/bamboohr/pybamboohr-employees-directory.json") else { return };
    let r = load(&bytes, RosterFormat::Bamboohr).unwrap();
    assert_eq!(r.people.len(), 1);
    assert_eq!(by_email(&r, "test@testperson.com").name, "Test Person");
}

#[test]
fn external_imitation_workday_title_and_footer() {
    let Some(bytes) = external("rosters/third-party-imitations/workday-worker-report.title-line-and-total-footer.tsv") else { return };
    // No email column at all: the reader says so instead of guessing.
    let e = load(&bytes, RosterFormat::Workday).unwrap_err().to_string();
    assert!(e.contains("no email column"), "{e}");
}

#[test]
fn external_imitation_repeated_header_is_skipped_and_reported() {
    let Some(bytes) = external("rosters/third-party-imitations/generic-roster.repeated-header.csv") else { return };
    let mut id = identity(RosterFormat::Generic);
    id.columns = Some(IdentityColumns { email: "Employee Name".into(), ..Default::default() });
    let r = Roster::from_bytes(&bytes, Path::new("r.csv"), &id, as_of()).unwrap();
    assert!(r.issues.iter().any(|i| i.reason.contains("repeated header") && i.line == 4), "{:?}", r.issues);
}

#[test]
fn a_row_skipped_for_its_status_still_reports_its_bad_alias() {
    let text = "email,employee_id,name,status,aliases\nann@acme.com,E1,Ann,Retired?,nope\nbob@acme.com,E2,Bob,active,alsonope\n";
    let r = load(text.as_bytes(), RosterFormat::Generic).unwrap();
    let reasons: Vec<&str> = r.issues.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(r.people.len(), 1, "{reasons:?}");
    assert!(reasons.iter().any(|x| x.starts_with("line 2: alias \"nope\" is not an email")), "{reasons:?}");
    assert!(reasons.iter().any(|x| x.starts_with("line 2: unknown status \"Retired?\"")), "{reasons:?}");
    assert!(reasons.iter().any(|x| x.starts_with("line 3: alias \"alsonope\"")), "{reasons:?}");
}

/// An identity provider's users as the roster: statuses mapped, guests, service accounts and
/// users without an address left out (the last named), a shared address kept by the user who
/// can sign in, employee numbers else ids, managers and departments carried.
#[test]
fn an_identity_providers_users_make_a_roster() {
    use crate::model::account as a;
    use polars::prelude::*;
    let rows: [[&str; 10]; 9] = [
        ["idp", "u1", "ann@acme.com", "ann@acme.com", "Ann", "active", "human", "E1", "", "IT"],
        ["idp", "u2", "bob@acme.com", "Bob@Acme.com", "Bob", "active", "human", "", "ann@acme.com", ""],
        ["idp", "u7", "dee@acme.com", "dee@acme.com", "Dee", "disabled", "human", "E7", "", ""],
        ["idp", "u3", "cy@acme.com", "cy@acme.com", "Cy", "suspended", "human", "E3", "", ""],
        ["idp", "u4", "gina_partner.example#EXT#@acme.onmicrosoft.com", "gina@partner.example", "Gina", "invited", "human", "", "", ""],
        ["idp", "u5", "svc@acme.com", "svc@acme.com", "Svc", "active", "service", "", "", ""],
        ["idp", "u6", "x", "", "No Mail", "active", "human", "", "", ""],
        ["idp", "u0", "bob.old@acme.com", "bob@acme.com", "Bob (old)", "deactivated", "human", "", "", ""],
        ["other", "z1", "zed@acme.com", "zed@acme.com", "Zed", "active", "human", "", "", ""],
    ];
    let names = [
        a::APP,
        a::ACCOUNT_ID,
        a::USERNAME,
        a::EMAIL,
        a::DISPLAY_NAME,
        a::STATUS,
        a::ACCOUNT_TYPE,
        a::EMPLOYEE_ID,
        a::MANAGER_EMAIL,
        a::DEPARTMENT,
    ];
    let columns: Vec<Column> =
        names.iter().enumerate().map(|(i, n)| Column::new((*n).into(), rows.iter().map(|r| r[i]).collect::<Vec<&str>>())).collect();
    let df = DataFrame::new(rows.len(), columns).unwrap();
    let r = Roster::from_idp_accounts("idp", &df).unwrap();
    let people: Vec<(&str, &str, PersonStatus)> = r.people.iter().map(|p| (p.email.as_str(), p.person_id.as_str(), p.status)).collect();
    assert_eq!(
        people,
        vec![
            ("ann@acme.com", "E1", PersonStatus::Active),
            ("bob@acme.com", "u2", PersonStatus::Active),
            ("cy@acme.com", "E3", PersonStatus::Leave),
            ("dee@acme.com", "E7", PersonStatus::Terminated)
        ]
    );
    assert_eq!(r.people[1].manager_email.as_deref(), Some("ann@acme.com"));
    assert_eq!(r.people[0].department.as_deref(), Some("IT"));
    let reasons: Vec<&str> = r.issues.iter().map(|i| i.reason.as_str()).collect();
    assert!(reasons.iter().any(|x| x.contains("user u6") && x.contains("no usable email")), "{reasons:?}");
    assert!(
        reasons.iter().any(|x| x.contains("user u0") && x.contains("also user u2's address")),
        "the user who can sign in keeps it: {reasons:?}"
    );
    assert!(
        r.notes.iter().any(|n| n.contains("1 guest(s)")) && r.notes.iter().any(|n| n.contains("1 service account(s)")),
        "{:?}",
        r.notes
    );
}

#[test]
fn an_address_is_found_whatever_its_case_and_surrounding_spaces() {
    let r = load("email,name,status\nann@acme.com,Ann,active\nzoë@acme.com,Zoë,active\n".as_bytes(), RosterFormat::Generic).unwrap();
    for (asked, found) in [
        ("ann@acme.com", Some(0)),
        ("  ann@acme.com\t", Some(0)),
        ("Ann@ACME.com", Some(0)),
        (" ANN@acme.com ", Some(0)),
        ("ZOË@acme.com", Some(1)),
        ("zoë@acme.com", Some(1)),
        ("bob@acme.com", None),
        ("", None),
    ] {
        assert_eq!(r.position(asked), found, "{asked:?}");
    }
}
