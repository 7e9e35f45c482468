//! The Slack bot end to end: the real `app::run` against a fake Slack (Socket Mode or signed
//! HTTP requests) and a fake Xalantis. Messages, links and edits here; `/ticket` and buttons in
//! `commands`; transports (reconnection, retries, signatures, both platforms) in `transports`.

mod commands;
mod transports;

use std::time::Duration;

use serde_json::{Value, json};
use xalantis_fakes::slack::{ALICE, CHANNEL, FakeSlack, SlackMessage};
use xalantis_fakes::xalantis::{example_ticket, sample_ticket};

use crate::support::{WAIT, spawn_slack_bot};

const EXAMPLE_UUID: &str = "be2dde82-493c-44f8-9118-e468b5c1c732";
const EXAMPLE_LINK: &str = "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732";
const DUE: &str = "<!date^1768384800^{date_short_pretty} {time}|2026-01-14 10:00 UTC>";

/// The `*Name*\nvalue` texts of every section field of `blocks`.
fn fields(blocks: &Value) -> Vec<String> {
    let sections = blocks
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b["type"] == "section");
    sections
        .flat_map(|s| s["fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f["text"].as_str().map(str::to_owned))
        .collect()
}

fn assert_full_card(blocks: &Value) {
    assert_eq!(blocks[0]["type"], "header", "{blocks:#}");
    assert_eq!(
        blocks[0]["text"]["text"],
        "VEN1-000079 · Problème connexion"
    );
    let fields = fields(blocks);
    assert_eq!(
        fields[..3],
        [
            "*Status*\nOpen",
            "*Priority*\n🟡 Medium",
            "*Assignee*\nSupport Agent"
        ]
    );
    assert!(
        fields[3].starts_with("*Due*\n") && fields[3].ends_with(DUE),
        "{}",
        fields[3]
    );
    let context = blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "context")
        .expect("a context block")
        .to_string();
    assert!(
        context.contains("Technique") && context.contains("Bug"),
        "{context}"
    );
}

