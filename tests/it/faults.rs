//! Faults end to end: the real bot against a fake Xalantis and a fake Discord that misbehave.
//!
//! Xalantis: for each fault, a mention meanwhile gets no card and no error in the channel,
//! `/ticket` gets an honest ephemeral error, a mention once Xalantis recovers gets its card,
//! nothing is answered twice and the bot keeps running. Discord REST: 429, 5xx and 404 answers.
//! Gateway: resumes, replays, invalid sessions and silent heartbeats.
//!
//! The bots run with `XALANTIS_TIMEOUT_SECS=1` and `CACHE_TTL_SECS=1` (not-found answers are
//! cached that long), and pinned prefixes so that no prefix learning call takes a fault.

use std::time::{Duration, Instant};

use serde_json::json;
use serenity::all::{ChannelId, CreateMessage, HttpBuilder};
use tokio::net::{TcpListener, TcpStream};
use xalantis_bot::discord::rest::{MessageBody, create_message};
use xalantis_bot::discord::retry::{RetryPolicy, status_of, with_policy};
use xalantis_fakes::discord::{self as fake_discord, FakeDiscord, InteractionResponses};
use xalantis_fakes::xalantis::{FakeXalantis, Fault, sample_ticket};

use crate::support::{CHANNEL, DISCORD_TOKEN, TestBot, WAIT, alice, spawn_bot, spawn_bot_on};

/// Short timeout and cache, pinned prefixes.
const FAULT_SETTINGS: [(&str, &str); 3] = [
    ("XALANTIS_TIMEOUT_SECS", "1"),
    ("CACHE_TTL_SECS", "1"),
    ("TICKET_PREFIXES", "VEN1"),
];

const UNAVAILABLE: &str = "Xalantis is unavailable right now; try again shortly.";
const TOO_SLOW: &str = "Xalantis did not answer in time; try again shortly.";
const UNREADABLE: &str = "Xalantis sent an answer the bot could not read.";
const RATE_LIMITED: &str = "Xalantis is rate-limiting the bot; try again in a minute.";

/// A bot with the fault settings and sample tickets 1 to 9 (`VEN1-000001` …).
async fn fault_bot() -> TestBot {
    let bot = spawn_bot(&FAULT_SETTINGS).await;
    for n in 1..=9 {
        bot.xalantis.insert_ticket(sample_ticket(n));
    }
    bot
}

fn reference(n: u64) -> String {
    format!("VEN1-{n:06}")
}

/// Runs `/ticket id:<id>` as alice; returns the interaction id.
fn ticket_command(bot: &TestBot, id: &str) -> u64 {
    let options = json!([{"name": "id", "type": 3, "value": id}]);
    bot.discord
        .slash_command("ticket", options, CHANNEL, &alice())
        .id
}

/// The text of an answer that is not a card, and its flags: the immediate answer, or the
/// followup after a deferral.
fn answer_text(responses: &InteractionResponses) -> Option<(String, u64)> {
    let callback = responses.callbacks.first()?;
    let message = if callback["type"] == 4 {
        &callback["data"]
    } else {
        responses.followups.last()?
    };
    let text = message["content"].as_str()?.to_owned();
    Some((text, message["flags"].as_u64().unwrap_or(0)))
}

/// Waits for `/ticket` interaction `id` to be answered with text only its author sees.
async fn ephemeral_answer(bot: &TestBot, id: u64) -> String {
    let answered = |d: &FakeDiscord| answer_text(&d.interaction_responses(id)).is_some();
    let waited = bot.discord.wait_for(answered, WAIT).await;
    let responses = bot.discord.interaction_responses(id);
    waited.unwrap_or_else(|e| panic!("/ticket {id} got no text answer ({e}): {responses:#?}"));
    assert_eq!(responses.callbacks.len(), 1, "one callback: {responses:#?}");
    let (text, flags) = answer_text(&responses).unwrap();
    assert_eq!(flags & 64, 64, "only its author sees it: {responses:#?}");
    text
}

