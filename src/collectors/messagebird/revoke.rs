//! How kind `messagebird` takes access away (planned, never sent by the tool).

use super::options::{MessagebirdFlavor, MessagebirdOptions};
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;

/// The revoker of kind `messagebird`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = MessagebirdOptions;

    /// The guide's REST API has no suspend (`status` is system-set; SCIM's `active: false` is
    /// Enterprise-only): `DELETE /users/{id}` removes the user from the organization, at once and
    /// for good. Bird: the member's removal from the organization,
    /// `DELETE /organizations/{org}/users/{id}`.
    fn revocation(app: &AppConfig, options: &MessagebirdOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let id = enc(&target.account_id);
        let call = match (options.flavor.unwrap_or_default(), options.organization_id.as_deref()) {
            (MessagebirdFlavor::Messagebird, _) => PlannedCall::new("DELETE", join(&http.base_url, &format!("/users/{id}")), None)
                .noting("irreversible: the REST API has no suspend; with SCIM (Enterprise), PATCH /scim/v2/Users/{id} active=false suspends instead"),
            (MessagebirdFlavor::Bird, Some(org)) => PlannedCall::new(
                "DELETE",
                join(&http.base_url, &format!("/organizations/{}/users/{id}", enc(org))),
                None,
            )
            .noting("removes the membership of the organization (the Bird user itself stays); this endpoint is not in the captured docs (API-NOTES §4): try it on one account first"),
            (MessagebirdFlavor::Bird, None) => return Revocation::manual("no organization_id"),
        };
        Revocation::calls(vec![call])
    }
}
