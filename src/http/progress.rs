//! Progress of a collection, per app: pages, requests, retries, 429s. A live line per app with
//! `indicatif` when stderr is a terminal; otherwise a plain log line per app every 15 seconds.
//!
//! Clients register their counters here when they are built; the ticker only reads them.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::client::Stats;
use crate::config::AppConfig;
use crate::model::Collection;

fn registry() -> &'static Mutex<BTreeMap<String, Arc<Stats>>> {
    static REGISTRY: OnceLock<Mutex<BTreeMap<String, Arc<Stats>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// Called by a client when it is built.
pub fn register(app: &str, stats: Arc<Stats>) {
    registry().lock().unwrap_or_else(|p| p.into_inner()).insert(app.to_string(), stats);
}

fn line(stats: &Stats) -> String {
    format!(
        "{} pages, {} requests, {} retries, {} 429s",
        stats.pages.load(Ordering::Relaxed),
        stats.requests.load(Ordering::Relaxed),
        stats.retries.load(Ordering::Relaxed),
        stats.throttled.load(Ordering::Relaxed)
    )
}

pub struct Progress {
    bars: BTreeMap<String, ProgressBar>,
    _multi: Option<MultiProgress>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Starts showing progress for these apps (must run inside the tokio runtime).
    pub fn start(apps: &[&AppConfig]) -> Progress {
        let interactive = std::io::stderr().is_terminal() && tracing::enabled!(tracing::Level::INFO);
        let mut bars = BTreeMap::new();
        let mut multi = None;
        if interactive {
            let m = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {prefix:<24} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
            for app in apps {
                let bar = m.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(app.name.clone());
                bar.set_message("starting");
                bars.insert(app.name.clone(), bar);
            }
            multi = Some(m);
        }
        let names: Vec<String> = apps.iter().map(|a| a.name.clone()).collect();
        let shown = bars.clone();
        let ticker = tokio::runtime::Handle::try_current().ok().map(|h| {
            h.spawn(async move {
                let period = if interactive { Duration::from_millis(200) } else { Duration::from_secs(15) };
                let mut tick = tokio::time::interval(period);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let stats: Vec<(String, Arc<Stats>)> = {
                        let r = registry().lock().unwrap_or_else(|p| p.into_inner());
                        names.iter().filter_map(|n| r.get(n).map(|s| (n.clone(), s.clone()))).collect()
                    };
                    for (name, s) in stats {
                        match shown.get(&name) {
                            Some(bar) if !bar.is_finished() => {
                                bar.set_message(line(&s));
                                bar.tick();
                            }
                            Some(_) => {}
                            None => tracing::info!("{name}: {}", line(&s)),
                        }
                    }
                }
            })
        });
        Progress { bars, _multi: multi, ticker }
    }

    /// An app is done.
    pub fn finish(&self, app: &str, c: &Collection) {
        if let Some(bar) = self.bars.get(app) {
            bar.finish_with_message(format!(
                "{} accounts, {}: {} requests, {} retries, {} 429s",
                c.accounts.len(),
                c.coverage.status,
                c.coverage.requests,
                c.coverage.retries,
                c.coverage.throttled
            ));
        }
        registry().lock().unwrap_or_else(|p| p.into_inner()).remove(app);
    }

    pub fn stop(self) {
        if let Some(t) = self.ticker {
            t.abort();
        }
        for bar in self.bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}
