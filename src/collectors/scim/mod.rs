//! Kind `scim`: any SCIM 2.0 service provider (RFC 7643 / 7644), and the SCIM surfaces of the
//! seed apps through presets (API-NOTES §5).
//!
//! Paging is the engine's `startIndex` pager: the next page starts where the served one ended
//! (`startIndex + number of Resources`), never at `startIndex + count`, so a server that serves
//! fewer than asked (a cap of 100) is followed, not skipped past; the list ends on an empty page,
//! or on a short page that reaches `totalResults`. The engine's churn rules apply (a list that
//! changes while it is read is read again until two passes agree). Known quirks are tolerated: a
//! server that counts `startIndex` from 0 (detected on the first page, or set with
//! `start_index = 0`), `itemsPerPage` meaning either the page size or the count served (never
//! relied on), a missing `totalResults`, a `totalResults` that is only the page size (detected,
//! and then not used), booleans as strings, emails with or without `primary`. Resources are
//! deduplicated by id (counted); pages that bring nothing new twice in a row stop the read with
//! an error instead of looping.
//!
//! Mapping: `active` -> active / disabled; `emails` (primary, else work, else first) -> email, the
//! others -> other emails; `meta.created` -> created_at; `User.roles` -> `role` entitlements
//! (admin when listed in `admin_roles`); `User.entitlements` -> `entitlement`; groups from
//! `Group.members` and `User.groups` -> `group` entitlements (admin groups from `admin_groups`).
//! SCIM has no last login: no dormant findings for this kind.

mod options;
mod read;
mod revoke;

pub use options::{preset, Preset, ScimOptions, DEFAULTS, PRESETS};
pub use read::{boolean, collect, emails, probe, user_account};
pub use revoke::{deactivate_patch, Revoke};

use crate::collectors::{ApiCollector, CollectError, EndpointCheck};
use crate::config::{AppConfig, ConfigError, HttpConfig, OptionsAt};
use crate::model::Collection;

/// Kind `scim`.
pub struct Scim;

impl ApiCollector for Scim {
    const KIND: &'static str = "scim";
    type Options = ScimOptions;

    fn check(options: &mut ScimOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        options::check(options, at)
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &ScimOptions) -> Result<Collection, CollectError> {
        collect(app, http, options).await
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, options: &ScimOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        probe(app, http, options).await
    }
}
