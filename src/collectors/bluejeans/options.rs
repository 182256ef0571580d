//! The options of kinds `bluejeans` and `bluejeans_events` (they share them: the Events kind
//! reads the enterprise users too) and the Meetings API's engine defaults.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, KindOptions, OptionsAt, SecretRef};
use crate::http::KindDefaults;

/// Options of kinds `bluejeans` and `bluejeans_events` (docs/src/kinds/bluejeans.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BluejeansOptions {
    /// The enterprise (partition) id the API client belongs to.
    pub enterprise_id: Option<String>,
    /// `api` (default: the official swagger: 1-based `pageNumber`, `{count, user: [...]}`,
    /// details at `/v1/user/{id}`) or `guide` (0-based `pageNumber`, `{count, users: [...]}`,
    /// details at `/v1/enterprise/{id}/users/{userId}`).
    pub flavor: Option<BluejeansFlavor>,
    /// Per-user detail requests: `auto` (default: when the list lacks the admin flag), `always`
    /// (also for last login; one request per user), `never`.
    pub user_details: Option<UserDetails>,
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
    /// `bluejeans_events`: events asked for per page of a user's events (`pageSize`; default
    /// 100; a server that serves fewer is followed).
    pub events_page_size: Option<u32>,
    /// `bluejeans_events`: the number of the first page of a user's events (`pageNumber`;
    /// default 1, as the users list of the swagger counts).
    pub events_first_page: Option<u32>,
    /// `bluejeans_events`: the registration app (Admin > Events > Enterprise Apps) whose
    /// credentials turn an event's `apiKey` into a `registration_app` token; when set, every
    /// registration-enabled event's key is checked that way.
    pub registration_client_id: Option<String>,
    pub registration_client_secret: Option<SecretRef>,
    /// Default `{base_url}/api/security/v1/oauth/accesstoken`.
    pub registration_token_url: Option<String>,
}

impl KindOptions for BluejeansOptions {
    fn secrets(&self) -> Vec<&SecretRef> {
        self.registration_client_secret.iter().collect()
    }
}

crate::choice! {
    /// Which shape of the Meetings API: the official swagger's or the guide's.
    BluejeansFlavor {
        Api = "api" ("the official swagger"),
        Guide = "guide",
    } default Api
}

crate::choice! {
    /// When a user's details are read (one request per user).
    UserDetails {
        /// When the list lacks the admin flag.
        Auto = "auto",
        /// For every user (also gives last login).
        Always = "always",
        Never = "never",
    } default Auto
}

pub fn check_options(options: &mut BluejeansOptions, at: &OptionsAt) -> Result<(), ConfigError> {
    at.rebase_secret(options.registration_client_secret.as_mut());
    if options.enterprise_id.is_none() {
        return Err(at.error("enterprise_id", "is required: the enterprise id the API client belongs to (the token's scope.enterprise)"));
    }
    if options.registration_client_id.is_some() != options.registration_client_secret.is_some() {
        return Err(at.error("registration_client_secret", "registration_client_id and registration_client_secret go together"));
    }
    Ok(())
}

pub const DEFAULTS: KindDefaults = KindDefaults {
    // No limits were ever published for the Meetings API (the Relay API asked for < 2/s): go slow.
    requests_per_second: 5.0,
    concurrency: 4,
    token_path: Some("/oauth2/token"),
    token_style: crate::http::TokenStyle::Json,
    permission_hint: " (the API client needs the list_users scope, and enterprise_id must be the enterprise of its token)",
    auth_hint: "",
    requests_per_hour: None,
};
