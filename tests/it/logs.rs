//! Logs of the real binary at the most verbose level (`RUST_LOG=trace`): no token ever appears
//! in them, as is or hex-encoded, nor in what the bot sends; and `LOG_FORMAT=json` writes one
//! JSON object per line.
//!
//! The binary runs with a cleared environment in an empty temporary directory (no `.env`)
//! against the fake Discord, Slack (Socket Mode) and Xalantis. It answers a Discord mention, a
//! mention Xalantis refuses (401), `/ticket` and a Slack mention, then stops on SIGTERM. Tokens
//! necessarily travel in the Discord gateway's IDENTIFY frame and in `Authorization` headers;
//! every request path, query and body is checked.

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use xalantis_bot::config::{Config, Purpose};
use xalantis_fakes::discord::FakeDiscord;
use xalantis_fakes::slack::{self as fake_slack, FakeSlack};
use xalantis_fakes::xalantis::{EXAMPLE_TICKET_REFERENCE, FakeXalantis, Fault};

use crate::support::{CHANNEL, DISCORD_TOKEN, WAIT, XALANTIS_TOKEN, alice};

/// A Slack bot token.
const SLACK_BOT_TOKEN: &str = "xoxb-1234567890-fake-slack-bot-token-9b1e";
/// A Slack app-level token (Socket Mode).
const SLACK_APP_TOKEN: &str = "xapp-1-fake-slack-app-token-4a7f";
/// A Slack signing secret (unused with Socket Mode, but set: it must not leak either).
const SLACK_SIGNING_SECRET: &str = "fake-slack-signing-secret-3c8d";
/// A ticket UUID the fake does not know (not cached by the first lookup, so Xalantis is asked).
const UNKNOWN_UUID: &str = "00000000-0000-4000-8000-000000000001";

/// Every secret the binary is given.
const SECRETS: [&str; 5] = [
    DISCORD_TOKEN,
    XALANTIS_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN,
    SLACK_SIGNING_SECRET,
];

/// The fakes the binary talks to.
struct Fakes {
    discord: FakeDiscord,
    slack: FakeSlack,
    xalantis: FakeXalantis,
}

/// What one run of the binary left behind.
struct Run {
    fakes: Fakes,
    /// The token of the `/ticket` interaction (a Discord secret valid for 15 minutes).
    interaction_token: String,
    stdout: String,
    stderr: String,
    status: ExitStatus,
}

