//! Who reads the events: a child process, so its memory and CPU are its own (`/proc/<pid>`).
//!
//! - `bot`: the real bot. This program runs itself again with `LOADGEN_CHILD=bot`, which does
//!   what `src/main.rs` does for `xalantis-bot run` (configuration from the environment,
//!   `telemetry::init`, `app::run` until SIGTERM); `--bot-bin target/release/xalantis-bot` runs
//!   the real binary instead.
//! - `serenity-null`: serenity 0.12.5 with the bot's crate features, intents and HTTP set-up and
//!   an event handler that does nothing per message: serenity's own cost, the floor of any bot
//!   built on it.
//! - `null`: a bare WebSocket reader that identifies and then only counts frames: the ceiling of
//!   the driver (fake Discord and this program), with no bot in the way.
//!
//! Every consumer answers the sentinel message (`corpus::SENTINEL`) with a reply; since the
//! gateway is read in order, that reply means every earlier event was read.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::{SinkExt, StreamExt};
use serenity::all::{ClientBuilder, Context, CreateMessage, EventHandler, Message};
use serenity::async_trait;
use xalantis_bot::config::{Config, Purpose};

use super::corpus::SENTINEL;
use super::replies::snowflake;

/// The variable that makes this program a consumer child.
const CHILD_VAR: &str = "LOADGEN_CHILD";
/// The gateway URL for the `null` consumer.
const GATEWAY_VAR: &str = "LOADGEN_GATEWAY_URL";
/// Set (e.g. `--env LOADGEN_TASKS=1`): the bot child logs its runtime's task counts.
const TASKS_VAR: &str = "LOADGEN_TASKS";

/// Who reads the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Consumer {
    /// The real bot.
    Bot,
    /// serenity with an empty message handler.
    SerenityNull,
    /// A bare WebSocket reader (the driver's ceiling).
    Null,
}

impl Consumer {
    fn child_name(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::SerenityNull => "serenity-null",
            Self::Null => "null",
        }
    }
}

/// When this process was started as a consumer child, runs it and returns its exit code.
pub fn run_child_if_asked() -> Option<ExitCode> {
    let role = std::env::var(CHILD_VAR).ok()?;
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    let result = match role.as_str() {
        "bot" => runtime.block_on(run_bot()),
        "serenity-null" => runtime.block_on(run_serenity_null()),
        "null" => runtime.block_on(run_null()),
        other => Err(anyhow::anyhow!("unknown {CHILD_VAR} {other:?}")),
    };
    Some(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen child {role}: {error:#}");
            ExitCode::FAILURE
        }
    })
}

/// `xalantis-bot run`, as `src/main.rs` does it (no `.env`: the driver sets the environment).
async fn run_bot() -> anyhow::Result<()> {
    let config = Config::from_env(Purpose::Run)?;
    xalantis_bot::telemetry::init(config.log_format);
    if std::env::var_os(TASKS_VAR).is_some() {
        tokio::spawn(report_tasks());
    }
    xalantis_bot::app::run(config, xalantis_bot::app::shutdown_signal()).await
}

