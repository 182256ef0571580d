//! The `access-audit` command line: parses arguments, sets up logging, dispatches to a command,
//! and is the only place that prints results and picks the exit code.

mod commands;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: the collection makes and frees millions of small
/// strings on every core, where glibc's malloc both spent a fifth of the CPU and kept freed
/// memory (scripts/bench-vs-duckdb.sh: faster and a smaller peak).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    commands::init_logging(cli.verbose, cli.quiet);
    match commands::dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // `{e}`, not `{e:#}`: every error's message already names its cause (the pipeline's
            // errors wrap their sources' messages), so the chain would say it all twice.
            eprintln!("error: {e}");
            ExitCode::from(commands::EXIT_ERROR)
        }
    }
}
