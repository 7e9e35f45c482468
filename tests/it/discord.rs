//! The Discord bot end to end: the real `run` against a fake Discord and a fake Xalantis.

use std::time::Duration;

use serde_json::{Value, json};
use xalantis_fakes::discord::{Channel, FakeDiscord, User};
use xalantis_fakes::xalantis::{FakeXalantis, Fault, example_ticket, sample_ticket};

use crate::support::{CHANNEL, WAIT, alice, field, spawn_bot, spawn_bot_on};

const EXAMPLE_UUID: &str = "be2dde82-493c-44f8-9118-e468b5c1c732";

fn assert_full_card(body: &Value) {
    assert_eq!(field(body, 0, "Status"), "Open");
    assert_eq!(field(body, 0, "Priority"), "🟡 Medium");
    assert_eq!(field(body, 0, "Assignee"), "Support Agent");
    assert!(field(body, 0, "Due").contains("<t:1768384800:f> (<t:1768384800:R>)"));
}

fn assert_no_pings(body: &Value) {
    assert_eq!(body["allowed_mentions"]["parse"], json!([]), "{body:#}");
    assert_eq!(
        body["allowed_mentions"]["replied_user"],
        json!(false),
        "{body:#}"
    );
}

#[tokio::test]
async fn a_reference_gets_a_card_with_status_priority_assignee_and_due() {
    let bot = spawn_bot(&[]).await;
    let source = bot.say("Can someone look at VEN1-000079 please?");
    let body = bot.reply_to(source).await;
    assert_eq!(
        body["embeds"][0]["title"],
        "VEN1-000079 · Problème connexion"
    );
    assert_full_card(&body);
    assert_no_pings(&body);
    assert_eq!(
        body["components"][0]["components"][0]["label"],
        "Open in Xalantis"
    );
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}

#[tokio::test]
async fn a_uuid_and_a_link_each_get_a_card() {
    let bot = spawn_bot(&[("COOLDOWN_SECS", "0")]).await;
    let by_uuid = bot.say(&format!("ticket {}", EXAMPLE_UUID.to_uppercase()));
    assert_full_card(&bot.reply_to(by_uuid).await);
    let by_link = bot.say(&format!(
        "<https://app.xalantis.com/tickets/{EXAMPLE_UUID}?tab=replies>"
    ));
    assert_full_card(&bot.reply_to(by_link).await);
    assert!(bot.discord.violations().is_empty());
}

#[tokio::test]
async fn both_reference_formats_are_answered() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    let mut tck = sample_ticket(2);
    tck["reference"] = json!("TCK-2026-0001");
    xalantis.insert_ticket(tck);
    let bot = spawn_bot_on(FakeDiscord::start().await, xalantis, &[]).await;
    let source = bot.say("dup of TCK-2026-0001 and VEN1-000079");
    let body = bot.reply_to(source).await;
    let titles: Vec<&str> = body["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "TCK-2026-0001 · Sample ticket 2",
            "VEN1-000079 · Problème connexion"
        ]
    );
}

#[tokio::test]
async fn bots_code_and_unknown_tickets_get_no_answer() {
    let bot = spawn_bot(&[]).await;
    let from_bot = bot.discord.message_create(
        CHANNEL,
        &User::bot(9_000_000_000_000_009, "other"),
        "VEN1-000079",
    );
    let in_code = bot.say("`VEN1-000079` and\n```\nVEN1-000079\n```");
    let unknown = bot.say("VEN1-999999");
    let answered = bot.say("VEN1-000079");
    bot.reply_to(answered).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for silent in [from_bot, in_code, unknown] {
        assert!(
            bot.replies_to(silent).is_empty(),
            "message {silent} was answered"
        );
    }
    assert_eq!(bot.posted().len(), 1);
}

#[tokio::test]
async fn a_hostile_subject_pings_nobody_and_customer_data_never_leaves() {
    let bot = spawn_bot(&[]).await;
    let mut hostile = example_ticket();
    hostile["uuid"] = json!("11111111-2222-4333-8444-555555555555");
    hostile["reference"] = json!("VEN1-000666");
    hostile["subject"] = json!("@everyone <@&123> [click](http://evil.example)");
    bot.xalantis.insert_ticket(hostile);
    let source = bot.say("VEN1-000666 VEN1-000079");
    let body = bot.reply_to(source).await;
    assert_no_pings(&body);
    let text = body.to_string();
    assert!(
        !text.contains("@everyone") && !text.contains("[click]"),
        "{text}"
    );
    for request in bot.discord.requests() {
        for pii in ["user@example.com", "+33612345678", "John Doe"] {
            assert!(
                !request.body_text.contains(pii),
                "{pii} sent in {} {}",
                request.method,
                request.path
            );
        }
    }
}

