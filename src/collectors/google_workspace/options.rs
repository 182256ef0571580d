//! The options of kind `google_workspace` and its engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, KindOptions, OptionsAt};
use crate::http::{KindDefaults, TokenStyle};

pub const DEFAULTS: KindDefaults = KindDefaults {
    // The Directory API allows 2,400 queries a minute per user (40 a second); 20 a second with
    // 4 in flight keeps well inside it, and its 403 rateLimitExceeded is waited out like a 429.
    requests_per_second: 20.0,
    concurrency: 4,
    token_path: None,
    token_style: TokenStyle::Form,
    permission_hint: " (a service account with domain-wide delegation of the admin.directory.user.readonly, admin.directory.rolemanagement.readonly and admin.directory.user.security scopes, acting as an administrator who may read users, roles and security settings)",
    auth_hint: "; check the service account's key, its client id in the domain-wide delegation list with these scopes, and that auth.subject is an administrator",
    requests_per_hour: None,
};

/// Users (read only).
pub const USERS_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
/// Administrator roles and their assignments (read only).
pub const ROLES_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly";
/// Users' OAuth grants: the Directory API has no read-only scope for them.
pub const SECURITY_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user.security";

/// Options of kind `google_workspace` (docs/src/kinds/google_workspace.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct GoogleWorkspaceOptions {
    /// The customer whose users are read (default `my_customer`: the administrator's own).
    pub customer: Option<String>,
    /// Read the administrator roles and who holds them (default true).
    pub roles: Option<bool>,
    /// Read each user's third-party OAuth grants (default true; one request per user who can
    /// sign in; needs the admin.directory.user.security scope).
    pub oauth_tokens: Option<bool>,
    /// OAuth scopes that make a grant privileged, besides the built-in list (full Gmail, Drive,
    /// admin and cloud-platform scopes).
    #[serde(default)]
    pub privileged_scopes: Vec<String>,
}

impl KindOptions for GoogleWorkspaceOptions {}

impl GoogleWorkspaceOptions {
    pub fn customer(&self) -> &str {
        self.customer.as_deref().unwrap_or("my_customer")
    }
    pub fn roles(&self) -> bool {
        self.roles.unwrap_or(true)
    }
    pub fn oauth_tokens(&self) -> bool {
        self.oauth_tokens.unwrap_or(true)
    }

    /// The scopes the collection asks for.
    pub fn scope(&self) -> String {
        let mut s = vec![USERS_SCOPE];
        if self.roles() {
            s.push(ROLES_SCOPE);
        }
        if self.oauth_tokens() {
            s.push(SECURITY_SCOPE);
        }
        s.join(" ")
    }

    /// Whether an OAuth grant's scope reaches mail, files, administration or a whole cloud project.
    pub fn privileged_scope(&self, scope: &str) -> bool {
        const BROAD: [&str; 6] = [
            "https://mail.google.com/",
            "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.readonly",
            "https://www.googleapis.com/auth/drive",
            "https://www.googleapis.com/auth/cloud-platform",
            "https://www.googleapis.com/auth/admin.",
        ];
        let s = scope.trim();
        BROAD.iter().any(|b| if b.ends_with('.') { s.starts_with(b) } else { s == *b }) || self.privileged_scopes.iter().any(|p| p == s)
    }
}

pub fn check(options: &GoogleWorkspaceOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    if let Some(c) = &options.customer {
        if c.trim().is_empty() || c.contains('/') {
            return Err(at.error("customer", format!("found \"{c}\", expected my_customer or a customer id (C0...)")));
        }
    }
    Ok(())
}
