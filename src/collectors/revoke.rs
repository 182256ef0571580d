//! How an account is revoked through its app's API: each kind's [`Revoker`], registered beside
//! its collector, says which calls would disable or remove one account; `remediate` writes them
//! as a plan and, for the kinds that allow it, carries them out. Nothing here sends a request.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

use super::collector::CollectError;
use crate::config::AppConfig;
use crate::http::AppClient;

/// How a kind takes one account's access away through its API. Only describes: `remediate`
/// writes the plan and, when [`Revoker::client`] gives a client, sends it.
pub trait Revoker: Send + Sync + 'static {
    /// The kind's options (those of its collector).
    type Options: 'static;

    /// The calls that would disable or remove one account decided `revoke` (and what must be
    /// done by hand).
    fn revocation(app: &AppConfig, options: &Self::Options, target: &RevokeTarget) -> Revocation;

    /// The client `remediate --apply` sends the plan with; `None` (the default): the plan is
    /// never carried out by the tool (its calls are not safe to send unattended).
    fn client(_app: &AppConfig, _options: &Self::Options) -> Option<Result<AppClient, CollectError>> {
        None
    }
}

/// The revoker of a kind without an API to revoke with: by hand, in the app's console.
pub struct ByHand<O>(PhantomData<fn() -> O>);

impl<O: 'static> Revoker for ByHand<O> {
    type Options = O;

    fn revocation(_: &AppConfig, _: &O, _: &RevokeTarget) -> Revocation {
        Revocation::manual("no API: disable the account in the app's admin console")
    }
}

/// One account decided `revoke`, as the plan sees it (from the report's accounts and the
/// snapshot's entitlements).
#[derive(Debug, Clone, Default)]
pub struct RevokeTarget {
    pub account_id: String,
    pub email: String,
    /// SPEC §4 account type (`human`, `service`, `customer`, `unknown`).
    pub account_type: String,
    /// `(kind, value)` of each entitlement the account holds (groups, desks, event roles...).
    pub entitlements: Vec<(String, String)>,
}

impl RevokeTarget {
    /// The values of the entitlements of one kind.
    pub fn values<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entitlements.iter().filter(move |(k, _)| k == kind).map(|(_, v)| v.as_str())
    }
}

/// One API request of a plan: the method, the full URL (never a credential: the request is
/// authenticated as the app's config says), the JSON body, and what to know before sending it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedCall {
    pub method: &'static str,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// How to read the account's status from the API's answer to this call, when the answer
    /// carries the account (a SCIM PATCH returns the User).
    #[serde(skip)]
    pub status_of: Option<fn(&Value) -> Option<String>>,
}

/// Two calls are the same when they send the same request (how an answer is read is not part of it).
impl PartialEq for PlannedCall {
    fn eq(&self, other: &Self) -> bool {
        (self.method, &self.url, &self.body, &self.note) == (other.method, &other.url, &other.body, &other.note)
    }
}

impl PlannedCall {
    pub fn new(method: &'static str, url: String, body: Option<Value>) -> PlannedCall {
        PlannedCall { method, url, body, note: String::new(), status_of: None }
    }

    pub fn noting(mut self, note: impl Into<String>) -> PlannedCall {
        self.note = note.into();
        self
    }

    /// The account's status is read from the answer with `status_of`.
    pub fn reading_status(mut self, status_of: fn(&Value) -> Option<String>) -> PlannedCall {
        self.status_of = Some(status_of);
        self
    }
}

/// How one account is revoked: the API calls, in order, and what the API cannot do (done by
/// hand in the app's console, said in words).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revocation {
    pub calls: Vec<PlannedCall>,
    pub manual: Vec<String>,
}

impl Revocation {
    pub fn calls(calls: Vec<PlannedCall>) -> Revocation {
        Revocation { calls, manual: Vec::new() }
    }

    pub fn manual(why: impl Into<String>) -> Revocation {
        Revocation { calls: Vec::new(), manual: vec![why.into()] }
    }
}

