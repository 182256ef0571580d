//! Kind `bluejeans_events`: the enterprise users (as above, from `users_url`), then each user's events
//! (`events_path`, paged as the users list, the count checked), and the detail (`event_path`) of
//! each event whose list entry leaves out its people or, registration on, its `apiKey`. Organizers and moderators get privileged `event_role` entitlements,
//! panelists `event_role`, attendees `event_registration`, each naming the event's id, title
//! and dates. A participant who is not an enterprise user becomes an account of their own
//! (`email:<address>`), so an event moderated by someone who has left is a finding: a guest
//! (panelist or attendee only) is of type `customer`, external by design and never orphaned; an
//! outsider who moderates is `human`, and orphaned when no roster person matches. Each
//! registration-enabled event's key is a credential `event:<id>:api_key`, named by the event
//! (never by value); with the registration app configured, the key is checked by asking for a
//! `registration_app` token: a refused key is expired, an issued token's lifetime is recorded.
//!
//! Built on kind `bluejeans` (its options, users and OAuth client): `events` reads each user's
//! events and the details a summary list leaves out, `people` turns them into roles and outside
//! accounts, `keys` checks each registration key, `collect` puts the app together.

mod collect;
mod events;
mod keys;
mod people;
mod probe;
mod revoke;
#[cfg(test)]
mod tests;

pub use collect::collect;
pub use keys::jwt_exp;
pub use people::{attendees, Registration};
pub use probe::probe;
pub use revoke::Revoke;

use crate::collectors::bluejeans::{check_options, BluejeansOptions};
use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `bluejeans_events`: the Events API's event owners and registration keys.
pub struct BluejeansEvents;

impl ApiCollector for BluejeansEvents {
    const KIND: &'static str = "bluejeans_events";
    const SECRET_KEYS: &'static [&'static str] = &["registration_client_secret"];
    type Options = BluejeansOptions;

    fn check(options: &mut BluejeansOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        check_options(options, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &BluejeansOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &BluejeansOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http, options).await
    }
}
