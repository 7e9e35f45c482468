//! Quiet, live and private: cooldown, Details, Delete, per-channel settings, live cards and
//! state that survives restarts — end to end against the fakes.

use std::time::Duration;

use serde_json::{Value, json};
use xalantis_fakes::discord::{Channel, GUILD_ID, User};
use xalantis_fakes::xalantis::{example_ticket, sample_ticket};

use crate::support::{CHANNEL, TestBot, WAIT, alice, field, spawn_bot, spawn_bot_on};

const MANAGE_MESSAGES: u64 = 1 << 13;
const MANAGE_GUILD: u64 = 1 << 5;

fn reply_id(bot: &TestBot) -> u64 {
    let reply = bot
        .discord
        .bot_messages_in(CHANNEL.id())
        .pop()
        .expect("the bot replied");
    reply["id"].as_str().unwrap().parse().unwrap()
}

fn button<'a>(message: &'a Value, prefix: &str) -> &'a str {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find_map(|b| {
            b["custom_id"]
                .as_str()
                .filter(|id| id.starts_with(prefix))
                .map(str::to_owned)
        })
        .map_or_else(
            || panic!("no {prefix} button in {message:#}"),
            |id| &*Box::leak(id.into_boxed_str()),
        )
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn a_ticket_shown_recently_gets_no_second_card_and_later_a_jump_link() {
    let bot = spawn_bot(&[]).await;
    let first = bot.say("VEN1-000079");
    bot.reply_to(first).await;
    let card = reply_id(&bot);
    let again = bot.say("VEN1-000079 again");
    settle().await;
    assert!(bot.replies_to(again).is_empty(), "still on screen: nothing");
    for n in 0..20 {
        bot.say(&format!("chatter {n}"));
    }
    let later = bot.say("what about VEN1-000079?");
    let body = bot.reply_to(later).await;
    let expected = format!(
        "VEN1-000079 was shown recently: https://discord.com/channels/{GUILD_ID}/{}/{card}",
        CHANNEL.id()
    );
    assert_eq!(body["content"], expected);
    assert!(
        body.get("embeds")
            .is_none_or(|e| e.as_array().is_some_and(Vec::is_empty)),
        "no second full card"
    );
}

#[tokio::test]
async fn details_are_ephemeral_and_free_of_contact_data_by_default() {
    let bot = spawn_bot(&[]).await;
    bot.reply_to(bot.say("VEN1-000079")).await;
    let card = bot.discord.bot_messages_in(CHANNEL.id()).pop().unwrap();
    let click = bot
        .discord
        .button_click(&card, "xalantis:details", &alice());
    bot.discord
        .wait_for(
            |d| {
                d.interaction_responses(click.id)
                    .original
                    .is_some_and(|m| m["embeds"].as_array().is_some_and(|e| !e.is_empty()))
            },
            WAIT,
        )
        .await
        .unwrap();
    let responses = bot.discord.interaction_responses(click.id);
    assert_eq!(
        responses.callbacks[0]["data"]["flags"].as_u64().unwrap() & 64,
        64,
        "ephemeral"
    );
    let details = responses.original.unwrap();
    assert_eq!(field(&details, 0, "Requester"), "John Doe");
    assert_eq!(field(&details, 0, "Os version"), "14.2");
    let text = details.to_string();
    assert!(
        !text.contains("user@example.com") && !text.contains("+33612345678"),
        "{text}"
    );
}

#[tokio::test]
async fn delete_works_for_the_author_and_moderators_only() {
    let bot = spawn_bot(&[("COOLDOWN_SECS", "0")]).await;
    bot.reply_to(bot.say("VEN1-000079")).await;
    let card = bot.discord.bot_messages_in(CHANNEL.id()).pop().unwrap();
    let delete = button(&card, "xalantis:delete:");
    let stranger = bot.discord.button_click(
        &card,
        delete,
        &User::human(5_000_000_000_000_099, "mallory"),
    );
    bot.discord
        .wait_for(
            |d| !d.interaction_responses(stranger.id).callbacks.is_empty(),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        bot.discord.interaction_responses(stranger.id).callbacks[0]["data"]["flags"],
        64
    );
    assert!(
        bot.discord.message(reply_id(&bot)).is_some(),
        "a stranger cannot remove it"
    );
    let card_id = reply_id(&bot);
    bot.discord.button_click(&card, delete, &alice());
    bot.discord
        .wait_for(|d| d.message(card_id).is_none(), WAIT)
        .await
        .expect("the author removes it");
    bot.reply_to(bot.say("VEN1-000079 once more")).await;
    let second = bot.discord.bot_messages_in(CHANNEL.id()).pop().unwrap();
    let second_id: u64 = second["id"].as_str().unwrap().parse().unwrap();
    let moderator = User::human(5_000_000_000_000_098, "mod").with_permissions(MANAGE_MESSAGES);
    bot.discord
        .button_click(&second, button(&second, "xalantis:delete:"), &moderator);
    bot.discord
        .wait_for(|d| d.message(second_id).is_none(), WAIT)
        .await
        .expect("a moderator removes it");
}

