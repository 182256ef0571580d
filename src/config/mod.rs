//! The TOML configuration of SPEC §2: schema, validation and error positions.
//!
//! Owns: parsing `config.toml` into typed settings, refusing unknown keys and inline secrets, and
//! turning every problem into a [`ConfigError`] that names the file, the line, the key, what was
//! found and what was expected. Relative paths are resolved against the config file's directory.
//! Must not: read rosters or exports, resolve secrets (that happens only where they are used), or
//! print anything. toml's own error rendering quotes the offending line, which could hold a secret,
//! so errors are rebuilt here from the message and the position only.

pub mod secret;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

pub use secret::{Secret, SecretRef};

/// A config problem, positioned.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    /// The key path, e.g. `apps[2].columns.email` or `review.as_of`.
    pub key: String,
    pub message: String,
}

/// Every app kind of SPEC §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    Csv,
    Messagebird,
    JiraServiceManagement,
    Bluejeans,
    BluejeansEvents,
    Beyondtrust,
    Scim,
}

impl AppKind {
    pub const ALL: [AppKind; 7] = [
        AppKind::Csv,
        AppKind::Messagebird,
        AppKind::JiraServiceManagement,
        AppKind::Bluejeans,
        AppKind::BluejeansEvents,
        AppKind::Beyondtrust,
        AppKind::Scim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Csv => "csv",
            AppKind::Messagebird => "messagebird",
            AppKind::JiraServiceManagement => "jira_service_management",
            AppKind::Bluejeans => "bluejeans",
            AppKind::BluejeansEvents => "bluejeans_events",
            AppKind::Beyondtrust => "beyondtrust",
            AppKind::Scim => "scim",
        }
    }

    fn parse(s: &str) -> Option<AppKind> {
        AppKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Longest lifetime the app allows for the credential the collector uses (SPEC §6).
    pub fn max_credential_lifetime_days(self) -> Option<i64> {
        match self {
            AppKind::JiraServiceManagement => Some(365),
            _ => None,
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date in the config: `"2026-12-31"` or a bare TOML date `2026-12-31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigDate(pub NaiveDate);

impl Serialize for ConfigDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for ConfigDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ConfigDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ConfigDate, E> {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map(ConfigDate)
                    .map_err(|_| E::custom(format!("found \"{v}\", expected a date written YYYY-MM-DD")))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ConfigDate, A::Error> {
                let dt = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time) {
                    (Some(d), None) => NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
                        .map(ConfigDate)
                        .ok_or_else(|| de::Error::custom(format!("found {dt}, which is not a calendar date"))),
                    _ => Err(de::Error::custom(format!("found {dt}, expected a date without a time (YYYY-MM-DD)"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

fn default_review_name() -> String {
    "Access review".into()
}
fn default_dormant() -> i64 {
    90
}
fn default_invite() -> i64 {
    14
}
fn default_token_warn() -> i64 {
    30
}

/// `[review]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    #[serde(default = "default_review_name")]
    pub name: String,
    pub as_of: Option<ConfigDate>,
    #[serde(default = "default_dormant")]
    pub dormant_after_days: i64,
    #[serde(default = "default_invite")]
    pub invite_stale_after_days: i64,
    #[serde(default = "default_token_warn")]
    pub token_warn_days: i64,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            name: default_review_name(),
            as_of: None,
            dormant_after_days: default_dormant(),
            invite_stale_after_days: default_invite(),
            token_warn_days: default_token_warn(),
        }
    }
}

/// Roster export formats (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RosterFormat {
    #[default]
    Generic,
    Okta,
    Entra,
    Google,
    Bamboohr,
    Workday,
}

impl RosterFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            RosterFormat::Generic => "generic",
            RosterFormat::Okta => "okta",
            RosterFormat::Entra => "entra",
            RosterFormat::Google => "google",
            RosterFormat::Bamboohr => "bamboohr",
            RosterFormat::Workday => "workday",
        }
    }
}

/// `[identity.columns]`: which roster columns hold what (generic format).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityColumns {
    pub email: String,
    pub employee_id: String,
    pub name: String,
    pub status: String,
    pub termination_date: String,
    pub manager_email: String,
    pub department: String,
    pub aliases: String,
}

