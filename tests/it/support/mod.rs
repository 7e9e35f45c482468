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
}

/// Starts fakes and the bot with the production configuration, only URLs and `extra` differing.
pub async fn spawn_bot(extra: &[(&str, &str)]) -> TestBot {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let discord = FakeDiscord::start().await;
    spawn_bot_on(discord, xalantis, extra).await
}

/// Starts the bot against given fakes.
pub async fn spawn_bot_on(discord: FakeDiscord, xalantis: FakeXalantis, extra: &[(&str, &str)]) -> TestBot {
    let mut vars: HashMap<String, String> = [
        ("DISCORD_TOKEN", DISCORD_TOKEN.to_owned()),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN.to_owned()),
        ("DISCORD_PROXY_URL", discord.base_url().to_owned()),
        ("XALANTIS_API_URL", xalantis.base_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::from_vars(&vars, Purpose::Run).expect("test configuration is valid");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(xalantis_bot::app::run(config, async {
        let _ = stopped.await;
    }));
    discord.wait_ready(WAIT).await.expect("the bot connects to the fake Discord");
    discord.wait_for(|d| !d.commands(None).is_empty() || !d.requests_to("PUT", "/api/v10/applications").is_empty(), WAIT)
        .await
        .expect("the bot registers /ticket");
    TestBot { discord, xalantis, stop: Some(stop), task }
}

impl TestBot {
    /// Posts `content` as alice in the test channel; returns the message id.
    pub fn say(&self, content: &str) -> u64 {
        self.discord.message_create(CHANNEL, &alice(), content)
    }

    /// Waits for the bot's reply to message `source` and returns the request body.
    pub async fn reply_to(&self, source: u64) -> Value {
        let request = self.discord.wait_for_request(|r| is_reply_to(r, source), WAIT).await;
        request.unwrap_or_else(|e| panic!("no reply to message {source}: {e}")).body.expect("a JSON body")
    }

    /// Every reply the bot sent to message `source` so far.
    pub fn replies_to(&self, source: u64) -> Vec<RecordedRequest> {
        self.discord.requests().into_iter().filter(|r| is_reply_to(r, source)).collect()
    }

    /// Every message-sending request the bot made.
    pub fn posted(&self) -> Vec<RecordedRequest> {
        self.discord.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/messages")).collect()
    }

    /// Waits for the bot to stop by itself and returns what `run` returned.
    pub async fn exit(&mut self) -> anyhow::Result<()> {
        tokio::time::timeout(WAIT, &mut self.task).await.expect("the bot stops").expect("the bot task ends")
    }

    /// Stops the bot as SIGTERM would and returns what `run` returned.
    pub async fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task).await.expect("the bot stops").expect("the bot task ends")
    }
}

fn is_reply_to(request: &RecordedRequest, source: u64) -> bool {
    request.method == "POST"
        && request.path.ends_with("/messages")
        && request.body.as_ref().is_some_and(|b| same_id(&b["message_reference"]["message_id"], source))
}

/// Whether a JSON snowflake (string or number) is `id`.
pub fn same_id(value: &Value, id: u64) -> bool {
    value.as_u64() == Some(id) || value.as_str().and_then(|s| s.parse().ok()) == Some(id)
}

/// The values of the named fields of the first embed of a message body.
pub fn field(body: &Value, embed: usize, name: &str) -> String {
    let fields = body["embeds"][embed]["fields"].as_array().cloned().unwrap_or_default();
    fields
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {body:#}"))
        .to_owned()
}
