//! The sandbox: simulated app APIs on 127.0.0.1, seeded from tenant files, with faults.
//!
//! Each tenant file (`sample-data/tenants/<name>.json`) describes one app's tenant: its kind, the
//! credential the simulator accepts, its users, and optional faults. The simulators answer in the
//! shape of the guide and of the real service where they differ (selected by path), check auth,
//! and count every request (for rate-limit tests). Faults are per tenant: 429 bursts with and
//! without `Retry-After`, intermittent 5xx with HTML bodies, slow pages, token expiry, users
//! added or removed between pages, a wrong total, a row repeated across pages, a body cut short,
//! a page that always fails.
//!
//! Must not: listen anywhere but the address it is given (127.0.0.1 by default), or depend on the
//! network.

pub mod atlassian;
pub mod beyondtrust;
pub mod bluejeans;
pub mod faults;
pub mod messagebird;
pub mod oauth;
pub mod scim;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use serde::{Deserialize, Serialize};

pub use faults::Faults;

/// One simulated tenant: what every kind has, and its kind's own part ([`App`]).
///
/// A tenant file is one JSON object: `kind`, the shared keys below, and the kind's own keys; an
/// unknown key, or a key of another kind, is an error.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The secret the simulator accepts (an access key, a token, a client secret).
    pub secret: String,
    /// The organization, enterprise or site id of the tenant.
    pub organization_id: Option<String>,
    pub users: Vec<serde_json::Value>,
    pub faults: Faults,
    /// When set, `POST /oauth/<tenant>/token` issues tokens to this client id (with `secret`).
    pub oauth_client_id: Option<String>,
    /// Basic-auth user name (Atlassian: the email of the API token's owner; `secret` is the
    /// token); BeyondTrust Password Safe: the run-as user.
    pub username: Option<String>,
    /// The `scope` of the OAuth token responses (BlueJeans: `{enterprise, partition...}` or
    /// `{appPermissions: [...]}`; others a space-separated string); absent: none sent.
    pub token_scope: Option<serde_json::Value>,
    pub app: App,
}

/// The keys every kind shares, as a tenant file writes them.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shared {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    users: Vec<serde_json::Value>,
    #[serde(default)]
    faults: Faults,
    #[serde(default)]
    oauth_client_id: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    token_scope: Option<serde_json::Value>,
}

/// A kind's own part of a tenant, tagged by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum App {
    Messagebird(messagebird::Workspace),
    JiraServiceManagement(atlassian::Site),
    Bluejeans(bluejeans::Enterprise),
    BluejeansEvents(bluejeans::Enterprise),
    Beyondtrust(beyondtrust::Appliance),
    Scim(scim::Provider),
}

impl App {
    /// The kind's name, as in a tenant file and the config.
    pub fn kind(&self) -> &'static str {
        match self {
            App::Messagebird(_) => "messagebird",
            App::JiraServiceManagement(_) => "jira_service_management",
            App::Bluejeans(_) => "bluejeans",
            App::BluejeansEvents(_) => "bluejeans_events",
            App::Beyondtrust(_) => "beyondtrust",
            App::Scim(_) => "scim",
        }
    }
}

impl Tenant {
    /// A tenant of `app`'s kind with no users, accepting `secret`.
    pub fn new(app: App, secret: &str) -> Tenant {
        Tenant {
            secret: secret.into(),
            organization_id: None,
            users: Vec::new(),
            faults: Faults::default(),
            oauth_client_id: None,
            username: None,
            token_scope: None,
            app,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.app.kind()
    }
}

impl<'de> Deserialize<'de> for Tenant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut own = serde_json::Map::deserialize(d)?;
        // The shared keys are the fields of `Shared` (no hand-kept list to drift from them).
        let names = match serde_json::to_value(Shared::default()) {
            Ok(serde_json::Value::Object(m)) => m.into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let shared: serde_json::Map<String, serde_json::Value> = names.iter().filter_map(|k| own.remove_entry(k)).collect();
        let shared: Shared = serde_json::from_value(serde_json::Value::Object(shared)).map_err(D::Error::custom)?;
        let app: App = serde_json::from_value(serde_json::Value::Object(own)).map_err(D::Error::custom)?;
        let Shared { secret, organization_id, users, faults, oauth_client_id, username, token_scope } = shared;
        Ok(Tenant { secret, organization_id, users, faults, oauth_client_id, username, token_scope, app })
    }
}

/// What the sandbox saw of one tenant.
#[derive(Debug, Default, Clone)]
pub struct TenantStats {
    /// Time of every API request (auth and admin requests excluded).
    pub request_times: Vec<Instant>,
    pub requests: u64,
    pub served_429: u64,
    pub served_5xx: u64,
    pub pages_served: u64,
}

