//! Security end to end: ticket text cannot ping, link or format over any reply path (message,
//! `/ticket`, Refresh, Details, an edit of the source); requester contact data leaves the bot only
//! with `SHOW_REQUESTER=full`; a mention in a spoiler is not expanded; only validated ids reach
//! Xalantis URLs. Tokens in logs and request bodies: `logs.rs`.

use std::time::Duration;

use serde_json::{Value, json};
use xalantis_fakes::discord::FakeDiscord;
use xalantis_fakes::xalantis::example_ticket;

use crate::support::{CHANNEL, TestBot, WAIT, alice, spawn_bot};

const HOSTILE_UUID: &str = "11111111-2222-4333-8444-555555555555";
const HOSTILE_REFERENCE: &str = "VEN1-000666";
const EMAIL: &str = "jane.customer@pii.example";
const PHONE: &str = "+33 6 99 88 77 66";

/// Text that would ping, link, hide or format if it reached Discord unescaped.
const INJECTION: &str = "[click](http://evil.example) @everyone @here <@&123> <@456> <#789> ||spoiler|| `code` **bold** __under__ ~~strike~~\n# heading\n> quote";

/// A ticket whose every text field carries [`INJECTION`], with a distinctive requester.
fn hostile_ticket() -> Value {
    let mut ticket = example_ticket();
    ticket["uuid"] = json!(HOSTILE_UUID);
    ticket["reference"] = json!(HOSTILE_REFERENCE);
    ticket["subject"] = json!(format!("Subject {INJECTION}"));
    ticket["description"] = json!(format!("Description {INJECTION}"));
    ticket["status"] = json!(INJECTION);
    ticket["priority"] = json!(INJECTION);
    ticket["category"] = json!({"name": INJECTION});
    ticket["tags"] = json!([INJECTION, "@everyone"]);
    ticket["assignee"] = json!({"name": INJECTION});
    ticket["requester"] =
        json!({"name": format!("Jane {INJECTION}"), "email": EMAIL, "phone": PHONE});
    ticket["custom_fields"] = json!({ INJECTION: INJECTION });
    ticket
}

async fn bot_with_hostile_ticket(extra: &[(&str, &str)]) -> TestBot {
    let bot = spawn_bot(extra).await;
    bot.xalantis.insert_ticket(hostile_ticket());
    bot
}