/// Waits until the fake Xalantis received `count` calls.
async fn wait_for_calls(xalantis: &FakeXalantis, count: usize) {
    let deadline = Instant::now() + WAIT;
    while xalantis.call_count() < count {
        assert!(
            Instant::now() < deadline,
            "{count} Xalantis calls expected, got {}",
            xalantis.call_count()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Xalantis answers every request with `fault` until it recovers; `attempts` is what the client
/// spends on one lookup (retries included).
async fn outage_then_recovery(
    bot: &TestBot,
    n: u64,
    fault: Fault,
    attempts: usize,
    expected: &str,
) {
    let posted_before = bot.posted().len();
    bot.xalantis.inject(fault.clone(), 10_000);
    let calls = bot.xalantis.call_count();
    let during = bot.say(&format!("is {} fixed?", reference(n)));
    wait_for_calls(&bot.xalantis, calls + attempts).await;
    let command = ticket_command(bot, &reference(n));
    assert_eq!(ephemeral_answer(bot, command).await, expected, "{fault:?}");
    bot.xalantis.clear_faults();
    let after = bot.say(&format!("and now {}?", reference(n)));
    let card = bot.reply_to(after).await;
    assert_eq!(
        card["embeds"][0]["title"],
        format!("{} · Sample ticket {n}", reference(n)),
        "{fault:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        bot.replies_to(during).is_empty(),
        "{fault:?}: no card, no error in the channel meanwhile"
    );
    assert_eq!(bot.replies_to(after).len(), 1, "{fault:?}: answered once");
    assert_eq!(
        bot.posted().len(),
        posted_before + 1,
        "{fault:?}: nothing else posted"
    );
    assert!(bot.is_running(), "{fault:?}: the bot still runs");
    assert_eq!(reply_violations(bot), Vec::<String>::new());
}

/// Problems the fake Discord found in the bot's replies (messages and interaction answers).
fn reply_violations(bot: &TestBot) -> Vec<String> {
    let reply_paths = [
        "/api/v10/channels/",
        "/api/v10/interactions/",
        "/api/v10/webhooks/",
    ];
    let mut violations = bot.discord.violations();
    violations.retain(|v| reply_paths.iter().any(|path| v.starts_with(path)));
    violations
}

// ---- Xalantis ----

#[tokio::test]
async fn a_xalantis_slower_than_the_timeout_gets_an_honest_error_then_answers_again() {
    let bot = fault_bot().await;
    outage_then_recovery(&bot, 1, Fault::Slow(Duration::from_secs(3)), 1, TOO_SLOW).await;
}

#[tokio::test]
async fn xalantis_server_errors_get_an_honest_error_then_answers_again() {
    let bot = fault_bot().await;
    for (n, status) in [(1, 500), (2, 502), (3, 503)] {
        // The first try and two retries.
        outage_then_recovery(&bot, n, Fault::Status(status), 3, UNAVAILABLE).await;
    }
}

#[tokio::test]
async fn short_server_error_bursts_are_retried_without_anyone_noticing() {
    let bot = fault_bot().await;
    for (n, status, times) in [(1, 500, 1), (2, 502, 2), (3, 503, 2)] {
        bot.xalantis.clear_calls();
        bot.xalantis.inject(Fault::Status(status), times);
        let source = bot.say(&reference(n));
        bot.reply_to(source).await;
        assert_eq!(
            bot.xalantis.call_count(),
            times + 1,
            "HTTP {status} × {times}, then the answer"
        );
        assert_eq!(bot.replies_to(source).len(), 1);
    }
    assert!(bot.is_running());
}

#[tokio::test]
async fn bodies_xalantis_cannot_read_get_an_honest_error_then_answers_again() {
    let bot = fault_bot().await;
    let huge_declared = Fault::HugeBody {
        bytes: 50_000_000,
        declare_length: true,
    };
    let faults = [
        Fault::NotJson,
        Fault::TruncatedJson,
        Fault::WrongShape,
        Fault::huge_body(),
        huge_declared,
    ];
    for (n, fault) in (1..).zip(faults) {
        outage_then_recovery(&bot, n, fault, 1, UNREADABLE).await;
    }
}

#[tokio::test]
async fn a_connection_reset_mid_body_gets_an_honest_error_then_answers_again() {
    let bot = fault_bot().await;
    outage_then_recovery(&bot, 1, Fault::ResetMidBody, 3, UNAVAILABLE).await;
}

#[tokio::test]
async fn a_rate_limit_gets_an_honest_error_then_answers_again() {
    let bot = fault_bot().await;
    // One try, then one retry once the 2 s window has passed.
    let fault = Fault::RateLimited {
        retry_after: Some("2".into()),
    };
    outage_then_recovery(&bot, 1, fault, 2, RATE_LIMITED).await;
}

#[tokio::test]
async fn a_rate_limit_is_honoured_by_every_lookup_without_a_retry_storm() {
    let bot = fault_bot().await;
    bot.xalantis.inject(
        Fault::RateLimited {
            retry_after: Some("2".into()),
        },
        10_000,
    );
    let lookups = 6;
    let sources: Vec<u64> = (1..lookups).map(|n| bot.say(&reference(n))).collect();
    let command = ticket_command(&bot, &reference(lookups));
    wait_for_calls(&bot.xalantis, 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first_window = bot.xalantis.call_count();
    assert!(
        first_window <= 6,
        "one try per lookup while the window is closed, got {first_window}"
    );
    assert_eq!(ephemeral_answer(&bot, command).await, RATE_LIMITED);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let total = bot.xalantis.call_count();
    assert!(
        total <= 2 * 6,
        "at most one retry per lookup, got {total} calls for 6 lookups"
    );
    bot.xalantis.clear_faults();
    let after = bot.say(&reference(7));
    bot.reply_to(after).await;
    for source in sources {
        assert!(bot.replies_to(source).is_empty(), "message {source}");
    }
    assert!(bot.is_running());
}

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Starts listening on `port` and forwards every connection to `xalantis`.
async fn listen_for(port: u16, xalantis: &FakeXalantis) {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the closed port is free again");
    let target = xalantis.addr();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

#[tokio::test]
async fn a_refused_connection_gets_an_honest_error_until_xalantis_listens() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let port = closed_port().await;
    let url = format!("http://127.0.0.1:{port}/api");
    let mut settings: Vec<(&str, &str)> = FAULT_SETTINGS.to_vec();
    settings.push(("XALANTIS_API_URL", &url));
    let bot = spawn_bot_on(FakeDiscord::start().await, xalantis, &settings).await;
    let during = bot.say("VEN1-000079?");
    let command = ticket_command(&bot, "VEN1-000079");
    assert_eq!(ephemeral_answer(&bot, command).await, UNAVAILABLE);
    listen_for(port, &bot.xalantis).await;
    let after = bot.say("VEN1-000079 now?");
    bot.reply_to(after).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.replies_to(during).is_empty());
    assert_eq!(bot.posted().len(), 1);
    assert!(bot.is_running());
}

// ---- Discord REST ----

/// serenity's HTTP client as the bot builds it with a proxy: its own rate limiter off.
pub fn serenity_http(discord: &FakeDiscord) -> serenity::http::Http {
    HttpBuilder::new(DISCORD_TOKEN)
        .proxy(discord.base_url())
        .ratelimiter_disabled(true)
        .build()
}

const FAST_RETRIES: RetryPolicy = RetryPolicy {
    attempts: 3,
    rate_limit_wait: Duration::from_millis(300),
    server_error_wait: Some(Duration::from_millis(50)),
};

fn posts(discord: &FakeDiscord) -> Vec<u16> {
    let path = format!("/api/v10/channels/{}/messages", CHANNEL.id());
    discord
        .requests_to("POST", &path)
        .iter()
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn serenity_alone_loses_a_message_to_a_rate_limit() {
    let discord = FakeDiscord::start().await;
    let http = serenity_http(&discord);
    discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::rate_limited(0.2),
    );
    let sent = ChannelId::new(CHANNEL.id())
        .send_message(&http, CreateMessage::new().content("card"))
        .await;
    assert_eq!(
        status_of(&sent.unwrap_err()),
        Some(429),
        "no retry without serenity's rate limiter"
    );
    assert_eq!(posts(&discord), [429]);
}

#[tokio::test]
async fn with_retry_sends_again_after_a_rate_limit_and_waits_first() {
    let discord = FakeDiscord::start().await;
    let http = serenity_http(&discord);
    discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::rate_limited(0.2),
    );
    let body = MessageBody::new(&CreateMessage::new().content("card")).unwrap();
    let sent = with_policy(&FAST_RETRIES, || {
        create_message(&http, ChannelId::new(CHANNEL.id()), &body)
    })
    .await;
    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(posts(&discord), [429, 200]);
    let requests = discord.requests_to("POST", "/api/v10/channels/");
    let waited = requests[1].received_at - requests[0].received_at;
    assert!(waited >= FAST_RETRIES.rate_limit_wait, "waited {waited:?}");
}

#[tokio::test]
async fn with_retry_sends_again_after_server_errors_and_gives_up_within_bounds() {
    let discord = FakeDiscord::start().await;
    let http = serenity_http(&discord);
    let channel = ChannelId::new(CHANNEL.id());
    let body = MessageBody::new(&CreateMessage::new().content("card")).unwrap();
    discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::status(500).times(2),
    );
    with_policy(&FAST_RETRIES, || create_message(&http, channel, &body))
        .await
        .unwrap();
    assert_eq!(posts(&discord), [500, 500, 200]);
    discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::status(503).times(100),
    );
    let gave_up = with_policy(&FAST_RETRIES, || create_message(&http, channel, &body)).await;
    assert_eq!(status_of(&gave_up.unwrap_err()), Some(503));
    assert_eq!(posts(&discord).len(), 3 + 3, "three attempts, no storm");
}