#[tokio::test]
async fn channel_settings_change_answers_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db").display().to_string();
    let bot = spawn_bot(&[("DATABASE_PATH", &db)]).await;
    let set = json!([{"name": "set", "type": 1, "options": [{"name": "passive", "type": 5, "value": false}]}]);
    let refused = bot
        .discord
        .slash_command("ticket-settings", set.clone(), CHANNEL, &alice());
    let admin = User::human(5_000_000_000_000_097, "admin").with_permissions(MANAGE_GUILD);
    let accepted = bot
        .discord
        .slash_command("ticket-settings", set, CHANNEL, &admin);
    let answered = |id: u64| {
        bot.discord
            .interaction_responses(id)
            .callbacks
            .first()
            .map(|c| c["data"]["content"].to_string())
    };
    bot.discord
        .wait_for(
            |_| answered(refused.id).is_some() && answered(accepted.id).is_some(),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        answered(refused.id)
            .unwrap()
            .contains("Only members who can manage this server")
    );
    let quiet = bot.say("VEN1-000079");
    let elsewhere = bot.discord.message_create(
        Channel::Guild(7_000_000_000_000_055),
        &alice(),
        "VEN1-000079",
    );
    bot.reply_to(elsewhere).await;
    settle().await;
    assert!(
        bot.replies_to(quiet).is_empty(),
        "passive answering is off in this channel"
    );
    let (discord, xalantis) = bot.restart_fakes().await;
    let bot = spawn_bot_on(
        discord,
        xalantis,
        &[("DATABASE_PATH", &db), ("COOLDOWN_SECS", "0")],
    )
    .await;
    let still_quiet = bot.say("VEN1-000079");
    let answered = bot.discord.message_create(
        Channel::Guild(7_000_000_000_000_055),
        &alice(),
        "VEN1-000079 again",
    );
    bot.reply_to(answered).await;
    settle().await;
    assert!(
        bot.replies_to(still_quiet).is_empty(),
        "the setting survived the restart"
    );
}

#[tokio::test]
async fn compact_cards_can_be_chosen_per_channel() {
    let bot = spawn_bot(&[]).await;
    let admin = User::human(5_000_000_000_000_097, "admin").with_permissions(MANAGE_GUILD);
    let set = json!([{"name": "set", "type": 1, "options": [{"name": "card-size", "type": 3, "value": "compact"}]}]);
    let command = bot
        .discord
        .slash_command("ticket-settings", set, CHANNEL, &admin);
    bot.discord
        .wait_for(
            |d| !d.interaction_responses(command.id).callbacks.is_empty(),
            WAIT,
        )
        .await
        .unwrap();
    let body = bot.reply_to(bot.say("VEN1-000079")).await;
    assert_eq!(
        body["embeds"][0]["fields"].as_array().unwrap().len(),
        4,
        "compact: status, priority, assignee, due"
    );
}

#[tokio::test]
async fn a_bot_restarted_between_a_message_and_its_edit_still_edits_its_card() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db").display().to_string();
    let bot = spawn_bot(&[("DATABASE_PATH", &db)]).await;
    bot.xalantis.insert_ticket(sample_ticket(2));
    let source = bot.say("VEN1-000079");
    bot.reply_to(source).await;
    let card = reply_id(&bot);
    let (discord, xalantis) = bot.restart_fakes().await;
    let bot = spawn_bot_on(discord, xalantis, &[("DATABASE_PATH", &db)]).await;
    bot.discord.message_update(source, "sorry, VEN1-000002");
    bot.discord
        .wait_for(
            |d| {
                d.message(card)
                    .is_some_and(|m| m["embeds"][0]["title"] == "VEN1-000002 · Sample ticket 2")
            },
            WAIT,
        )
        .await
        .expect("the card from before the restart follows the edit");
    bot.discord.message_delete(CHANNEL, source);
    bot.discord
        .wait_for(|d| d.message(card).is_none(), WAIT)
        .await
        .expect("and the delete");
}

#[tokio::test]
async fn a_live_card_is_edited_when_its_ticket_changes() {
    let bot = spawn_bot(&[("LIVE_REFRESH_SECS", "1"), ("CACHE_TTL_SECS", "1")]).await;
    bot.reply_to(bot.say("VEN1-000079")).await;
    let card = reply_id(&bot);
    let mut changed = example_ticket();
    changed["status"] = json!("in_progress");
    changed["assignee"] = json!({"name": "Night Shift", "email": "night@example.com"});
    bot.xalantis.insert_ticket(changed);
    bot.discord
        .wait_for(
            |d| {
                d.message(card)
                    .is_some_and(|m| field(&m, 0, "Status") == "In progress")
            },
            WAIT,
        )
        .await
        .expect("the card follows the ticket");
    let message = bot.discord.message(card).unwrap();
    assert_eq!(field(&message, 0, "Assignee"), "Night Shift");
    assert!(
        message["content"]
            .as_str()
            .unwrap()
            .starts_with("🔄 Updated <t:")
    );
    let path = format!("/api/v10/channels/{}/messages/{card}", CHANNEL.id());
    // The fake stores the edit before it records the exchange: wait for the record too.
    bot.discord
        .wait_for_request(|r| r.is("PATCH", &path), WAIT)
        .await
        .expect("the edit is recorded");
    let edits = bot.discord.requests_to("PATCH", &path).len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = bot.discord.requests_to("PATCH", &path).len();
    assert_eq!(edits, later, "an unchanged ticket is not edited again");
}