#[tokio::test]
async fn an_oversized_ticket_and_fifteen_references_stay_within_limits() {
    let bot = spawn_bot(&[("MAX_TICKETS_PER_MESSAGE", "10")]).await;
    for n in 1..=15 {
        let mut ticket = sample_ticket(n);
        ticket["subject"] = json!("S".repeat(400));
        ticket["description"] = json!("word ".repeat(2000));
        ticket["tags"] = json!(
            (0..40)
                .map(|i| format!("tag-{i}-{}", "t".repeat(40)))
                .collect::<Vec<_>>()
        );
        bot.xalantis.insert_ticket(ticket);
    }
    let refs: Vec<String> = (1..=15).map(|n| format!("VEN1-{n:06}")).collect();
    let source = bot.say(&refs.join(" "));
    let body = bot.reply_to(source).await;
    assert_eq!(
        body["embeds"].as_array().unwrap().len(),
        1,
        "one list embed"
    );
    assert_eq!(
        body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        10
    );
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}

#[tokio::test]
async fn one_ticket_gets_a_full_card_two_get_compact_cards_and_more_get_a_list() {
    let bot = spawn_bot(&[]).await;
    for n in 1..=7 {
        bot.xalantis.insert_ticket(sample_ticket(n));
    }
    let one = bot.reply_to(bot.say("VEN1-000001")).await;
    assert!(
        one["embeds"][0]["description"].is_string()
            && one["embeds"][0]["fields"].as_array().unwrap().len() > 4
    );
    let two = bot.reply_to(bot.say("VEN1-000002 VEN1-000003")).await;
    for embed in two["embeds"].as_array().unwrap() {
        assert_eq!(
            embed["fields"].as_array().unwrap().len(),
            4,
            "status, priority, assignee, due"
        );
        assert!(embed.get("description").is_none());
    }
    let four = bot
        .reply_to(bot.say("VEN1-000004 VEN1-000005 VEN1-000006 VEN1-000007"))
        .await;
    assert_eq!(four["embeds"][0]["title"], "4 tickets");
    let list = four["embeds"][0]["description"].as_str().unwrap();
    assert!(list.starts_with("[VEN1-000004](https://app.xalantis.com/tickets/00000000-0000-4000-8000-000000000004) Sample ticket 4 — Open"), "{list}");
}

#[tokio::test]
async fn refresh_works_on_a_list_card() {
    let bot = spawn_bot(&[]).await;
    for n in 1..=4 {
        bot.xalantis.insert_ticket(sample_ticket(n));
    }
    bot.reply_to(bot.say("VEN1-000001 VEN1-000002 VEN1-000003 VEN1-000004"))
        .await;
    let reply = bot.discord.bot_messages_in(CHANNEL.id()).pop().unwrap();
    let mut changed = sample_ticket(3);
    changed["status"] = json!("closed");
    bot.xalantis.insert_ticket(changed);
    bot.discord
        .button_click(&reply, "xalantis:refresh", &alice());
    let reply_id = reply["id"].as_str().unwrap().parse().unwrap();
    let refreshed = |d: &xalantis_fakes::discord::FakeDiscord| {
        d.message(reply_id).is_some_and(|m| {
            m["embeds"][0]["description"]
                .as_str()
                .unwrap_or_default()
                .contains("Sample ticket 3 — Closed")
        })
    };
    bot.discord
        .wait_for(refreshed, WAIT)
        .await
        .expect("the list shows the new status");
}

