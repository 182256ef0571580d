//! How kind `okta` takes access away: the user's suspension
//! (`POST /api/v1/users/{id}/lifecycle/suspend`), which ends every session and sign-in to every
//! app assigned through Okta and can be undone (`unsuspend`); deactivation (`.../deactivate`)
//! removes the user's app assignments and is the leaver's end state, done by hand once the
//! review agrees. Planned, never sent by the tool.

use super::options::OktaOptions;
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;

/// The revoker of kind `okta`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = OktaOptions;

    fn revocation(app: &AppConfig, _: &OktaOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url: the Okta org is unknown") };
        let url = join(&http.base_url, &format!("/api/v1/users/{}/lifecycle/suspend", enc(&target.account_id)));
        let mut r = Revocation::calls(vec![PlannedCall::new("POST", url, None).noting(
            "suspends the user (only an ACTIVE user can be suspended): every Okta sign-in stops, assignments stay; deactivate (POST .../lifecycle/deactivate) to end them",
        )]);
        if target.values("role").next().is_some() {
            r.manual
                .push("the user holds administrator roles: remove them (Security > Administrators) before the account is reused".into());
        }
        r
    }
}
