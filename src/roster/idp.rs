//! The identity provider as the roster (`[identity] source = { app = "okta" }`): its users, as
//! they were read when it was collected, are the people. For a company without an HR export.
//!
//! Statuses: an active or invited user (and one whose status is unknown) is an active person, a
//! suspended one is on leave, a deactivated or disabled one has left (each kind maps its own
//! states onto these: Google's suspended users are disabled). Entra guests are not people. The employee number (else
//! the user's id) is the person id; the profile's manager and department come along. Service
//! accounts are not people. A user without an email is not a person (an issue); two users with
//! one email are one person, the one who can sign in first (an issue names the other).

use std::collections::HashMap;
use std::path::PathBuf;

use polars::prelude::*;

use super::read::Roster;
use super::record::{is_valid_email, normalize_email, Person, PersonStatus, RosterIssue};
use crate::config::RosterFormat;
use crate::model::account as a;

impl Roster {
    /// The roster of an identity provider's users before they are read (a run reads them when
    /// it collects the app; a report, from its snapshot).
    pub fn awaiting(app: &str) -> Roster {
        let note = format!("the roster is the users of app {app}, read when it is collected");
        Roster::with_people(PathBuf::from(format!("app {app}")), RosterFormat::Generic, Vec::new(), Vec::new(), vec![note])
    }

    /// The people of app `app`'s accounts in `accounts` (the snapshot's frame, or a pack's
    /// `accounts.csv` read as text: empty strings are missing values).
    pub fn from_idp_accounts(app: &str, accounts: &DataFrame) -> PolarsResult<Roster> {
        let rows = accounts.clone().lazy().filter(col(a::APP).eq(lit(app))).collect()?;
        let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            match rows.column(name) {
                Ok(c) => Ok(c
                    .cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
                    .collect()),
                Err(_) => Ok(vec![None; rows.height()]),
            }
        };
        let (ids, emails, names, statuses, types) =
            (text(a::ACCOUNT_ID)?, text(a::EMAIL)?, text(a::DISPLAY_NAME)?, text(a::STATUS)?, text(a::ACCOUNT_TYPE)?);
        let (employee_ids, managers, departments) = (text(a::EMPLOYEE_ID)?, text(a::MANAGER_EMAIL)?, text(a::DEPARTMENT)?);
        let usernames = text(a::USERNAME)?;
        let file = format!("app {app}");
        let mut order: Vec<usize> = (0..rows.height()).collect();
        // Who keeps an address two users share: the one who can sign in, then by id.
        let rank = |s: &Option<String>| match s.as_deref() {
            Some("active") => 0,
            Some("invited") => 1,
            Some("suspended") => 2,
            _ => 3,
        };
        order.sort_by(|x, y| rank(&statuses[*x]).cmp(&rank(&statuses[*y])).then(ids[*x].cmp(&ids[*y])));
        let mut people: Vec<Person> = Vec::new();
        let mut issues = Vec::new();
        let mut taken: HashMap<String, String> = HashMap::new();
        let mut services = 0usize;
        let mut guests = 0usize;
        for i in order {
            let id = ids[i].clone().unwrap_or_default();
            let issue = |reason: String| RosterIssue { file: file.clone(), line: i + 1, reason: format!("user {id}: {reason}") };
            if types[i].as_deref() == Some("service") {
                services += 1;
                continue;
            }
            // An Entra guest (`#EXT#` in its user principal name) is someone else's person.
            if usernames[i].as_deref().is_some_and(|u| u.contains("#EXT#")) {
                guests += 1;
                continue;
            }
            let Some(email) = emails[i].as_deref().map(normalize_email).filter(|e| is_valid_email(e)) else {
                issues.push(issue("no usable email: not a person of the roster".into()));
                continue;
            };
            if let Some(first) = taken.get(&email) {
                issues.push(issue(format!("{email} is also user {first}'s address; that user is the person")));
                continue;
            }
            taken.insert(email.clone(), id.clone());
            let status = match statuses[i].as_deref() {
                Some("suspended") => PersonStatus::Leave,
                Some("deactivated") | Some("disabled") => PersonStatus::Terminated,
                _ => PersonStatus::Active,
            };
            people.push(Person {
                person_id: employee_ids[i].clone().unwrap_or_else(|| id.clone()),
                name: names[i].clone().unwrap_or_else(|| email.clone()),
                email,
                status,
                termination_date: None,
                manager_email: managers[i].as_deref().map(normalize_email).filter(|m| is_valid_email(m)),
                department: departments[i].clone(),
                aliases: Vec::new(),
                line: i + 1,
            });
        }
        // Roster order: by address (the frame's order is the collector's).
        people.sort_by(|x, y| x.email.cmp(&y.email));
        // An employee number two people share identifies neither: the address does.
        let mut count: HashMap<String, usize> = HashMap::new();
        for p in &people {
            *count.entry(p.person_id.clone()).or_default() += 1;
        }
        for p in &mut people {
            if count.get(&p.person_id).copied().unwrap_or(0) > 1 {
                issues.push(RosterIssue {
                    file: file.clone(),
                    line: p.line,
                    reason: format!(
                        "user of {}: employee number \"{}\" is shared; the person is identified by email instead",
                        p.email, p.person_id
                    ),
                });
                p.person_id = p.email.clone();
            }
        }
        issues.sort();
        let mut notes = vec![format!(
            "the roster is the users of app {app} as they were read when it was collected ({} people: active and invited users active, suspended ones on leave, deactivated ones left)",
            people.len()
        )];
        if guests > 0 {
            notes.push(format!("{guests} guest(s) of {app} (#EXT#) are not people of the roster: their accounts elsewhere are orphaned unless an override links them"));
        }
        if services > 0 {
            notes.push(format!("{services} service account(s) of {app} are not people of the roster"));
        }
        Ok(Roster::with_people(PathBuf::from(file), RosterFormat::Generic, people, issues, notes))
    }
}