#[tokio::test]
async fn with_retry_never_retries_an_edit_of_a_deleted_message() {
    let discord = FakeDiscord::start().await;
    let http = serenity_http(&discord);
    let channel = ChannelId::new(CHANNEL.id());
    discord.fail_next_rest(
        "PATCH",
        "/api/v10/channels/",
        fake_discord::Fault::unknown_message().times(10),
    );
    let edit = serenity::all::EditMessage::new().content("x");
    let edited = with_policy(&FAST_RETRIES, || {
        channel.edit_message(&http, 42, edit.clone())
    })
    .await;
    assert_eq!(status_of(&edited.unwrap_err()), Some(404));
    assert_eq!(discord.requests_to("PATCH", "/api/v10/channels/").len(), 1);
}

#[tokio::test]
async fn a_reply_rate_limited_once_is_still_posted_once() {
    let bot = spawn_bot(&[]).await;
    bot.discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::rate_limited(0.5),
    );
    let source = bot.say("VEN1-000079");
    let answered = |d: &FakeDiscord| d.bot_messages_in(CHANNEL.id()).len() == 1;
    bot.discord
        .wait_for(answered, WAIT)
        .await
        .expect("the card is posted after the rate limit");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let statuses: Vec<u16> = bot.replies_to(source).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test]
