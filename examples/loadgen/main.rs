//! End-to-end load driver: the real bot against the fake Discord and the fake Xalantis.
//!
//! It starts both fakes on 127.0.0.1 (the fake Xalantis serves sample tickets `VEN1-000001` …
//! and answers after `--delay-ms`), starts the consumer (by default the real bot, with the
//! production configuration but for URLs, tokens, a temporary `DATABASE_PATH` and
//! `COOLDOWN_SECS=0`) as a child process so that its memory and CPU can be read from
//! `/proc/<pid>`, waits for READY, then injects MESSAGE_CREATE events over the gateway, at
//! `--rate` per second or as fast as possible, `--mention-share` of them naming a ticket. It
//! prints one summary: events/s handled, reply latency, Xalantis calls per distinct ticket,
//! burst coalescing, the consumer's peak RSS and CPU time, and the driver's own CPU time.
//!
//! ```text
//! cargo build --release --example loadgen
//! target/release/examples/loadgen --events 50000 --mention-share 0.05 --tickets 200 --runs 5
//! target/release/examples/loadgen --rate 2000 --warm --events 20000
//! target/release/examples/loadgen --consumer null            # the driver's own ceiling
//! target/release/examples/loadgen --consumer serenity-null   # serenity doing nothing per event
//! ```

// A report of measured figures: counts become f64 for rates and percentiles, precision beyond
// 2^52 events is not a concern, and sub-millisecond casts back to integers are deliberate.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

mod consumer;
mod corpus;
mod procfs;
mod replies;
mod run;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use consumer::Consumer;

/// Load driver for xalantis-bot: fake Discord and fake Xalantis on 127.0.0.1, the real bot in a
/// child process, MESSAGE_CREATE events over the gateway, one summary.
#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen")]
pub struct Args {
    /// MESSAGE_CREATE events in the timed phase.
    #[arg(long, default_value_t = 50_000)]
    events: usize,
    /// Events per second; 0 sends as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Share of messages naming a ticket (0 to 1).
    #[arg(long, default_value_t = 0.05)]
    mention_share: f64,
    /// Tickets named (the fake serves `VEN1-000001` … and two more for the burst and sentinel).
    #[arg(long, default_value_t = 200)]
    tickets: u64,
    /// Delay of every fake Xalantis answer, in ms.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Name every ticket once before the timed phase, so that it finds the cache warm.
    #[arg(long)]
    warm: bool,
    /// Channels the messages are spread over.
    #[arg(long, default_value_t = 20)]
    channels: u64,
    /// Messages naming one unseen ticket at once after the timed phase (0: no burst).
    #[arg(long, default_value_t = 50)]
    burst: usize,
    /// Who reads the events.
    #[arg(long, value_enum, default_value_t = Consumer::Bot)]
    consumer: Consumer,
    /// Run this binary as the bot (e.g. target/release/xalantis-bot) instead of this program.
    #[arg(long)]
    bot_bin: Option<PathBuf>,
    /// Extra or overriding bot variables, e.g. `--env COOLDOWN_SECS=600` (repeatable).
    #[arg(long = "env", value_parser = key_value)]
    env: Vec<(String, String)>,
    /// Runs; figures are the medians.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// The consumer counts as idle after this long with at most one clock tick of CPU time.
    #[arg(long, default_value_t = 200)]
    quiet_ms: u64,
    /// Longest wait of any phase, in seconds.
    #[arg(long, default_value_t = 180)]
    timeout_secs: u64,
    /// Seed of the generated chat.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the consumer's log (its standard error) in this directory instead of a temporary one.
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Also print each run and the medians as JSON lines.
    #[arg(long)]
    json: bool,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))?;
    Ok((key.to_owned(), value.to_owned()))
}

fn main() -> ExitCode {
    if let Some(code) = consumer::run_child_if_asked() {
        return code;
    }
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    match runtime.block_on(drive(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn drive(args: &Args) -> anyhow::Result<()> {
    let ticks = procfs::ticks_per_second();
    let mut all = Vec::new();
    for index in 1..=args.runs.max(1) {
        let figures = run::once(args, ticks).await?;
        println!("{}", summary::run_line(index, &figures));
        if args.json {
            println!("{}", serde_json::json!({"run": index, "figures": figures}));
        }
        all.push(figures);
    }
    let medians = summary::medians(&all);
    println!("{}", summary::render(&title(args), &medians, all.len()));
    if args.json {
        println!(
            "{}",
            serde_json::json!({"median_of": all.len(), "figures": medians})
        );
    }
    Ok(())
}

fn title(args: &Args) -> String {
    let rate = if args.rate > 0.0 {
        format!("{} events/s", args.rate)
    } else {
        "as fast as possible".to_owned()
    };
    format!(
        "{:?}, {} events {rate}, {:.0} % naming {} tickets, Xalantis delay {} ms, cache {}, {} cores",
        args.consumer,
        args.events,
        args.mention_share * 100.0,
        args.tickets,
        args.delay_ms,
        if args.warm { "warm" } else { "cold" },
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    )
}
