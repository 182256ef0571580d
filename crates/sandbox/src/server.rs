//! A running sandbox: every simulator's routes on one listener, and what tests ask of it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;

use super::registry::{sim_of, SIMS};
use super::state::{SandboxState, Tenant, TenantState, TenantStats};
use super::{faults, oauth};

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
        let app: Router = SIMS
            .iter()
            .fold(oauth::routes(state.clone()), |router, sim| router.merge(sim.routes(state.clone())))
            .merge(Router::new().route("/_sandbox/{tenant}/stats", axum::routing::get(stats_route)).with_state(state.clone()))
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
        match sim_of(tenant.kind()) {
            Some(sim) => sim.base_urls(&|prefix: &str| self.base_url(name, prefix), tenant),
            None => Vec::new(),
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

/// `GET /_sandbox/{tenant}/stats`: what the sandbox saw of a tenant, for a benchmark that runs
/// it in its own process (requests, 429s, 5xx, pages, requests per rate-limit bucket).
async fn stats_route(
    axum::extract::State(state): axum::extract::State<Arc<SandboxState>>,
    axum::extract::Path(tenant): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.with_tenant(&tenant, |t| t.stats.clone()) {
        Some(s) => axum::Json(serde_json::json!({
            "requests": s.requests, "served_429": s.served_429, "served_5xx": s.served_5xx, "pages_served": s.pages_served,
            "by_bucket": s.by_bucket,
        }))
        .into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
