//! Which columns and values each roster format uses.
//!
//! Headers are compared through [`super::record::header_key`] (lower-case alphanumerics), so
//! "Email Address [Required]", "Email_-_Work" and "profile.email" all meet their candidates.

use std::collections::BTreeMap;

use super::record::{header_key, PersonStatus};
use crate::config::{Identity, RosterFormat};

/// Candidate headers for one field, best first.
#[derive(Debug, Clone)]
pub struct FieldSpec(Vec<String>);

impl FieldSpec {
    fn of(names: &[&str]) -> FieldSpec {
        FieldSpec(names.iter().map(|n| header_key(n)).collect())
    }
    pub fn position(&self, headers: &[String]) -> Option<usize> {
        self.0.iter().find_map(|c| headers.iter().position(|h| h == c))
    }
    pub fn matches_any(&self, headers: &[String]) -> bool {
        self.position(headers).is_some()
    }
    pub fn describe(&self) -> String {
        self.0.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" / ")
    }
}

/// A roster layout.
#[derive(Debug, Clone)]
pub struct Preset {
    pub email: FieldSpec,
    /// Used when `email` is empty (Entra: the UPN when `mail` is blank).
    pub fallback_email: Option<FieldSpec>,
    /// A guest's real address (Entra `alternateEmailAddress`).
    pub guest_email: Option<FieldSpec>,
    pub employee_id: FieldSpec,
    pub name: FieldSpec,
    pub first_name: Option<FieldSpec>,
    pub last_name: Option<FieldSpec>,
    pub status: FieldSpec,
    /// A second status column that can only make a person terminated or on leave
    /// (BambooHR "Employment Status": Full-Time / Terminated).
    pub employment_status: Option<FieldSpec>,
    pub termination_date: FieldSpec,
    pub manager_email: FieldSpec,
    pub department: FieldSpec,
    pub aliases: FieldSpec,
    /// A login that is another address of the person (Okta `login`).
    pub login_alias: Option<FieldSpec>,
    /// Export value (lower-case) -> status.
    values: BTreeMap<String, PersonStatus>,
}

const GENERIC_VALUES: [(&str, PersonStatus); 27] = [
    ("active", PersonStatus::Active),
    ("a", PersonStatus::Active),
    ("enabled", PersonStatus::Active),
    ("employed", PersonStatus::Active),
    ("current", PersonStatus::Active),
    ("yes", PersonStatus::Active),
    ("true", PersonStatus::Active),
    ("full-time", PersonStatus::Active),
    ("part-time", PersonStatus::Active),
    ("contractor", PersonStatus::Active),
    ("terminated", PersonStatus::Terminated),
    ("t", PersonStatus::Terminated),
    ("inactive", PersonStatus::Terminated),
    ("disabled", PersonStatus::Terminated),
    ("deprovisioned", PersonStatus::Terminated),
    ("left", PersonStatus::Terminated),
    ("leaver", PersonStatus::Terminated),
    ("former", PersonStatus::Terminated),
    ("no", PersonStatus::Terminated),
    ("false", PersonStatus::Terminated),
    ("leave", PersonStatus::Leave),
    ("on leave", PersonStatus::Leave),
    ("l", PersonStatus::Leave),
    ("loa", PersonStatus::Leave),
    ("leave of absence", PersonStatus::Leave),
    ("parental leave", PersonStatus::Leave),
    ("suspended", PersonStatus::Leave),
];

