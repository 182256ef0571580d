//! How kind `bluejeans_events` takes access away (planned, never sent by the tool).

use serde_json::json;

use crate::collectors::bluejeans::BluejeansOptions;
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;
use crate::model::EntitlementKind;

/// The revoker of kind `bluejeans_events`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = BluejeansOptions;

    /// Registrations are cancelled (the guide's un-register: `POST
    /// /api/registration/v1/users/events/{event}/changeState`, state `DECLINED`, with the
    /// event's `registration_app` token); the API has no call that takes a role away, so
    /// organizers, moderators and panelists are removed by editing the event.
    fn revocation(app: &AppConfig, _: &BluejeansOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let mut out = Revocation::default();
        for value in target.values(EntitlementKind::EventRegistration.as_str()) {
            let event = value.split(" · ").nth(1).unwrap_or_default();
            if event.is_empty() || target.email.is_empty() {
                out.manual.push(format!("cancel the registration \"{value}\" (no event id or email to do it with)"));
                continue;
            }
            let path = format!("/api/registration/v1/users/events/{}/changeState", enc(event));
            out.calls.push(
                PlannedCall::new("POST", join(&http.base_url, &path), Some(json!({"emails": [target.email], "state": "DECLINED"})))
                    .noting("authenticated with the event's registration_app token (its apiKey through the registration app)"),
            );
        }
        for value in target.values(EntitlementKind::EventRole.as_str()) {
            out.manual.push(format!("edit the event to take away: {value}"));
        }
        if out.calls.is_empty() && out.manual.is_empty() {
            out.manual.push("no event role or registration: the enterprise user itself is revoked in the bluejeans app".into());
        }
        out
    }
}