/// Runs the binary through Discord and Slack traffic, then SIGTERM.
async fn run_binary(log_format: &str) -> Run {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let fakes = Fakes {
        discord: FakeDiscord::start().await,
        slack: FakeSlack::start().await,
        xalantis,
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = KillOnDrop(start(dir.path(), log_format, &fakes));
    let interaction_token = drive_discord(&fakes).await;
    drive_slack(&fakes.slack).await;
    let status = terminate(&mut child.0).await;
    let read =
        |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("the captured output");
    Run {
        fakes,
        interaction_token,
        stdout: read("stdout"),
        stderr: read("stderr"),
        status,
    }
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

fn start(dir: &Path, log_format: &str, fakes: &Fakes) -> Child {
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
            ("DISCORD_PROXY_URL", fakes.discord.base_url()),
            ("SLACK_API_URL", &fakes.slack.base_url()),
            ("XALANTIS_API_URL", &fakes.xalantis.base_url()),
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
async fn drive_discord(fakes: &Fakes) -> String {
    let Fakes {
        discord, xalantis, ..
    } = fakes;
    discord
        .wait_ready(WAIT)
        .await
        .expect("the binary connects to the fake Discord");
    let registered = |d: &FakeDiscord| !d.commands(None).is_empty();
    discord
        .wait_for(registered, WAIT)
        .await
        .expect("the binary registers /ticket");
    discord.message_create(
        CHANNEL,
        &alice(),
        &format!("see {EXAMPLE_TICKET_REFERENCE}"),
    );
    let posted = |d: &FakeDiscord| !d.bot_messages_in(CHANNEL.id()).is_empty();
    discord
        .wait_for(posted, WAIT)
        .await
        .expect("a card is posted");
    let calls = xalantis.call_count();
    xalantis.inject(Fault::Status(401), 1);
    discord.message_create(CHANNEL, &alice(), &format!("and {UNKNOWN_UUID}"));
    let asked = |_: &FakeDiscord| xalantis.call_count() > calls;
    discord
        .wait_for(asked, WAIT)
        .await
        .expect("the refused lookup is made");
    let options = json!([{"name": "id", "type": 3, "value": EXAMPLE_TICKET_REFERENCE}]);
    let command = discord.slash_command("ticket", options, CHANNEL, &alice());
    let answered = |d: &FakeDiscord| !d.interaction_responses(command.id).callbacks.is_empty();
    discord
        .wait_for(answered, WAIT)
        .await
        .expect("/ticket is answered");
    refused_ticket_command(discord, xalantis).await;
    command.token
}

/// `/ticket` while Xalantis refuses the token: the error reply is one more body to search.
async fn refused_ticket_command(discord: &FakeDiscord, xalantis: &FakeXalantis) {
    xalantis.inject(Fault::Status(401), 1);
    let options = json!([{"name": "id", "type": 3, "value": UNKNOWN_UUID}]);
    let command = discord.slash_command("ticket", options, CHANNEL, &alice());
    let refused = |d: &FakeDiscord| {
        let callbacks = d.interaction_responses(command.id).callbacks;
        callbacks
            .first()
            .is_some_and(|c| c["data"]["content"] == "The bot's access to Xalantis was refused.")
    };
    discord
        .wait_for(refused, WAIT)
        .await
        .expect("/ticket answers the refusal");
}

/// A Slack mention answered in its thread.
async fn drive_slack(slack: &FakeSlack) {
    slack
        .wait_connected(1, WAIT)
        .await
        .expect("the binary connects to the fake Slack");
    let text = format!("see {EXAMPLE_TICKET_REFERENCE}");
    let ts = slack.post_message(fake_slack::CHANNEL, fake_slack::ALICE, &text);
    let answered = |s: &FakeSlack| !s.thread(fake_slack::CHANNEL, &ts).is_empty();
    slack
        .wait_for(answered, WAIT)
        .await
        .expect("a Slack card is posted");
}

/// Sends SIGTERM (`kill`, no unsafe code here) and waits for the exit; kills it if it hangs.
async fn terminate(child: &mut Child) -> ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(
        sent.expect("kill runs").success(),
        "SIGTERM could not be sent"
    );
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
    let hex = |secret: &str| {
        secret.bytes().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
    };
    SECRETS
        .into_iter()
        .filter(|secret| text.contains(&secret.to_ascii_lowercase()) || text.contains(&hex(secret)))
        .collect()
}

/// Every request path, query and body the bot sent to the fakes is free of secrets.
fn assert_nothing_sent_leaks(fakes: &Fakes) {
    let discord = fakes.discord.requests().into_iter();
    let discord = discord.map(|r| format!("{} {} {:?} {}", r.method, r.path, r.query, r.body_text));
    let slack = fakes.slack.requests().into_iter();
    let slack = slack.map(|r| format!("{} {} {}", r.method, r.path, r.body_text));
    let xalantis = fakes.xalantis.calls().into_iter();
    let xalantis = xalantis.map(|c| format!("{} {} {:?}", c.method, c.path, c.query));
    for sent in discord.chain(slack).chain(xalantis) {
        assert_eq!(leaked(&sent), Vec::<&str>::new(), "a secret in {sent}");
    }
}

/// The checks both formats share.
fn assert_clean(run: &Run, output: &str) {
    assert!(
        run.status.success(),
        "exit {:?}:\n{}",
        run.status,
        run.stderr
    );
    assert_eq!(leaked(output), Vec::<&str>::new(), "secrets in the logs");
    assert!(
        !output.contains(&run.interaction_token),
        "the interaction token is in the logs"
    );
    assert_nothing_sent_leaks(&run.fakes);
}

#[tokio::test]
async fn no_token_appears_in_trace_logs_or_in_what_the_bot_sends() {
    let run = run_binary("text").await;
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        output.contains("TRACE")
            && output.contains("hyper_util")
            && output.contains("tokio_tungstenite"),
        "library traces are on"
    );
    assert!(output.contains("connected to Discord") && output.contains("Xalantis refused"));
    assert!(output.contains("serving /healthz and /metrics"));
    assert_clean(&run, &output);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_without_tokens() {
    let run = run_binary("json").await;
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() > 10, "{}", run.stderr);
    for line in &lines {
        let object: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            object["level"].is_string() && object["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains(r#""message":"connected to Discord""#))
    );
    assert_clean(&run, &format!("{}{}", run.stdout, run.stderr));
}

/// The configuration with every secret set, and `extra`.
fn configuration_vars(extra: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    let vars = [
        ("DISCORD_TOKEN", DISCORD_TOKEN),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
        ("SLACK_BOT_TOKEN", SLACK_BOT_TOKEN),
        ("SLACK_APP_TOKEN", SLACK_APP_TOKEN),
        ("SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET),
    ];
    let vars = vars.iter().chain(extra);
    vars.map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_configuration_never_shows_a_token_in_debug_output_or_errors() {
    let config = Config::from_vars(&configuration_vars(&[]), Purpose::Run).expect("valid");
    for shown in [format!("{config:?}"), format!("{config:#?}")] {
        assert!(shown.contains("redacted"), "{shown}");
        assert_eq!(leaked(&shown), Vec::<&str>::new(), "{shown}");
    }
    let broken = [
        ("XALANTIS_TIMEOUT_SECS", "soon"),
        ("SHOW_REQUESTER", "everything"),
    ];
    let error = Config::from_vars(&configuration_vars(&broken), Purpose::Run).expect_err("invalid");
    for shown in [error.to_string(), format!("{error:?}")] {
        assert_eq!(leaked(&shown), Vec::<&str>::new(), "{shown}");
    }
}
