//! The README's "Adding an app kind", tried: a throwaway kind written outside the crate, with
//! only the `ApiCollector` trait, a `Revoker` and the engine, parsed from a config, collected
//! from the sandbox and planned for revocation. What it does not need is the point: no edit of
//! the config module, of the finding rules, of remediation or of any dispatch; the one line in
//! `collectors::KINDS` is played here by a `KindSet` that adds it to the registry.

use std::collections::BTreeMap;

use access_audit::collectors::http_common::{check_get, coverage_from, describe_client_error, said, text};
use access_audit::collectors::revoke::{join, PlannedCall, Revocation, RevokeTarget, Revoker};
use access_audit::collectors::{ApiCollector, CollectError, EndpointCheck, Kind, Registered, REGISTRY};
use access_audit::config::{AppConfig, Config, ConfigError, HttpConfig, KindOptions, KindSchema, KindSet, OptionsAt};
use access_audit::http::{AppClient, KindDefaults, ListSpec, Pager, TokenStyle};
use access_audit::model::{AccountRecord, AccountStatus, Collection, COVERAGE_COMPLETE};
use access_audit_sandbox::{App, Sandbox, Tenant};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Options of the throwaway kind `directory`: which roles make an admin.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryOptions {
    #[serde(default)]
    admin_roles: Vec<String>,
}

impl KindOptions for DirectoryOptions {}

/// A directory that serves `GET /users?offset=&limit=` as `{items, totalCount}` (the sandbox's
/// MessageBird guide simulator plays it).
struct Directory;

const DEFAULTS: KindDefaults = KindDefaults {
    requests_per_second: 50.0,
    concurrency: 2,
    token_path: None,
    token_style: TokenStyle::Form,
    permission_hint: " (the key needs read access to users)",
    auth_hint: "",
    requests_per_hour: None,
};

fn users_spec() -> ListSpec {
    ListSpec {
        endpoint: "/users".into(),
        query: Vec::new(),
        pager: Pager::offset_limit(25, Some("totalCount")),
        items: "items".into(),
        id: |v| text(v, "id").map(str::to_string),
        what: "users".into(),
    }
}

impl ApiCollector for Directory {
    const KIND: &'static str = "directory";
    type Options = DirectoryOptions;

    fn check(options: &mut DirectoryOptions, _: Option<&HttpConfig>, at: &OptionsAt) -> Result<(), ConfigError> {
        match options.admin_roles.iter().any(|r| r.trim().is_empty()) {
            true => Err(at.error("admin_roles", "found an empty role, expected role names")),
            false => Ok(()),
        }
    }

    async fn collect(app: &AppConfig, http: &HttpConfig, options: &DirectoryOptions) -> Result<Collection, CollectError> {
        let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
        let listing = client.list(&users_spec()).await;
        let accounts: Vec<AccountRecord> = listing
            .items
            .iter()
            .filter_map(|v: &Value| {
                let role = text(v, "role").unwrap_or("");
                Some(AccountRecord {
                    account_id: text(v, "id")?.to_string(),
                    email: text(v, "email").map(str::to_string),
                    status: if text(v, "status") == Some("active") { AccountStatus::Active } else { AccountStatus::Suspended },
                    is_admin: options.admin_roles.iter().any(|r| r == role),
                    ..Default::default()
                })
            })
            .collect();
        let coverage = coverage_from(app, &client, &listing, accounts.len(), false).await;
        Ok(Collection { accounts, coverage, ..Default::default() })
    }

    async fn probe(app: &AppConfig, http: &HttpConfig, _: &DirectoryOptions) -> Result<Vec<EndpointCheck>, CollectError> {
        let client = AppClient::new(&app.name, http, &DEFAULTS).map_err(describe_client_error)?;
        let (check, f) = check_get(&client, "users", "/users", &[("limit".into(), "1".into())], "read access to users").await;
        let total = f.and_then(|f| f.body.get("totalCount").and_then(Value::as_u64));
        Ok(vec![said(check, total.map(|t| format!("{t} user(s)")).unwrap_or_default())])
    }
}

/// How the directory takes access away: `DELETE /users/{id}` (planned; never sent, since the
/// revoker gives no client).
struct DirectoryRevoker;

