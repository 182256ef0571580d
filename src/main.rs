//! The `access-audit` command line: parses arguments, sets up logging, dispatches to a command,
//! and is the only place that prints results and picks the exit code.

mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    commands::init_logging(cli.verbose, cli.quiet);
    match commands::dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(commands::EXIT_ERROR)
        }
    }
}
