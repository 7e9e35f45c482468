//! How Slack reaches the bot: Socket Mode reconnection and redelivery, the signed HTTP Events
//! API, running beside Discord, shutdown, and the app manifest.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use xalantis_fakes::discord::FakeDiscord;
use xalantis_fakes::slack::{ALICE, CHANNEL, FakeSlack, Signing};
use xalantis_fakes::xalantis::FakeXalantis;

use super::{assert_clean, assert_full_card};
use crate::support::{
    SlackTransport, WAIT, slack_vars, spawn_bot_on, spawn_slack_bot, spawn_slack_bot_on,
};

#[tokio::test]
async fn a_redelivered_event_is_answered_once() {
    let bot = spawn_slack_bot(&[]).await;
    let ts = bot.say("VEN1-000079");
    bot.card_for(&ts).await;
    bot.slack.redeliver_last_event();
    bot.slack
        .wait_for(|s| s.unacked().is_empty(), WAIT)
        .await
        .expect("the retry is acknowledged");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.slack.calls("chat.postMessage").len(), 1);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_disconnect_reconnects_without_losing_an_envelope() {
    let bot = spawn_slack_bot(&[]).await;
    bot.slack.disconnect().expect("a connection to rotate");
    let during = bot.say("VEN1-000079 while rotating");
    bot.slack
        .wait_connected(2, WAIT)
        .await
        .expect("a new connection");
    bot.slack
        .wait_for(|s| s.connections_open() == 1, WAIT)
        .await
        .expect("the old connection closes");
    let after = bot.say("VEN1-000079 after rotating");
    bot.card_for(&during).await;
    bot.card_for(&after).await;
    assert_eq!(bot.slack.redeliveries(), 0, "nothing had to be sent again");
    assert_eq!(bot.slack.connections_opened(), 2);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn signed_http_requests_are_answered_and_forged_or_stale_ones_get_401() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let bot = spawn_slack_bot_on(
        FakeSlack::start().await,
        xalantis,
        SlackTransport::Http,
        &[],
    )
    .await;
    let (status, body) = bot.slack.verify_request_url("challenge-3f1").await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).unwrap()),
        (200, json!({"challenge": "challenge-3f1"}))
    );
    let ts = bot.say("VEN1-000079");
    assert_full_card(&bot.card_for(&ts).await.blocks);
    let run = bot.slack.run_command(CHANNEL, ALICE, "VEN1-000079");
    bot.slack
        .wait_for(|s| s.command_answer(&run).is_some(), WAIT)
        .await
        .expect("an answer in the response body");
    let private = bot.slack.ephemerals_to(ALICE).remove(0);
    bot.slack.click(&private, "xalantis_share", ALICE);
    bot.slack
        .wait_for(|s| !s.public_bot_messages(CHANNEL).is_empty(), WAIT)
        .await
        .expect("shared over HTTP");
    let event = bot.slack.message_event_body(CHANNEL, ALICE, "VEN1-000079");
    for signing in [Signing::WrongSecret, Signing::Stale, Signing::Unsigned] {
        for path in ["/slack/events", "/slack/commands", "/slack/interactions"] {
            let (status, _) = bot
                .slack
                .post_signed(path, "application/json", event.clone(), signing)
                .await;
            assert_eq!(status, 401, "{signing:?} to {path}");
        }
    }
    assert_eq!(
        bot.slack.calls("chat.postMessage").len(),
        1,
        "refused requests did nothing"
    );
    let metrics = reqwest::get(format!("http://{}/metrics", bot.http.unwrap()))
        .await
        .unwrap();
    assert_eq!(
        metrics.status(),
        200,
        "the Slack routes share the HTTP_BIND server with /metrics"
    );
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains(r#"xalantis_bot_replies_total{platform="slack",kind="message"} 1"#)
    );
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_retried_http_event_is_answered_once() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let bot = spawn_slack_bot_on(
        FakeSlack::start().await,
        xalantis,
        SlackTransport::Http,
        &[],
    )
    .await;
    let ts = bot.say("VEN1-000079");
    bot.card_for(&ts).await;
    bot.slack.redeliver_last_event();
    bot.slack
        .wait_for(|s| s.unacked().is_empty(), WAIT)
        .await
        .expect("the retry is answered 200");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.slack.calls("chat.postMessage").len(), 1);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn slack_and_discord_run_in_one_process_and_stop_together() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let slack = FakeSlack::start().await;
    let vars = slack_vars(&slack, &xalantis, SlackTransport::SocketMode);
    let extra: Vec<(&str, &str)> = vars
        .iter()
        .filter(|(k, _)| k.starts_with("SLACK_"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut discord_bot = spawn_bot_on(FakeDiscord::start().await, xalantis, &extra).await;
    slack
        .wait_connected(1, WAIT)
        .await
        .expect("the same process connects to Slack");
    let ts = slack.post_message(CHANNEL, ALICE, "VEN1-000079");
    slack
        .wait_for(|s| !s.thread(CHANNEL, &ts).is_empty(), WAIT)
        .await
        .expect("a Slack card");
    let source = discord_bot.say("VEN1-000079");
    discord_bot.reply_to(source).await;
    let started = Instant::now();
    discord_bot.shutdown().await.expect("both stop cleanly");
    assert!(started.elapsed() < WAIT);
    slack
        .wait_for(|s| s.connections_open() == 0, WAIT)
        .await
        .expect("the Socket Mode connection is closed");
    assert_clean(&slack).await;
}

#[tokio::test]
async fn a_slack_only_bot_stops_cleanly_and_closes_its_connection() {
    let mut bot = spawn_slack_bot(&[]).await;
    let ts = bot.say("VEN1-000079");
    bot.card_for(&ts).await;
    bot.shutdown().await.expect("a clean stop");
    bot.slack
        .wait_for(|s| s.connections_open() == 0, WAIT)
        .await
        .expect("the connection is closed");
    assert_clean(&bot.slack).await;
}

#[test]
fn the_app_manifest_validates_against_slacks_schema() {
    let read = |path: &str| -> Value {
        let text =
            std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let schema = read("tests/fixtures/slack-manifest.schema.json");
    let manifest = read("slack-app-manifest.json");
    let validator = jsonschema::validator_for(&schema).expect("Slack's schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let scopes = manifest["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap();
    for scope in [
        "chat:write",
        "links:read",
        "links:write",
        "commands",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    ] {
        assert!(scopes.contains(&json!(scope)), "{scope} missing");
    }
    let events = manifest["settings"]["event_subscriptions"]["bot_events"]
        .as_array()
        .unwrap();
    assert!(events.contains(&json!("message.channels")) && events.contains(&json!("link_shared")));
    assert_eq!(
        manifest["features"]["slash_commands"][0]["command"],
        "/ticket"
    );
    assert_eq!(
        manifest["features"]["unfurl_domains"],
        json!(["app.xalantis.com"])
    );
    assert_eq!(
        (
            &manifest["settings"]["socket_mode_enabled"],
            &manifest["settings"]["interactivity"]["is_enabled"]
        ),
        (&json!(true), &json!(true))
    );
    let invalid = json!({"display_information": {"name": ""}, "features": {"unfurl_domains": ["Bad Domain"]}});
    assert!(!validator.is_valid(&invalid), "the schema really checks");
}