impl Revoker for DirectoryRevoker {
    type Options = DirectoryOptions;

    fn revocation(app: &AppConfig, _: &DirectoryOptions, target: &RevokeTarget) -> Revocation {
        let base = app.http.as_ref().map(|h| h.base_url.as_str()).unwrap_or_default();
        Revocation::calls(vec![PlannedCall::new("DELETE", join(base, &format!("/users/{}", target.account_id)), None)])
    }
}

static DIRECTORY: Registered<Directory, DirectoryRevoker> = Registered::new();

/// The registry plus the throwaway kind: what one more line in `collectors::KINDS` does.
struct WithDirectory;

impl KindSet for WithDirectory {
    fn schemas(&self) -> Vec<&'static dyn KindSchema> {
        let mut all = REGISTRY.schemas();
        all.push(&DIRECTORY);
        all
    }
}

fn config(sb: &Sandbox, extra: &str) -> Result<Config, ConfigError> {
    let dir = std::env::temp_dir().join(format!("aa-new-kind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key"), "dir-key").unwrap();
    let text = format!(
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"corp-directory\"\nkind = \"directory\"\nbase_url = \"{}\"\n\
         auth = {{ type = \"access_key\", key = {{ file = \"key\" }} }}\n{extra}\n",
        sb.base_url("dir", "messagebird")
    );
    Config::parse(&text, &dir.join("config.toml"), &WithDirectory)
}

#[tokio::test]
async fn a_kind_is_one_collector_and_one_registry_line() {
    let users: Vec<Value> = (0..60)
        .map(|i| json!({"id": format!("d{i:03}"), "email": format!("p{i}@acme.com"), "role": if i % 20 == 0 { "owner" } else { "member" }, "status": "active"}))
        .collect();
    let tenant = Tenant { users, ..Tenant::new(App::new(access_audit_sandbox::messagebird::Workspace::default()), "dir-key") };
    let sb = Sandbox::start("127.0.0.1:0", BTreeMap::from([("dir".to_string(), tenant)])).await.unwrap();

    // The config parser knows the kind's options and the shared HTTP keys, without a line of config code.
    let app = config(&sb, "admin_roles = [\"owner\"]").unwrap().apps.remove(0);
    assert_eq!((app.kind.as_str(), app.http.is_some()), ("directory", true));
    let e = config(&sb, "admin_role = \"owner\"").unwrap_err();
    assert!(e.message.contains("unknown field `admin_role`") && e.message.contains("base_url, auth"), "{e}");
    let e = config(&sb, "admin_roles = [\" \"]").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("apps[0].admin_roles", 8), "{e}");
    // The registry alone does not know it.
    let e = Config::parse("[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"x\"\nkind = \"directory\"\n", "c.toml".as_ref(), &REGISTRY);
    assert!(e.unwrap_err().message.contains("expected one of csv, messagebird"));

    // Collected and probed through the engine: every account, admins by role, complete coverage.
    let c = DIRECTORY.collect(&app).await.unwrap();
    assert_eq!(c.accounts.len(), 60);
    assert_eq!(c.accounts.iter().filter(|a| a.is_admin).count(), 3);
    assert_eq!((c.coverage.status, c.coverage.total_reported, c.coverage.pages), (COVERAGE_COMPLETE, Some(60), 3));
    let checks = DIRECTORY.probe(&app).await.unwrap();
    assert_eq!(checks.iter().map(|c| c.line()).collect::<Vec<_>>(), ["users: ok (GET /users): 60 user(s)"]);
    // Its revocation plan comes from its revoker, registered beside the collector; no client:
    // `remediate --apply` never sends it.
    let target = RevokeTarget { account_id: "d007".into(), ..Default::default() };
    let plan = DIRECTORY.revocation(&app, &target).unwrap();
    assert_eq!(
        plan.calls.iter().map(|c| (c.method, c.url.clone())).collect::<Vec<_>>(),
        [("DELETE", format!("{}/users/d007", sb.base_url("dir", "messagebird")))]
    );
    assert!(DIRECTORY.revocation_client(&app).is_none());
    sb.stop().await;
}