/// The state of one tenant while the sandbox runs.
#[derive(Debug)]
pub struct TenantState {
    pub tenant: Tenant,
    pub stats: TenantStats,
    /// Faults already triggered once (mutations happen once per run).
    pub mutated: bool,
    /// Requests for a page of the user list so far (the churn fault's clock).
    pub list_requests: u64,
    /// What the churn fault did, in order ("deleted x before list request 3").
    pub churn_log: Vec<String>,
    /// Indices of `tenant.users` in id order (for keyset cursors); rebuilt after a mutation.
    pub id_order: Option<Vec<usize>>,
    /// Indices of `tenant.users` per group or service desk ("group:<name>", "desk:<id>"), built
    /// on first use; rebuilt after a mutation.
    pub members: Option<BTreeMap<String, Vec<usize>>>,
    /// BlueJeans: "user:<id>" -> index in `tenant.users`, "owner:<id>" -> indices in
    /// `tenant.events`; built on first use, rebuilt after a mutation.
    pub lookup: Option<std::collections::HashMap<String, Vec<usize>>>,
    /// BeyondTrust Password Safe: session cookie -> still signed in.
    pub sessions: BTreeMap<String, bool>,
    pub tokens_issued: u64,
    /// The tokens issued (every one valid until it expires) and how often each was used.
    pub issued_tokens: std::collections::HashMap<String, u32>,
}

impl TenantState {
    fn new(tenant: Tenant) -> TenantState {
        TenantState {
            tenant,
            stats: TenantStats::default(),
            mutated: false,
            list_requests: 0,
            churn_log: Vec::new(),
            id_order: None,
            members: None,
            lookup: None,
            sessions: BTreeMap::new(),
            tokens_issued: 0,
            issued_tokens: Default::default(),
        }
    }

    /// The users in id order, as indices.
    pub fn by_id(&mut self) -> &[usize] {
        if self.id_order.is_none() {
            let users = &self.tenant.users;
            let mut order: Vec<usize> = (0..users.len()).collect();
            order.sort_by(|a, b| users[*a].get("id").and_then(|v| v.as_str()).cmp(&users[*b].get("id").and_then(|v| v.as_str())));
            self.id_order = Some(order);
        }
        self.id_order.as_deref().unwrap_or(&[])
    }
}

#[derive(Debug, Default)]
pub struct SandboxState {
    pub tenants: BTreeMap<String, Mutex<TenantState>>,
}

impl SandboxState {
    pub fn with_tenant<R>(&self, name: &str, f: impl FnOnce(&mut TenantState) -> R) -> Option<R> {
        self.tenants.get(name).map(|t| f(&mut t.lock().unwrap_or_else(|p| p.into_inner())))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox: tenant file {file}: {detail}")]
    Tenant { file: String, detail: String },
    #[error("sandbox: cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
}

/// Reads every `*.json` tenant file of `dir`; the file name (without `.json`) is the tenant name.
pub fn load_tenants(dir: &Path) -> Result<BTreeMap<String, Tenant>, SandboxError> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| SandboxError::Tenant { file: dir.display().to_string(), detail: e.to_string() })?;
    let mut paths: Vec<_> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    for p in paths {
        let text =
            std::fs::read_to_string(&p).map_err(|e| SandboxError::Tenant { file: p.display().to_string(), detail: e.to_string() })?;
        let tenant: Tenant =
            serde_json::from_str(&text).map_err(|e| SandboxError::Tenant { file: p.display().to_string(), detail: e.to_string() })?;
        let name = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        out.insert(name, tenant);
    }
    Ok(out)
}

