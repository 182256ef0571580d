//! The options of kind `okta` and its engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, KindOptions, OptionsAt};
use crate::http::{KindDefaults, TokenStyle};

pub const DEFAULTS: KindDefaults = KindDefaults {
    // Okta's per-endpoint limits start at 600 requests a minute for most management endpoints
    // of the smallest orgs; every answer says what is left (X-Rate-Limit-Remaining), and the
    // engine slows down before the limit, not only after a 429.
    requests_per_second: 10.0,
    concurrency: 4,
    token_path: Some("/oauth2/v1/token"),
    token_style: TokenStyle::Form,
    permission_hint: " (an API token of a Read-only Administrator, or a service app granted okta.users.read, okta.groups.read, okta.apps.read, okta.roles.read and okta.apiTokens.read)",
    auth_hint: "; an Okta API token expires after 30 days without use and stops working when its administrator is deactivated",
    requests_per_hour: None,
};

/// The read-only scopes a service app needs, with what each reads.
pub const SCOPES: [(&str, &str); 6] = [
    ("okta.users.read", "users and their factors"),
    ("okta.groups.read", "groups and their members"),
    ("okta.apps.read", "apps and their assignments"),
    ("okta.roles.read", "administrator role assignments"),
    ("okta.apiTokens.read", "API tokens"),
    ("okta.factors.read", "enrolled factors"),
];

/// The scope asked for when the config names none: every read scope the collection uses.
pub fn default_scope() -> String {
    SCOPES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(" ")
}

/// Options of kind `okta` (docs/src/kinds/okta.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct OktaOptions {
    /// Read deprovisioned users too (the users list leaves them out unless asked; default true).
    pub deprovisioned: Option<bool>,
    /// Read each user's enrolled factors (one request per user who can sign in; default true).
    pub factors: Option<bool>,
    /// Read the apps and who is assigned to each, directly or through a group (default true).
    pub apps: Option<bool>,
    /// Read the groups and their members (default true).
    pub groups: Option<bool>,
    /// Read the org's API tokens, their owners and expiry (default true; needs a super
    /// administrator's token or `okta.apiTokens.read`).
    pub api_tokens: Option<bool>,
    /// `profile.userType` values that make a service account (default `service`, `system`, `bot`).
    #[serde(default)]
    pub service_user_types: Vec<String>,
}

impl KindOptions for OktaOptions {}

impl OktaOptions {
    pub fn deprovisioned(&self) -> bool {
        self.deprovisioned.unwrap_or(true)
    }
    pub fn factors(&self) -> bool {
        self.factors.unwrap_or(true)
    }
    pub fn apps(&self) -> bool {
        self.apps.unwrap_or(true)
    }
    pub fn groups(&self) -> bool {
        self.groups.unwrap_or(true)
    }
    pub fn api_tokens(&self) -> bool {
        self.api_tokens.unwrap_or(true)
    }

    /// Whether a `profile.userType` marks a service account.
    pub fn is_service_type(&self, user_type: &str) -> bool {
        let t = user_type.trim();
        if self.service_user_types.is_empty() {
            ["service", "system", "bot", "service account"].iter().any(|s| t.eq_ignore_ascii_case(s))
        } else {
            self.service_user_types.iter().any(|s| t.eq_ignore_ascii_case(s))
        }
    }
}

pub fn check(options: &OktaOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    if let Some(t) = options.service_user_types.iter().find(|t| t.trim().is_empty()) {
        return Err(at.error("service_user_types", format!("found \"{t}\", expected a user type")));
    }
    Ok(())
}
