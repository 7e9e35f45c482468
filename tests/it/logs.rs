//! Logs of the real binary at the most verbose level (`RUST_LOG=trace`): no token ever appears
//! in them, nor in what the bot sends, and `LOG_FORMAT=json` writes one JSON object per line.
//!
//! The binary runs with a cleared environment in an empty temporary directory (no `.env`)
//! against the fakes, handles a mention, a refused Xalantis call and `/ticket`, and stops on
//! SIGTERM. The Discord token necessarily travels in the gateway's IDENTIFY and RESUME frames;
//! every REST request and Xalantis call is checked.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use xalantis_fakes::discord::FakeDiscord;
use xalantis_fakes::xalantis::{EXAMPLE_TICKET_REFERENCE, FakeXalantis, Fault};

use crate::support::{CHANNEL, DISCORD_TOKEN, WAIT, XALANTIS_TOKEN, alice};

/// A Slack bot token, set for the future Slack platform.
const SLACK_BOT_TOKEN: &str = "xoxb-1234567890-fake-slack-bot-token-9b1e";
/// A Slack app-level token (Socket Mode).
const SLACK_APP_TOKEN: &str = "xapp-1-fake-slack-app-token-4a7f";
/// A Slack signing secret.
const SLACK_SIGNING_SECRET: &str = "fake-slack-signing-secret-3c8d";

/// A ticket UUID the fake does not know (not cached by the first lookup, so Xalantis is asked).
const UNKNOWN_UUID: &str = "00000000-0000-4000-8000-000000000001";

/// Every secret the binary is given.
const SECRETS: [&str; 5] = [DISCORD_TOKEN, XALANTIS_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET];

/// What one run of the binary left behind.
struct Run {
    /// The token of the `/ticket` interaction (a Discord secret valid for 15 minutes).
    interaction_token: String,
    stdout: String,
    stderr: String,
    status: ExitStatus,
    discord: FakeDiscord,
    xalantis: FakeXalantis,
}

/// Runs the binary through a mention, a refused lookup and `/ticket`, then SIGTERM.
async fn run_binary(log_format: &str) -> Run {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = KillOnDrop(start(dir.path(), log_format, &discord, &xalantis));
    let interaction_token = drive(&discord, &xalantis).await;
    let status = terminate(&mut child.0).await;
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("the captured output");
    Run { interaction_token, stdout: read("stdout"), stderr: read("stderr"), status, discord, xalantis }
}

/// The binary, killed if a failed assertion leaves it running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn start(dir: &Path, log_format: &str, discord: &FakeDiscord, xalantis: &FakeXalantis) -> Child {
    let capture = |name: &str| Stdio::from(File::create(dir.join(name)).expect("a capture file"));
    Command::new(env!("CARGO_BIN_EXE_xalantis-bot"))
        .arg("run")
        .env_clear()
        .current_dir(dir)
        .envs([
            ("DISCORD_TOKEN", DISCORD_TOKEN),
            ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
            ("SLACK_BOT_TOKEN", SLACK_BOT_TOKEN),
            ("SLACK_APP_TOKEN", SLACK_APP_TOKEN),
            ("SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET),
            ("DISCORD_PROXY_URL", discord.base_url()),
            ("XALANTIS_API_URL", &xalantis.base_url()),
            // Nothing listens there: Slack calls fail fast and never leave the machine.
            ("SLACK_API_URL", "http://127.0.0.1:9/api"),
            ("HTTP_BIND", "127.0.0.1:0"),
            ("RUST_LOG", "trace"),
            ("LOG_FORMAT", log_format),
        ])
        .stdin(Stdio::null())
        .stdout(capture("stdout"))
        .stderr(capture("stderr"))
        .spawn()
        .expect("the xalantis-bot binary starts")
}