impl Default for IdentityColumns {
    fn default() -> Self {
        IdentityColumns {
            email: "email".into(),
            employee_id: "employee_id".into(),
            name: "name".into(),
            status: "status".into(),
            termination_date: "termination_date".into(),
            manager_email: "manager_email".into(),
            department: "department".into(),
            aliases: "aliases".into(),
        }
    }
}

/// `[identity]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub path: PathBuf,
    #[serde(default)]
    pub format: RosterFormat,
    /// Acquired or secondary domains mapped to the primary one: `{ "oldco.com" = "acme.com" }`.
    #[serde(default)]
    pub domain_aliases: BTreeMap<String, String>,
    /// Only for `format = "generic"`; presets know their own columns.
    pub columns: Option<IdentityColumns>,
    /// Extra status values: export value (case-insensitive) -> `active | terminated | leave`.
    #[serde(default)]
    pub status_map: BTreeMap<String, String>,
    /// chrono format of the date columns when they are not ISO (e.g. "%d/%m/%Y").
    pub date_format: Option<String>,
    /// Field delimiter; default: detected from the header (comma, semicolon or tab).
    pub delimiter: Option<String>,
}

/// `credential = { owner, created, expires }` on any app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// The person accountable for the credential: an email that should be active in the roster.
    pub owner: Option<String>,
    pub created: Option<ConfigDate>,
    pub expires: Option<ConfigDate>,
    /// Overrides the kind's maximum lifetime (Atlassian API tokens: 365 days).
    pub max_lifetime_days: Option<i64>,
    /// A name for the credential in the report, e.g. "audit-bot API token".
    pub label: Option<String>,
}

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
    /// Role values (case-insensitive) that mean admin.
    #[serde(default)]
    pub admin_values: Vec<String>,
    #[serde(default = "default_groups_separator")]
    pub groups_separator: String,
}

/// Authentication of an HTTP app. Every secret is a [`SecretRef`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    Basic { username: String, password: SecretRef },
    Bearer { token: SecretRef },
    AccessKey { key: SecretRef },
    Oauth2ClientCredentials { client_id: String, client_secret: SecretRef, token_url: Option<String>, scope: Option<String> },
    Header { name: String, value: SecretRef },
    PsAuth { key: SecretRef, runas: String, password: Option<SecretRef> },
}

impl AuthConfig {
    pub fn secrets(&self) -> Vec<&SecretRef> {
        match self {
            AuthConfig::Basic { password, .. } => vec![password],
            AuthConfig::Bearer { token } => vec![token],
            AuthConfig::AccessKey { key } => vec![key],
            AuthConfig::Oauth2ClientCredentials { client_secret, .. } => vec![client_secret],
            AuthConfig::Header { value, .. } => vec![value],
            AuthConfig::PsAuth { key, password, .. } => std::iter::once(key).chain(password.as_ref()).collect(),
        }
    }

    pub fn secrets_mut(&mut self) -> Vec<&mut SecretRef> {
        match self {
            AuthConfig::Basic { password, .. } => vec![password],
            AuthConfig::Bearer { token } => vec![token],
            AuthConfig::AccessKey { key } => vec![key],
            AuthConfig::Oauth2ClientCredentials { client_secret, .. } => vec![client_secret],
            AuthConfig::Header { value, .. } => vec![value],
            AuthConfig::PsAuth { key, password, .. } => {
                let mut v = vec![key];
                if let Some(p) = password {
                    v.push(p);
                }
                v
            }
        }
    }
}

/// Connection settings shared by every HTTP kind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub base_url: String,
    pub auth: AuthConfig,
    /// PEM file of a private CA to trust (appliances with their own certificates).
    pub ca_file: Option<PathBuf>,
    /// Turns TLS verification off. Only when set explicitly; loudly reported.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    pub requests_per_second: Option<f64>,
    /// At most this many requests in any hour (0: no hourly limit).
    pub requests_per_hour: Option<u32>,
    pub concurrency: Option<u32>,
    pub page_size: Option<u32>,
    pub timeout_seconds: Option<u64>,
    pub max_attempts: Option<u32>,
    pub max_collect_seconds: Option<u64>,
    /// How many times a list that changes while it is read may be read (default 10).
    pub max_list_passes: Option<u32>,
    /// The largest response body read, in MB (default 256): a server that streams without end
    /// fails that page instead of exhausting memory.
    pub max_response_mb: Option<u64>,
}

