//! Operations: `/healthz` and `/metrics` of the bot started in-process against the fakes, with its
//! HTTP listener bound here on 127.0.0.1 port 0; and `.env.example` kept in step with the
//! configuration.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use regex::Regex;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use xalantis_bot::config::{Config, Purpose};
use xalantis_fakes::discord::FakeDiscord;
use xalantis_fakes::xalantis::{EXAMPLE_TICKET_REFERENCE, FakeXalantis, Fault};

use crate::support::{CHANNEL, DISCORD_TOKEN, WAIT, XALANTIS_TOKEN, alice};

/// The bot with its fakes and the base URL of its HTTP endpoints.
struct OpsBot {
    discord: FakeDiscord,
    xalantis: FakeXalantis,
    http: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

/// Starts the fakes and the bot with its HTTP endpoints on a port picked by the OS.
async fn spawn_ops_bot(extra: &[(&str, &str)]) -> OpsBot {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let discord = FakeDiscord::start().await;
    let data = tempfile::tempdir().expect("a temporary directory");
    let database = data.path().join("bot.db").display().to_string();
    let mut vars: HashMap<String, String> = HashMap::new();
    for (name, value) in [
        ("DISCORD_TOKEN", DISCORD_TOKEN),
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
        ("DISCORD_PROXY_URL", discord.base_url()),
        ("XALANTIS_API_URL", &xalantis.base_url()),
        ("DATABASE_PATH", &database),
        ("LEARN_PREFIXES", "false"),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    {
        vars.insert(name.to_owned(), value.to_owned());
    }
    let config = Config::from_vars(&vars, Purpose::Run).expect("test configuration is valid");
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding 127.0.0.1:0");
    let http = format!("http://{}", listener.local_addr().expect("a bound address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(xalantis_bot::app::run_with(config, Some(listener), async {
        let _ = stopped.await;
    }));
    discord
        .wait_ready(WAIT)
        .await
        .expect("the bot connects to the fake Discord");
    OpsBot {
        discord,
        xalantis,
        http,
        stop: Some(stop),
        task,
        _data: data,
    }
}

impl OpsBot {
    async fn get(&self, path: &str) -> (u16, String, String) {
        let response = reqwest::get(format!("{}{path}", self.http))
            .await
            .expect("the HTTP endpoint answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            content_type,
            response.text().await.expect("a text body"),
        )
    }

