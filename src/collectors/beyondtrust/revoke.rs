//! How kind `beyondtrust` takes access away (planned, never sent by the tool).

use serde_json::json;

use super::options::{flavor, BeyondtrustFlavor, BeyondtrustOptions};
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;

/// The revoker of kind `beyondtrust`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = BeyondtrustOptions;

    /// `config_api`: `PATCH /api/config/v1/user/{id}` with `enabled: false` (a partial update).
    /// `public_v3`: the guide's PUT is a full replace, so the user is read first and written
    /// back whole with `enabled: false`; a PUT of the one field would reset the rest (groups
    /// included). `password_safe`: the user is quarantined.
    fn revocation(app: &AppConfig, options: &BeyondtrustOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let id = enc(&target.account_id);
        match flavor(options) {
            BeyondtrustFlavor::ConfigApi => Revocation::calls(vec![PlannedCall::new(
                "PATCH",
                join(&http.base_url, &format!("/api/config/v1/user/{id}")),
                Some(json!({"enabled": false})),
            )]),
            BeyondtrustFlavor::PublicV3 => {
                let url = join(&http.base_url, &format!("/api/public/v3/users/{id}"));
                Revocation::calls(vec![
                    PlannedCall::new("GET", url.clone(), None).noting("read the whole user: the PUT below replaces it"),
                    PlannedCall::new("PUT", url, Some(json!({"enabled": false})))
                        .noting("full replace: send the user read by the GET with enabled set to false, never this body alone"),
                ])
            }
            // API-NOTES §3.2: `POST Users/{id}/quarantine` (the user can no longer sign in;
            // reversible in BeyondInsight).
            BeyondtrustFlavor::PasswordSafe => {
                Revocation::calls(vec![PlannedCall::new("POST", join(&http.base_url, &format!("/Users/{id}/quarantine")), None)
                    .noting("within a session: Auth/SignAppin first, Auth/Signout after, as the collection does")])
            }
        }
    }
}