/// Every 100 ms, the runtime's live tasks and global queue on standard error (`LOADGEN_TASKS`,
/// a diagnosis aid: do handler tasks pile up?).
async fn report_tasks() {
    let metrics = tokio::runtime::Handle::current().metrics();
    loop {
        eprintln!(
            "loadgen-tasks alive={} global_queue={}",
            metrics.num_alive_tasks(),
            metrics.global_queue_depth()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// serenity with the bot's intents and HTTP client, answering only the sentinel.
async fn run_serenity_null() -> anyhow::Result<()> {
    let config = Config::from_env(Purpose::Run)?;
    xalantis_bot::telemetry::init(config.log_format);
    let discord = config.discord.context("DISCORD_TOKEN is not set")?;
    let http = xalantis_bot::discord::http_client(&discord);
    let mut client = ClientBuilder::new_with_http(http, xalantis_bot::discord::intents())
        .event_handler(NullHandler)
        .await?;
    client.start().await?;
    Ok(())
}

struct NullHandler;

#[async_trait]
impl EventHandler for NullHandler {
    async fn message(&self, ctx: Context, msg: Message) {
        if msg.content.starts_with(SENTINEL) {
            let reply = CreateMessage::new().content("done").reference_message(&msg);
            if let Err(error) = msg.channel_id.send_message(&ctx.http, reply).await {
                eprintln!("serenity-null: could not answer the sentinel: {error}");
            }
        }
    }
}

/// Identifies, then reads frames, looking only for the sentinel.
async fn run_null() -> anyhow::Result<()> {
    let gateway = std::env::var(GATEWAY_VAR).context("LOADGEN_GATEWAY_URL is not set")?;
    let rest = std::env::var("DISCORD_PROXY_URL").context("DISCORD_PROXY_URL is not set")?;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{gateway}?v=10")).await?;
    let identify =
        serde_json::json!({"op": 2, "d": {"token": "Bot loadgen", "intents": 0, "properties": {}}});
    socket.send(identify.to_string().into()).await?;
    let http = reqwest::Client::new();
    while let Some(frame) = socket.next().await {
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame?
            && text.as_str().contains(SENTINEL)
        {
            answer_sentinel(&http, &rest, text.as_str()).await?;
        }
    }
    Ok(())
}

async fn answer_sentinel(http: &reqwest::Client, rest: &str, frame: &str) -> anyhow::Result<()> {
    let frame: serde_json::Value = serde_json::from_str(frame)?;
    let (Some(channel), Some(message)) = (
        snowflake(&frame["d"]["channel_id"]),
        snowflake(&frame["d"]["id"]),
    ) else {
        anyhow::bail!("a sentinel frame without ids");
    };
    let body = serde_json::json!({"content": "done", "message_reference": {"message_id": message.to_string()}});
    let url = format!(
        "{}/api/v10/channels/{channel}/messages",
        rest.trim_end_matches('/')
    );
    http.post(url)
        .header("authorization", "Bot loadgen")
        .json(&body)
        .send()
        .await?;
    Ok(())
}

/// A running consumer child.
pub struct Child {
    process: std::process::Child,
    /// Its process id, as `/proc` names it.
    pub pid: String,
    /// Its standard error (logs), for a failed run.
    pub log: PathBuf,
}

/// How to start a consumer.
pub struct Launch<'a> {
    /// Which consumer.
    pub consumer: Consumer,
    /// The real binary to run as the bot instead of this program.
    pub bot_bin: Option<&'a Path>,
    /// The environment (the only variables it gets, besides `RUST_LOG` when set here).
    pub env: Vec<(String, String)>,
    /// The gateway URL (`null` consumer).
    pub gateway_url: &'a str,
    /// Its working directory (no `.env` there).
    pub dir: &'a Path,
    /// Where its log goes (its standard output and error).
    pub log_dir: &'a Path,
}

/// Starts a consumer child.
pub fn spawn(launch: &Launch<'_>) -> anyhow::Result<Child> {
    let name = format!(
        "{}-{}.log",
        launch.consumer.child_name(),
        std::process::id()
    );
    let log = launch.log_dir.join(name);
    let program = match (launch.consumer, launch.bot_bin) {
        (Consumer::Bot, Some(binary)) => binary.to_path_buf(),
        _ => std::env::current_exe().context("cannot find this program")?,
    };
    let mut command = Command::new(&program);
    command
        .env_clear()
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .current_dir(launch.dir);
    command
        .env(CHILD_VAR, launch.consumer.child_name())
        .env(GATEWAY_VAR, launch.gateway_url);
    if let Ok(filter) = std::env::var("RUST_LOG") {
        command.env("RUST_LOG", filter);
    }
    let stderr = std::fs::File::create(&log).context("cannot create the child's log")?;
    command
        .stdin(Stdio::null())
        .stdout(stderr.try_clone()?)
        .stderr(stderr);
    let process = command
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    Ok(Child {
        pid: process.id().to_string(),
        process,
        log,
    })
}

impl Child {
    /// Whether it has exited.
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.process.try_wait(), Ok(None))
    }

    /// The end of its log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Stops it with SIGTERM (the bot finishes its replies), then SIGKILL after 10 s.
    pub async fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.has_exited() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
