//! Starts the real bot in-process against a fake Discord and a fake Xalantis on 127.0.0.1.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use xalantis_bot::config::{Config, Purpose};
use xalantis_fakes::discord::{Channel, FakeDiscord, RecordedRequest, User};
use xalantis_fakes::xalantis::FakeXalantis;

/// How long a test waits for something the bot should do promptly.
pub const WAIT: Duration = Duration::from_secs(10);
/// The Discord token the tests configure (distinctive, so leaks can be searched for).
pub const DISCORD_TOKEN: &str = "fake-discord-token-5f3c9a";
/// The Xalantis token the tests configure.
pub const XALANTIS_TOKEN: &str = "sk_live_fake_xalantis_7d2e41";
/// A guild channel most tests talk in.
pub const CHANNEL: Channel = Channel::Guild(7_000_000_000_000_001);

/// A person writing in the channel.
pub fn alice() -> User {
    User::human(5_000_000_000_000_001, "alice")
}

/// The bot under test with its fakes.
pub struct TestBot {
    /// The fake Discord the bot is connected to.
    pub discord: FakeDiscord,
    /// The fake Xalantis the bot reads tickets from (holds the documented example ticket).
    pub xalantis: FakeXalantis,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    /// Holds the bot's database (`DATABASE_PATH`) unless the test chose its own.
    _database: Option<tempfile::TempDir>,
}

/// Starts fakes and the bot with the production configuration, only URLs and `extra` differing.
pub async fn spawn_bot(extra: &[(&str, &str)]) -> TestBot {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let discord = FakeDiscord::start().await;
    spawn_bot_on(discord, xalantis, extra).await
}

/// Starts the bot against given fakes.
pub async fn spawn_bot_on(
    discord: FakeDiscord,
    xalantis: FakeXalantis,
    extra: &[(&str, &str)],
) -> TestBot {
    let mut vars: HashMap<String, String> = [
        ("DISCORD_TOKEN", DISCORD_TOKEN.to_owned()),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN.to_owned()),
        ("DISCORD_PROXY_URL", discord.base_url().to_owned()),
        ("XALANTIS_API_URL", xalantis.base_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let database = (!vars.contains_key("DATABASE_PATH"))
        .then(|| tempfile::tempdir().expect("a temporary directory"));
    if let Some(dir) = &database {
        vars.insert(
            "DATABASE_PATH".to_owned(),
            dir.path().join("xalantis-bot.db").display().to_string(),
        );
    }
    let config = Config::from_vars(&vars, Purpose::Run).expect("test configuration is valid");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(xalantis_bot::app::run(config, async {
        let _ = stopped.await;
    }));
    discord
        .wait_ready(WAIT)
        .await
        .expect("the bot connects to the fake Discord");
    discord
        .wait_for(
            |d| {
                !d.commands(None).is_empty()
                    || !d.requests_to("PUT", "/api/v10/applications").is_empty()
            },
            WAIT,
        )
        .await
        .expect("the bot registers /ticket");
    TestBot {
        discord,
        xalantis,
        stop: Some(stop),
        task,
        _database: database,
    }
}

impl TestBot {
    /// Posts `content` as alice in the test channel; returns the message id.
    pub fn say(&self, content: &str) -> u64 {
        self.discord.message_create(CHANNEL, &alice(), content)
    }

    /// Waits for the bot's reply to message `source` and returns the request body.
    pub async fn reply_to(&self, source: u64) -> Value {
        let request = self
            .discord
            .wait_for_request(|r| is_reply_to(r, source), WAIT)
            .await;
        request
            .unwrap_or_else(|e| panic!("no reply to message {source}: {e}"))
            .body
            .expect("a JSON body")
    }

    /// Every reply the bot sent to message `source` so far.
    pub fn replies_to(&self, source: u64) -> Vec<RecordedRequest> {
        self.discord
            .requests()
            .into_iter()
            .filter(|r| is_reply_to(r, source))
            .collect()
    }

    /// Every message-sending request the bot made.
    pub fn posted(&self) -> Vec<RecordedRequest> {
        self.discord
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .collect()
    }

    /// Stops the bot and hands back its fakes, to start another bot on them (a restart).
    pub async fn restart_fakes(mut self) -> (FakeDiscord, FakeXalantis) {
        self.shutdown().await.expect("the bot stops cleanly");
        let TestBot {
            discord, xalantis, ..
        } = self;
        (discord, xalantis)
    }

    /// Waits for the bot to stop by itself and returns what `run` returned.
    pub async fn exit(&mut self) -> anyhow::Result<()> {
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the bot stops")
            .expect("the bot task ends")
    }

    /// Stops the bot as SIGTERM would and returns what `run` returned.
    pub async fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the bot stops")
            .expect("the bot task ends")
    }
}

fn is_reply_to(request: &RecordedRequest, source: u64) -> bool {
    request.method == "POST"
        && request.path.ends_with("/messages")
        && request
            .body
            .as_ref()
            .is_some_and(|b| same_id(&b["message_reference"]["message_id"], source))
}

/// Whether a JSON snowflake (string or number) is `id`.
pub fn same_id(value: &Value, id: u64) -> bool {
    value.as_u64() == Some(id) || value.as_str().and_then(|s| s.parse().ok()) == Some(id)
}