async fn a_reply_failing_with_500_is_still_posted_once() {
    let bot = spawn_bot(&[]).await;
    bot.discord.fail_next_rest(
        "POST",
        "/api/v10/channels/",
        fake_discord::Fault::status(500),
    );
    let source = bot.say("VEN1-000079");
    let answered = |d: &FakeDiscord| d.bot_messages_in(CHANNEL.id()).len() == 1;
    bot.discord
        .wait_for(answered, WAIT)
        .await
        .expect("the card is posted after the 500");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let statuses: Vec<u16> = bot.replies_to(source).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 200]);
}

/// The statuses of the interaction callbacks, once `count` were sent and a while longer than
/// any retry wait of `INTERACTION_POLICY` passed without another.
async fn callback_statuses(bot: &TestBot, count: usize) -> Vec<u16> {
    let sent = |d: &FakeDiscord| d.requests_to("POST", "/api/v10/interactions/").len() >= count;
    bot.discord
        .wait_for(sent, WAIT)
        .await
        .expect("the bot answers the interaction");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let callbacks = bot.discord.requests_to("POST", "/api/v10/interactions/");
    callbacks.iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn a_ticket_answer_rate_limited_once_is_still_delivered() {
    let bot = spawn_bot(&[]).await;
    let limited = fake_discord::Fault::rate_limited(0.3);
    bot.discord
        .fail_next_rest("POST", "/api/v10/interactions/", limited);
    let command = ticket_command(&bot, "VEN1-000079");
    let answered = |d: &FakeDiscord| !d.interaction_responses(command).callbacks.is_empty();
    bot.discord
        .wait_for(answered, WAIT)
        .await
        .expect("the answer is sent again");
    assert_eq!(callback_statuses(&bot, 2).await, [429, 204]);
    assert_eq!(
        bot.discord.interaction_responses(command).callbacks.len(),
        1
    );
}

#[tokio::test]
async fn a_ticket_answer_rate_limited_twice_is_given_up_and_the_bot_carries_on() {
    let bot = spawn_bot(&[]).await;
    let limited = fake_discord::Fault::rate_limited(0.3).times(2);
    bot.discord
        .fail_next_rest("POST", "/api/v10/interactions/", limited);
    let command = ticket_command(&bot, "VEN1-000079");
    assert_eq!(callback_statuses(&bot, 2).await, [429, 429], "two attempts");
    assert!(
        bot.discord
            .interaction_responses(command)
            .callbacks
            .is_empty()
    );
    assert!(bot.is_running());
}

#[tokio::test]
async fn a_ticket_answer_failing_with_500_is_not_sent_again() {
    let bot = spawn_bot(&[]).await;
    let failed = fake_discord::Fault::status(500);
    bot.discord
        .fail_next_rest("POST", "/api/v10/interactions/", failed);
    ticket_command(&bot, "VEN1-000079");
    assert_eq!(
        callback_statuses(&bot, 1).await,
        [500],
        "Discord may have taken it"
    );
    assert!(bot.is_running());
}

#[tokio::test]
async fn an_edit_of_a_deleted_reply_fails_once_and_the_bot_carries_on() {
    let bot = fault_bot().await;
    let source = bot.say(&reference(1));
    bot.reply_to(source).await;
    bot.discord.fail_next_rest(
        "PATCH",
        "/api/v10/channels/",
        fake_discord::Fault::unknown_message().times(10),
    );
    bot.discord.message_update(source, &reference(2));
    let patched = |d: &FakeDiscord| !d.requests_to("PATCH", "/api/v10/channels/").is_empty();
    bot.discord
        .wait_for(patched, WAIT)
        .await
        .expect("the bot tries to follow the edit");
    let next = bot.say(&reference(3));
    bot.reply_to(next).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bot.discord.requests_to("PATCH", "/api/v10/channels/").len(),
        1,
        "a 404 is not retried"
    );
    assert!(bot.is_running());
}

