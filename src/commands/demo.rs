//! `demo`: the whole pipeline offline: the built-in sandbox on an ephemeral 127.0.0.1 port serves
//! the sample company's API apps, `sample-data/` provides the roster and the CSV exports, and the
//! run ends with the summary and the path of `report.html`.

use std::path::Path;

use access_audit::config::Config;
use access_audit::pipeline::{Inputs, PipelineError};
use access_audit_sandbox::{load_tenants, Sandbox};

use super::cli::FailOn;
use super::common::{runtime, today, EXIT_INCOMPLETE, EXIT_OK};
use super::run;
use super::sample::{sample_data, DEFAULT_LISTEN};

/// Runs the sample company like `run` would, against the sandbox. The sample data contains an
/// export with an unreadable row on purpose, so a real `run` on it exits 4; the demo says so and
/// exits 0, because the demo itself succeeded.
pub fn run(out: &Path, force: bool) -> Result<u8, PipelineError> {
    let started = chrono::Utc::now();
    run::check_out(out, force)?;
    let data = sample_data()?;
    let tenants = load_tenants(&data.join("tenants")).map_err(|e| PipelineError::Usage(e.to_string()))?;
    let sandbox = runtime().block_on(Sandbox::start("127.0.0.1:0", tenants)).map_err(|e| PipelineError::Usage(e.to_string()))?;
    say!("demo: the sample company in {}, its API apps served by the sandbox on http://{}", data.display(), sandbox.addr);
    // The sample config points at the sandbox's default address; use the one it got instead.
    let config_path = data.join("config.toml");
    let text = std::fs::read_to_string(&config_path)
        .map_err(|e| PipelineError::Usage(format!("{}: {e}", config_path.display())))?
        .replace(&format!("http://{DEFAULT_LISTEN}"), &format!("http://{}", sandbox.addr));
    let config = Config::parse(&text, &config_path, &access_audit::collectors::REGISTRY)?;
    let inputs = Inputs::from_config(config, None, today())?;
    let code = run::run_inputs(inputs, out, &[], FailOn::Never, started);
    runtime().block_on(sandbox.stop());
    if code? == EXIT_INCOMPLETE {
        say!("demo: the sample company's slack export has an unreadable row on purpose, so `run` on it exits 4; the demo exits 0");
    }
    Ok(EXIT_OK)
}