const HTTP_KEYS: [&str; 13] = [
    "base_url",
    "auth",
    "ca_file",
    "insecure_skip_verify",
    "requests_per_second",
    "requests_per_hour",
    "concurrency",
    "page_size",
    "timeout_seconds",
    "max_attempts",
    "max_collect_seconds",
    "max_list_passes",
    "max_response_mb",
];
const COMMON_KEYS: [&str; 4] = ["name", "kind", "admin_groups", "credential"];

/// Options of kind `messagebird` (README "Kind `messagebird`").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MessagebirdOptions {
    /// `messagebird` (the guide's `/users`) or `bird` (`/organizations/{org}/users`).
    pub flavor: Option<String>,
    pub organization_id: Option<String>,
    #[serde(default)]
    pub admin_roles: Vec<String>,
}

/// Options of kind `jira_service_management` (README "Jira Service Management").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct JsmOptions {
    /// `cloud` (default: the real `/rest/api/3/users/search`) or `guide` (the guide's
    /// `/rest/api/3/user/search`, read by a prefix sweep).
    pub flavor: Option<String>,
    /// Service desks whose customers are read; empty = every service desk of the site.
    #[serde(default)]
    pub service_desk_ids: Vec<String>,
    /// Read JSM service desks and their customers (default true).
    pub customers: Option<bool>,
    /// Customers are external by design and never orphaned; set this for a help desk whose
    /// customers must all be employees, to make an unmatched customer an orphan finding.
    #[serde(default)]
    pub customers_in_orphans: bool,
    /// Page size of group member and customer lists (default 50; the server may serve fewer).
    pub group_page_size: Option<u32>,
    /// Organization admin API: fills hidden emails and last activity of managed accounts.
    pub org_id: Option<String>,
    pub org_api_key: Option<SecretRef>,
    /// Default `https://api.atlassian.com`.
    pub org_api_url: Option<String>,
    /// `v1` (default: `/admin/v1/orgs/{org}/users`) or `v2`
    /// (`/admin/v2/orgs/{org}/directories/-/users`, which adds the date an account joined the
    /// organization).
    pub org_api_version: Option<String>,
    /// The site's cloud id: with `org_api_version = "v2"`, only product activity whose ARI names
    /// this site counts (v2 names sites by ARI, not by URL).
    pub site_id: Option<String>,
    /// What is known about the organization API key (its own expiry, at most one year).
    pub org_credential: Option<CredentialConfig>,
}

/// Options of kinds `bluejeans` and `bluejeans_events` (README "BlueJeans").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BluejeansOptions {
    /// The enterprise (partition) id the API client belongs to.
    pub enterprise_id: Option<String>,
    /// `api` (default: the official swagger: 1-based `pageNumber`, `{count, user: [...]}`,
    /// details at `/v1/user/{id}`) or `guide` (0-based `pageNumber`, `{count, users: [...]}`,
    /// details at `/v1/enterprise/{id}/users/{userId}`).
    pub flavor: Option<String>,
    /// Per-user detail requests: `auto` (default: when the list lacks the admin flag), `always`
    /// (also for last login; one request per user), `never`.
    pub user_details: Option<String>,
    /// Send the OAuth token as `?access_token=` instead of a Bearer header.
    #[serde(default)]
    pub token_in_query: bool,
    /// `bluejeans_events`: where the enterprise user list is (the Meetings API; default
    /// `https://api.bluejeans.com`).
    pub users_url: Option<String>,
    /// `bluejeans_events`: a user's events (default `/api/scheduling/v1/users/{userId}/events`).
    pub events_path: Option<String>,
    /// `bluejeans_events`: one event (default `/api/scheduling/v1/users/{userId}/events/{eventId}`).
    pub event_path: Option<String>,
    /// `bluejeans_events`: the registration app (Admin > Events > Enterprise Apps) whose
    /// credentials turn an event's `apiKey` into a `registration_app` token; when set, every
    /// registration-enabled event's key is checked that way.
    pub registration_client_id: Option<String>,
    pub registration_client_secret: Option<SecretRef>,
    /// Default `{base_url}/api/security/v1/oauth/accesstoken`.
    pub registration_token_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BeyondtrustOptions {
    /// `public_v3` (default, the guide), `config_api` (Remote Support / PRA) or `password_safe`.
    pub flavor: Option<String>,
    /// `config_api`: the permission flags that make an admin (default `perm_admin`).
    #[serde(default)]
    pub admin_roles: Vec<String>,
    /// `config_api`: read each user's group policies (one request per user).
    #[serde(default)]
    pub group_policies: bool,
}

