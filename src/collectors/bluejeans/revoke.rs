//! How kind `bluejeans` takes access away (planned, never sent by the tool).

use super::options::BluejeansOptions;
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;

/// The revoker of kind `bluejeans`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = BluejeansOptions;

    /// The Meetings API had no suspend: `DELETE /v1/enterprise/{enterprise}/users/{id}` (the
    /// guide's deprovisioning), which removes the user and their meetings for good.
    fn revocation(app: &AppConfig, options: &BluejeansOptions, target: &RevokeTarget) -> Revocation {
        let (Some(http), Some(enterprise)) = (&app.http, options.enterprise_id.as_deref()) else {
            return Revocation::manual("no base_url or enterprise_id");
        };
        let path = format!("/v1/enterprise/{}/users/{}", enc(enterprise), enc(&target.account_id));
        Revocation::calls(vec![PlannedCall::new("DELETE", join(&http.base_url, &path), None)
            .noting("irreversible: the API has no suspend; the user's meetings go with it")])
    }
}