/// Every reply path once: a message, `/ticket`, Refresh and Details on the card, an edit of the
/// source. Returns after each has answered.
async fn exercise_every_reply_path(bot: &TestBot) {
    let source = bot.say(&format!("look at {HOSTILE_REFERENCE}"));
    bot.reply_to(source).await;
    let options = json!([{"name": "id", "type": 3, "value": HOSTILE_REFERENCE}]);
    let command = bot
        .discord
        .slash_command("ticket", options, CHANNEL, &alice());
    wait_answered(&bot.discord, command.id).await;
    let card = bot
        .discord
        .bot_messages_in(CHANNEL.id())
        .into_iter()
        .next()
        .expect("the card");
    for button in ["xalantis:refresh", "xalantis:details"] {
        let click = bot.discord.button_click(&card, button, &alice());
        wait_answered(&bot.discord, click.id).await;
    }
    let edits = |d: &FakeDiscord| d.requests_to("PATCH", "/api/v10/channels/").len();
    let before = edits(&bot.discord);
    bot.discord
        .message_update(source, &format!("actually {HOSTILE_REFERENCE}, the same"));
    bot.discord
        .wait_for(|d| edits(d) > before, WAIT)
        .await
        .expect("the card follows the edit");
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Waits for the bot to answer interaction `id` (a callback, then any edit or followup).
async fn wait_answered(discord: &FakeDiscord, id: u64) {
    let answered = |d: &FakeDiscord| !d.interaction_responses(id).callbacks.is_empty();
    discord
        .wait_for(answered, WAIT)
        .await
        .unwrap_or_else(|e| panic!("interaction {id} unanswered: {e}"));
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The text of every message body the bot sent to Discord: contents and embed texts (links and
/// timestamps left out), with the path it went to.
fn sent_texts(discord: &FakeDiscord) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for request in discord.requests() {
        if let Some(body) = &request.body {
            collect_texts(body, &mut |text| {
                texts.push((request.path.clone(), text.to_owned()));
            });
        }
    }
    texts
}

fn collect_texts(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                if !matches!(
                    key.as_str(),
                    "url" | "timestamp" | "custom_id" | "id" | "token"
                ) {
                    collect_texts(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_texts(item, found)),
        Value::String(text) => found(text),
        _ => {}
    }
}

/// The first live piece of injected markup in `text`: a mass ping, or a mention, link, spoiler,
/// code, underline or strike marker not escaped with `\`.
fn live_injection(text: &str) -> Option<&'static str> {
    if text.contains("@everyone") || text.contains("@here") {
        return Some("a mass ping");
    }
    let unescaped = |token: &str| {
        text.match_indices(token)
            .any(|(at, _)| !text[..at].ends_with('\\'))
    };
    [
        "<@",
        "<#",
        "[click]",
        "](http://evil",
        "||",
        "`",
        "__",
        "~~",
    ]
    .into_iter()
    .find(|token| unescaped(token))
}

#[tokio::test]
async fn ticket_text_cannot_ping_link_or_format_on_any_reply_path() {
    let bot = bot_with_hostile_ticket(&[("SHOW_REQUESTER", "full")]).await;
    exercise_every_reply_path(&bot).await;
    let texts = sent_texts(&bot.discord);
    assert!(
        texts.iter().any(|(_, t)| t.contains("Subject")),
        "the hostile card was sent"
    );
    // Ticket text (it all carries the injection, whole or cut) and any mass ping.
    let from_ticket = |text: &str| {
        ["click", "spoiler", "strike", "@"]
            .iter()
            .any(|w| text.contains(w))
    };
    for (path, text) in texts.iter().filter(|(_, text)| from_ticket(text)) {
        if let Some(problem) = live_injection(text) {
            panic!("{problem} sent to {path}: {text:?}");
        }
    }
    for request in bot.discord.requests() {
        let Some(body) = &request.body else { continue };
        for mentions in [&body["allowed_mentions"], &body["data"]["allowed_mentions"]] {
            if !mentions.is_null() {
                assert_eq!(
                    mentions["parse"],
                    json!([]),
                    "{} {}",
                    request.method,
                    request.path
                );
            }
        }
    }
}

#[tokio::test]
async fn requester_contact_data_never_leaves_the_bot_without_full_visibility() {
    for show in [None, Some("none"), Some("name")] {
        let settings: Vec<(&str, &str)> = show.map(|s| ("SHOW_REQUESTER", s)).into_iter().collect();
        let bot = bot_with_hostile_ticket(&settings).await;
        exercise_every_reply_path(&bot).await;
        for request in bot.discord.requests() {
            for pii in ["jane.customer", "pii.example", "99 88 77 66"] {
                assert!(
                    !request.body_text.contains(pii),
                    "SHOW_REQUESTER={show:?}: {pii} sent in {} {}",
                    request.method,
                    request.path
                );
            }
        }
    }
}

#[tokio::test]
async fn requester_contact_data_is_shown_on_every_reply_path_with_full_visibility() {
    let bot = bot_with_hostile_ticket(&[("SHOW_REQUESTER", "full")]).await;
    exercise_every_reply_path(&bot).await;
    let requests = bot.discord.requests();
    let shown_by = |method: &str, prefix: &str| {
        requests.iter().any(|r| {
            r.is(method, prefix)
                && r.body_text.contains("jane.customer")
                && r.body_text.contains("99 88 77 66")
        })
    };
    // The message, /ticket and Details (interaction callbacks), Refresh (the original response)
    // and the edit that follows the source.
    for (method, prefix) in [
        ("POST", "/api/v10/channels/"),
        ("POST", "/api/v10/interactions/"),
        ("PATCH", "/api/v10/webhooks/"),
        ("PATCH", "/api/v10/channels/"),
    ] {
        assert!(
            shown_by(method, prefix),
            "contact data on {method} {prefix}…"
        );
    }
}

#[tokio::test]
async fn a_mention_inside_a_spoiler_is_not_expanded() {
    let bot = spawn_bot(&[]).await;
    let hidden = bot.say("the culprit is ||VEN1-000079||, keep it quiet");
    let multiline = bot.say("||spoiler\nVEN1-000079\n||");
    let shown = bot.say("but VEN1-000079 is fine");
    bot.reply_to(shown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.replies_to(hidden).is_empty());
    assert!(bot.replies_to(multiline).is_empty());
}

/// Chat text and `/ticket` input that try to walk out of `/tickets/{uuid}`.
const TRAVERSALS: [&str; 8] = [
    "../../admin",
    "https://app.xalantis.com/tickets/..%2F..%2Fadmin",
    "https://app.xalantis.com/tickets/%2e%2e/%2e%2e/users",
    "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732%2F..%2Fadmin",
    "https://app.xalantis.com/tickets/VEN1-000079/../../admin",
    "<https://app.xalantis.com/tickets/..\\..\\admin|x>",
    "VEN1-000079%2F..%2Fadmin",
    "be2dde82-493c-44f8-9118-e468b5c1c732/../../admin?x=1#y",
];

#[tokio::test]
async fn only_validated_ids_reach_xalantis_paths() {
    let bot = spawn_bot(&[("TICKET_PREFIXES", "VEN1")]).await;
    for text in TRAVERSALS {
        bot.say(text);
        let options = json!([{"name": "id", "type": 3, "value": text}]);
        let command = bot
            .discord
            .slash_command("ticket", options, CHANNEL, &alice());
        wait_answered(&bot.discord, command.id).await;
    }
    let calls = bot.xalantis.calls();
    assert!(!calls.is_empty(), "the valid ids inside were looked up");
    for call in calls {
        let path = call.path.as_str();
        let uuid = path.strip_prefix("/api/tickets/");
        let valid_uuid = uuid.is_some_and(|u| {
            u.len() == 36 && u.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        });
        assert!(path == "/api/tickets" || valid_uuid, "path {path}");
        if let Some(search) = call.param("search") {
            let (prefix, number) = search.split_once('-').unwrap_or_default();
            let is_reference = prefix.bytes().all(|b| b.is_ascii_alphanumeric())
                && number.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            assert!(is_reference && !number.is_empty(), "search {search:?}");
        }
    }
}
