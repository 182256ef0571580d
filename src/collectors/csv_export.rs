//! Kind `csv`: an admin-console export of an app with no usable API.
//!
//! Maps the export's headers to the SPEC §4 account fields through `[apps.columns]`, with value
//! maps for status and account type, admin from a flag column, a role (`admin_values`) or a
//! configured admin group, and groups split on `groups_separator`. A row that cannot be read is
//! never silently dropped: it makes the app `partial` with the line named in coverage.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CheckOutcome, CollectError, Collector, EndpointCheck};
use crate::config::{check_delimiter, AppConfig, ConfigError, HttpConfig, KindOptions, OptionsAt};
use crate::csvio;
use crate::dates::parse_datetime;
use crate::model::{
    AccountRecord, AccountStatus, AccountType, AuthSource, Collection, CoverageRecord, EntitlementKind, EntitlementRecord,
    COVERAGE_COMPLETE, COVERAGE_PARTIAL,
};

/// `[apps.columns]` of a `csv` app: which export headers hold the SPEC §4 account fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct CsvColumns {
    pub account_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub status: Option<String>,
    pub account_type: Option<String>,
    pub is_admin: Option<String>,
    pub role: Option<String>,
    pub created_at: Option<String>,
    pub last_login_at: Option<String>,
    pub invited_at: Option<String>,
    pub groups: Option<String>,
    /// How the account signs in (SSO, LDAP, a local password): read through `auth_source_map`.
    pub auth_source: Option<String>,
}

fn default_groups_separator() -> String {
    ";".into()
}

/// Options of kind `csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CsvAppConfig {
    pub path: PathBuf,
    pub delimiter: Option<String>,
    /// chrono format for the date columns; default: RFC 3339 / ISO dates and common export formats.
    pub date_format: Option<String>,
    /// Default: each field read from a header of the same name.
    #[serde(default)]
    pub columns: CsvColumns,
    /// Export status value (case-insensitive) -> SPEC §4 status.
    #[serde(default)]
    pub status_map: BTreeMap<String, String>,
    /// Export account-type value (case-insensitive) -> SPEC §4 account type.
    #[serde(default)]
    pub account_type_map: BTreeMap<String, String>,
    /// Export sign-in value (case-insensitive) -> `sso`, `ldap`, `local` or `unknown`.
    #[serde(default)]
    pub auth_source_map: BTreeMap<String, String>,
    /// Role values (case-insensitive) that mean admin.
    #[serde(default)]
    pub admin_values: Vec<String>,
    #[serde(default = "default_groups_separator")]
    pub groups_separator: String,
}

impl KindOptions for CsvAppConfig {
    fn input_files(&self) -> Vec<(PathBuf, &'static str)> {
        vec![(self.path.clone(), "export")]
    }
}

/// Kind `csv`.
pub struct Csv;

impl Collector for Csv {
    const KIND: &'static str = "csv";
    const USES_HTTP: bool = false;
    type Options = CsvAppConfig;