/// `base` and `path` joined with one slash.
pub fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// What [`enc`] leaves as it is: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A path segment or query value, percent-encoded (ids such as `qm:...` or `557058:...`).
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AppConfig, Config};

    /// One app of the given kind and keys, parsed as the config does (secrets from files in a
    /// temp dir, never inline).
    fn app(kind_and_keys: &str) -> AppConfig {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hr.csv"), "email\n").unwrap();
        std::fs::write(dir.path().join("k"), "secret").unwrap();
        let text = format!("[review]\nname = \"t\"\n[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"a\"\n{kind_and_keys}\n");
        Config::parse(&text, &dir.path().join("config.toml"), &crate::collectors::REGISTRY).unwrap().apps.remove(0)
    }

    fn plan(app: &AppConfig, target: &RevokeTarget) -> Revocation {
        crate::collectors::kind_of(app).unwrap().revocation(app, target).unwrap()
    }

    fn calls(r: &Revocation) -> Vec<(&'static str, &str)> {
        r.calls.iter().map(|c| (c.method, c.url.as_str())).collect()
    }

    fn target(id: &str, account_type: &str, entitlements: &[(&str, &str)]) -> RevokeTarget {
        RevokeTarget {
            account_id: id.into(),
            email: "ann@acme.com".into(),
            account_type: account_type.into(),
            entitlements: entitlements.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn beyondtrust_public_v3_reads_the_user_before_its_full_replace() {
        let a = app("kind = \"beyondtrust\"\nbase_url = \"https://bt.example/\"\nauth = { type = \"oauth2_client_credentials\", client_id = \"c\", client_secret = { file = \"k\" } }");
        let r = plan(&a, &target("42", "human", &[]));
        assert_eq!(calls(&r), [("GET", "https://bt.example/api/public/v3/users/42"), ("PUT", "https://bt.example/api/public/v3/users/42")]);
        assert!(r.calls[1].note.contains("full replace"), "{:?}", r.calls[1]);
        let ps = app("kind = \"beyondtrust\"\nflavor = \"password_safe\"\nbase_url = \"https://bt.example/BeyondTrust/api/public/v3\"\nauth = { type = \"oauth2_client_credentials\", client_id = \"c\", client_secret = { file = \"k\" } }");
        let r = plan(&ps, &target("42", "human", &[]));
        assert_eq!(calls(&r), [("POST", "https://bt.example/BeyondTrust/api/public/v3/Users/42/quarantine")]);
    }

    #[test]
    fn bird_removes_the_organization_membership() {
        let a = app("kind = \"messagebird\"\nflavor = \"bird\"\norganization_id = \"org 1\"\nbase_url = \"https://api.bird.com\"\nauth = { type = \"access_key\", key = { file = \"k\" } }");
        let r = plan(&a, &target("u-1", "human", &[]));
        assert_eq!(calls(&r), [("DELETE", "https://api.bird.com/organizations/org%201/users/u-1")]);
    }

    #[test]
    fn jira_without_the_organization_api_takes_the_account_out_of_its_groups() {
        let a = app("kind = \"jira_service_management\"\nbase_url = \"https://acme.atlassian.net\"\nauth = { type = \"basic\", username = \"bot@acme.com\", password = { file = \"k\" } }");
        let r =
            plan(&a, &target("5b10", "human", &[("group", "jira-software-users"), ("group", "site admins"), ("product", "jira-software")]));
        assert_eq!(
            calls(&r),
            [
                ("DELETE", "https://acme.atlassian.net/rest/api/3/group/user?groupname=jira-software-users&accountId=5b10"),
                ("DELETE", "https://acme.atlassian.net/rest/api/3/group/user?groupname=site%20admins&accountId=5b10"),
            ]
        );
        let lonely = plan(&a, &target("5b11", "human", &[]));
        assert!(lonely.calls.is_empty() && lonely.manual[0].contains("admin.atlassian.com"), "{lonely:?}");
        let customer = plan(&a, &target("qm:1", "customer", &[("service_desk", "IT (IT Support)"), ("group", "x")]));
        assert_eq!(calls(&customer), [("DELETE", "https://acme.atlassian.net/rest/servicedeskapi/servicedesk/IT/customer")]);
    }

    #[test]
    fn a_file_kind_has_no_api_to_revoke_with() {
        let dir_app = app("kind = \"csv\"\npath = \"hr.csv\"\n[apps.columns]\naccount_id = \"email\"");
        let r = plan(&dir_app, &target("x", "human", &[]));
        assert!(r.calls.is_empty() && r.manual[0].contains("no API"), "{r:?}");
        assert!(crate::collectors::kind_of(&dir_app).unwrap().revocation_client(&dir_app).is_none(), "never applied");
    }

    #[test]
    fn ids_are_encoded_in_paths() {
        assert_eq!(enc("qm:a713c8ea/x y"), "qm%3Aa713c8ea%2Fx%20y");
        assert_eq!(join("https://h/base/", "/Users/1"), "https://h/base/Users/1");
    }
}