/// A running sandbox.
pub struct Sandbox {
    pub addr: SocketAddr,
    pub state: Arc<SandboxState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts serving `tenants` on `addr` (use `127.0.0.1:0` for an ephemeral port).
    pub async fn start(addr: &str, tenants: BTreeMap<String, Tenant>) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| SandboxError::Listen { addr: addr.into(), source })?;
        let local = listener.local_addr().map_err(|source| SandboxError::Listen { addr: addr.into(), source })?;
        // Without TCP_NODELAY, a response written in two segments waits for the client's delayed
        // ACK (~40 ms on Linux), which would cap every simulated API far below its rate limit.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
            let _ = tcp.set_nodelay(true);
        });
        Ok(Sandbox::serve(listener, local, tenants))
    }

    /// Serves `tenants` on a listener of any kind (tests wrap a TCP listener in TLS to play an
    /// appliance with a private CA); `local` is its address.
    pub fn serve<L>(listener: L, local: SocketAddr, tenants: BTreeMap<String, Tenant>) -> Sandbox
    where
        L: axum::serve::Listener,
        L::Addr: std::fmt::Debug,
    {
        let state = Arc::new(SandboxState { tenants: tenants.into_iter().map(|(k, t)| (k, Mutex::new(TenantState::new(t)))).collect() });
        let app: Router = messagebird::routes(state.clone())
            .merge(atlassian::routes(state.clone()))
            .merge(bluejeans::routes(state.clone()))
            .merge(beyondtrust::routes(state.clone()))
            .merge(scim::routes(state.clone()))
            .merge(oauth::routes(state.clone()))
            .layer(axum::middleware::from_fn_with_state(state.clone(), faults::forbid));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Sandbox { addr: local, state, shutdown: Some(tx), task: Some(task) }
    }

    /// The token endpoint of a tenant with OAuth.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("http://{}/oauth/{tenant}/token", self.addr)
    }

    /// The base URL of a tenant for its kind and flavour.
    pub fn base_url(&self, tenant: &str, flavor: &str) -> String {
        format!("http://{}/{flavor}/{tenant}", self.addr)
    }

    /// Every base URL a tenant is served at (one per flavour of its kind).
    pub fn base_urls(&self, name: &str, tenant: &Tenant) -> Vec<String> {
        match tenant.kind() {
            "messagebird" => vec![
                format!("{} (flavor messagebird)", self.base_url(name, "messagebird")),
                format!(
                    "{} (flavor bird, organization_id {})",
                    self.base_url(name, "bird"),
                    tenant.organization_id.as_deref().unwrap_or("?")
                ),
            ],
            "bluejeans" | "bluejeans_events" => {
                let ent = tenant.organization_id.as_deref().unwrap_or("?");
                vec![
                    format!("{} (flavor api, enterprise_id {ent})", self.base_url(name, "bluejeans")),
                    format!("{} (flavor guide)", self.base_url(name, "bluejeans-guide")),
                    format!("{} (bluejeans_events; users_url = the flavor api URL)", self.base_url(name, "bluejeans-events")),
                ]
            }
            "scim" => vec![format!("{} (kind scim, Bearer <secret>)", self.base_url(name, "scim"))],
            "beyondtrust" => vec![
                format!("{} (flavor public_v3)", self.base_url(name, "beyondtrust")),
                format!("{} (flavor config_api)", self.base_url(name, "beyondtrust-pra")),
                format!("{}/BeyondTrust/api/public/v3 (flavor password_safe)", self.base_url(name, "beyondtrust-ps")),
            ],
            "jira_service_management" => {
                let mut v = vec![
                    format!("{} (flavor cloud)", self.base_url(name, "atlassian")),
                    format!("{} (flavor guide)", self.base_url(name, "atlassian-guide")),
                ];
                if let Some(org) = &tenant.organization_id {
                    v.push(format!("{} (org_api_url, org_id {org})", self.base_url(name, "atlassian-admin")));
                }
                v
            }
            _ => Vec::new(),
        }
    }

    pub fn stats(&self, tenant: &str) -> TenantStats {
        self.state.with_tenant(tenant, |t| t.stats.clone()).unwrap_or_default()
    }

    /// The tenant's users as they are now (after any mutation).
    pub fn users(&self, tenant: &str) -> Vec<serde_json::Value> {
        self.state.with_tenant(tenant, |t| t.tenant.users.clone()).unwrap_or_default()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Tenant, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_tenant_file_is_the_shared_keys_and_its_kinds_own() {
        let t = parse(
            r#"{"kind": "scim", "secret": "s", "users": [{"id": "u1"}], "groups": [{"id": "g"}], "scim_quirks": {"no_total": true}}"#,
        )
        .unwrap();
        assert_eq!((t.kind(), t.secret.as_str(), t.users.len()), ("scim", "s", 1));
        assert_eq!(t.provider().groups.len(), 1);
        assert!(t.provider().scim_quirks.no_total);
        let t = parse(r#"{"kind": "jira_service_management", "secret": "s", "org_api_key": "k", "service_desks": [{"id": "1"}]}"#).unwrap();
        assert_eq!(t.site().org_api_key.as_deref(), Some("k"));
        assert!(t.provider().groups.is_empty(), "another kind's part is empty");
        assert_eq!(parse(r#"{"kind": "messagebird", "secret": "s"}"#).unwrap().kind(), "messagebird");
    }

    #[test]
    fn a_key_of_another_kind_an_unknown_key_or_kind_is_refused() {
        let e = parse(r#"{"kind": "messagebird", "secret": "s", "events": []}"#).unwrap_err();
        assert!(e.contains("unknown field `events`"), "{e}");
        let e = parse(r#"{"kind": "scim", "secret": "s", "sercet": "x"}"#).unwrap_err();
        assert!(e.contains("unknown field `sercet`"), "{e}");
        let e = parse(r#"{"kind": "nope", "secret": "s"}"#).unwrap_err();
        assert!(e.contains("unknown variant `nope`"), "{e}");
        let e = parse(r#"{"secret": "s"}"#).unwrap_err();
        assert!(e.contains("missing field `kind`"), "{e}");
    }
}
