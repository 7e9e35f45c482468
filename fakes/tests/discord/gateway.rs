//! Handshake, dispatch, heartbeats, resume with replay, invalid sessions.

use std::time::Duration;

use serde_json::json;
use xalantis_fakes::discord::{Channel, FakeDiscord, Options, User};

use crate::support::{TOKEN, WAIT, start_bot, start_bot_with};

const CHANNEL: Channel = Channel::Guild(500);

fn ann() -> User {
    User::human(42, "ann")
}

/// The contents of the bot's messages in `CHANNEL`.
fn replies(fake: &FakeDiscord) -> Vec<String> {
    let contents = fake.bot_messages_in(CHANNEL.id());
    contents
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The gateway counters, for failure messages.
fn state(fake: &FakeDiscord) -> String {
    format!(
        "connections {}, identifies {}, resumes {}, queued {}, connected {}, client closes {:?}",
        fake.connection_count(),
        fake.identify_count(),
        fake.resume_count(),
        fake.queued_events(),
        fake.is_connected(),
        fake.client_close_codes(),
    )
}

async fn wait_for_replies(fake: &FakeDiscord, count: usize) {
    let waited = fake.wait_for(|f| replies(f).len() >= count, WAIT).await;
    waited.unwrap_or_else(|e| {
        panic!(
            "{e}: {} of {count} replies; {}",
            replies(fake).len(),
            state(fake)
        )
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_fetches_the_gateway_url_and_identifies_with_its_token() {
    let fake = start_bot().await;
    assert_eq!(fake.requests_to("GET", "/api/v10/gateway")[0].status, 200);
    assert_eq!(fake.identify_count(), 1);
    assert_eq!(fake.identifies()[0]["token"], format!("Bot {TOKEN}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatched_message_reaches_the_bot_and_its_reply_is_recorded() {
    let fake = start_bot().await;
    let source = fake.message_create(CHANNEL, &ann(), "!hello");
    wait_for_replies(&fake, 1).await;
    let reply = &fake.bot_messages_in(CHANNEL.id())[0];
    assert_eq!(reply["content"], "echo !hello");
    assert_eq!(reply["message_reference"]["message_id"], source.to_string());
    // The store holds the reply before the exchange is recorded (that waits for the answer).
    let request = fake
        .wait_for_request(|r| r.is("POST", "/api/v10/channels/500/messages"), WAIT)
        .await
        .expect("the reply's request is recorded");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bot {TOKEN}").as_str())
    );
    assert_eq!(
        request.body.as_ref().unwrap()["allowed_mentions"]["parse"],
        json!([])
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_from_bots_and_in_dms_are_delivered_with_the_right_shape() {
    let fake = start_bot().await;
    fake.message_create(CHANNEL, &User::bot(77, "other-bot"), "!ignored");
    fake.message_create(Channel::Dm(600), &ann(), "!dm");
    fake.wait_for(|f| f.bot_messages_in(600).len() == 1, WAIT)
        .await
        .expect("DM reply");
    assert!(replies(&fake).is_empty(), "the test bot ignores bots");
    assert!(fake.bot_messages_in(600)[0].get("guild_id").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_reach_the_bot() {
    let fake = start_bot().await;
    let id = fake.message_create(CHANNEL, &ann(), "plain");
    fake.message_update(id, "changed");
    fake.message_delete(CHANNEL, id);
    wait_for_replies(&fake, 2).await;
    let mut notes = replies(&fake);
    notes.sort();
    assert_eq!(
        notes,
        [format!("deleted: {id}").as_str(), "edited: changed"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_are_acknowledged_and_the_connection_stays_up() {
    let options = Options {
        heartbeat_interval: Duration::from_millis(100),
        ..Options::default()
    };
    let fake = start_bot_with(options).await;
    fake.wait_for(|f| f.heartbeat_ack_count() >= 3, WAIT)
        .await
        .expect("three ACKs");
    assert_eq!(
        (fake.connection_count(), fake.heartbeat_count() >= 3),
        (1, true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_whose_heartbeats_go_unacknowledged_reconnects() {
    let options = Options {
        heartbeat_interval: Duration::from_millis(100),
        ..Options::default()
    };
    let fake = start_bot_with(options).await;
    fake.set_heartbeat_acks(false);
    fake.wait_for(|f| f.connection_count() >= 2, WAIT)
        .await
        .expect("a new connection");
    fake.set_heartbeat_acks(true);
    fake.wait_ready(WAIT).await.expect("ready again");
    fake.message_create(CHANNEL, &ann(), "!after");
    wait_for_replies(&fake, 1).await;
}

/// Sends `!n` for each n, dropping the gateway in between, and checks each is answered once.
async fn answered_exactly_once_across(fake: &FakeDiscord, drop: impl Fn(&FakeDiscord)) {
    let user = ann();
    for n in 0..20 {
        fake.message_create(CHANNEL, &user, &format!("!{n}"));
    }
    drop(fake);
    for n in 20..40 {
        fake.message_create(CHANNEL, &user, &format!("!{n}"));
    }
    wait_for_replies(fake, 40).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut answered = replies(fake);
    answered.sort();
    let mut expected: Vec<String> = (0..40).map(|n| format!("echo !{n}")).collect();
    expected.sort();
    assert_eq!(answered, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_close_4000_the_bot_resumes_and_every_event_arrives_exactly_once() {
    let fake = start_bot().await;
    answered_exactly_once_across(&fake, |f| f.drop_gateway(Some(4000))).await;
    assert_eq!((fake.identify_count(), fake.resume_count()), (1, 1));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_abrupt_drop_the_bot_resumes_and_every_event_arrives_exactly_once() {
    let fake = start_bot().await;
    answered_exactly_once_across(&fake, |f| f.drop_gateway(None)).await;
    assert_eq!((fake.identify_count(), fake.resume_count()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_resumable_invalid_session_makes_the_bot_identify_again() {
    let fake = start_bot().await;
    fake.force_invalid_session(false);
    fake.message_create(CHANNEL, &ann(), "!queued");
    fake.wait_for(|f| f.identify_count() == 2, WAIT)
        .await
        .expect("a second IDENTIFY");
    wait_for_replies(&fake, 1).await;
    assert_eq!(replies(&fake), ["echo !queued"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumable_invalid_session_makes_the_bot_resume() {
    let fake = start_bot().await;
    fake.force_invalid_session(true);
    fake.wait_for(|f| f.resume_count() == 1, WAIT)
        .await
        .expect("a RESUME");
    fake.message_create(CHANNEL, &ann(), "!resumed");
    wait_for_replies(&fake, 1).await;
    assert_eq!(fake.identify_count(), 1);
}

#[tokio::test]
async fn a_fixture_serenity_would_drop_is_refused_with_the_reason() {
    let fake = FakeDiscord::start().await;
    let mut message = json!({"id": "1", "channel_id": "2", "content": "hi"});
    let error = fake.dispatch("MESSAGE_CREATE", &message).unwrap_err();
    assert!(error.to_string().contains("author"), "{error}");
    message["author"] = ann().to_json();
    assert!(
        fake.dispatch("MESSAGE_CREATE", &message).is_err(),
        "timestamp and others still missing"
    );
    assert_eq!(fake.queued_events(), 0);
}
