//! The options of kind `messagebird` and its engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::KindOptions;
use crate::http::KindDefaults;

/// Options of kind `messagebird` (docs/src/kinds/messagebird.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MessagebirdOptions {
    /// `messagebird` (the guide's `/users`) or `bird` (`/organizations/{org}/users`).
    pub flavor: Option<MessagebirdFlavor>,
    pub organization_id: Option<String>,
    #[serde(default)]
    pub admin_roles: Vec<String>,
}

crate::choice! {
    /// Which API of the workspace: the guide's `/users` or Bird's organization members.
    MessagebirdFlavor {
        Messagebird = "messagebird" ("the guide's /users"),
        Bird = "bird" ("/organizations/{org}/users"),
    } default Messagebird
}

impl KindOptions for MessagebirdOptions {}

pub const DEFAULTS: KindDefaults = KindDefaults {
    // Published limits are ~100 requests/s (estimated, API-NOTES §4); stay well below.
    requests_per_second: 10.0,
    concurrency: 4,
    token_path: None,
    token_style: crate::http::TokenStyle::Form,
    permission_hint: " (user endpoints need an organization-level access key with user:read; personal or project keys are refused)",
    auth_hint: "",
    requests_per_hour: None,
};