/// The values of the named fields of the first embed of a message body.
pub fn field(body: &Value, embed: usize, name: &str) -> String {
    let fields = body["embeds"][embed]["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    fields
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {body:#}"))
        .to_owned()
}

/// The Slack bot token the tests configure (distinctive, so leaks can be searched for).
pub const SLACK_BOT_TOKEN: &str = "xoxb-fake-slack-bot-3c1d";
/// The Slack app-level token the tests configure (Socket Mode).
pub const SLACK_APP_TOKEN: &str = "xapp-fake-slack-app-9e2a";
/// The Slack signing secret the tests configure (HTTP Events API).
pub const SLACK_SIGNING_SECRET: &str = "fake-signing-secret-71b0";

/// How the Slack bot under test hears from Slack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackTransport {
    /// `SLACK_APP_TOKEN`: the bot connects out to the fake's WebSocket.
    SocketMode,
    /// `SLACK_SIGNING_SECRET`: the fake posts signed requests to the bot's HTTP routes.
    Http,
}

/// The Slack bot under test with its fakes.
pub struct SlackTestBot {
    /// The fake Slack the bot is connected to.
    pub slack: xalantis_fakes::slack::FakeSlack,
    /// The fake Xalantis (holds the documented example ticket).
    pub xalantis: FakeXalantis,
    /// The bot's HTTP address (`HTTP_BIND`), for the HTTP transport.
    pub http: Option<std::net::SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Starts a fake Slack, a fake Xalantis with the example ticket, and the bot in Socket Mode.
pub async fn spawn_slack_bot(extra: &[(&str, &str)]) -> SlackTestBot {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    spawn_slack_bot_on(
        xalantis_fakes::slack::FakeSlack::start().await,
        xalantis,
        SlackTransport::SocketMode,
        extra,
    )
    .await
}

/// The configuration variables of a Slack-only bot against `slack` and `xalantis`.
pub fn slack_vars(
    slack: &xalantis_fakes::slack::FakeSlack,
    xalantis: &FakeXalantis,
    transport: SlackTransport,
) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = [
        ("SLACK_BOT_TOKEN", SLACK_BOT_TOKEN.to_owned()),
        ("SLACK_API_URL", slack.base_url()),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN.to_owned()),
        ("XALANTIS_API_URL", xalantis.base_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let transport_vars = match transport {
        SlackTransport::SocketMode => [("SLACK_APP_TOKEN", SLACK_APP_TOKEN)],
        SlackTransport::Http => [("SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET)],
    };
    vars.extend(
        transport_vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    if transport == SlackTransport::Http {
        vars.insert("HTTP_BIND".to_owned(), "127.0.0.1:0".to_owned());
    }
    vars
}

/// Starts the Slack bot against given fakes, over `transport`, and waits until it listens.
pub async fn spawn_slack_bot_on(
    slack: xalantis_fakes::slack::FakeSlack,
    xalantis: FakeXalantis,
    transport: SlackTransport,
    extra: &[(&str, &str)],
) -> SlackTestBot {
    let mut vars = slack_vars(&slack, &xalantis, transport);
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let config = Config::from_vars(&vars, Purpose::Run).expect("test configuration is valid");
    let listener = match transport {
        SlackTransport::Http => Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0"),
        ),
        SlackTransport::SocketMode => None,
    };
    let http = listener.as_ref().and_then(|l| l.local_addr().ok());
    if let Some(address) = http {
        slack.deliver_over_http(&format!("http://{address}"), SLACK_SIGNING_SECRET);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(xalantis_bot::app::run_with(config, listener, async {
        let _ = stopped.await;
    }));
    let ready = match transport {
        SlackTransport::SocketMode => slack.wait_connected(1, WAIT).await,
        SlackTransport::Http => {
            slack
                .wait_for(|s| !s.calls("auth.test").is_empty(), WAIT)
                .await
        }
    };
    if let Err(timeout) = ready {
        let exited = if task.is_finished() {
            format!("{:?}", task.await)
        } else {
            "still running".to_owned()
        };
        panic!(
            "the Slack bot did not start ({timeout}); bot: {exited}; requests: {:#?}; violations: {:#?}",
            slack.requests(),
            slack.violations()
        );
    }
    SlackTestBot {
        slack,
        xalantis,
        http,
        stop: Some(stop),
        task,
    }
}

impl SlackTestBot {
    /// Alice posts `text` in the test channel; returns the message `ts`.
    pub fn say(&self, text: &str) -> String {
        self.slack.post_message(
            xalantis_fakes::slack::CHANNEL,
            xalantis_fakes::slack::ALICE,
            text,
        )
    }

    /// Waits for the bot's card in the thread of message `ts`.
    pub async fn card_for(&self, ts: &str) -> xalantis_fakes::slack::SlackMessage {
        let channel = xalantis_fakes::slack::CHANNEL;
        let found = self
            .slack
            .wait_for(|s| !s.thread(channel, ts).is_empty(), WAIT)
            .await;
        found.unwrap_or_else(|e| {
            panic!(
                "no card for message {ts}: {e}; requests: {:#?}",
                self.slack.requests()
            )
        });
        self.slack.thread(channel, ts).remove(0)
    }

    /// Stops the bot as SIGTERM would and returns what `run` returned.
    pub async fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the bot stops")
            .expect("the bot task ends")
    }
}

impl TestBot {
    /// Whether `run` is still going: the bot must survive every fault.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }
}