impl Preset {
    pub fn for_identity(identity: &Identity) -> Preset {
        let mut values: BTreeMap<String, PersonStatus> = GENERIC_VALUES.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut set = |pairs: &[(&str, PersonStatus)]| {
            for (k, v) in pairs {
                values.insert(k.to_string(), *v);
            }
        };
        use PersonStatus::*;
        let mut p = match identity.format {
            RosterFormat::Generic => {
                let c = identity.columns.clone().unwrap_or_default();
                let one = |s: &str| FieldSpec::of(&[s]);
                Preset {
                    email: one(&c.email),
                    fallback_email: None,
                    guest_email: None,
                    employee_id: one(&c.employee_id),
                    name: one(&c.name),
                    first_name: None,
                    last_name: None,
                    status: one(&c.status),
                    employment_status: None,
                    termination_date: one(&c.termination_date),
                    manager_email: one(&c.manager_email),
                    department: one(&c.department),
                    aliases: one(&c.aliases),
                    login_alias: None,
                    values: BTreeMap::new(),
                }
            }
            RosterFormat::Okta => {
                // Okta user exports built from /api/v1/users: ACTIVE, PROVISIONED, STAGED,
                // SUSPENDED, DEPROVISIONED, LOCKED_OUT, RECOVERY, PASSWORD_EXPIRED.
                set(&[
                    ("active", Active),
                    ("provisioned", Active),
                    ("staged", Active),
                    ("locked_out", Active),
                    ("recovery", Active),
                    ("password_expired", Active),
                    ("suspended", Leave),
                    ("deprovisioned", Terminated),
                ]);
                Preset {
                    email: FieldSpec::of(&["profile.email", "email"]),
                    fallback_email: Some(FieldSpec::of(&["profile.login", "login"])),
                    guest_email: None,
                    employee_id: FieldSpec::of(&["profile.employeeNumber", "employeeNumber", "id"]),
                    name: FieldSpec::of(&["profile.displayName", "displayName"]),
                    first_name: Some(FieldSpec::of(&["profile.firstName", "firstName"])),
                    last_name: Some(FieldSpec::of(&["profile.lastName", "lastName"])),
                    status: FieldSpec::of(&["status"]),
                    employment_status: None,
                    termination_date: FieldSpec::of(&["profile.terminationDate", "terminationDate"]),
                    manager_email: FieldSpec::of(&["profile.managerEmail", "managerEmail"]),
                    department: FieldSpec::of(&["profile.department", "department"]),
                    aliases: FieldSpec::of(&["aliases"]),
                    login_alias: Some(FieldSpec::of(&["profile.login", "login"])),
                    values: BTreeMap::new(),
                }
            }
            RosterFormat::Entra => {
                // accountEnabled True/False; the 2025+ download has no such column.
                set(&[("true", Active), ("false", Terminated)]);
                Preset {
                    email: FieldSpec::of(&["mail"]),
                    fallback_email: Some(FieldSpec::of(&["userPrincipalName"])),
                    guest_email: Some(FieldSpec::of(&["alternateEmailAddress"])),
                    employee_id: FieldSpec::of(&["employeeId", "id", "objectId"]),
                    name: FieldSpec::of(&["displayName"]),
                    first_name: Some(FieldSpec::of(&["givenName"])),
                    last_name: Some(FieldSpec::of(&["surname"])),
                    status: FieldSpec::of(&["accountEnabled"]),
                    employment_status: None,
                    termination_date: FieldSpec::of(&["employeeLeaveDateTime"]),
                    manager_email: FieldSpec::of(&["managerEmail", "manager"]),
                    department: FieldSpec::of(&["department"]),
                    aliases: FieldSpec::of(&["proxyAddresses", "otherMails"]),
                    login_alias: None,
                    values: BTreeMap::new(),
                }
            }
            RosterFormat::Google => {
                // Google suspends (or archives) the accounts of leavers.
                set(&[("active", Active), ("suspended", Terminated), ("archived", Terminated)]);
                Preset {
                    email: FieldSpec::of(&["Email Address [Required]", "Email Address", "primaryEmail"]),
                    fallback_email: None,
                    guest_email: None,
                    employee_id: FieldSpec::of(&["Employee ID"]),
                    name: FieldSpec::of(&["Full Name", "Name"]),
                    first_name: Some(FieldSpec::of(&["First Name [Required]", "First Name"])),
                    last_name: Some(FieldSpec::of(&["Last Name [Required]", "Last Name"])),
                    status: FieldSpec::of(&["Status [READ ONLY]", "Status"]),
                    employment_status: None,
                    termination_date: FieldSpec::of(&["Termination Date"]),
                    manager_email: FieldSpec::of(&["Manager Email"]),
                    department: FieldSpec::of(&["Department"]),
                    aliases: FieldSpec::of(&["Aliases", "Email Aliases"]),
                    login_alias: None,
                    values: BTreeMap::new(),
                }
            }
            RosterFormat::Bamboohr => {
                set(&[
                    ("active", Active),
                    ("inactive", Terminated),
                    ("terminated", Terminated),
                    ("full-time", Active),
                    ("part-time", Active),
                    ("contractor", Active),
                    ("intern", Active),
                    ("leave of absence", Leave),
                    ("on leave", Leave),
                ]);
                Preset {
                    email: FieldSpec::of(&["Work Email", "workEmail"]),
                    fallback_email: None,
                    guest_email: None,
                    employee_id: FieldSpec::of(&["Employee #", "employeeNumber", "Employee Number", "Employee ID", "id"]),
                    name: FieldSpec::of(&["Display Name", "displayName", "Full Name"]),
                    first_name: Some(FieldSpec::of(&["Preferred Name", "First Name", "firstName"])),
                    last_name: Some(FieldSpec::of(&["Last Name", "lastName"])),
                    status: FieldSpec::of(&["Status", "status"]),
                    employment_status: Some(FieldSpec::of(&["Employment Status", "employmentHistoryStatus"])),
                    termination_date: FieldSpec::of(&["Termination Date", "terminationDate"]),
                    manager_email: FieldSpec::of(&["Reports To Email", "Reporting To Email", "Supervisor Email", "supervisorEmail"]),
                    department: FieldSpec::of(&["Department", "department"]),
                    aliases: FieldSpec::of(&["Aliases"]),
                    login_alias: None,
                    values: BTreeMap::new(),
                }
            }
            RosterFormat::Workday => {
                set(&[("yes", Active), ("no", Terminated), ("1", Active), ("0", Terminated), ("on leave", Leave)]);
                Preset {
                    email: FieldSpec::of(&[
                        "Email - Work",
                        "Email_-_Work",
                        "Work Email",
                        "Work_Email",
                        "primaryWorkEmail",
                        "Primary Work Email",
                        "Email Address",
                        "Email_Address",
                    ]),
                    fallback_email: None,
                    guest_email: None,
                    employee_id: FieldSpec::of(&["Employee ID", "Employee_ID", "Worker ID", "Emp_ID"]),
                    name: FieldSpec::of(&["Worker", "Name", "Legal Name", "Preferred_Name"]),
                    first_name: Some(FieldSpec::of(&["First Name", "First_Name"])),
                    last_name: Some(FieldSpec::of(&["Last Name", "Last_Name"])),
                    status: FieldSpec::of(&["Active Status", "Active_Status", "Worker Status", "Employment Status", "Employment_Status"]),
                    employment_status: None,
                    termination_date: FieldSpec::of(&["Termination Date", "Termination_Date"]),
                    manager_email: FieldSpec::of(&["Manager Email", "Manager_Email", "Worker's Manager Email"]),
                    department: FieldSpec::of(&[
                        "Department",
                        "Supervisory Organization",
                        "Supervisory_Organization",
                        "Cost Center",
                        "Cost_Center",
                    ]),
                    aliases: FieldSpec::of(&["Aliases"]),
                    login_alias: None,
                    values: BTreeMap::new(),
                }
            }
        };
        p.values = values;
        p
    }

    /// The status a value stands for: `Ok(None)` for an empty cell, `Err(())` for an unknown value.
    pub fn status_of(&self, value: &str, configured: &BTreeMap<String, String>) -> Result<Option<PersonStatus>, ()> {
        let v = value.trim().to_lowercase();
        if v.is_empty() {
            return Ok(None);
        }
        if let Some(s) = configured.iter().find(|(k, _)| k.trim().to_lowercase() == v).and_then(|(_, s)| PersonStatus::parse(s)) {
            return Ok(Some(s));
        }
        if let Some(s) = self.values.get(&v) {
            return Ok(Some(*s));
        }
        // Oracle-style "Active - Payroll Eligible": the first word decides.
        if let Some(first) = v.split([' ', '-']).next() {
            if let Some(s) = self.values.get(first) {
                if v.contains(" - ") {
                    return Ok(Some(*s));
                }
            }
        }
        Err(())
    }

    pub fn status_values_hint(&self) -> String {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in &self.values {
            by.entry(v.as_str()).or_default().push(k);
        }
        by.iter().map(|(s, ks)| format!("{s}: {}", ks.join("/"))).collect::<Vec<_>>().join("; ")
    }
}
