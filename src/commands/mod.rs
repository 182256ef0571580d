//! The subcommands of SPEC §1 and what they share: the CLI definition, logging, exit codes, the
//! printed summary.

/// Prints a line on stdout. A reader that went away (`access-audit demo | head -1`) is no reason to
/// panic: the line is dropped.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

mod campaign;
mod check;
mod cli;
mod collect;
mod common;
mod decisions;
mod demo;
mod diff;
mod dispatch;
mod remediate;
mod report;
mod run;
mod sample;
mod sandbox;
mod verify;

pub use cli::Cli;
pub use common::{init_logging, EXIT_ERROR};
pub use dispatch::dispatch;
