//! The sections of the config that are not apps: `[review]`, `[identity]`, `[evidence]`, the
//! exceptions and overrides files, and the credential an app may declare.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::dates::ConfigDate;
use super::secret::SecretRef;

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
    /// The most accounts an app's sheet of review.xlsx lists (default 50,000); an app with more
    /// gets a sheet that says where its accounts are (accounts.csv, the category sheets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbook_max_app_rows: Option<u64>,
    /// A local password beside single sign-on is a `local_login` finding for every account, not
    /// only for admins (medium for non-admins).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flag_local_logins: bool,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            name: default_review_name(),
            as_of: None,
            dormant_after_days: default_dormant(),
            invite_stale_after_days: default_invite(),
            token_warn_days: default_token_warn(),
            workbook_max_app_rows: None,
            flag_local_logins: false,
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
    /// The roster file (an HR or IdP export); empty when `source` names an app instead.
    #[serde(default)]
    pub path: PathBuf,
    /// The users of an identity provider app of this config are the roster (no file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<IdentitySource>,
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

/// `idp = { app = "okta", id = "0oa..." }` (or `label = "..."`) on any app: its application in
/// an identity provider, whose assignments its accounts are held against (`outside_idp`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdpLink {
    /// The name of the identity provider's app in this config (kind okta or entra).
    pub app: String,
    /// The application's id in the identity provider (Okta `0oa...`, Entra service principal id
    /// or appId).
    pub id: Option<String>,
    /// Or its label (Okta) or display name (Entra), compared without regard to case.
    pub label: Option<String>,
}

impl IdpLink {
    /// What the link names, for messages: `id 0oa1` or `label "Jira"`.
    pub fn describe(&self) -> String {
        match (&self.id, &self.label) {
            (Some(id), _) => format!("id {id}"),
            (None, Some(l)) => format!("label \"{l}\""),
            (None, None) => "nothing".into(),
        }
    }
}

/// `[identity] source = { app = "okta" }`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentitySource {
    /// An app of kind okta, entra or google_workspace in this config.
    pub app: String,
}

impl Identity {
    /// The identity provider app whose users are the roster, if one is.
    pub fn source_app(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.app.as_str())
    }
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

crate::choice! {
    /// How `[notify]` protects the SMTP connection.
    SmtpTls {
        /// STARTTLS on a plain connection, required (port 587 by default).
        StartTls = "starttls",
        /// TLS from the first byte (port 465 by default).
        Implicit = "implicit",
        /// No TLS (port 25 by default): a relay on this machine only; credentials are refused.
        None = "none",
    } default StartTls
}

/// `[notify]`: the SMTP server `campaign remind` sends through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    pub host: String,
    /// Default: 587 for STARTTLS, 465 for implicit TLS, 25 without.
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// A secret reference, as every other secret.
    pub password: Option<SecretRef>,
    /// The sender: `access-review@acme.com` or `Access review <access-review@acme.com>`.
    pub from: String,
    /// A CA certificate (PEM) the server's certificate is checked against, beside the public roots.
    pub ca_file: Option<PathBuf>,
}

impl Notify {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
        })
    }
}

pub fn check_delimiter(d: &Option<String>) -> Result<(), String> {
    match d {
        Some(s) if s.chars().count() != 1 && s != "\\t" => {
            Err(format!("found \"{s}\", expected a single character such as \",\", \";\" or \"\\t\""))
        }
        _ => Ok(()),
    }
}

crate::choice! {
    /// Who certifies an account of a person still with the company.
    CampaignBy {
        /// The person's manager (`manager_email` of the roster).
        Manager = "manager",
        /// The app's owner (`owner` of the app).
        AppOwner = "app_owner",
    } default Manager
}

/// `[campaign]`: who certifies which account, and by when.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// `manager` (default) or `app_owner`.
    pub by: Option<CampaignBy>,
    /// The date every reviewer must have answered by.
    pub due: Option<super::ConfigDate>,
    /// Who certifies what no one else can (no manager, no owner, a reviewer not in the roster).
    pub fallback_reviewer: Option<String>,
    /// Who runs the campaign: the decider recorded when `campaign close` decides the accounts
    /// nobody answered for by policy.
    pub owner: Option<String>,
    /// `campaign remind` copies a reviewer's manager this many days after the due date.
    pub escalate_after_days: Option<i64>,
    /// `[campaign.recommend]`: the thresholds past which a fact makes the recommendation revoke.
    #[serde(default)]
    pub recommend: Recommend,
}

fn default_recommend_dormant() -> i64 {
    90
}
fn default_recommend_invited() -> i64 {
    30
}

/// `[campaign.recommend]`: when a dormant account or an unaccepted invitation is recommended for
/// revocation rather than for review (below the threshold, its finding makes it `review`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recommend {
    /// An active account without a sign-in for at least this many days: revoke (default 90).
    #[serde(default = "default_recommend_dormant")]
    pub dormant_days: i64,
    /// An invitation pending, or an account never signed in to, for at least this many days:
    /// revoke (default 30).
    #[serde(default = "default_recommend_invited")]
    pub invited_days: i64,
}

impl Default for Recommend {
    fn default() -> Self {
        Recommend { dormant_days: default_recommend_dormant(), invited_days: default_recommend_invited() }
    }
}

/// `[tickets]`: where `remediate --tickets` opens its tickets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tickets {
    /// One ticket per app (default) or per reviewer.
    #[serde(default)]
    pub group_by: TicketGrouping,
    pub jira: Option<JiraTickets>,
    pub servicenow: Option<ServiceNowTickets>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TicketGrouping {
    #[default]
    PerApp,
    PerReviewer,
}

fn default_issue_type() -> String {
    "Task".into()
}
fn default_table() -> String {
    "sc_task".into()
}

/// `[tickets.jira]`: Jira Cloud REST v3.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraTickets {
    /// `https://<site>.atlassian.net`
    pub base_url: String,
    /// The project key (`ITOPS`).
    pub project: String,
    #[serde(default = "default_issue_type")]
    pub issue_type: String,
    /// Basic: the account's email and an API token (a secret reference).
    pub auth: super::AuthConfig,
    pub ca_file: Option<PathBuf>,
}

/// `[tickets.servicenow]`: the Table API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowTickets {
    /// `https://<instance>.service-now.com`
    pub base_url: String,
    /// The table tickets go into (default `sc_task`; `incident`, ...).
    #[serde(default = "default_table")]
    pub table: String,
    /// Basic (a user and its password) or bearer (an OAuth token), as secret references.
    pub auth: super::AuthConfig,
    pub ca_file: Option<PathBuf>,
}
