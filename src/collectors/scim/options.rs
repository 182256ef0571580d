//! The options of kind `scim`, its presets and its engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, KindOptions, OptionsAt};
use crate::http::{KindDefaults, TokenStyle};

pub const DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 10.0,
    concurrency: 2,
    token_path: None,
    token_style: TokenStyle::Form,
    permission_hint: " (the SCIM token must be allowed to read Users and Groups)",
    auth_hint: "; SCIM tokens are often separate from the app's API keys and expire on their own schedule",
    requests_per_hour: None,
};

/// The SCIM surface of a known app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    pub name: &'static str,
    /// Largest `count` the server serves.
    pub max_count: u32,
    /// What to put in `base_url` (for the book and messages).
    pub base_url: &'static str,
}

pub const PRESETS: [Preset; 4] = [
    Preset { name: "atlassian", max_count: 100, base_url: "https://api.atlassian.com/scim/directory/{directoryId}" },
    Preset { name: "bluejeans", max_count: 100, base_url: "https://api.bluejeans.com/scim/v2" },
    Preset { name: "beyondtrust", max_count: 100, base_url: "https://<appliance>/scim/v2" },
    Preset { name: "messagebird", max_count: 100, base_url: "https://<organization scim endpoint>/scim/v2" },
];

pub fn preset(name: &str) -> Option<Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}

/// Options of kind `scim` (docs/src/kinds/scim.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ScimOptions {
    /// The SCIM surface of a known app: `atlassian`, `bluejeans`, `beyondtrust`, `messagebird`
    /// (docs/src/kinds/scim.md); sets the page-size cap. None: any SCIM 2.0 service provider.
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

impl KindOptions for ScimOptions {}

/// Checks the options beyond their types.
pub fn check(options: &ScimOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    if let Some(p) = options.preset.as_deref().filter(|p| preset(p).is_none()) {
        return Err(
            at.error("preset", format!("found \"{p}\", expected one of {}", PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")))
        );
    }
    if let Some(i) = options.start_index.filter(|i| *i > 1) {
        return Err(at.error("start_index", format!("found {i}, expected 0 or 1")));
    }
    Ok(())
}
