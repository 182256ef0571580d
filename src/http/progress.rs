//! Progress of a collection, per app: items read (and of how many, once an API says), pages,
//! requests, retries, 429s. A live line per app with `indicatif` when stderr is a terminal (a bar
//! with percentage and ETA once a total is known, a spinner until then); otherwise a plain log line
//! per app every 15 seconds.
//!
//! Each app's collection runs inside its own sink's scope ([`AppProgress::scope`]): every client
//! built in it (the app's own, and helpers such as the Atlassian organization API's) reports into
//! that app's line, and nothing outlives the collection. No global registry.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::stats::Stats;

tokio::task_local! {
    static CURRENT: Arc<AppProgress>;
}

/// What one app's collection has done so far.
#[derive(Debug, Default)]
pub struct AppProgress {
    /// Items read from its lists (accounts, members...), every pass included.
    read: AtomicU64,
    /// How many its lists said they hold, as far as known (0: not known yet).
    expected: AtomicU64,
    /// The counters of every client of the app.
    clients: Mutex<Vec<Arc<Stats>>>,
}

impl AppProgress {
    /// The sink of the collection this runs in, if any.
    pub fn current() -> Option<Arc<AppProgress>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Runs `f` (an app's collection) with this sink as the current one.
    pub async fn scope<F: Future>(self: Arc<Self>, f: F) -> F::Output {
        CURRENT.scope(self, f).await
    }

    /// A client of the app reports into this sink.
    pub fn attach(&self, stats: Arc<Stats>) {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).push(stats);
    }

    /// `n` more items were read.
    pub fn read(&self, n: usize) {
        self.read.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A list said it holds `n` items (counted once per list).
    pub fn expect(&self, n: u64) {
        self.expected.fetch_add(n, Ordering::Relaxed);
    }

    /// (items read, expected or 0, pages, requests, retries, 429s) over every client.
    fn snapshot(&self) -> (u64, u64, u64, u64, u64, u64) {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let sum = |f: fn(&Stats) -> &AtomicU64| clients.iter().map(|s| f(s).load(Ordering::Relaxed)).sum::<u64>();
        (
            self.read.load(Ordering::Relaxed),
            self.expected.load(Ordering::Relaxed),
            sum(|s| &s.pages),
            sum(|s| &s.requests),
            sum(|s| &s.retries),
            sum(|s| &s.throttled),
        )
    }

    fn line(&self) -> String {
        let (read, expected, pages, requests, retries, throttled) = self.snapshot();
        let of = if expected > 0 { format!(" of {expected}") } else { String::new() };
        format!("{read}{of} read; {pages} pages, {requests} requests, {retries} retries, {throttled} 429s")
    }
}

pub struct Progress {
    apps: BTreeMap<String, Arc<AppProgress>>,
    bars: BTreeMap<String, ProgressBar>,
    _multi: Option<MultiProgress>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:<24} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:<24} [{bar:24}] {percent:>3}% eta {eta:<4} {msg}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress {
    /// Starts showing progress for these apps (must run inside the tokio runtime).
    pub fn start<'a>(apps: impl IntoIterator<Item = &'a str>) -> Progress {
        let interactive = std::io::stderr().is_terminal() && tracing::enabled!(tracing::Level::INFO);
        let apps: BTreeMap<String, Arc<AppProgress>> = apps.into_iter().map(|a| (a.to_string(), Arc::default())).collect();
        let mut bars = BTreeMap::new();
        let mut multi = None;
        if interactive {
            let m = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            for name in apps.keys() {
                let bar = m.add(ProgressBar::new_spinner());
                bar.set_style(spinner_style());
                bar.set_prefix(name.clone());
                bar.set_message("starting");
                bars.insert(name.clone(), bar);
            }
            multi = Some(m);
        }
        let (shown, sinks) = (bars.clone(), apps.clone());
        let ticker = tokio::runtime::Handle::try_current().ok().map(|h| {
            h.spawn(async move {
                let period = if interactive { Duration::from_millis(200) } else { Duration::from_secs(15) };
                let mut tick = tokio::time::interval(period);
                tick.tick().await;
                let mut with_bar = std::collections::BTreeSet::new();
                loop {
                    tick.tick().await;
                    for (name, sink) in &sinks {
                        match shown.get(name) {
                            Some(bar) if !bar.is_finished() => {
                                let (read, expected, ..) = sink.snapshot();
                                if expected > 0 {
                                    if with_bar.insert(name.clone()) {
                                        bar.set_style(bar_style());
                                    }
                                    bar.set_length(expected.max(read));
                                    bar.set_position(read);
                                }
                                bar.set_message(sink.line());
                                bar.tick();
                            }
                            Some(_) => {}
                            None => tracing::info!("{name}: {}", sink.line()),
                        }
                    }
                }
            })
        });
        Progress { apps, bars, _multi: multi, ticker }
    }

    /// The sink of one app (its collection runs in its scope).
    pub fn of(&self, app: &str) -> Arc<AppProgress> {
        self.apps.get(app).cloned().unwrap_or_default()
    }

    /// An app is done.
    pub fn finish(&self, app: &str, accounts: usize, status: &str, requests: i64, retries: i64, throttled: i64) {
        if let Some(bar) = self.bars.get(app) {
            bar.set_style(spinner_style());
            bar.finish_with_message(format!("{accounts} accounts, {status}: {requests} requests, {retries} retries, {throttled} 429s"));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clients_report_into_the_sink_of_the_collection_they_run_in() {
        let sink = Arc::new(AppProgress::default());
        assert!(AppProgress::current().is_none(), "no sink outside a collection");
        let inner = sink.clone().scope(async { AppProgress::current() }).await;
        assert!(inner.is_some_and(|p| Arc::ptr_eq(&p, &sink)));
        let stats = Arc::new(Stats::default());
        stats.requests.fetch_add(3, Ordering::Relaxed);
        sink.attach(stats.clone());
        sink.attach(Arc::new(Stats::default()));
        sink.expect(100);
        sink.read(40);
        assert_eq!(sink.line(), "40 of 100 read; 0 pages, 3 requests, 0 retries, 0 429s");
    }
}