#[tokio::test]
async fn slash_ticket_answers_found_not_found_and_private() {
    let bot = spawn_bot(&[]).await;
    let found = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": "ven1-000079"}]),
        CHANNEL,
        &alice(),
    );
    let missing = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": "VEN1-999999"}]),
        CHANNEL,
        &alice(),
    );
    let private = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": EXAMPLE_UUID}, {"name": "private", "type": 5, "value": true}]),
        CHANNEL,
        &alice(),
    );
    let callback = |id: u64| {
        bot.discord
            .interaction_responses(id)
            .callbacks
            .first()
            .cloned()
    };
    bot.discord
        .wait_for(
            |_| {
                [found.id, missing.id, private.id]
                    .iter()
                    .all(|id| callback(*id).is_some())
            },
            WAIT,
        )
        .await
        .unwrap();
    let found = callback(found.id).unwrap();
    assert_eq!(found["type"], 4);
    assert_eq!(
        found["data"]["embeds"][0]["title"],
        "VEN1-000079 · Problème connexion"
    );
    assert_eq!(
        found["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public by default"
    );
    let missing = callback(missing.id).unwrap();
    assert_eq!(missing["data"]["content"], "No ticket VEN1-999999 found.");
    assert_eq!(missing["data"]["flags"].as_u64().unwrap() & 64, 64);
    let private = callback(private.id).unwrap();
    assert_eq!(private["data"]["flags"].as_u64().unwrap() & 64, 64);
    assert!(private["data"]["embeds"][0]["title"].is_string());
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}

#[tokio::test]
async fn slash_ticket_gives_hints_and_honest_errors() {
    let bot = spawn_bot(&[]).await;
    let junk = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": "hello"}]),
        CHANNEL,
        &alice(),
    );
    bot.xalantis.inject(Fault::Status(401), 1);
    let refused = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": EXAMPLE_UUID}]),
        CHANNEL,
        &alice(),
    );
    let text = |id: u64| {
        bot.discord
            .interaction_responses(id)
            .callbacks
            .first()
            .map(|c| c["data"]["content"].clone())
    };
    bot.discord
        .wait_for(
            |_| text(junk.id).is_some() && text(refused.id).is_some(),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        text(junk.id)
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("That doesn't look like a ticket")
    );
    assert_eq!(
        text(refused.id).unwrap(),
        "The bot's access to Xalantis was refused."
    );
}

#[tokio::test]
async fn a_slow_lookup_is_deferred_then_completed() {
    let bot = spawn_bot(&[]).await;
    bot.xalantis.set_delay(Duration::from_millis(2600));
    let slow = bot.discord.slash_command(
        "ticket",
        json!([{"name": "id", "type": 3, "value": "VEN1-000079"}]),
        CHANNEL,
        &alice(),
    );
    bot.discord
        .wait_for(
            |d| {
                d.interaction_responses(slow.id)
                    .original
                    .is_some_and(|m| m["embeds"][0]["title"].is_string())
            },
            WAIT,
        )
        .await
        .expect("the deferred answer is completed");
    assert_eq!(
        bot.discord.interaction_responses(slow.id).callbacks[0]["type"],
        5
    );
}

#[tokio::test]
async fn refresh_fetches_again_and_updates_the_same_message() {
    let bot = spawn_bot(&[]).await;
    let source = bot.say("VEN1-000079");
    bot.reply_to(source).await;
    let reply = bot.discord.bot_messages_in(CHANNEL.id()).pop().unwrap();
    let mut changed = example_ticket();
    changed["status"] = json!("resolved");
    bot.xalantis.insert_ticket(changed);
    bot.discord
        .button_click(&reply, "xalantis:refresh", &alice());
    let reply_id = reply["id"].as_str().unwrap().parse().unwrap();
    bot.discord
        .wait_for(
            |d| {
                d.message(reply_id)
                    .is_some_and(|m| field(&m, 0, "Status") == "Resolved")
            },
            WAIT,
        )
        .await
        .expect("the card shows the new status");
    assert_eq!(
        bot.discord.bot_messages_in(CHANNEL.id()).len(),
        1,
        "updated in place, not posted again"
    );
}

