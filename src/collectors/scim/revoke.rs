//! How kind `scim` takes access away: RFC 7644 §3.5.2, `PATCH /Users/{id}` replacing `active`
//! with false (the account stays, disabled, as most providers deprovision; DELETE is never
//! planned). Safe to send unattended: `remediate --apply` sends it.

use serde_json::Value;

use super::options::{ScimOptions, DEFAULTS};
use crate::collectors::http_common::describe_client_error;
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::collectors::{http_of, CollectError};
use crate::config::AppConfig;
use crate::http::AppClient;

/// The revoker of kind `scim`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = ScimOptions;

    fn revocation(app: &AppConfig, options: &ScimOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url: the SCIM endpoint is unknown") };
        let users = options.users_path.as_deref().unwrap_or("/Users");
        let url = join(&join(&http.base_url, users), &enc(&target.account_id));
        Revocation::calls(vec![PlannedCall::new("PATCH", url, Some(deactivate_patch())).reading_status(status_in_answer)])
    }

    fn client(app: &AppConfig, _: &ScimOptions) -> Option<Result<AppClient, CollectError>> {
        Some(http_of(app).and_then(|http| AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)))
    }
}

/// The account's status in the User a PATCH answers with (`active`, a boolean or, as Entra
/// sends it, the string "False"): `disabled` or `active`; `None` when the answer has no `active`.
fn status_in_answer(user: &Value) -> Option<String> {
    let active = match user.get("active")? {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => return None,
    };
    Some(if active { "active".into() } else { "disabled".into() })
}

/// The PatchOp that sets `active` to false.
pub fn deactivate_patch() -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    })
}