/// A mention answered, a mention refused by Xalantis (401), and `/ticket` answered; returns the
/// interaction's token.
async fn drive(discord: &FakeDiscord, xalantis: &FakeXalantis) -> String {
    discord.wait_ready(WAIT).await.expect("the binary connects to the fake Discord");
    discord.wait_for(|d| !d.commands(None).is_empty(), WAIT).await.expect("the binary registers /ticket");
    discord.message_create(CHANNEL, &alice(), &format!("see {EXAMPLE_TICKET_REFERENCE}"));
    discord.wait_for(|d| !d.bot_messages_in(CHANNEL.id()).is_empty(), WAIT).await.expect("a card is posted");
    let calls = xalantis.call_count();
    xalantis.inject(Fault::Status(401), 1);
    discord.message_create(CHANNEL, &alice(), &format!("and {UNKNOWN_UUID}"));
    discord.wait_for(|_| xalantis.call_count() > calls, WAIT).await.expect("the refused lookup is made");
    let command = discord.slash_command("ticket", json!([{"name": "id", "type": 3, "value": EXAMPLE_TICKET_REFERENCE}]), CHANNEL, &alice());
    let answered = |d: &FakeDiscord| !d.interaction_responses(command.id).callbacks.is_empty();
    discord.wait_for(answered, WAIT).await.expect("/ticket is answered");
    command.token
}

/// Sends SIGTERM (`kill`, no unsafe code here) and waits for the exit; kills it if it hangs.
async fn terminate(child: &mut Child) -> ExitStatus {
    let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success(), "SIGTERM could not be sent");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if tokio::time::Instant::now() > deadline {
            child.kill().expect("killing a hung bot");
            panic!("the bot did not stop within {WAIT:?} of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The secrets found in `text`, as is or hex-encoded (tungstenite's frame dumps, for one).
fn leaked(text: &str) -> Vec<&'static str> {
    let text = text.to_ascii_lowercase();
    let hex = |secret: &str| secret.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    SECRETS
        .into_iter()
        .filter(|secret| text.contains(&secret.to_ascii_lowercase()) || text.contains(&hex(secret)))
        .collect()
}

fn assert_nothing_sent_leaks(run: &Run) {
    for request in run.discord.requests() {
        let sent = format!("{} {:?} {}", request.path, request.query, request.body_text);
        assert!(leaked(&sent).is_empty(), "a secret in {} {}", request.method, request.path);
    }
    for call in run.xalantis.calls() {
        let sent = format!("{} {:?}", call.path, call.query);
        assert!(leaked(&sent).is_empty(), "a secret in {}", call.path);
    }
}

#[tokio::test]
async fn no_token_appears_in_trace_logs_or_in_what_the_bot_sends() {
    let run = run_binary("text").await;
    assert!(run.status.success(), "exit {:?}:\n{}", run.status, run.stderr);
    assert!(run.stderr.contains("TRACE") && run.stderr.contains("serenity"), "trace logs of the libraries are on");
    assert!(run.stderr.contains("connected to Discord") && run.stderr.contains("Xalantis refused"));
    assert!(run.stderr.contains("serving /healthz and /metrics"));
    let output = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(leaked(&output), Vec::<&str>::new(), "secrets in the logs");
    assert!(!output.contains(&run.interaction_token), "the interaction token is in the logs");
    assert_nothing_sent_leaks(&run);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_without_tokens() {
    let run = run_binary("json").await;
    assert!(run.status.success(), "exit {:?}:\n{}", run.status, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() > 10, "{}", run.stderr);
    for line in &lines {
        let object: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(object["level"].is_string() && object["timestamp"].is_string(), "{line}");
    }
    assert!(lines.iter().any(|l| l.contains(r#""message":"connected to Discord""#)));
    assert_eq!(leaked(&run.stderr), Vec::<&str>::new(), "secrets in the JSON logs");
    assert!(!run.stderr.contains(&run.interaction_token), "the interaction token is in the logs");
    assert_nothing_sent_leaks(&run);
}
