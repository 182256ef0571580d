//! A tenant (what every kind has, and its kind's own part) and its state while the sandbox runs.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::app::App;
use super::fault_spec::Faults;

/// One simulated tenant: what every kind has, and its kind's own part ([`App`], read by its simulator).
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
pub(crate) struct Shared {
    #[serde(default)]
    pub(crate) secret: String,
    #[serde(default)]
    pub(crate) organization_id: Option<String>,
    #[serde(default)]
    pub(crate) users: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) faults: Faults,
    #[serde(default)]
    pub(crate) oauth_client_id: Option<String>,
    #[serde(default)]
    pub(crate) username: Option<String>,
    #[serde(default)]
    pub(crate) token_scope: Option<serde_json::Value>,
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

/// What the sandbox saw of one tenant.
#[derive(Debug, Default, Clone)]
pub struct TenantStats {
    /// Time of every API request (auth and admin requests excluded).
    pub request_times: Vec<Instant>,
    pub requests: u64,
    pub served_429: u64,
    pub served_5xx: u64,
    pub pages_served: u64,
    /// Requests per rate-limit bucket (the endpoint with its ids as `*`), where the simulator
    /// keeps per-endpoint limits (Okta).
    pub by_bucket: std::collections::BTreeMap<String, u64>,
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
    /// Per-endpoint rate-limit windows (Okta): endpoint -> (requests in the window, its start).
    pub buckets: std::collections::HashMap<String, (u32, Instant)>,
}

impl TenantState {
    pub fn new(tenant: Tenant) -> TenantState {
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
            buckets: Default::default(),
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
