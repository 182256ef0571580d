//! One command line, carried out: the command it names, and what its error means for the exit
//! code.

use super::cli::{CampaignAction, Cli, Command, DecisionsAction};
use super::common::EXIT_USAGE;
use super::{campaign, check, collect, decisions, demo, diff, remediate, report, run, sandbox, verify};
use access_audit::pipeline::PipelineError;

pub fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let result = match cli.command {
        Command::Demo { out, force } => demo::run(&out, force),
        Command::Run { config, out, as_of, apps, fail_on, force } => run::run(&config, &out, as_of, &apps, fail_on, force),
        Command::Collect { config, out, apps, force } => collect::run(&config, &out, &apps, force),
        Command::Report { config, snapshot, out, as_of, fail_on, force } => report::run(&config, &snapshot, &out, as_of, fail_on, force),
        Command::Check { config } => check::run(&config),
        Command::Sandbox { listen, tenants } => sandbox::run(&listen, tenants.as_deref()),
        Command::Decisions { action: DecisionsAction::Import { workbook, report, config } } => {
            decisions::import(&workbook, &report, config.as_deref())
        }
        Command::Campaign { action: CampaignAction::Plan { report, config } } => campaign::plan(&report, &config),
        Command::Campaign { action: CampaignAction::Remind { report, config, dry_run, on } } => {
            campaign::remind(&report, &config, dry_run, on)
        }
        Command::Campaign { action: CampaignAction::Close { report, config, non_response, early, on, reopen } } => {
            campaign::close(&report, config.as_deref(), non_response, early, on, reopen)
        }
        Command::Campaign { action: CampaignAction::Status { report, on, require_complete, config } } => {
            campaign::status(&report, on, require_complete, config.as_deref())
        }
        Command::Remediate { report, config, apply, again, tickets } => remediate::run(&report, &config, apply, again, tickets.as_deref()),
        Command::Diff { previous, current, out, config, offline } => diff::run(&previous, &current, &out, config.as_deref(), offline),
        Command::Verify { dir, public_key, config } => verify::run(&dir, public_key.as_deref(), config.as_deref()),
    };
    match result {
        Ok(code) => Ok(code),
        Err(PipelineError::Usage(msg)) => {
            eprintln!("error: {msg}");
            Ok(EXIT_USAGE)
        }
        Err(e) => Err(e.into()),
    }
}
