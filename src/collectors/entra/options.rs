//! The options of kind `entra` and its engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, KindOptions, OptionsAt};
use crate::http::{KindDefaults, TokenStyle};

pub const DEFAULTS: KindDefaults = KindDefaults {
    // Microsoft Graph's identity and access limits are per app and tenant (3,500 to 8,000
    // resource units per 10 s by the tenant's size; a user list page costs about 2); 20 a second
    // stays well inside the smallest, and a 429's Retry-After is waited out.
    requests_per_second: 20.0,
    concurrency: 4,
    token_path: None,
    token_style: TokenStyle::Form,
    permission_hint: " (an app registration granted the Microsoft Graph application permissions User.Read.All, GroupMember.Read.All, Application.Read.All, RoleManagement.Read.Directory and AuditLog.Read.All, with admin consent)",
    auth_hint: "; an Entra client secret or certificate has an end date: check the app registration's Certificates & secrets",
    requests_per_hour: None,
};

/// The Microsoft Graph application permissions the collection needs, with what each reads.
pub const PERMISSIONS: [(&str, &str); 5] = [
    ("User.Read.All", "users and their managers"),
    ("GroupMember.Read.All", "groups and their members"),
    ("Application.Read.All", "enterprise apps, their assignments, and app registrations' secrets and certificates"),
    ("RoleManagement.Read.Directory", "directory roles and their members"),
    ("AuditLog.Read.All", "last sign-in (signInActivity) and MFA registration; both need Entra ID P1 or P2"),
];

/// Where Entra's token endpoints are (the global cloud).
pub const AUTHORITY: &str = "https://login.microsoftonline.com";

/// Options of kind `entra` (docs/src/kinds/entra.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EntraOptions {
    /// The directory (tenant) id or a verified domain: the token endpoint is
    /// `<authority>/<tenant_id>/oauth2/v2.0/token` (unless `auth.token_url` says otherwise).
    pub tenant_id: Option<String>,
    /// The sign-in host (default `https://login.microsoftonline.com`; national clouds have their own).
    pub authority: Option<String>,
    /// Read each user's last sign-in (`signInActivity`; needs AuditLog.Read.All and Entra ID P1; default true).
    pub sign_in_activity: Option<bool>,
    /// Read each user's manager (default true).
    pub managers: Option<bool>,
    /// Read the groups and their direct members (default true).
    pub groups: Option<bool>,
    /// Read the enterprise apps and who is assigned to each (default true).
    pub apps: Option<bool>,
    /// Read the app registrations' secrets and certificates, and their owners (default true).
    pub app_registrations: Option<bool>,
    /// Read the MFA registration report (default true; needs AuditLog.Read.All and Entra ID P1).
    pub mfa: Option<bool>,
}

impl KindOptions for EntraOptions {}

impl EntraOptions {
    pub fn sign_in_activity(&self) -> bool {
        self.sign_in_activity.unwrap_or(true)
    }
    pub fn managers(&self) -> bool {
        self.managers.unwrap_or(true)
    }
    pub fn groups(&self) -> bool {
        self.groups.unwrap_or(true)
    }
    pub fn apps(&self) -> bool {
        self.apps.unwrap_or(true)
    }
    pub fn app_registrations(&self) -> bool {
        self.app_registrations.unwrap_or(true)
    }
    pub fn mfa(&self) -> bool {
        self.mfa.unwrap_or(true)
    }

    /// The token endpoint of the directory.
    pub fn token_url(&self) -> Option<String> {
        let tenant = self.tenant_id.as_deref()?.trim();
        let authority = self.authority.as_deref().unwrap_or(AUTHORITY).trim_end_matches('/');
        Some(format!("{authority}/{tenant}/oauth2/v2.0/token"))
    }
}

/// The `.default` scope of the Graph the base URL names (the national clouds have their own host).
pub fn default_scope(base_url: &str) -> String {
    let host = crate::http::origin_of(base_url);
    let resource = ["https://graph.microsoft.us", "https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn"]
        .into_iter()
        .find(|r| host.eq_ignore_ascii_case(r))
        .unwrap_or("https://graph.microsoft.com");
    format!("{resource}/.default")
}

pub fn check(options: &EntraOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    if let Some(t) = &options.tenant_id {
        let t = t.trim();
        if t.is_empty() || t.contains('/') || t.contains(char::is_whitespace) {
            return Err(at.error("tenant_id", format!("found \"{t}\", expected the directory id (a GUID) or a verified domain")));
        }
    }
    if let Some(a) = &options.authority {
        if !(a.starts_with("https://") || a.starts_with("http://")) {
            return Err(at.error("authority", format!("found \"{a}\", expected an http(s):// URL such as {AUTHORITY}")));
        }
    }
    Ok(())
}
