//! `sandbox`: serves the simulated app APIs on 127.0.0.1 until stopped.

use std::path::Path;

use access_audit::pipeline::PipelineError;
use access_audit_sandbox::{load_tenants, Sandbox};

use super::common::{runtime, EXIT_OK};
use super::sample::sample_data;

pub fn run(listen: &str, tenants: Option<&Path>) -> Result<u8, PipelineError> {
    let host = listen.rsplit_once(':').map(|(h, _)| h).unwrap_or(listen);
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(PipelineError::Usage(format!("--listen {listen}: the sandbox listens on loopback only (127.0.0.1:PORT)")));
    }
    let dir = match tenants {
        Some(d) => d.to_path_buf(),
        None => sample_data()?.join("tenants"),
    };
    let loaded = load_tenants(&dir).map_err(|e| PipelineError::Usage(e.to_string()))?;
    let rt = runtime();
    let sandbox = rt.block_on(Sandbox::start(listen, loaded.clone())).map_err(|e| PipelineError::Usage(e.to_string()))?;
    // Written once and without panicking: whoever started us may stop reading after the first line.
    let mut text = format!("sandbox on http://{} (tenants from {}); stop it with Ctrl-C\n", sandbox.addr, dir.display());
    for (name, t) in &loaded {
        for url in sandbox.base_urls(name, t) {
            text.push_str(&format!("  {name} ({}): {url}\n", t.kind()));
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, text.as_bytes()).and_then(|_| std::io::Write::flush(&mut out));
    drop(out);
    rt.block_on(std::future::pending::<()>());
    Ok(EXIT_OK)
}