#[tokio::test]
async fn edits_and_deletes_of_the_source_are_followed() {
    let bot = spawn_bot(&[]).await;
    bot.xalantis.insert_ticket(sample_ticket(2));
    let source = bot.say("VEN1-000079");
    bot.reply_to(source).await;
    let reply_id: u64 = bot.discord.bot_messages_in(CHANNEL.id())[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    bot.discord.message_update(source, "actually VEN1-000002");
    bot.discord
        .wait_for(
            |d| {
                d.message(reply_id)
                    .is_some_and(|m| m["embeds"][0]["title"] == "VEN1-000002 · Sample ticket 2")
            },
            WAIT,
        )
        .await
        .expect("the card follows the edit");
    bot.discord.message_update(source, "never mind");
    bot.discord
        .wait_for(|d| d.message(reply_id).is_none(), WAIT)
        .await
        .expect("no mention left: card deleted");
    let second = bot.say("VEN1-000002");
    bot.reply_to(second).await;
    let second_reply: u64 = bot.discord.bot_messages_in(CHANNEL.id())[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    bot.discord.message_delete(CHANNEL, second);
    bot.discord
        .wait_for(|d| d.message(second_reply).is_none(), WAIT)
        .await
        .expect("source deleted: card deleted");
}

#[tokio::test]
async fn the_channel_allowlist_limits_passive_answers() {
    let allowed = 7_000_000_000_000_002_u64;
    let bot = spawn_bot(&[("DISCORD_CHANNELS", &allowed.to_string())]).await;
    let elsewhere = bot.say("VEN1-000079");
    let here = bot
        .discord
        .message_create(Channel::Guild(allowed), &alice(), "VEN1-000079");
    let dm =
        bot.discord
            .message_create(Channel::Dm(7_000_000_000_000_003), &alice(), "VEN1-000079");
    bot.reply_to(here).await;
    bot.reply_to(dm).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.replies_to(elsewhere).is_empty());
}

#[tokio::test]
async fn a_dropped_gateway_is_resumed_and_every_message_answered_once() {
    let bot = spawn_bot(&[]).await;
    for n in 1..=6 {
        bot.xalantis.insert_ticket(sample_ticket(n));
    }
    let first = bot.say("VEN1-000001");
    bot.reply_to(first).await;
    bot.discord.drop_gateway(Some(4000));
    let during: Vec<u64> = (2..=4).map(|n| bot.say(&format!("VEN1-{n:06}"))).collect();
    bot.discord.drop_gateway(None);
    let after: Vec<u64> = (5..=6).map(|n| bot.say(&format!("VEN1-{n:06}"))).collect();
    for source in during.iter().chain(&after) {
        bot.reply_to(*source).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for source in std::iter::once(&first).chain(&during).chain(&after) {
        assert_eq!(bot.replies_to(*source).len(), 1, "message {source}");
    }
    assert!(bot.discord.resume_count() >= 1);
}

#[tokio::test]
async fn xalantis_failing_once_does_not_stop_the_answer() {
    let bot = spawn_bot(&[]).await;
    bot.xalantis.inject(Fault::Status(500), 1);
    let source = bot.say("VEN1-000079");
    assert_full_card(&bot.reply_to(source).await);
}

#[tokio::test]
async fn shutdown_closes_the_gateway_cleanly() {
    let mut bot = spawn_bot(&[]).await;
    bot.shutdown().await.expect("run returns Ok after shutdown");
    let codes = bot.discord.client_close_codes();
    assert!(codes.contains(&Some(1000)), "{codes:?}");
}

#[tokio::test]
async fn a_rejected_token_stops_the_bot_with_a_clear_message() {
    let mut bot = spawn_bot(&[]).await;
    bot.discord.drop_gateway(Some(4004));
    let error = bot.exit().await.expect_err("4004 is fatal, not retried");
    assert!(
        error.to_string().contains("Discord rejected DISCORD_TOKEN"),
        "{error:#}"
    );
    assert_eq!(bot.discord.identify_count(), 1, "no retry loop");
}

#[tokio::test]
async fn references_with_unknown_prefixes_cost_no_api_call() {
    let bot = spawn_bot(&[]).await;
    bot.xalantis.insert_ticket(sample_ticket(1));
    let learned = |x: &FakeXalantis| x.calls().iter().any(|c| c.param("per_page") == Some("100"));
    tokio::time::timeout(WAIT, async {
        while !learned(&bot.xalantis) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("prefixes are learned at start-up");
    bot.xalantis.clear_calls();
    let noise = bot.say("UTF-8 SHA-256 ISO-8601 RFC-2616 ABC-123 XYZ-2024-01");
    let answered = bot.say("VEN1-000001");
    bot.reply_to(answered).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.replies_to(noise).is_empty());
    let searched: Vec<String> = bot
        .xalantis
        .calls()
        .iter()
        .filter_map(|c| c.param("search").map(str::to_owned))
        .collect();
    assert_eq!(
        searched,
        ["VEN1-000001"],
        "only the known prefix was looked up"
    );
}

#[tokio::test]
async fn pinned_prefixes_replace_learning() {
    let bot = spawn_bot(&[("TICKET_PREFIXES", "TCK")]).await;
    let ignored = bot.say("VEN1-000079");
    let answered = bot.say(EXAMPLE_UUID);
    bot.reply_to(answered).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.replies_to(ignored).is_empty());
    assert!(
        bot.xalantis
            .calls()
            .iter()
            .all(|c| c.param("per_page") != Some("100")),
        "no learning when pinned"
    );
}
