//! REST: bodies validated, interactions answered and stored, faults injected.

use std::time::Duration;

use serde_json::json;
use xalantis_fakes::discord::{APPLICATION_ID, Channel, FakeDiscord, Fault, User};

use crate::support::{WAIT, start_bot};

const CHANNEL: Channel = Channel::Guild(700);

fn bob() -> User {
    User::human(43, "bob")
}

async fn wait_for_status(fake: &FakeDiscord, path: &str, status: u16) {
    let waited = fake
        .wait_for_request(|r| r.is("POST", path) && r.status == status, WAIT)
        .await;
    waited.unwrap_or_else(|e| panic!("{e}: {:#?}", fake.requests()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_embeds_are_a_violation_answered_400() {
    let fake = start_bot().await;
    fake.message_create(CHANNEL, &bob(), "!eleven");
    wait_for_status(&fake, "/api/v10/channels/700/messages", 400).await;
    let violations = fake.violations();
    assert!(
        violations.iter().any(|v| v.contains("11 embeds")),
        "{violations:?}"
    );
    assert!(
        violations
            .iter()
            .any(|v| v.contains("maxItems") || v.contains("more than 10")),
        "{violations:?}"
    );
    assert!(fake.bot_messages_in(CHANNEL.id()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_6000_characters_across_embeds_is_a_violation() {
    let fake = start_bot().await;
    fake.message_create(CHANNEL, &bob(), "!huge");
    wait_for_status(&fake, "/api/v10/channels/700/messages", 400).await;
    assert_eq!(
        fake.violations(),
        ["/api/v10/channels/700/messages: /embeds: 8000 characters across embeds, more than 6000"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_gets_its_callback_followup_and_edit_recorded() {
    let fake = start_bot().await;
    fake.wait_for(|f| !f.commands(None).is_empty(), WAIT)
        .await
        .expect("commands registered");
    assert_eq!(
        fake.commands(None)[0]["application_id"],
        APPLICATION_ID.to_string()
    );
    let ping = fake.slash_command("ping", json!([]), CHANNEL, &bob());
    let edited = |f: &FakeDiscord| {
        f.interaction_responses(ping.id)
            .original
            .is_some_and(|m| m["content"] == "pong!")
    };
    fake.wait_for(edited, WAIT).await.expect("the edited reply");
    let responses = fake.interaction_responses(ping.id);
    assert_eq!(responses.callbacks[0]["data"]["content"], "pong");
    assert_eq!(responses.original.unwrap()["flags"], 64);
    assert_eq!(responses.followups[0]["content"], "and more");
    assert!(
        fake.messages_in(CHANNEL.id())
            .iter()
            .all(|m| m["content"] != "pong!"),
        "ephemeral stays out"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_click_updates_the_message_in_place() {
    let fake = start_bot().await;
    fake.message_create(CHANNEL, &bob(), "!card");
    fake.wait_for(|f| f.bot_messages_in(CHANNEL.id()).len() == 1, WAIT)
        .await
        .expect("a reply");
    let reply = fake.bot_messages_in(CHANNEL.id()).remove(0);
    let click = fake.button_click(&reply, "refresh", &bob());
    let refreshed = |f: &FakeDiscord| f.bot_messages_in(CHANNEL.id())[0]["content"] == "refreshed";
    fake.wait_for(refreshed, WAIT)
        .await
        .expect("the message updated");
    assert_eq!(fake.interaction_responses(click.id).callbacks[0]["type"], 7);
    assert_eq!(fake.bot_messages_in(CHANNEL.id()).len(), 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_reply_becomes_the_edited_message_without_the_loading_flag() {
    let fake = start_bot().await;
    fake.wait_for(|f| f.commands(None).len() == 2, WAIT)
        .await
        .expect("commands registered");
    let slow = fake.slash_command("slow", json!([]), CHANNEL, &bob());
    let done = |f: &FakeDiscord| {
        f.interaction_responses(slow.id)
            .original
            .is_some_and(|m| m["embeds"][0]["title"] == "Done")
    };
    fake.wait_for(done, WAIT).await.expect("the edited reply");
    let original = fake.interaction_responses(slow.id).original.unwrap();
    assert_eq!(
        (
            original["flags"].as_u64(),
            fake.interaction_responses(slow.id).callbacks[0]["type"].as_u64()
        ),
        (Some(0), Some(5))
    );
    assert_eq!(fake.bot_messages_in(CHANNEL.id()), [original]);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_answer_the_next_matching_requests_then_stop() {
    let fake = start_bot().await;
    fake.fail_next_rest("POST", "/api/v10/channels/", Fault::rate_limited(0.25));
    fake.fail_next_rest("POST", "/api/v10/channels/", Fault::status(500));
    for n in 0..3 {
        fake.message_create(CHANNEL, &bob(), &format!("!{n}"));
    }
    fake.wait_for(
        |f| f.requests_to("POST", "/api/v10/channels/700").len() == 3,
        WAIT,
    )
    .await
    .expect("three sends");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut statuses: Vec<u16> = fake
        .requests_to("POST", "/api/v10/channels/")
        .iter()
        .map(|r| r.status)
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429, 500]);
    let limited = fake
        .requests_to("POST", "/api/v10/channels/")
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap();
    assert_eq!(limited.status, 429);
    assert_eq!(fake.bot_messages_in(CHANNEL.id()).len(), 1);
}

#[tokio::test]
async fn the_user_and_application_routes_answer_plausible_objects() {
    let fake = FakeDiscord::start().await;
    let http = serenity::http::HttpBuilder::new("t")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let me = http.get_current_user().await.expect("users/@me");
    let application = http
        .get_current_application_info()
        .await
        .expect("applications/@me");
    assert_eq!(
        (me.id.get(), application.id.get()),
        (xalantis_fakes::discord::BOT_USER_ID, APPLICATION_ID)
    );
    let missing = http.get_message(1.into(), 2.into()).await;
    assert!(missing.is_err(), "unknown message → 404");
}