    /// Polls `/healthz` until it answers `status`; returns the body.
    async fn wait_health(&self, status: u16) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (got, _, body) = self.get("/healthz").await;
            if got == status {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "/healthz stayed {got} ({body:?}), expected {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls `/metrics` until `sample` has `value`; returns the whole text.
    async fn wait_metric(&self, sample: &str, value: u64) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (_, _, text) = self.get("/metrics").await;
            if sample_value(&text, sample) == Some(value) {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{sample} never reached {value} in\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn mention_and_wait_for_the_reply(&self, text: &str) {
        let source = self.discord.message_create(CHANNEL, &alice(), text);
        let reply = |r: &xalantis_fakes::discord::RecordedRequest| {
            r.method == "POST" && r.body_text.contains(&source.to_string())
        };
        self.discord
            .wait_for_request(reply, WAIT)
            .await
            .expect("the bot replies");
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

/// The value of one sample line, e.g. `xalantis_bot_lookups_total{outcome="found"}`.
fn sample_value<T: std::str::FromStr>(text: &str, sample: &str) -> Option<T> {
    text.lines().find_map(|line| {
        line.strip_prefix(sample)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test]
async fn healthz_is_ok_once_the_gateway_is_ready() {
    let bot = spawn_ops_bot(&[]).await;
    assert_eq!(bot.wait_health(200).await, "ok\n");
    bot.shutdown().await;
}

#[tokio::test]
async fn healthz_fails_after_xalantis_refuses_access_and_recovers_after_a_good_answer() {
    let bot = spawn_ops_bot(&[]).await;
    bot.wait_health(200).await;
    bot.xalantis.inject(Fault::Status(401), 1);
    bot.discord.message_create(
        CHANNEL,
        &alice(),
        &format!("see {EXAMPLE_TICKET_REFERENCE}"),
    );
    let body = bot.wait_health(503).await;
    assert!(
        body.contains("Xalantis refused") && body.contains("XALANTIS_API_TOKEN"),
        "{body:?}"
    );
    bot.mention_and_wait_for_the_reply(&format!("and {EXAMPLE_TICKET_REFERENCE} again"))
        .await;
    assert_eq!(bot.wait_health(200).await, "ok\n");
    let (_, _, metrics) = bot.get("/metrics").await;
    assert_eq!(
        sample_value(
            &metrics,
            r#"xalantis_bot_errors_total{source="xalantis",kind="access_refused"}"#
        ),
        Some(1_u64),
        "{metrics}"
    );
    assert_eq!(
        sample_value(&metrics, r#"xalantis_bot_lookups_total{outcome="failed"}"#),
        Some(1_u64),
        "{metrics}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn metrics_count_mentions_lookups_cache_hits_latencies_and_replies() {
    let bot = spawn_ops_bot(&[("COOLDOWN_SECS", "0")]).await;
    bot.mention_and_wait_for_the_reply(&format!("see {EXAMPLE_TICKET_REFERENCE}"))
        .await;
    bot.mention_and_wait_for_the_reply(&format!("still {EXAMPLE_TICKET_REFERENCE}?"))
        .await;
    let text = bot
        .wait_metric(
            r#"xalantis_bot_replies_total{platform="discord",kind="message"}"#,
            2,
        )
        .await;
    let (status, content_type, _) = bot.get("/metrics").await;
    assert_eq!(
        (status, content_type.as_str()),
        (
            200,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
    );
    for (sample, value) in [
        (
            r#"xalantis_bot_mentions_detected_total{platform="discord"}"#,
            2,
        ),
        (r#"xalantis_bot_lookups_total{outcome="found"}"#, 2),
        (r#"xalantis_bot_lookups_total{outcome="not_found"}"#, 0),
        ("xalantis_bot_cache_misses_total", 1),
        ("xalantis_bot_cache_hits_total", 1),
        ("xalantis_bot_xalantis_calls_in_flight", 0),
        ("xalantis_bot_gateway_reconnects_total", 0),
    ] {
        assert_eq!(
            sample_value(&text, sample).unwrap_or(0_u64),
            value,
            "{sample} in\n{text}"
        );
    }
    let requests = sample_value(
        &text,
        "xalantis_bot_xalantis_request_duration_seconds_count",
    );
    let calls = u64::try_from(bot.xalantis.call_count()).ok();
    assert_eq!(requests, calls, "one latency sample per request:\n{text}");
    let seconds = sample_value(&text, "xalantis_bot_xalantis_request_duration_seconds_sum")
        .unwrap_or(0.0_f64);
    assert!(seconds > 0.0 && seconds < WAIT.as_secs_f64(), "{seconds}");
    assert!(text.ends_with("# EOF\n"));
    let text = bot
        .wait_metric("xalantis_bot_answer_duration_seconds_count", 2)
        .await;
    let answering =
        sample_value(&text, "xalantis_bot_answer_duration_seconds_sum").unwrap_or(0.0_f64);
    assert!(
        answering > 0.0 && answering < WAIT.as_secs_f64(),
        "{answering}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_resumed_gateway_counts_as_a_reconnect_and_is_healthy_again() {
    let bot = spawn_ops_bot(&[]).await;
    bot.wait_health(200).await;
    let resumes = bot.discord.resume_count();
    bot.discord.drop_gateway(Some(4000));
    bot.discord
        .wait_for(|d| d.resume_count() > resumes && d.is_connected(), WAIT)
        .await
        .expect("the bot resumes");
    bot.wait_metric(
        r#"xalantis_bot_gateway_reconnects_total{platform="discord"}"#,
        1,
    )
    .await;
    assert_eq!(bot.wait_health(200).await, "ok\n");
    bot.shutdown().await;
}

#[test]
fn env_example_lists_every_variable_the_configuration_reads() {
    let root = env!("CARGO_MANIFEST_DIR");
    let config = std::fs::read_to_string(format!("{root}/src/config.rs")).expect("src/config.rs");
    let example = std::fs::read_to_string(format!("{root}/.env.example")).expect(".env.example");
    let read =
        Regex::new(r#"self\s*\.\w+(?:::<[^>]*>)?\(\s*"([A-Z][A-Z0-9_]+)""#).expect("a valid regex");
    let read: BTreeSet<&str> = read
        .captures_iter(&config)
        .map(|c| c.get(1).expect("a name").as_str())
        .collect();
    let listed = Regex::new(r"(?m)^#? ?([A-Z][A-Z0-9_]+)=").expect("a valid regex");
    let listed: BTreeSet<&str> = listed
        .captures_iter(&example)
        .map(|c| c.get(1).expect("a name").as_str())
        .collect();
    assert!(
        read.len() >= 16 && read.contains("HTTP_BIND"),
        "the scan of src/config.rs found only {read:?}"
    );
    let missing: Vec<_> = read.difference(&listed).collect();
    assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    let stale: Vec<_> = listed
        .difference(&read)
        .filter(|name| **name != "RUST_LOG")
        .collect();
    assert!(
        stale.is_empty(),
        ".env.example lists variables nothing reads: {stale:?}"
    );
}