fn action_ids(message: &SlackMessage) -> Vec<String> {
    message
        .buttons()
        .iter()
        .map(|b| b["action_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// No rule broken, and every envelope acknowledged (an acknowledgement may still be on its way
/// when the reply it led to has arrived).
async fn assert_clean(slack: &FakeSlack) {
    let acked = slack.wait_for(|s| s.unacked().is_empty(), WAIT).await;
    assert!(acked.is_ok(), "unacknowledged: {:?}", slack.unacked());
    assert!(slack.violations().is_empty(), "{:#?}", slack.violations());
}

#[tokio::test]
async fn a_reference_in_a_message_gets_a_card_in_its_thread() {
    let bot = spawn_slack_bot(&[]).await;
    let ts = bot.say("Can someone look at VEN1-000079 please?");
    let card = bot.card_for(&ts).await;
    assert_full_card(&card.blocks);
    assert_eq!(action_ids(&card), ["xalantis_open_0", "xalantis_refresh"]);
    assert_eq!(card.buttons()[0]["url"], EXAMPLE_LINK);
    let post = &bot.slack.calls("chat.postMessage")[0];
    assert_eq!(
        (&post.body["thread_ts"], &post.body["unfurl_links"]),
        (&json!(ts), &json!(false))
    );
    assert_eq!(post.body["text"], "VEN1-000079 · Problème connexion (Open)");
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_reply_in_a_thread_is_answered_in_that_thread() {
    let bot = spawn_slack_bot(&[]).await;
    let parent = bot.say("no ticket here");
    let reply = bot
        .slack
        .reply_in_thread(CHANNEL, &parent, ALICE, "it is VEN1-000079");
    bot.card_for(&parent).await;
    assert!(bot.slack.thread(CHANNEL, &reply).is_empty());
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_ticket_link_gets_a_preview_and_no_thread_card() {
    let bot = spawn_slack_bot(&[]).await;
    bot.xalantis.insert_ticket(sample_ticket(2));
    let ts = bot.say(&format!("see <{EXAMPLE_LINK}> and VEN1-000002"));
    bot.slack
        .wait_for(|s| !s.unfurls().is_empty(), WAIT)
        .await
        .expect("a preview");
    let unfurl = &bot.slack.unfurls()[0];
    assert_eq!(
        (unfurl.ts.as_str(), unfurl.url.as_str()),
        (ts.as_str(), EXAMPLE_LINK)
    );
    assert_full_card(&unfurl.blocks);
    let card = bot.card_for(&ts).await;
    assert_eq!(
        card.blocks[0]["text"]["text"], "VEN1-000002 · Sample ticket 2",
        "the thread card shows the bare reference only"
    );
    let link_only = bot.say(&format!("<{EXAMPLE_LINK}|the login ticket>"));
    bot.slack
        .wait_for(|s| s.unfurls().iter().any(|u| u.ts == link_only), WAIT)
        .await
        .expect("a preview");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        bot.slack.thread(CHANNEL, &link_only).is_empty(),
        "the preview is the card"
    );
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn other_bots_code_and_unknown_tickets_get_no_answer() {
    let bot = spawn_slack_bot(&[]).await;
    let from_bot = bot
        .slack
        .post_as_other_bot(CHANNEL, "B0OTHER001", "VEN1-000079");
    let in_code = bot.say("`VEN1-000079`");
    let unknown = bot.say("VEN1-999999");
    let answered = bot.say("VEN1-000079");
    bot.card_for(&answered).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for silent in [from_bot, in_code, unknown] {
        assert!(
            bot.slack.thread(CHANNEL, &silent).is_empty(),
            "{silent} was answered"
        );
    }
    assert_eq!(bot.slack.calls("chat.postMessage").len(), 1);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn edits_and_deletes_of_the_source_are_followed() {
    let bot = spawn_slack_bot(&[]).await;
    bot.xalantis.insert_ticket(sample_ticket(2));
    let ts = bot.say("VEN1-000079");
    bot.card_for(&ts).await;
    bot.slack.edit_message(CHANNEL, &ts, "sorry, VEN1-000002");
    bot.slack
        .wait_for(
            |s| s.thread(CHANNEL, &ts).first().is_some_and(|c| c.edits == 1),
            WAIT,
        )
        .await
        .expect("an update");
    assert_eq!(
        bot.slack.thread(CHANNEL, &ts)[0].blocks[0]["text"]["text"],
        "VEN1-000002 · Sample ticket 2"
    );
    bot.slack.edit_message(CHANNEL, &ts, "never mind");
    bot.slack
        .wait_for(|s| s.thread(CHANNEL, &ts).is_empty(), WAIT)
        .await
        .expect("the card is deleted");
    let second = bot.say("VEN1-000079");
    bot.card_for(&second).await;
    bot.slack.delete_message(CHANNEL, &second);
    bot.slack
        .wait_for(|s| s.thread(CHANNEL, &second).is_empty(), WAIT)
        .await
        .expect("the card follows its source");
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn ticket_text_with_channel_pings_pings_nobody_and_contact_data_never_leaves() {
    let bot = spawn_slack_bot(&[("SHOW_REQUESTER", "name")]).await;
    let mut hostile = example_ticket();
    hostile["uuid"] = json!("11111111-2222-4333-8444-555555555555");
    hostile["reference"] = json!("VEN1-000666");
    hostile["subject"] = json!(
        "<!channel> <!here> <@U0ALICE001> <!subteam^S1|ops> @everyone <http://evil.example|click>"
    );
    hostile["description"] = json!("<!channel> & <@U0ALICE001>");
    bot.xalantis.insert_ticket(hostile);
    let ts = bot.say("VEN1-000666");
    let card = bot.card_for(&ts).await;
    let two = bot.say("VEN1-000666 VEN1-000079");
    bot.card_for(&two).await;
    let run = bot.slack.run_command(CHANNEL, ALICE, "VEN1-000666");
    bot.slack
        .wait_for(|s| s.command_answer(&run).is_some(), WAIT)
        .await
        .expect("an answer");
    assert!(
        card.blocks.to_string().contains("&lt;!channel&gt;"),
        "{:#}",
        card.blocks
    );
    for request in bot.slack.requests() {
        for pii in ["user@example.com", "+33612345678"] {
            assert!(
                !request.body_text.contains(pii),
                "{pii} sent in {}",
                request.path
            );
        }
    }
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_rate_limited_post_waits_for_retry_after() {
    let bot = spawn_slack_bot(&[]).await;
    bot.slack.rate_limit("chat.postMessage", 1, 1);
    let ts = bot.say("VEN1-000079");
    bot.card_for(&ts).await;
    let posts = bot.slack.calls("chat.postMessage");
    assert_eq!((posts[0].status, posts[1].status), (429, 200));
    assert!(
        posts[1].at.duration_since(posts[0].at) >= Duration::from_secs(1),
        "retried too early"
    );
    assert_clean(&bot.slack).await;
}
