//! The command line as clap reads it: every command, its options and their help.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use super::sample::DEFAULT_LISTEN;

/// `--version`: the release and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ACCESS_AUDIT_COMMIT"), ")");

/// Where `demo` and `run` write the report unless told.
pub const DEFAULT_OUT: &str = "access-audit-report";

/// Quarterly user-access reviews and compliance evidence: every account of every app, joined to
/// the HR/IdP roster, with findings on leavers, orphaned, admin, dormant and invited-but-unused
/// accounts and API-credential risks.
#[derive(Debug, Parser)]
#[command(name = "access-audit", version = VERSION, about, long_about = None, propagate_version = true)]
#[command(after_help = "Exit codes: 0 done; 1 error (bad config, unreadable input, I/O); 2 usage error; \
3 open findings at or above --fail-on; 4 at least one app could not be collected completely (wins over 3).")]
pub struct Cli {
    /// More log detail on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less log detail on stderr (-q warnings only, -qq errors only).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline offline on the built-in sample company and print where the report is.
    Demo {
        /// Output directory.
        #[arg(long, default_value = DEFAULT_OUT)]
        out: PathBuf,
        /// Write into OUT even when it holds files that are not an access-audit report.
        #[arg(long)]
        force: bool,
    },
    /// Collect every app and write the report (collect + report in one go).
    Run {
        #[arg(long)]
        config: PathBuf,
        /// Output directory (the snapshot goes to OUT/snapshot).
        #[arg(long, default_value = DEFAULT_OUT)]
        out: PathBuf,
        /// The review date every day-based rule counts from (YYYY-MM-DD); default: the config's, else today (UTC).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// Only these apps (repeatable).
        #[arg(long = "app", value_name = "NAME")]
        apps: Vec<String>,
        /// Exit 3 when an open finding is at or above this severity.
        #[arg(long, value_enum, default_value_t = FailOn::Never)]
        fail_on: FailOn,
        /// Write into OUT even when it holds files that are not an access-audit report.
        #[arg(long)]
        force: bool,
    },
    /// Collect every app into a snapshot directory (no report).
    Collect {
        #[arg(long)]
        config: PathBuf,
        /// Snapshot directory.
        #[arg(long)]
        out: PathBuf,
        #[arg(long = "app", value_name = "NAME")]
        apps: Vec<String>,
        /// Write into OUT even when it holds files that are not an access-audit snapshot.
        #[arg(long)]
        force: bool,
    },
    /// Write the report from a stored snapshot, with no network.
    Report {
        #[arg(long)]
        config: PathBuf,
        /// A snapshot directory (from `collect`) or a report directory with snapshot/ inside.
        #[arg(long)]
        snapshot: PathBuf,
        #[arg(long, default_value = DEFAULT_OUT)]
        out: PathBuf,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = FailOn::Never)]
        fail_on: FailOn,
        /// Write into OUT even when it holds files that are not an access-audit report.
        #[arg(long)]
        force: bool,
    },
    /// Validate the config, resolve every secret, read the roster, and make one request per API app.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// Serve the simulated app APIs on 127.0.0.1 (for trying the tool without credentials).
    Sandbox {
        /// Address to listen on (loopback only).
        #[arg(long, default_value = DEFAULT_LISTEN)]
        listen: String,
        /// Directory of tenant files (default: sample-data/tenants).
        #[arg(long)]
        tenants: Option<PathBuf>,
    },
    /// Record the reviewers' decisions (a filled review.xlsx) in a report directory.
    Decisions {
        #[command(subcommand)]
        action: DecisionsAction,
    },
    /// A review campaign over a report: who certifies which account, one workbook per reviewer.
    Campaign {
        #[command(subcommand)]
        action: CampaignAction,
    },
    /// The revocations the reviewers decided, as work: remediation/<app>-revocations.csv per app and, for API kinds, <app>-plan.jsonl with the exact calls that would disable each account; never sent unless --apply.
    #[command(
        after_help = "Exit code 0; 1 when --apply was given and a call failed (each call and its answer is in remediation/applied.jsonl)."
    )]
    Remediate {
        /// The report directory, with the reviewers' decisions imported.
        #[arg(long)]
        report: PathBuf,
        /// The config: the apps (their kind, base URL and credentials) and the signing key of a signed pack.
        #[arg(long)]
        config: PathBuf,
        /// Send the plans of the kinds that allow it (SCIM: PATCH active=false); the others stay plans.
        /// Accounts an earlier --apply revoked (remediation/applied.jsonl) are not sent again.
        #[arg(long)]
        apply: bool,
        /// With --apply: send again the plans of accounts an earlier --apply already revoked.
        #[arg(long)]
        again: bool,
        /// Open one ticket per group (config [tickets] group_by: per_app or per_reviewer) listing the
        /// accounts to revoke, in Jira or ServiceNow ([tickets.jira] / [tickets.servicenow]); a ticket
        /// an earlier run opened for the same pack and group is found, not opened again.
        #[arg(long, value_parser = ["jira", "servicenow"])]
        tickets: Option<String>,
    },
    /// Compare two report directories: findings new/resolved/still open, accounts added/removed/changed, exceptions to renew.
    Diff {
        /// The earlier report directory (e.g. last quarter's).
        previous: PathBuf,
        /// The later report directory.
        current: PathBuf,
        /// Where diff.html and the diff CSVs go.
        #[arg(long, default_value = "access-audit-diff")]
        out: PathBuf,
        /// The config whose [tickets] reads the previous review's tickets (remediate --tickets):
        /// a ticket closed while its account is still live is reported.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Do not ask the ticket desk for the previous review's tickets (the diff says so).
        #[arg(long)]
        offline: bool,
    },
    /// Check a report directory against its manifest: every hash, files added or removed, and the signature.
    #[command(after_help = "Exit code 0 when every file matches (and the signature holds, when --public-key is given); 1 otherwise.")]
    Verify {
        /// The report directory (with manifest.json).
        dir: PathBuf,
        /// Ed25519 public key (SPKI PEM, or 32 bytes in hex/base64) to check manifest.json.sig with.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// The config whose [evidence] signing_key signed the pack: its public key checks the
        /// signature (when --public-key is not given).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignAction {
    /// Assign every account of a report to its reviewer ([campaign] of the config: the person's
    /// manager or the app's owner, a fallback reviewer for the rest) and write campaign/: one
    /// workbook per reviewer, assignments.csv and reviewers.csv; the manifest lists them.
    #[command(after_help = "Exit code 0 when planned; 1 when an account has no reviewer and there is no fallback_reviewer.")]
    Plan {
        /// The report directory.
        #[arg(long)]
        report: PathBuf,
        /// The config: [campaign], the apps' owners, the roster with its managers (and the signing key of a signed pack).
        #[arg(long)]
        config: PathBuf,
    },
    /// Close the campaign with a recorded non-response policy: every account still pending is
    /// decided keep or revoke, with source "policy: no response by <due>" and the campaign's
    /// owner ([campaign] owner) as the decider; a closed campaign refuses further imports.
    #[command(
        after_help = "Exit code 0 when closed (or reopened); 1 before the due date without --early, without [campaign] owner, or when already closed."
    )]
    Close {
        /// The report directory (after `campaign plan`).
        #[arg(long)]
        report: PathBuf,
        /// The config: [campaign] owner (and the signing key of a signed pack).
        #[arg(long, required_unless_present = "reopen")]
        config: Option<PathBuf>,
        /// What happens to an account nobody answered for.
        #[arg(long, value_enum, required_unless_present = "reopen")]
        non_response: Option<NonResponseArg>,
        /// Close before the due date (recorded in the manifest).
        #[arg(long)]
        early: bool,
        /// The day of the close (YYYY-MM-DD; default today, UTC): the policy's decided_on.
        #[arg(long, value_name = "DATE")]
        on: Option<chrono::NaiveDate>,
        /// Undo a close: the policy's decisions are taken back and imports accepted again (recorded).
        #[arg(long, conflicts_with_all = ["non_response", "early"])]
        reopen: bool,
    },
    /// Email every reviewer with accounts still pending: how many, how many recommended revoke,
    /// the due date, their packet attached; past [campaign] escalate_after_days the reviewer's
    /// manager is copied. Sent through [notify] (SMTP), or with --dry-run written as .eml files
    /// into campaign/outbox/. Every email is recorded in campaign/reminders.jsonl and the manifest.
    #[command(after_help = "Exit code 0 when every reminder was sent (or written); 1 when one failed (the others are still sent).")]
    Remind {
        /// The report directory (after `campaign plan`).
        #[arg(long)]
        report: PathBuf,
        /// The config: [notify], [campaign] (and the signing key of a signed pack).
        #[arg(long)]
        config: PathBuf,
        /// Write the emails into campaign/outbox/ instead of sending them.
        #[arg(long)]
        dry_run: bool,
        /// The day of the reminder (YYYY-MM-DD; default today, UTC): what is overdue is counted from it.
        #[arg(long, value_name = "DATE")]
        on: Option<chrono::NaiveDate>,
    },
    /// Per reviewer: accounts to certify, decided, pending, overdue; writes campaign/campaign_status.csv and records it in the manifest.
    #[command(after_help = "Exit code 0; 5 with --require-complete while any account is pending.")]
    Status {
        /// The report directory (after `campaign plan`).
        #[arg(long)]
        report: PathBuf,
        /// The day overdue is counted on (YYYY-MM-DD; default today, UTC).
        #[arg(long, value_name = "DATE")]
        on: Option<chrono::NaiveDate>,
        /// Exit 5 while any account is pending.
        #[arg(long)]
        require_complete: bool,
        /// The config whose [evidence] signing_key signs the updated manifest (needed when the report is signed).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// `--non-response`: what the close decides for an account nobody answered for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NonResponseArg {
    Keep,
    Revoke,
}

#[derive(Debug, Subcommand)]
pub enum DecisionsAction {
    /// Read a filled review.xlsx (or a CSV with the same columns), check every row, and record the
    /// decisions in the report: decisions.csv, the report's "Review decisions" section, the manifest.
    #[command(
        after_help = "Exit code 0 when recorded; 1 when any row has a problem (each is listed with its sheet and row; nothing is recorded)."
    )]
    Import {
        /// The filled workbook (review.xlsx) or CSV.
        workbook: PathBuf,
        /// The report directory the workbook came from.
        #[arg(long)]
        report: PathBuf,
        /// The config whose [evidence] signing_key signs the updated manifest (needed when the report is signed).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Never,
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl FailOn {
    pub fn severity(self) -> Option<&'static str> {
        match self {
            FailOn::Never => None,
            FailOn::Critical => Some("critical"),
            FailOn::High => Some("high"),
            FailOn::Medium => Some("medium"),
            FailOn::Low => Some("low"),
            FailOn::Info => Some("info"),
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("\"{s}\" is not a date written YYYY-MM-DD"))
}
