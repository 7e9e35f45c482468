//! `/ticket`, "Share in channel" and Refresh, end to end.

use std::time::Duration;

use serde_json::json;
use xalantis_fakes::slack::{ALICE, CHANNEL, Visibility};
use xalantis_fakes::xalantis::{Fault, example_ticket};

use super::{EXAMPLE_LINK, EXAMPLE_UUID, action_ids, assert_clean, assert_full_card, fields};
use crate::support::{WAIT, spawn_slack_bot};

#[tokio::test]
async fn slash_ticket_answers_only_the_asker_with_a_share_button() {
    let bot = spawn_slack_bot(&[]).await;
    let run = bot.slack.run_command(CHANNEL, ALICE, "VEN1-000079");
    bot.slack
        .wait_for(|s| s.command_answer(&run).is_some(), WAIT)
        .await
        .expect("an immediate answer");
    let answer = bot.slack.command_answer(&run).unwrap();
    assert_eq!(answer["response_type"], "ephemeral");
    assert_full_card(&answer["blocks"]);
    let private = &bot.slack.ephemerals_to(ALICE)[0];
    assert_eq!(
        action_ids(private),
        ["xalantis_open_0", "xalantis_refresh", "xalantis_share"]
    );
    assert!(bot.slack.public_bot_messages(CHANNEL).is_empty());
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn slash_ticket_for_a_missing_ticket_or_a_failing_xalantis_says_so_only_to_the_asker() {
    let bot = spawn_slack_bot(&[]).await;
    let missing = bot.slack.run_command(CHANNEL, ALICE, "VEN1-999999");
    bot.slack
        .wait_for(|s| s.command_answer(&missing).is_some(), WAIT)
        .await
        .expect("an answer");
    let answer = bot.slack.command_answer(&missing).unwrap();
    assert_eq!(
        (&answer["response_type"], &answer["text"]),
        (&json!("ephemeral"), &json!("No ticket VEN1-999999 found."))
    );
    bot.xalantis.inject(Fault::Status(401), 1);
    let failing = bot
        .slack
        .run_command(CHANNEL, ALICE, &format!("<{EXAMPLE_LINK}>"));
    bot.slack
        .wait_for(|s| s.command_answer(&failing).is_some(), WAIT)
        .await
        .expect("an answer");
    assert_eq!(
        bot.slack.command_answer(&failing).unwrap()["text"],
        "The bot's access to Xalantis was refused."
    );
    let nonsense = bot.slack.run_command(CHANNEL, ALICE, "hello");
    bot.slack
        .wait_for(|s| s.command_answer(&nonsense).is_some(), WAIT)
        .await
        .expect("an answer");
    assert!(
        bot.slack.command_answer(&nonsense).unwrap()["text"]
            .as_str()
            .unwrap()
            .starts_with("That doesn't look like a ticket")
    );
    assert!(bot.slack.public_bot_messages(CHANNEL).is_empty());
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn a_slow_lookup_is_acknowledged_in_time_and_answered_through_the_response_url() {
    let bot = spawn_slack_bot(&[]).await;
    bot.xalantis.set_delay(Duration::from_millis(2600));
    let run = bot.slack.run_command(CHANNEL, ALICE, "VEN1-000079");
    bot.slack
        .wait_for(|s| !s.hook_posts(run.hook).is_empty(), WAIT)
        .await
        .expect("an answer through response_url");
    let acked_after = bot.slack.command_acked_after(&run).expect("acknowledged");
    assert!(
        acked_after < Duration::from_millis(2500),
        "acknowledged after {acked_after:?}"
    );
    assert!(
        bot.slack.command_answer(&run).is_none(),
        "no answer was ready for the acknowledgement"
    );
    let posted = &bot.slack.hook_posts(run.hook)[0];
    assert_eq!(posted["response_type"], "ephemeral");
    assert_full_card(&posted["blocks"]);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn share_in_channel_posts_the_card_for_everyone_and_removes_the_private_answer() {
    let bot = spawn_slack_bot(&[]).await;
    let run = bot.slack.run_command(CHANNEL, ALICE, EXAMPLE_UUID);
    bot.slack
        .wait_for(|s| !s.ephemerals_to(ALICE).is_empty(), WAIT)
        .await
        .expect("a private answer");
    let private = bot.slack.ephemerals_to(ALICE).remove(0);
    bot.slack.click(&private, "xalantis_share", ALICE);
    bot.slack
        .wait_for(
            |s| s.ephemerals_to(ALICE).is_empty() && !s.public_bot_messages(CHANNEL).is_empty(),
            WAIT,
        )
        .await
        .expect("shared");
    let public = bot.slack.public_bot_messages(CHANNEL).remove(0);
    assert_full_card(&public.blocks);
    assert_eq!(
        action_ids(&public),
        ["xalantis_open_0", "xalantis_refresh"],
        "no Share button once shared"
    );
    assert!(bot.slack.hook_posts(run.hook).len() <= 5);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn refresh_replaces_a_card_with_fresh_data() {
    let bot = spawn_slack_bot(&[]).await;
    let ts = bot.say("VEN1-000079");
    let card = bot.card_for(&ts).await;
    let mut resolved = example_ticket();
    resolved["status"] = json!("resolved");
    bot.xalantis.insert_ticket(resolved);
    bot.slack.click(&card, "xalantis_refresh", ALICE);
    bot.slack
        .wait_for(|s| s.thread(CHANNEL, &ts)[0].edits == 1, WAIT)
        .await
        .expect("a refreshed card");
    let refreshed = bot.slack.thread(CHANNEL, &ts).remove(0);
    assert_eq!(fields(&refreshed.blocks)[0], "*Status*\nResolved");
    assert_eq!(refreshed.visibility, Visibility::Public);
    assert_clean(&bot.slack).await;
}

#[tokio::test]
async fn refresh_on_a_preview_updates_the_preview() {
    let bot = spawn_slack_bot(&[]).await;
    bot.say(&format!("<{EXAMPLE_LINK}>"));
    bot.slack
        .wait_for(|s| !s.unfurls().is_empty(), WAIT)
        .await
        .expect("a preview");
    let mut resolved = example_ticket();
    resolved["status"] = json!("closed");
    bot.xalantis.insert_ticket(resolved);
    bot.slack
        .click_unfurl(&bot.slack.unfurls()[0], "xalantis_refresh_unfurl", ALICE);
    bot.slack
        .wait_for(|s| s.unfurls()[0].sends == 2, WAIT)
        .await
        .expect("a refreshed preview");
    assert_eq!(
        fields(&bot.slack.unfurls()[0].blocks)[0],
        "*Status*\nClosed"
    );
    assert_clean(&bot.slack).await;
}
