//! The `xalantis-bot` binary: parse the command line, load configuration, run, exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xalantis_bot::config::{Config, Purpose};

/// Expands Xalantis ticket mentions in Discord into rich ticket cards.
#[derive(Debug, Parser)]
#[command(name = "xalantis-bot", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot on every configured platform (the default).
    Run,
}

fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env(Purpose::Run) {
        Ok(config) => config,
        Err(error) => {
            eprint!("xalantis-bot: {error}");
            return ExitCode::from(2);
        }
    };
    xalantis_bot::telemetry::init(config.log_format);
    if let Ok(path) = dotenv {
        tracing::info!(path = %path.display(), "loaded .env");
    }
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => runtime.block_on(xalantis_bot::app::run(config, xalantis_bot::app::shutdown_signal())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("xalantis-bot: {error:#}");
            ExitCode::FAILURE
        }
    }
}