/// The SCIM surface of a known app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScimPreset {
    pub name: &'static str,
    /// Largest `count` the server serves.
    pub max_count: u32,
    /// What to put in `base_url` (for the README and messages).
    pub base_url: &'static str,
}

pub const SCIM_PRESETS: [ScimPreset; 4] = [
    ScimPreset { name: "atlassian", max_count: 100, base_url: "https://api.atlassian.com/scim/directory/{directoryId}" },
    ScimPreset { name: "bluejeans", max_count: 100, base_url: "https://api.bluejeans.com/scim/v2" },
    ScimPreset { name: "beyondtrust", max_count: 100, base_url: "https://<appliance>/scim/v2" },
    ScimPreset { name: "messagebird", max_count: 100, base_url: "https://<organization scim endpoint>/scim/v2" },
];

pub fn scim_preset(name: &str) -> Option<ScimPreset> {
    SCIM_PRESETS.iter().copied().find(|p| p.name == name)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ScimOptions {
    /// The SCIM surface of a known app: `atlassian`, `bluejeans`, `beyondtrust`, `messagebird`
    /// (README "Kind `scim`"); sets the page-size cap. None: any SCIM 2.0 service provider.
    pub preset: Option<String>,
    /// Default `/Users`.
    pub users_path: Option<String>,
    /// Default `/Groups`; `""` reads no groups (memberships then come from `User.groups`).
    pub groups_path: Option<String>,
    /// Role values (`User.roles[].value`) that make an admin.
    #[serde(default)]
    pub admin_roles: Vec<String>,
    /// `1` (RFC 7644) or `0` for servers that count from zero; default: detected.
    pub start_index: Option<u32>,
}

/// What is specific to one app's kind.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum AppSource {
    Csv(CsvAppConfig),
    Messagebird { http: HttpConfig, options: MessagebirdOptions },
    JiraServiceManagement { http: HttpConfig, options: JsmOptions },
    Bluejeans { http: HttpConfig, options: BluejeansOptions },
    BluejeansEvents { http: HttpConfig, options: BluejeansOptions },
    Beyondtrust { http: HttpConfig, options: BeyondtrustOptions },
    Scim { http: HttpConfig, options: ScimOptions },
}

/// One `[[apps]]` entry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppConfig {
    pub name: String,
    pub kind: AppKind,
    pub admin_groups: Vec<String>,
    pub credential: Option<CredentialConfig>,
    pub source: AppSource,
    /// Line of the `[[apps]]` header, for messages about this app.
    #[serde(skip)]
    pub line: usize,
}

impl AppConfig {
    /// The connection settings of an API app.
    pub fn http(&self) -> Option<&HttpConfig> {
        match &self.source {
            AppSource::Csv(_) => None,
            AppSource::Messagebird { http, .. }
            | AppSource::JiraServiceManagement { http, .. }
            | AppSource::Bluejeans { http, .. }
            | AppSource::BluejeansEvents { http, .. }
            | AppSource::Beyondtrust { http, .. }
            | AppSource::Scim { http, .. } => Some(http),
        }
    }

