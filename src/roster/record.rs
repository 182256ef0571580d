//! A person of the roster, the statuses a person can have, the roster's issues and errors, and
//! how addresses and headers are compared.

use chrono::NaiveDate;

/// Column names of the people frame.
pub mod person {
    pub const PERSON_ID: &str = "person_id";
    pub const EMAIL: &str = "person_email";
    pub const NAME: &str = "person_name";
    pub const STATUS: &str = "person_status";
    pub const TERMINATION_DATE: &str = "person_termination_date";
    pub const MANAGER_EMAIL: &str = "person_manager_email";
    pub const DEPARTMENT: &str = "person_department";
    pub const LINE: &str = "person_line";
    /// Row number in the people frame (keys refer to it).
    pub const ROW: &str = "person_row";
    /// Key frame: a normalized address and whether it is the person's email or an alias.
    pub const KEY: &str = "key";
    pub const KEY_KIND: &str = "key_kind";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonStatus {
    Active,
    Terminated,
    Leave,
}

impl PersonStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonStatus::Active => "active",
            PersonStatus::Terminated => "terminated",
            PersonStatus::Leave => "leave",
        }
    }
    pub fn parse(s: &str) -> Option<PersonStatus> {
        match s {
            "active" => Some(PersonStatus::Active),
            "terminated" => Some(PersonStatus::Terminated),
            "leave" => Some(PersonStatus::Leave),
            _ => None,
        }
    }
}

/// One usable roster row.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub person_id: String,
    /// Trimmed and lower-cased.
    pub email: String,
    pub name: String,
    pub status: PersonStatus,
    pub termination_date: Option<NaiveDate>,
    pub manager_email: Option<String>,
    pub department: Option<String>,
    /// Other addresses of the person, normalized.
    pub aliases: Vec<String>,
    /// Line in the file where the row starts (header = line 1), or the entry number in a JSON body.
    pub line: usize,
}

/// A roster row that could not be used (SPEC §3: a warning, listed in `roster_issues.csv`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RosterIssue {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("roster {file}: cannot read it: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("roster {file}: {detail}")]
    Format { file: String, detail: String },
    #[error("roster {file}: the email {email} appears on line {first} and again on line {second}; each person must appear once (merge the rows, or move the second address to the first row's aliases)")]
    DuplicateEmail { file: String, email: String, first: usize, second: usize },
    #[error(
        "roster {file}: line {second}'s email {email} is also listed as an alias on line {first}; an address can belong to one person only"
    )]
    AliasCollision { file: String, email: String, first: usize, second: usize },
    #[error("roster: the users of app {app} are the roster ([identity] source), but {detail}")]
    Source { app: String, detail: String },
}

/// Trim + lower-case: how every address is compared (SPEC §5).
pub fn normalize_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A plausible address: one `@`, a local part, a dotted domain, no spaces.
pub fn is_valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';' || c == '<' || c == '>')
}

/// Header text as compared: lower-case alphanumerics and `#`, without a trailing `[...]` note
/// (Google's "Email Address [Required]").
pub fn header_key(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    let h = match h.find('[') {
        Some(i) if h.ends_with(']') => &h[..i],
        _ => h,
    };
    h.chars().filter(|c| c.is_alphanumeric() || *c == '#').flat_map(char::to_lowercase).collect()
}

/// `jane_doe.example.com#EXT#@tenant.onmicrosoft.com` -> `jane_doe@example.com`: the last `_`
/// before `#EXT#` stands for the `@`.
pub fn decode_ext_upn(upn: &str) -> Option<String> {
    let local = upn.split("#EXT#").next()?;
    let at = local.rfind('_')?;
    Some(format!("{}@{}", &local[..at], &local[at + 1..]))
}
