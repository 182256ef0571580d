//! `check`: validates the config, resolves every secret, reads the roster and checks each app's
//! source, printing one line per item. Writes no files.

use std::path::Path;

use access_audit::collectors;
use access_audit::config::Config;
use access_audit::pipeline::{Inputs, PipelineError};

use super::common::{runtime, today, EXIT_ERROR, EXIT_OK};

pub fn run(config_path: &Path) -> Result<u8, PipelineError> {
    let inputs = Inputs::load(config_path, None, today())?;
    let config: &Config = &inputs.config;
    say!("config {}: ok ({} app(s))", config.file.display(), config.apps.len());
    let r = &inputs.roster;
    if let Some(app) = config.identity.source_app() {
        say!("roster: the users of app {app} ([identity] source), read when it is collected; its check follows");
    } else {
        say!(
            "roster {} ({}): {} people, {} row(s) not usable{}",
            r.file.display(),
            r.format.as_str(),
            r.people.len(),
            r.issues.len(),
            if r.issues.is_empty() { String::new() } else { " (see the warnings above)".into() }
        );
    }
    if let Some(e) = &config.exceptions {
        say!("exceptions {}: {} row(s)", e.path.display(), inputs.exceptions.rows.len());
    }
    if let Some(o) = &config.overrides {
        say!("overrides {}: {} row(s)", o.path.display(), inputs.overrides.rows.len());
    }
    let mut failed = false;
    if let Some(secret) = &config.evidence.signing_key {
        match access_audit::signing::EvidenceKey::load(secret) {
            Ok(key) => say!(
                "evidence signing key: ok (Ed25519, public key sha256 {}); verify with the matching public key",
                access_audit::signing::fingerprint(&key.public_key())
            ),
            Err(e) => {
                failed = true;
                say!("evidence signing key: FAILED: {e}");
            }
        }
    }
    if let Some(n) = &config.notify {
        let server = format!("{}:{} ({})", n.host, n.port(), n.tls.as_str());
        match access_audit::notify::Mailer::smtp(n).map_err(|e| e.to_string()).and_then(|m| m.test_connection()) {
            Ok(()) => say!("notify: SMTP {server}: ok (connected{}; nothing sent)", if n.username.is_some() { ", logged in" } else { "" }),
            Err(e) => {
                failed = true;
                say!("notify: SMTP {server}: FAILED: {e}");
            }
        }
    }
    for (desk, result) in runtime().block_on(access_audit::remediate::check_desks(config)) {
        match result {
            Ok(what) => say!("tickets {desk}: ok ({what}; nothing created)"),
            Err(e) => {
                failed = true;
                say!("tickets {desk}: FAILED: {e}");
            }
        }
    }
    for app in &config.apps {
        let mut problems = Vec::new();
        for s in app.secrets() {
            if let Err(e) = s.resolve() {
                problems.push(format!("secret: {e}"));
            }
        }
        if problems.is_empty() {
            match runtime().block_on(collectors::probe(app)) {
                Ok(checks) => {
                    let bad = checks.iter().filter(|c| !c.is_ok()).count();
                    if bad == 0 {
                        say!("{}: ok ({})", app.name, app.kind);
                    } else {
                        failed = true;
                        say!(
                            "{}: FAILED ({}): {bad} of {} endpoint(s) the collection needs could not be read",
                            app.name,
                            app.kind,
                            checks.len()
                        );
                    }
                    for c in &checks {
                        say!("  {}", c.line());
                    }
                    continue;
                }
                Err(e) => problems.push(e.detail()),
            }
        }
        failed = true;
        say!("{}: FAILED ({}): {}", app.name, app.kind, problems.join("; "));
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}