    /// Every secret this app needs: its auth, and kind options such as the Atlassian org API key.
    pub fn secrets(&self) -> Vec<&SecretRef> {
        let mut out = self.http().map(|h| h.auth.secrets()).unwrap_or_default();
        match &self.source {
            AppSource::JiraServiceManagement { options, .. } => out.extend(options.org_api_key.as_ref()),
            AppSource::Bluejeans { options, .. } | AppSource::BluejeansEvents { options, .. } => {
                out.extend(options.registration_client_secret.as_ref())
            }
            _ => {}
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathSection {
    pub path: PathBuf,
}

/// `[evidence]`: how the evidence pack is sealed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// An Ed25519 private key (PKCS#8 PEM as `openssl genpkey -algorithm ed25519` writes it, or the
    /// 32-byte seed in hex or base64), as a secret reference. When set, `manifest.json` is signed
    /// into `manifest.json.sig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SecretRef>,
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The config file as given on the command line.
    #[serde(skip)]
    pub file: PathBuf,
    /// SHA-256 of the config text as parsed (recorded in the snapshot: which config a collection
    /// ran with; it holds secret references, never secrets).
    #[serde(skip)]
    pub sha256: String,
    pub review: Review,
    pub identity: Identity,
    pub apps: Vec<AppConfig>,
    pub exceptions: Option<PathSection>,
    pub overrides: Option<PathSection>,
    pub evidence: Evidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    review: Review,
    identity: Identity,
    #[serde(default)]
    apps: Vec<toml::Spanned<toml::Table>>,
    exceptions: Option<PathSection>,
    overrides: Option<PathSection>,
    #[serde(default)]
    evidence: Evidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonApp {
    name: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    admin_groups: Vec<String>,
    credential: Option<CredentialConfig>,
}

/// Byte offset -> 1-based line.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The text region of the `[[apps]]` entry that starts at `start`: up to the next `[[apps]]` or
/// the next section that is not one of its sub-tables.
fn app_region(text: &str, start: usize) -> std::ops::Range<usize> {
    let start = start.min(text.len());
    let mut offset = start;
    for (i, line) in text[start..].split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        if i > 0 && t.starts_with('[') && (t.starts_with("[[") || !t.starts_with("[apps.")) {
            return start..offset;
        }
        offset += line.len();
    }
    start..text.len()
}

/// The line where `key = ` is written inside `span` (falls back to the span's first line).
fn line_of_key(text: &str, span: std::ops::Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed.strip_prefix('"').unwrap_or(trimmed);
        if let Some(rest) = bare.strip_prefix(key) {
            let rest = rest.trim_start_matches('"').trim_start();
            if rest.starts_with('=') || rest.starts_with('.') {
                return line_of(text, offset);
            }
        }
        if trimmed.starts_with(&format!("[apps.{key}]")) || trimmed.starts_with(&format!("[identity.{key}]")) {
            return line_of(text, offset);
        }
        offset += line.len();
    }
    line_of(text, start)
}

/// The first backticked name in a serde message ("unknown field `x`", "missing field `y`").
fn field_in_message(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

impl Config {
    /// Reads and validates the config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            key: "(file)".into(),
            message: format!("cannot read the config file: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            let span = e.span().unwrap_or(0..0);
            let mut line = line_of(text, span.start);
            let mut key = section_at(text, span.start);
            if let Some(field) = field_in_message(&message) {
                if message.starts_with("unknown field") {
                    line = line_of_key(text, span.clone(), field);
                    key = join_key(&key, field);
                } else if message.starts_with("missing field") {
                    key = join_key(&key, field);
                }
            }
            ConfigError { file: file.clone(), line, key, message: explain(&message) }
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let err = |line: usize, key: String, message: String| ConfigError { file: file.clone(), line, key, message };

        let mut review = raw.review;
        for (key, value) in [
            ("review.dormant_after_days", review.dormant_after_days),
            ("review.invite_stale_after_days", review.invite_stale_after_days),
            ("review.token_warn_days", review.token_warn_days),
        ] {
            if value < 0 {
                let line = line_of_key(text, 0..text.len(), key.rsplit('.').next().unwrap_or(key));
                return Err(err(line, key.into(), format!("found {value}, expected a number of days (0 or more)")));
            }
        }
        review.name = review.name.trim().to_string();

        let mut identity = raw.identity;
        if identity.columns.is_some() && identity.format != RosterFormat::Generic {
            let line = line_of_key(text, 0..text.len(), "columns");
            return Err(err(
                line,
                "identity.columns".into(),
                format!(
                    "found a column mapping with format = \"{}\"; a mapping is only used with format = \"generic\" (presets know their own columns)",
                    identity.format.as_str()
                ),
            ));
        }
        for (value, key) in identity.status_map.values().zip(identity.status_map.keys()) {
            if !["active", "terminated", "leave"].contains(&value.as_str()) {
                let line = line_of_key(text, 0..text.len(), "status_map");
                return Err(err(
                    line,
                    format!("identity.status_map.{key}"),
                    format!("found \"{value}\", expected one of active, terminated, leave"),
                ));
            }
        }
        check_delimiter(&identity.delimiter)
            .map_err(|m| err(line_of_key(text, 0..text.len(), "delimiter"), "identity.delimiter".into(), m))?;
        identity.domain_aliases = identity
            .domain_aliases
            .into_iter()
            .map(|(k, v)| (k.trim().trim_start_matches('@').to_lowercase(), v.trim().trim_start_matches('@').to_lowercase()))
            .collect();
        identity.path = rebase(&base, &identity.path);

        let mut apps: Vec<AppConfig> = Vec::new();
        for (index, spanned) in raw.apps.into_iter().enumerate() {
            let span = spanned.span();
            let table = spanned.into_inner();
            let app = parse_app(text, &file, index, span, table, &base)?;
            if let Some(prev) = apps.iter().find(|a| a.name == app.name) {
                return Err(err(
                    app.line,
                    format!("apps[{index}].name"),
                    format!("found \"{}\" again (first at line {}); app names must be unique", app.name, prev.line),
                ));
            }
            apps.push(app);
        }

        let exceptions = raw.exceptions.map(|p| PathSection { path: rebase(&base, &p.path) });
        let overrides = raw.overrides.map(|p| PathSection { path: rebase(&base, &p.path) });
        let mut evidence = raw.evidence;
        if let Some(key) = &mut evidence.signing_key {
            key.rebase(&base);
        }
        let sha256 = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(text.as_bytes()))
        };
        Ok(Config { file: path.to_path_buf(), sha256, review, identity, apps, exceptions, overrides, evidence })
    }

