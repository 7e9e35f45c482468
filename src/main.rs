//! The `xalantis-bot` binary: parse the command line, load configuration, run, exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xalantis_bot::config::{Config, LogFormat, Purpose};
use xalantis_bot::console::ConsoleOptions;

/// Expands Xalantis ticket mentions in Discord into rich ticket cards.
///
/// Configuration comes from environment variables (and a `.env` file in the working
/// directory); see the README for the full table.
#[derive(Debug, Parser)]
#[command(name = "xalantis-bot", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot on every configured platform (the default).
    Run,
    /// Type chat text and see the cards the bot would post. Without `XALANTIS_API_TOKEN` it
    /// serves bundled sample tickets, so it works with nothing configured.
    Console {
        /// Print the raw platform payloads (JSON) instead of the terminal rendering.
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration and the access to Xalantis and Discord; print the invite URL.
    Check,
}

fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => runtime.block_on(run_bot(dotenv.ok())),
        Command::Console { json } => runtime.block_on(console(ConsoleOptions { json })),
        Command::Check => return runtime.block_on(check()),
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

async fn run_bot(dotenv: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let config = Config::from_env(Purpose::Run)?;
    xalantis_bot::telemetry::init(config.log_format);
    if let Some(path) = dotenv {
        tracing::info!(path = %path.display(), "loaded .env");
    }
    xalantis_bot::app::run(config, xalantis_bot::app::shutdown_signal()).await
}

async fn console(options: ConsoleOptions) -> anyhow::Result<()> {
    let config = Config::from_env(Purpose::Console)?;
    xalantis_bot::telemetry::init_quiet(LogFormat::Text);
    let input = tokio::io::BufReader::new(tokio::io::stdin());
    xalantis_bot::console::run(config, options, input, &mut std::io::stdout()).await
}

async fn check() -> ExitCode {
    xalantis_bot::telemetry::init_quiet(LogFormat::Text);
    let vars = std::env::vars().collect();
    if xalantis_bot::check::run(&vars, &mut std::io::stdout()).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
