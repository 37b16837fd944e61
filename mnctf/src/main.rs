//! `mnctf`: every command a user of the My Number Card trust-framework harness runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod ca;
mod card;
mod pki;
mod walkthrough;

/// Exit codes CI can rely on.
mod exit {
    /// Everything ran and every check passed.
    pub const OK: u8 = 0;
    /// A check failed (a scenario step, a benchmark precondition).
    pub const CHECK_FAILED: u8 = 1;
    /// The command could not run (bad arguments, a service that did not start).
    pub const ERROR: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "mnctf",
    version,
    about = "My Number Card trust-framework harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the case studies and write the reports (today: the card and PKI walkthrough).
    Scenarios {
        /// Where to write the reports.
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// The fake certification authorities.
    Ca {
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// The virtual My Number Card.
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// The test PKI's keys and files.
    Pki {
        #[command(subcommand)]
        command: pki::PkiCommand,
    },
    /// Benchmarks (release build recommended).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MNCTF_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Scenarios { out } => walkthrough::run(&out),
        Command::Ca { command } => ca::run(command),
        Command::Card { command } => card::run(command),
        Command::Pki { command } => pki::run(command),
        Command::Bench { command } => bench::run(command),
    };
    match result {
        Ok(true) => ExitCode::from(exit::OK),
        Ok(false) => ExitCode::from(exit::CHECK_FAILED),
        Err(err) => {
            eprintln!("mnctf: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
