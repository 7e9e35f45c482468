//! Under load: work in flight is bounded (a burst beyond the bound waits in the socket for
//! room; when the work in flight is stuck it is shed and counted, never queued without limit)
//! and simultaneous mentions of one ticket share one Xalantis call.

use std::collections::HashMap;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use xalantis_bot::config::{Config, Purpose};
use xalantis_bot::discord::admission::MAX_MESSAGES_IN_FLIGHT;
use xalantis_fakes::discord::{FakeDiscord, RecordedRequest};
use xalantis_fakes::xalantis::{EXAMPLE_TICKET_REFERENCE, FakeXalantis};

use crate::support::{CHANNEL, DISCORD_TOKEN, WAIT, XALANTIS_TOKEN, alice};

/// The shed counter's sample line.
const SHED: &str = r#"xalantis_bot_events_shed_total{platform="discord"}"#;

/// The bot with its HTTP endpoints on a port picked by the OS, against a slow fake Xalantis.
struct LoadBot {
    discord: FakeDiscord,
    xalantis: FakeXalantis,
    metrics: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

async fn spawn_load_bot(xalantis_delay: Duration) -> LoadBot {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    xalantis.set_delay(xalantis_delay);
    let discord = FakeDiscord::start().await;
    let data = tempfile::tempdir().expect("a temporary directory");
    let database = data.path().join("bot.db").display().to_string();
    let vars: HashMap<String, String> = [
        ("DISCORD_TOKEN", DISCORD_TOKEN),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
        ("DISCORD_PROXY_URL", discord.base_url()),
        ("XALANTIS_API_URL", &xalantis.base_url()),
        ("DATABASE_PATH", &database),
        ("LEARN_PREFIXES", "false"),
        ("COOLDOWN_SECS", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_vars(&vars, Purpose::Run).expect("test configuration is valid");
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding 127.0.0.1:0");
    let metrics = format!(
        "http://{}/metrics",
        listener.local_addr().expect("a bound address")
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(xalantis_bot::app::run_with(config, Some(listener), async {
        let _ = stopped.await;
    }));
    discord
        .wait_ready(WAIT)
        .await
        .expect("the bot connects to the fake Discord");
    LoadBot {
        discord,
        xalantis,
        metrics,
        stop: Some(stop),
        task,
        _data: data,
    }
}

impl LoadBot {
    /// `count` messages naming the example ticket, dispatched at once; their ids.
    fn mention_burst(&self, count: usize) -> Vec<u64> {
        let text = format!("anyone on {EXAMPLE_TICKET_REFERENCE}?");
        (0..count)
            .map(|_| self.discord.message_create(CHANNEL, &alice(), &text))
            .collect()
    }

    fn replies(&self) -> usize {
        self.discord.count_requests(is_card_reply)
    }

    async fn wait_replies(&self, count: usize, limit: Duration) {
        let waited = self
            .discord
            .wait_for(|d| d.count_requests(is_card_reply) >= count, limit)
            .await;
        waited.unwrap_or_else(|e| panic!("{e}: {} of {count} replies", self.replies()));
    }

    async fn shed(&self) -> u64 {
        let text = reqwest::get(&self.metrics)
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("a body");
        text.lines()
            .find_map(|l| l.strip_prefix(SHED)?.trim().parse().ok())
            .unwrap_or(0)
    }

    async fn wait_shed(&self, count: u64) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.shed().await < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} shed, expected {count}",
                self.shed().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the bot stops");
        result
            .expect("the bot task ends")
            .expect("the bot stops cleanly");
    }
}

fn is_card_reply(request: &RecordedRequest) -> bool {
    request.method == "POST"
        && request.path.starts_with("/api/v10/channels/")
        && request.path.ends_with("/messages")
}

#[tokio::test]
async fn a_burst_beyond_the_bound_while_xalantis_is_slow_is_shed_and_counted() {
    let bot = spawn_load_bot(Duration::from_secs(3)).await;
    let beyond = 44;
    bot.mention_burst(MAX_MESSAGES_IN_FLIGHT + beyond);
    bot.wait_shed(beyond as u64).await;
    assert_eq!(bot.replies(), 0, "Xalantis has not answered yet");
    bot.wait_replies(MAX_MESSAGES_IN_FLIGHT, Duration::from_secs(15))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bot.replies(),
        MAX_MESSAGES_IN_FLIGHT,
        "only admitted messages are answered"
    );
    assert_eq!(
        bot.shed().await,
        beyond as u64,
        "every message is answered or counted as shed"
    );
    assert_eq!(bot.xalantis.call_count(), 1);
    bot.mention_burst(1);
    bot.wait_replies(MAX_MESSAGES_IN_FLIGHT + 1, WAIT).await;
    assert_eq!(
        bot.shed().await,
        beyond as u64,
        "room again: admitted, not shed"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_burst_beyond_the_bound_waits_for_room_and_is_answered_in_full() {
    let bot = spawn_load_bot(Duration::from_millis(300)).await;
    let burst = MAX_MESSAGES_IN_FLIGHT + 20;
    bot.mention_burst(burst);
    bot.wait_replies(burst, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.replies(), burst, "each answered once");
    assert_eq!(
        bot.shed().await,
        0,
        "room came within the wait: nothing shed"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn fifty_simultaneous_mentions_of_one_unseen_ticket_cause_exactly_one_xalantis_call() {
    let bot = spawn_load_bot(Duration::from_millis(200)).await;
    bot.mention_burst(50);
    bot.wait_replies(50, WAIT).await;
    assert_eq!(bot.xalantis.call_count(), 1, "{:#?}", bot.xalantis.calls());
    assert_eq!(bot.shed().await, 0);
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
    bot.shutdown().await;
}