    fn check(c: &mut CsvAppConfig, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        c.path = at.rebase(&c.path);
        check_delimiter(&c.delimiter).map_err(|m| at.error("delimiter", m))?;
        for (k, v) in &c.status_map {
            if AccountStatus::parse(v).is_none() {
                return Err(
                    at.error("status_map", format!("status_map \"{k}\" = \"{v}\": expected one of {}", AccountStatus::names().join(", ")))
                );
            }
        }
        for (k, v) in &c.auth_source_map {
            if AuthSource::parse(v).is_none() {
                return Err(at.error(
                    "auth_source_map",
                    format!("auth_source_map \"{k}\" = \"{v}\": expected one of {}", AuthSource::names().join(", ")),
                ));
            }
        }
        for (k, v) in &c.account_type_map {
            if AccountType::parse(v).is_none() {
                return Err(at.error(
                    "account_type_map",
                    format!("account_type_map \"{k}\" = \"{v}\": expected one of {}", AccountType::names().join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Reads the export on a blocking thread.
    async fn collect(app: &AppConfig, cfg: &CsvAppConfig) -> Result<Collection, CollectError> {
        let (app, cfg) = (app.clone(), cfg.clone());
        let name = app.name.clone();
        tokio::task::spawn_blocking(move || collect(&app, &cfg))
            .await
            .unwrap_or_else(|e| Err(CollectError::Input { app: name, detail: format!("the collector stopped: {e}") }))
    }

    /// Reads the whole export and says how much of it is readable.
    async fn probe(app: &AppConfig, cfg: &CsvAppConfig) -> Result<Vec<EndpointCheck>, CollectError> {
        let c = Self::collect(app, cfg).await?;
        let outcome = match c.coverage.errors.first() {
            None => CheckOutcome::Ok(format!("{} account(s) readable", c.account_count())),
            Some(e) => CheckOutcome::Failed(format!(
                "{} account(s) readable; {} row(s) unreadable: {e}",
                c.account_count(),
                c.coverage.errors.len()
            )),
        };
        Ok(vec![EndpointCheck { what: "export".into(), endpoint: cfg.path.display().to_string(), outcome }])
    }
}

/// Built-in status values (lower-case) of common admin consoles.
const STATUS_VALUES: [(&str, &str); 24] = [
    ("active", "active"),
    ("enabled", "active"),
    ("true", "active"),
    ("yes", "active"),
    ("user", "active"),
    ("licensed", "active"),
    ("invited", "invited"),
    ("pending", "invited"),
    ("invitation sent", "invited"),
    ("invite sent", "invited"),
    ("staged", "invited"),
    ("provisioned", "invited"),
    ("suspended", "suspended"),
    ("locked", "suspended"),
    ("blocked", "suspended"),
    ("banned", "suspended"),
    ("disabled", "disabled"),
    ("inactive", "disabled"),
    ("false", "disabled"),
    ("no", "disabled"),
    ("deactivated", "deactivated"),
    ("deleted", "deactivated"),
    ("removed", "deactivated"),
    ("closed", "deactivated"),
];

/// Built-in sign-in values (lower-case) of common admin consoles.
const AUTH_VALUES: [(&str, &str); 16] = [
    ("sso", "sso"),
    ("saml", "sso"),
    ("oidc", "sso"),
    ("openid connect", "sso"),
    ("okta", "sso"),
    ("entra id", "sso"),
    ("azure ad", "sso"),
    ("google", "sso"),
    ("ldap", "ldap"),
    ("active directory", "ldap"),
    ("ad", "ldap"),
    ("local", "local"),
    ("password", "local"),
    ("native", "local"),
    ("internal", "local"),
    ("unknown", "unknown"),
];

const TYPE_VALUES: [(&str, &str); 14] = [
    ("human", "human"),
    ("user", "human"),
    ("member", "human"),
    ("person", "human"),
    ("atlassian", "human"),
    ("service", "service"),
    ("bot", "service"),
    ("app", "service"),
    ("api", "service"),
    ("integration", "service"),
    ("system", "service"),
    ("service account", "service"),
    ("customer", "customer"),
    ("portal", "customer"),
];

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_lowercase().as_str(), "true" | "yes" | "y" | "1" | "x" | "admin" | "t")
}

struct Mapping {
    account_id: Option<usize>,
    username: Option<usize>,
    email: Option<usize>,
    display_name: Option<usize>,
    status: Option<usize>,
    account_type: Option<usize>,
    is_admin: Option<usize>,
    role: Option<usize>,
    created_at: Option<usize>,
    last_login_at: Option<usize>,
    invited_at: Option<usize>,
    groups: Option<usize>,
    auth_source: Option<usize>,
}

/// Resolves each field's header: the configured name must exist; an unconfigured field is read
/// from a header of its own name when there is one.
fn mapping(headers: &[String], c: &CsvColumns, app: &str, file: &str) -> Result<Mapping, CollectError> {
    let pick = |configured: &Option<String>, default: &str| -> Result<Option<usize>, CollectError> {
        match configured {
            Some(h) => csvio::column_of(headers, h).map(Some).ok_or_else(|| CollectError::Input {
                app: app.into(),
                detail: format!(
                    "{file}: [apps.columns] {default} = \"{h}\", but the header has no such column (it has: {})",
                    headers.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ")
                ),
            }),
            None => Ok(csvio::column_of(headers, default)),
        }
    };
    Ok(Mapping {
        account_id: pick(&c.account_id, "account_id")?,
        username: pick(&c.username, "username")?,
        email: pick(&c.email, "email")?,
        display_name: pick(&c.display_name, "display_name")?,
        status: pick(&c.status, "status")?,
        account_type: pick(&c.account_type, "account_type")?,
        is_admin: pick(&c.is_admin, "is_admin")?,
        role: pick(&c.role, "role")?,
        created_at: pick(&c.created_at, "created_at")?,
        last_login_at: pick(&c.last_login_at, "last_login_at")?,
        invited_at: pick(&c.invited_at, "invited_at")?,
        groups: pick(&c.groups, "groups")?,
        auth_source: pick(&c.auth_source, "auth_source")?,
    })
}

fn lookup<'a>(configured: &'a BTreeMap<String, String>, builtin: &'a [(&'a str, &'a str)], value: &str) -> Option<&'a str> {
    let v = value.trim().to_lowercase();
    configured
        .iter()
        .find(|(k, _)| k.trim().to_lowercase() == v)
        .map(|(_, s)| s.as_str())
        .or_else(|| builtin.iter().find(|(k, _)| *k == v).map(|(_, s)| *s))
}

pub fn collect(app: &AppConfig, cfg: &CsvAppConfig) -> Result<Collection, CollectError> {
    let file = cfg.path.display().to_string();
    let input = |e: csvio::TableError| CollectError::Input { app: app.name.clone(), detail: e.to_string() };
    // The export is streamed: only its text and the current row are held, never a table of it.
    let text = csvio::read_text(&cfg.path).map_err(input)?;
    let delimiter = crate::csvio::delimiter_byte(cfg.delimiter.as_deref())
        .unwrap_or_else(|| crate::csvio::detect_delimiter(text.lines().next().unwrap_or("")));
    let headers: Vec<String> = {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
        let mut first = csv::StringRecord::new();
        reader
            .read_record(&mut first)
            .map_err(|e| input(csvio::TableError::new(&file, csvio::TableFailure::Syntax { line: 1, detail: e.to_string() })))?;
        first.iter().map(str::to_string).collect()
    };
    let m = mapping(&headers, &cfg.columns, &app.name, &file)?;
    if m.account_id.is_none() && m.username.is_none() && m.email.is_none() {
        return Err(CollectError::Input {
            app: app.name.clone(),
            detail: format!("{file}: no column identifies an account: map account_id, username or email in [apps.columns]"),
        });
    }
    let admin_values: Vec<String> = cfg.admin_values.iter().map(|v| v.trim().to_lowercase()).collect();
    let admin_groups: Vec<String> = app.admin_groups.iter().map(|g| g.trim().to_lowercase()).collect();
    let mut coverage = CoverageRecord {
        app: app.name.clone(),
        app_kind: app.kind.as_str().into(),
        status: COVERAGE_COMPLETE,
        last_login_known: m.last_login_at.is_some(),
        source: format!("file {}", file),
        ..Default::default()
    };
    if m.status.is_none() {
        coverage.notes.push("the export has no status column: every account is taken as active".into());
    }
    if m.last_login_at.is_none() {
        coverage.notes.push(
            "the export has no last-login column: last login is unknown, so no dormant or never-logged-in findings for this app".into(),
        );
    }
    // Records are moved into columns every so many accounts: a large export is never held as records.
    let mut collection = Collection::default();
    let mut compact_error = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unknown_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad_dates = Vec::new();
    let header_len = headers.len();
    csvio::stream::<(), csvio::TableError>(
        &text,
        delimiter,
        1,
        &file,
        |_| Ok(()),
        |_, line, record| {
            if record.iter().all(|f| f.trim().is_empty()) {
                return Ok(());
            }
            if record.len() != header_len {
                coverage.errors.push(format!(
                    "line {line}: the row has {} fields but the header has {header_len}; the account on it was not read",
                    record.len()
                ));
                return Ok(());
            }
            let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).map(str::trim).unwrap_or("");
            let email = cell(m.email);
            let username = cell(m.username);
            let account_id = [cell(m.account_id), username, email].into_iter().find(|s| !s.is_empty()).unwrap_or("");
            if account_id.is_empty() {
                coverage.errors.push(format!("line {line}: no account id, username or email; the row was not read"));
                return Ok(());
            }
            if let Some(first) = seen.get(account_id) {
                coverage.duplicates_dropped += 1;
                coverage.notes.push(format!("line {line}: account {account_id} repeats line {first}; the first row was kept"));
                return Ok(());
            }
            seen.insert(account_id.to_string(), line);

            let status_text = cell(m.status);
            let status = if m.status.is_none() || status_text.is_empty() {
                if m.status.is_some() {
                    "unknown"
                } else {
                    "active"
                }
            } else {
                lookup(&cfg.status_map, &STATUS_VALUES, status_text).unwrap_or_else(|| {
                    *unknown_status.entry(status_text.to_string()).or_default() += 1;
                    "unknown"
                })
            };
            let type_text = cell(m.account_type);
            let account_type = if m.account_type.is_none() {
                "human"
            } else {
                lookup(&cfg.account_type_map, &TYPE_VALUES, type_text).unwrap_or("unknown")
            };

            let mut date = |c: Option<usize>, what: &str| -> Option<DateTime<Utc>> {
                let v = cell(c);
                match parse_datetime(v, cfg.date_format.as_deref()) {
                    Ok(d) => d.map(|d| d.and_utc()),
                    Err(_) => {
                        bad_dates.push(format!("line {line}: unreadable {what} \"{}\"", crate::text::clip(v, 40)));
                        None
                    }
                }
            };
            let created_at = date(m.created_at, "created_at");
            let last_login_at = date(m.last_login_at, "last_login_at");
            let invited_at = date(m.invited_at, "invited_at");

            let mut reasons = Vec::new();
            if m.is_admin.is_some() && truthy(cell(m.is_admin)) {
                reasons.push("admin flag in the export".to_string());
            }
            let role = cell(m.role);
            if !role.is_empty() {
                let privileged = admin_values.contains(&role.to_lowercase());
                if privileged {
                    reasons.push(format!("role {role}"));
                }
                collection.entitlements.push(EntitlementRecord {
                    account_id: account_id.into(),
                    kind: EntitlementKind::Role,
                    value: role.into(),
                    privileged,
                });
            }
            let mut groups = Vec::new();
            if !cfg.groups_separator.is_empty() {
                for g in cell(m.groups).split(cfg.groups_separator.as_str()).map(str::trim).filter(|g| !g.is_empty()) {
                    let privileged = admin_groups.contains(&g.to_lowercase());
                    if privileged {
                        reasons.push(format!("member of admin group {g}"));
                    }
                    // A group listed twice in the row is one entitlement (rows repeating an
                    // account were skipped above, so a repeat can only be within the row).
                    let repeat = groups.iter().any(|seen: &String| seen == g);
                    groups.push(g.to_string());
                    if repeat {
                        continue;
                    }
                    collection.entitlements.push(EntitlementRecord {
                        account_id: account_id.into(),
                        kind: EntitlementKind::Group,
                        value: g.into(),
                        privileged,
                    });
                }
            }
            collection.accounts.push(AccountRecord {
                account_id: account_id.into(),
                username: Some(username.to_string()).filter(|s| !s.is_empty()),
                email: Some(email.to_string()).filter(|s| !s.is_empty()),
                other_emails: Vec::new(),
                display_name: Some(cell(m.display_name).to_string()).filter(|s| !s.is_empty()),
                // The maps' values are checked against the model's when the config is read.
                status: AccountStatus::parse(status).unwrap_or_default(),
                account_type: AccountType::parse(account_type).unwrap_or_default(),
                is_admin: !reasons.is_empty(),
                admin_reason: if reasons.is_empty() { None } else { Some(reasons.join("; ")) },
                created_at,
                last_login_at,
                invited_at,
                groups,
                // Unmapped values claim nothing.
                auth_source: lookup(&cfg.auth_source_map, &AUTH_VALUES, cell(m.auth_source))
                    .and_then(AuthSource::parse)
                    .unwrap_or_default(),
                ..Default::default()
            });
            if collection.accounts.len() >= Collection::COMPACT_EVERY && compact_error.is_none() {
                compact_error = collection.compact(&app.name, app.kind.as_str()).err();
            }
            Ok(())
        },
    )
    .map_err(input)?;
    if let Some(e) = compact_error {
        return Err(CollectError::Input {
            app: app.name.clone(),
            detail: format!("{file}: the accounts read could not be put in columns: {e}"),
        });
    }
    for (value, count) in unknown_status {
        coverage.notes.push(format!(
            "{count} account(s) with status \"{}\", read as unknown (map it with [apps.status_map])",
            crate::text::clip(&value, 40)
        ));
    }
    if !bad_dates.is_empty() {
        let n = bad_dates.len();
        let shown: Vec<String> = bad_dates.into_iter().take(20).collect();
        coverage.notes.push(format!(
            "{n} unreadable date(s), left empty (set date_format): {}{}",
            shown.join("; "),
            if n > 20 { "; ..." } else { "" }
        ));
    }
    if !coverage.errors.is_empty() {
        coverage.status = COVERAGE_PARTIAL;
    }
    coverage.accounts_collected = collection.account_count() as i64;
    collection.coverage = coverage;
    Ok(collection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn app(dir: &Path, export: &str, options: &str) -> AppConfig {
        std::fs::write(dir.join("export.csv"), export).unwrap();
        let text = format!(
            "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"crm\"\nkind = \"csv\"\npath = \"export.csv\"\nadmin_groups = [\"Admins\"]\n{options}"
        );
        Config::parse(&text, &dir.join("config.toml"), &crate::collectors::REGISTRY).unwrap().apps.remove(0)
    }

    fn collect_app(a: &AppConfig) -> Result<Collection, CollectError> {
        collect(a, a.options.get::<CsvAppConfig>().unwrap())
    }

    #[test]
    fn sign_in_sources_from_an_optional_column_and_its_map() {
        let dir = tempfile::tempdir().unwrap();
        let export = "id,email,Login type\n1,a@x.com,Okta\n2,b@x.com,Local\n3,c@x.com,Corp Directory\n4,d@x.com,magic\n5,e@x.com,\n";
        let a = app(
            dir.path(),
            export,
            "[apps.columns]\naccount_id = \"id\"\nauth_source = \"Login type\"\n[apps.auth_source_map]\n\"Corp Directory\" = \"ldap\"",
        );
        let got: Vec<String> = collect_app(&a).unwrap().accounts.iter().map(|a| a.auth_source.to_string()).collect();
        assert_eq!(got, ["sso", "local", "ldap", "unknown", "unknown"], "unmapped values claim nothing");
        let dir2 = tempfile::tempdir().unwrap();
        std::fs::write(dir2.path().join("export.csv"), "id\n1\n").unwrap();
        let text = "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"crm\"\nkind = \"csv\"\npath = \"export.csv\"\n[apps.auth_source_map]\nx = \"kerberos\"\n";
        let e = Config::parse(text, &dir2.path().join("config.toml"), &crate::collectors::REGISTRY).unwrap_err().to_string();
        assert!(e.contains("auth_source_map") && e.contains("expected one of ldap, local, sso, unknown"), "{e}");
    }

    #[test]
    fn maps_columns_status_type_admin_groups_and_dates() {
        let dir = tempfile::tempdir().unwrap();
        let export = "User ID,Mail,Name,State,Kind,Admin?,Profile,Groups,Joined,Seen,Invited\n\
            u1,ann@acme.com,Ann,Enabled,User,no,Standard,Sales;Admins,2024-01-02,2026-12-01T10:00:00Z,\n\
            u2,bob@acme.com,Bob,Locked,Integration,yes,Standard,,2024-01-02,,\n\
            u3,cid@acme.com,Cid,Invitation Sent,User,,Super User,,2026-11-01,,2026-11-02\n\
            u4,dan@acme.com,Dan,Frozen,Robot,,Standard,,15/01/2024,garbage,\n";
        let options = "admin_values = [\"super user\"]\n\
            [apps.columns]\naccount_id = \"User ID\"\nemail = \"Mail\"\ndisplay_name = \"Name\"\nstatus = \"State\"\naccount_type = \"Kind\"\n\
            is_admin = \"Admin?\"\nrole = \"Profile\"\ngroups = \"Groups\"\ncreated_at = \"Joined\"\nlast_login_at = \"Seen\"\ninvited_at = \"Invited\"\n\
            [apps.status_map]\n\"invitation sent\" = \"invited\"\n[apps.account_type_map]\nIntegration = \"service\"\n";
        let c = collect_app(&app(dir.path(), export, options)).unwrap();
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE);
        assert!(c.coverage.last_login_known);
        let by = |id: &str| c.accounts.iter().find(|a| a.account_id == id).unwrap();
        let ann = by("u1");
        assert_eq!((ann.status.as_str(), ann.account_type.as_str()), ("active", "human"));
        assert!(ann.is_admin);
        assert_eq!(ann.admin_reason.as_deref(), Some("member of admin group Admins"));
        assert_eq!(ann.groups, vec!["Sales", "Admins"]);
        assert_eq!(ann.last_login_at.unwrap().to_rfc3339(), "2026-12-01T10:00:00+00:00");
        let bob = by("u2");
        assert_eq!((bob.status.as_str(), bob.account_type.as_str()), ("suspended", "service"));
        assert_eq!(bob.admin_reason.as_deref(), Some("admin flag in the export"));
        let cid = by("u3");
        assert_eq!(cid.status, "invited");
        assert_eq!(cid.admin_reason.as_deref(), Some("role Super User"));
        assert!(cid.invited_at.is_some());
        let dan = by("u4");
        assert_eq!((dan.status.as_str(), dan.account_type.as_str()), ("unknown", "unknown"));
        assert!(dan.created_at.is_none() && dan.last_login_at.is_none());
        assert!(c.coverage.notes.iter().any(|n| n.contains("\"Frozen\"")), "{:?}", c.coverage.notes);
        assert!(c.coverage.notes.iter().any(|n| n.contains("unreadable date") && n.contains("line 5")), "{:?}", c.coverage.notes);
        assert!(c.entitlements.iter().any(|e| e.kind == "group" && e.value == "Admins" && e.privileged));
        assert!(c.entitlements.iter().any(|e| e.kind == "role" && e.value == "Super User" && e.privileged));
    }

    #[test]
    fn a_clean_export_carries_no_warning_note() {
        let dir = tempfile::tempdir().unwrap();
        let export = "id,email,name,status,last_login\nu1,ann@acme.com,Ann,active,2026-12-01\nu2,bob@acme.com,Bob,disabled,2026-11-01\n";
        let options = "[apps.columns]\naccount_id = \"id\"\ndisplay_name = \"name\"\nlast_login_at = \"last_login\"\n";
        let c = collect_app(&app(dir.path(), export, options)).unwrap();
        assert_eq!(c.coverage.status, COVERAGE_COMPLETE);
        assert_eq!(c.coverage.notes, Vec::<String>::new());
        assert_eq!(c.coverage.errors, Vec::<String>::new());
    }

    #[test]
    fn a_row_that_cannot_be_read_makes_the_app_partial_and_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let c = collect_app(&app(dir.path(), "account_id,email\na,a@x.com\nb,b@x.com,extra\n\"c\nd\",c@x.com\nc,\n", "")).unwrap();
        assert_eq!(c.coverage.status, COVERAGE_PARTIAL);
        assert_eq!(c.accounts.len(), 3);
        assert!(c.coverage.errors[0].starts_with("line 3:"), "{:?}", c.coverage.errors);
        assert_eq!(c.accounts[1].account_id, "c\nd");
    }

    #[test]
    fn duplicates_are_dropped_and_counted_and_ids_fall_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = collect_app(&app(dir.path(), "username,email\nann,ann@x.com\nann,ann2@x.com\n,bob@x.com\n", "")).unwrap();
        assert_eq!(c.accounts.len(), 2);
        assert_eq!(c.coverage.duplicates_dropped, 1);
        assert_eq!(c.accounts[1].account_id, "bob@x.com", "email when there is no id or username");
        assert!(!c.coverage.last_login_known);
        assert_eq!(c.accounts[0].status, "active", "no status column: active");
    }

    #[test]
    fn a_large_export_is_held_in_columns_and_a_repeated_group_is_one_entitlement() {
        let dir = tempfile::tempdir().unwrap();
        let n = Collection::COMPACT_EVERY * 2 + 3;
        let mut export = String::from("account_id,email,groups\n");
        for i in (0..n).rev() {
            export.push_str(&format!("u{i:06},u{i}@x.com,Sales;Eng;Sales\n"));
        }
        let mut c = collect_app(&app(dir.path(), &export, "")).unwrap();
        assert_eq!((c.account_count(), c.coverage.accounts_collected), (n, n as i64));
        assert_eq!(c.compacted.len(), 2, "two runs of records put in columns while reading");
        assert_eq!(c.accounts.len(), 3);
        let frames = crate::model::AppFrames::of("a", "csv", &mut c).unwrap();
        let ids = frames.accounts.column("account_id").unwrap().str().unwrap().clone();
        assert_eq!((ids.get(0), ids.get(n - 1)), (Some("u000000"), Some(format!("u{:06}", n - 1).as_str())), "sorted by id");
        assert_eq!(frames.accounts.column("groups").unwrap().str().unwrap().get(0), Some("Eng;Sales"));
        assert_eq!(frames.entitlements.height(), 2 * n, "Sales listed twice in a row is one entitlement");
    }

    #[test]
    fn a_configured_column_that_is_not_in_the_export_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = collect_app(&app(dir.path(), "id,email\n1,a@x.com\n", "[apps.columns]\nlast_login_at = \"Last Login\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("last_login_at = \"Last Login\"") && e.contains("\"id\", \"email\""), "{e}");
        let e = collect_app(&app(dir.path(), "name,role\nA,x\n", "")).unwrap_err().to_string();
        assert!(e.contains("no column identifies an account"), "{e}");
    }
}
