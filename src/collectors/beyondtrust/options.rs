//! The options of kind `beyondtrust`, its flavours and the engine defaults of each.

use serde::{Deserialize, Serialize};

use crate::config::{AuthConfig, ConfigError, HttpConfig, KindOptions, OptionsAt};
use crate::http::{KindDefaults, TokenStyle};

/// Options of kind `beyondtrust` (docs/src/kinds/beyondtrust.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BeyondtrustOptions {
    /// `public_v3` (default, the guide), `config_api` (Remote Support / PRA) or `password_safe`.
    pub flavor: Option<BeyondtrustFlavor>,
    /// `config_api`: the permission flags that make an admin (default `perm_admin`).
    #[serde(default)]
    pub admin_roles: Vec<String>,
    /// `config_api`: read each user's group policies (one request per user).
    #[serde(default)]
    pub group_policies: bool,
}

impl KindOptions for BeyondtrustOptions {}

crate::choice! {
    /// Which BeyondTrust API.
    BeyondtrustFlavor {
        /// The guide's public API v3.
        PublicV3 = "public_v3",
        /// Remote Support / Privileged Remote Access configuration API.
        ConfigApi = "config_api",
        PasswordSafe = "password_safe",
    } default PublicV3
}

pub fn flavor(opts: &BeyondtrustOptions) -> BeyondtrustFlavor {
    opts.flavor.unwrap_or_default()
}

/// Checks the options against the auth they go with.
pub fn check(options: &BeyondtrustOptions, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
    let flavor = options.flavor.unwrap_or_default();
    let auth = http.map(|h| &h.auth);
    let ps = matches!(auth, Some(AuthConfig::PsAuth { .. }));
    let oauth = matches!(auth, Some(AuthConfig::Oauth2ClientCredentials { .. }));
    if ps && flavor != BeyondtrustFlavor::PasswordSafe {
        return Err(at.error(
            "auth",
            format!(
                "auth type ps_auth is for flavor \"password_safe\"; flavor \"{}\" signs in with oauth2_client_credentials",
                flavor.as_str()
            ),
        ));
    }
    if flavor == BeyondtrustFlavor::PasswordSafe && !ps && !oauth {
        return Err(at.error(
            "auth",
            "flavor \"password_safe\" signs in with auth = { type = \"ps_auth\", key = { env = \"...\" }, runas = \"user\" } or with oauth2_client_credentials (Auth/connect/token)",
        ));
    }
    Ok(())
}

pub const PUBLIC_V3: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: TokenStyle::Form,
    permission_hint: " (the API account needs read access to users and groups)",
    auth_hint: "",
    requests_per_hour: None,
};

pub const CONFIG_API: KindDefaults = KindDefaults {
    // "20 per second and 15,000 per hour … per API account".
    requests_per_second: 20.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: TokenStyle::BasicForm,
    permission_hint: " (the API account needs the Configuration API permission)",
    auth_hint: "; the Configuration API also answers 401 for a query parameter it does not know",
    requests_per_hour: Some(15_000),
};

pub const PASSWORD_SAFE: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 1,
    // The OAuth variant of signing in (API-NOTES §3.2 option B); `ps_auth` needs no token.
    token_path: Some("/Auth/connect/token"),
    token_style: TokenStyle::Form,
    permission_hint: " (the run-as user needs the User Accounts Management feature, read)",
    auth_hint:
        "; check the API key (Configuration > General > API Registrations) and that its registration allows the run-as user and this host",
    requests_per_hour: None,
};