    /// The config as JSON for the manifest: secret references are described, never resolved.
    pub fn redacted_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn app(&self, name: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|a| a.name == name)
    }
}

fn rebase(base: &Path, p: &Path) -> PathBuf {
    if p.is_relative() {
        base.join(p)
    } else {
        p.to_path_buf()
    }
}

fn join_key(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The `[section]` that contains `offset`, as a key prefix.
fn section_at(text: &str, offset: usize) -> String {
    let mut section = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        }
        pos += line.len();
    }
    section
}

/// serde messages, with the expected values spelled out where serde is terse.
fn explain(message: &str) -> String {
    let mut m = message.replace("\n", " ");
    if m.starts_with("unknown field") {
        m.push_str(" (unknown keys are errors: check the spelling against the README's config reference)");
    }
    m
}

fn check_delimiter(d: &Option<String>) -> Result<(), String> {
    match d {
        Some(s) if s.chars().count() != 1 && s != "\\t" => {
            Err(format!("found \"{s}\", expected a single character such as \",\", \";\" or \"\\t\""))
        }
        _ => Ok(()),
    }
}

fn parse_app(
    text: &str,
    file: &str,
    index: usize,
    span: std::ops::Range<usize>,
    table: toml::Table,
    base: &Path,
) -> Result<AppConfig, ConfigError> {
    let app_line = line_of(text, span.start);
    let span = app_region(text, span.start);
    let prefix = format!("apps[{index}]");
    let err = |key: &str, message: String| ConfigError {
        file: file.into(),
        line: if key.is_empty() { app_line } else { line_of_key(text, span.clone(), key) },
        key: if key.is_empty() { prefix.clone() } else { format!("{prefix}.{key}") },
        message,
    };
    let kinds = AppKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
    let kind = match table.get("kind") {
        Some(toml::Value::String(s)) => AppKind::parse(s).ok_or_else(|| err("kind", format!("found \"{s}\", expected one of {kinds}")))?,
        Some(other) => return Err(err("kind", format!("found {}, expected a string, one of {kinds}", other.type_str()))),
        None => return Err(err("", format!("missing key `kind`, expected one of {kinds}"))),
    };
    // Secrets written inline: refused here, where the key and its line are still known.
    let secret_keys = ["password", "token", "key", "client_secret", "value"];
    let mut inline: Vec<String> = Vec::new();
    if let Some(toml::Value::Table(auth)) = table.get("auth") {
        inline.extend(secret_keys.iter().filter(|k| matches!(auth.get(**k), Some(toml::Value::String(_)))).map(|k| format!("auth.{k}")));
    }
    if matches!(table.get("org_api_key"), Some(toml::Value::String(_))) {
        inline.push("org_api_key".into());
    }
    if let Some(key) = inline.first() {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        return Err(ConfigError {
            file: file.into(),
            line: line_of_key(text, span.clone(), if key.starts_with("auth.") { "auth" } else { leaf }),
            key: format!("{prefix}.{key}"),
            message: secret::INLINE_SECRET_HELP.into(),
        });
    }
    let mut common = toml::Table::new();
    let mut http = toml::Table::new();
    let mut rest = toml::Table::new();
    for (k, v) in table {
        if COMMON_KEYS.contains(&k.as_str()) {
            common.insert(k, v);
        } else if kind != AppKind::Csv && HTTP_KEYS.contains(&k.as_str()) {
            http.insert(k, v);
        } else {
            rest.insert(k, v);
        }
    }
    let convert = |e: toml::de::Error, section: &str| {
        let message = e.message().trim().to_string();
        let field = field_in_message(&message).map(str::to_string);
        let key = match (&field, section) {
            (Some(f), "") => f.clone(),
            (Some(f), s) => format!("{s}.{f}"),
            (None, s) => s.to_string(),
        };
        let mut m = explain(&message);
        if message.starts_with("unknown field") {
            m.push_str(&format!(
                "; every kind also takes {}{}",
                COMMON_KEYS.join(", "),
                if kind == AppKind::Csv { String::new() } else { format!(", {}", HTTP_KEYS.join(", ")) }
            ));
        }
        let line_key = field.as_deref().unwrap_or(section);
        ConfigError {
            file: file.into(),
            line: if line_key.is_empty() { app_line } else { line_of_key(text, span.clone(), line_key) },
            key: if key.is_empty() { prefix.clone() } else { format!("{prefix}.{key}") },
            message: m,
        }
    };
    let common: CommonApp = toml::Value::Table(common).try_into().map_err(|e| convert(e, ""))?;
    let name = common.name.trim().to_string();
    if name.is_empty() || name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(err("name", format!("found \"{}\", expected a non-empty name without slashes or control characters", common.name)));
    }
    let http_cfg = |http: toml::Table| -> Result<HttpConfig, ConfigError> {
        let mut cfg: HttpConfig = toml::Value::Table(http).try_into().map_err(|e| convert(e, ""))?;
        for s in cfg.auth.secrets_mut() {
            s.rebase(base);
        }
        cfg.ca_file = cfg.ca_file.map(|p| rebase(base, &p));
        if !(cfg.base_url.starts_with("https://") || cfg.base_url.starts_with("http://")) {
            return Err(err("base_url", format!("found \"{}\", expected an http(s):// URL", cfg.base_url)));
        }
        if let Some(r) = cfg.requests_per_second {
            if r.is_nan() || r <= 0.0 {
                return Err(err("requests_per_second", format!("found {r}, expected a number above 0")));
            }
        }
        Ok(cfg)
    };
    let rest_value = toml::Value::Table(rest);
    let source = match kind {
        AppKind::Csv => {
            let mut c: CsvAppConfig = rest_value.try_into().map_err(|e| convert(e, ""))?;
            c.path = rebase(base, &c.path);
            check_delimiter(&c.delimiter).map_err(|m| err("delimiter", m))?;
            for (k, v) in &c.status_map {
                if crate::model::AccountStatus::parse(v).is_none() {
                    return Err(err(
                        "status_map",
                        format!("status_map \"{k}\" = \"{v}\": expected one of {}", crate::model::AccountStatus::names().join(", ")),
                    ));
                }
            }
            for (k, v) in &c.account_type_map {
                if crate::model::AccountType::parse(v).is_none() {
                    return Err(err(
                        "account_type_map",
                        format!("account_type_map \"{k}\" = \"{v}\": expected one of {}", crate::model::AccountType::names().join(", ")),
                    ));
                }
            }
            AppSource::Csv(c)
        }
        AppKind::Messagebird => {
            AppSource::Messagebird { http: http_cfg(http)?, options: rest_value.try_into().map_err(|e| convert(e, ""))? }
        }
        AppKind::JiraServiceManagement => {
            let mut options: JsmOptions = rest_value.try_into().map_err(|e| convert(e, ""))?;
            if let Some(k) = options.org_api_key.as_mut() {
                k.rebase(base);
            }
            if let Some(f) = options.flavor.as_deref().filter(|f| !["cloud", "guide"].contains(f)) {
                return Err(err(
                    "flavor",
                    format!("found \"{f}\", expected \"cloud\" (/rest/api/3/users/search) or \"guide\" (/rest/api/3/user/search)"),
                ));
            }
            if options.org_id.is_some() != options.org_api_key.is_some() {
                return Err(err(
                    if options.org_id.is_some() { "org_api_key" } else { "org_id" },
                    "the organization admin API needs both org_id and org_api_key (an organization API key from admin.atlassian.com)"
                        .into(),
                ));
            }
            if let Some(u) = options.org_api_url.as_deref().filter(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
                return Err(err("org_api_url", format!("found \"{u}\", expected an http(s):// URL")));
            }
            if let Some(v) = options.org_api_version.as_deref().filter(|v| !["v1", "v2"].contains(v)) {
                return Err(err("org_api_version", format!("found \"{v}\", expected \"v1\" or \"v2\"")));
            }
            if options.site_id.is_some() && options.org_api_version.as_deref() != Some("v2") {
                return Err(err("site_id", "site_id is used with org_api_version = \"v2\" (v1 names the site by its URL)".into()));
            }
            AppSource::JiraServiceManagement { http: http_cfg(http)?, options }
        }
        AppKind::Bluejeans | AppKind::BluejeansEvents => {
            let mut options: BluejeansOptions = rest_value.try_into().map_err(|e| convert(e, ""))?;
            if let Some(k) = options.registration_client_secret.as_mut() {
                k.rebase(base);
            }
            if options.enterprise_id.is_none() {
                return Err(err(
                    "enterprise_id",
                    "is required: the enterprise id the API client belongs to (the token's scope.enterprise)".into(),
                ));
            }
            if let Some(f) = options.flavor.as_deref().filter(|f| !["api", "guide"].contains(f)) {
                return Err(err("flavor", format!("found \"{f}\", expected \"api\" (the official swagger) or \"guide\"")));
            }
            if let Some(d) = options.user_details.as_deref().filter(|d| !["auto", "always", "never"].contains(d)) {
                return Err(err("user_details", format!("found \"{d}\", expected \"auto\", \"always\" or \"never\"")));
            }
            if options.registration_client_id.is_some() != options.registration_client_secret.is_some() {
                return Err(err("registration_client_secret", "registration_client_id and registration_client_secret go together".into()));
            }
            let http = http_cfg(http)?;
            if kind == AppKind::Bluejeans {
                AppSource::Bluejeans { http, options }
            } else {
                AppSource::BluejeansEvents { http, options }
            }
        }
        AppKind::Beyondtrust => {
            let options: BeyondtrustOptions = rest_value.try_into().map_err(|e| convert(e, ""))?;
            let http = http_cfg(http)?;
            let flavor = options.flavor.as_deref().unwrap_or("public_v3");
            if !["public_v3", "config_api", "password_safe"].contains(&flavor) {
                return Err(err("flavor", format!("found \"{flavor}\", expected \"public_v3\", \"config_api\" or \"password_safe\"")));
            }
            let ps = matches!(http.auth, AuthConfig::PsAuth { .. });
            let oauth = matches!(http.auth, AuthConfig::Oauth2ClientCredentials { .. });
            if ps && flavor != "password_safe" {
                return Err(err(
                    "auth",
                    format!(
                        "auth type ps_auth is for flavor \"password_safe\"; flavor \"{flavor}\" signs in with oauth2_client_credentials"
                    ),
                ));
            }
            if flavor == "password_safe" && !ps && !oauth {
                return Err(err(
                    "auth",
                    "flavor \"password_safe\" signs in with auth = { type = \"ps_auth\", key = { env = \"...\" }, runas = \"user\" } or with oauth2_client_credentials (Auth/connect/token)".into(),
                ));
            }
            AppSource::Beyondtrust { http, options }
        }
        AppKind::Scim => {
            let options: ScimOptions = rest_value.try_into().map_err(|e| convert(e, ""))?;
            if let Some(p) = options.preset.as_deref().filter(|p| scim_preset(p).is_none()) {
                return Err(err(
                    "preset",
                    format!("found \"{p}\", expected one of {}", SCIM_PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")),
                ));
            }
            if let Some(i) = options.start_index.filter(|i| *i > 1) {
                return Err(err("start_index", format!("found {i}, expected 0 or 1")));
            }
            AppSource::Scim { http: http_cfg(http)?, options }
        }
    };
    Ok(AppConfig { name, kind, admin_groups: common.admin_groups, credential: common.credential, source, line: app_line })
}

#[cfg(test)]
mod tests;