// ---- gateway ----

/// Messages posted while the gateway misbehaves, then after: each answered exactly once.
async fn assert_each_answered_once(bot: &TestBot, sources: &[u64]) {
    for source in sources {
        bot.reply_to(*source).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for source in sources {
        assert_eq!(bot.replies_to(*source).len(), 1, "message {source}");
    }
}

#[tokio::test]
async fn an_abrupt_close_alone_is_resumed_and_replayed() {
    let bot = fault_bot().await;
    bot.discord.drop_gateway(None);
    let sources: Vec<u64> = (1..=3).map(|n| bot.say(&reference(n))).collect();
    assert_each_answered_once(&bot, &sources).await;
    assert!(bot.discord.resume_count() >= 1);
    assert_eq!(
        bot.discord.identify_count(),
        1,
        "resumed, not identified again"
    );
}

#[tokio::test]
async fn a_reconnect_request_is_resumed_and_replayed() {
    let bot = fault_bot().await;
    bot.discord.request_reconnect();
    let sources: Vec<u64> = (1..=3).map(|n| bot.say(&reference(n))).collect();
    assert_each_answered_once(&bot, &sources).await;
    assert!(bot.discord.resume_count() >= 1);
}

#[tokio::test]
async fn an_invalid_session_makes_the_bot_identify_again() {
    let bot = fault_bot().await;
    assert_eq!(bot.discord.identify_count(), 1);
    bot.discord.force_invalid_session(false);
    let identified = |d: &FakeDiscord| d.identify_count() == 2 && d.is_connected();
    bot.discord
        .wait_for(identified, WAIT)
        .await
        .expect("a new IDENTIFY after op 9 (not resumable)");
    let sources: Vec<u64> = (1..=3).map(|n| bot.say(&reference(n))).collect();
    assert_each_answered_once(&bot, &sources).await;
    assert_eq!(bot.discord.identify_count(), 2);
    assert!(bot.is_running());
}

#[tokio::test]
async fn a_gateway_that_stops_acking_heartbeats_is_reconnected() {
    let bot = fault_bot().await;
    let connections = bot.discord.connection_count();
    bot.discord.set_heartbeat_acks(false);
    let first = bot.say(&reference(1));
    let reconnected = |d: &FakeDiscord| d.connection_count() > connections;
    bot.discord
        .wait_for(reconnected, WAIT)
        .await
        .expect("a zombie connection is replaced");
    bot.discord.set_heartbeat_acks(true);
    let second = bot.say(&reference(2));
    assert_each_answered_once(&bot, &[first, second]).await;
    assert!(bot.is_running());
}

#[tokio::test]
async fn malformed_and_unknown_gateway_events_are_skipped_and_the_reader_carries_on() {
    let bot = fault_bot().await;
    let malformed = [
        ("MESSAGE_CREATE", r#"{"content":"VEN1-000001"}"#.to_owned()),
        (
            "MESSAGE_CREATE",
            r#"{"id":"0","channel_id":"1","author":{"id":"2"},"content":"VEN1-000001"}"#.to_owned(),
        ),
        (
            "MESSAGE_CREATE",
            r#"{"id":"5","channel_id":"1","author":{"id":"2"},"content":7}"#.to_owned(),
        ),
        ("INTERACTION_CREATE", r#"{"type":2}"#.to_owned()),
        ("MESSAGE_UPDATE", "[]".to_owned()),
        ("MESSAGE_DELETE", "null".to_owned()),
        ("SOMETHING_NEW", r#"{"x":1}"#.to_owned()),
    ];
    for (event, d) in malformed {
        bot.discord.dispatch_unchecked(event, d);
    }
    let source = bot.say(&reference(2));
    assert_each_answered_once(&bot, &[source]).await;
    assert_eq!(bot.discord.connection_count(), 1, "no reconnection");
    assert!(bot.is_running());
}
