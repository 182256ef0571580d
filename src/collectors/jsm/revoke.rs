//! How kind `jira_service_management` takes access away (planned, never sent by the tool).

use super::options::JsmOptions;
use super::org::DEFAULT_ORG_API_URL;
use crate::collectors::revoke::{enc, join, PlannedCall, Revocation, RevokeTarget, Revoker};
use crate::config::AppConfig;

/// The revoker of kind `jira_service_management`.
pub struct Revoke;

impl Revoker for Revoke {
    type Options = JsmOptions;

    /// A customer leaves each service desk it is a customer of (`DELETE
    /// /rest/servicedeskapi/servicedesk/{desk}/customer`). An Atlassian account is suspended in
    /// the organization when the organization API is configured (`POST
    /// /admin/v1/orgs/{org}/directory/users/{id}/suspend-access`: every product of the
    /// organization, reversible with `restore-access`); otherwise, and for app accounts, it
    /// leaves each of its groups (`DELETE /rest/api/3/group/user`), which is what grants product
    /// access on a site.
    fn revocation(app: &AppConfig, options: &JsmOptions, target: &RevokeTarget) -> Revocation {
        let Some(http) = &app.http else { return Revocation::manual("no base_url") };
        let id = enc(&target.account_id);
        let mut out = Revocation::default();
        for desk in target.values(crate::model::EntitlementKind::ServiceDesk.as_str()) {
            // The label is "KEY (name)" or "id (name)"; the API takes either as serviceDeskId.
            let desk = desk.split(" (").next().unwrap_or(desk);
            out.calls.push(
                PlannedCall::new(
                    "DELETE",
                    join(&http.base_url, &format!("/rest/servicedeskapi/servicedesk/{}/customer", enc(desk))),
                    Some(serde_json::json!({"accountIds": [target.account_id]})),
                )
                .noting("header X-ExperimentalApi: opt-in; a DELETE with a body"),
            );
        }
        let customer = target.account_type == "customer";
        match (&options.org_id, customer || target.account_type == "service") {
            (Some(org), false) => {
                let base = options.org_api_url.as_deref().unwrap_or(DEFAULT_ORG_API_URL);
                let path = format!("/admin/v1/orgs/{}/directory/users/{id}/suspend-access", enc(org));
                out.calls.push(
                    PlannedCall::new("POST", join(base, &path), None)
                        .noting("with the organization API key (Bearer); restore-access undoes it"),
                );
            }
            _ if customer => {}
            _ => {
                for group in target.values(crate::model::EntitlementKind::Group.as_str()) {
                    let query = format!("groupname={}&accountId={id}", enc(group));
                    out.calls.push(PlannedCall::new("DELETE", join(&http.base_url, &format!("/rest/api/3/group/user?{query}")), None));
                }
            }
        }
        if out.calls.is_empty() {
            out.manual.push(if customer {
                "a customer of no service desk read: remove it in the desk's customer list".into()
            } else {
                "in no group and no organization API configured: deactivate the account in admin.atlassian.com".into()
            });
        }
        out
    }
}
