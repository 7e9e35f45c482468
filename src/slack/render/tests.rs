use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::card::{CardOptions, ShowRequester, layout_for, ticket_card};
use crate::xalantis::Ticket;

fn example_ticket() -> Ticket {
    let json = serde_json::from_str(include_str!(
        "../../../tests/fixtures/get-ticket-example.json"
    ))
    .unwrap();
    Ticket::from_response(&json).unwrap()
}

fn example() -> Card {
    ticket_card(
        &example_ticket(),
        &CardOptions::default(),
        datetime!(2026-01-13 00:00 UTC),
    )
}

fn json_of(cards: &SlackCards) -> Value {
    serde_json::to_value(&cards.blocks).unwrap()
}

fn blocks_of(cards: &[Card], buttons: Buttons<'_>) -> Value {
    json_of(&card_blocks(cards, layout_for(cards.len(), false), buttons))
}

fn field_texts(blocks: &Value) -> Vec<String> {
    let sections = blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "section");
    sections
        .flat_map(|s| s["fields"].as_array().cloned().unwrap_or_default())
        .map(|f| f["text"].as_str().unwrap().to_owned())
        .collect()
}

fn action_elements(blocks: &Value) -> Vec<Value> {
    blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap()["elements"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn one_ticket_gets_a_header_four_fields_a_context_line_and_two_buttons() {
    let blocks = blocks_of(&[example()], Buttons::Public);
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(
        blocks[0]["text"]["text"],
        "VEN1-000079 · Problème connexion"
    );
    let fields = field_texts(&blocks);
    assert_eq!(
        fields[..3],
        [
            "*Status*\nOpen",
            "*Priority*\n🟡 Medium",
            "*Assignee*\nSupport Agent"
        ]
    );
    assert!(
        fields[3].starts_with("*Due*\n<!date^1768384800^{date_short_pretty} {time}|2026-01-14 "),
        "{}",
        fields[3]
    );
    let context = blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "context")
        .unwrap()
        .to_string();
    assert!(
        context.contains("Technique") && context.contains("`Bug`"),
        "{context}"
    );
    let buttons = action_elements(&blocks);
    assert_eq!(
        buttons[0]["url"],
        "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732"
    );
    assert_eq!(
        (&buttons[1]["action_id"], &buttons[1]["value"]),
        (
            &json!(REFRESH_ACTION),
            &json!("be2dde82-493c-44f8-9118-e468b5c1c732")
        )
    );
    assert_eq!(buttons.len(), 2);
}

#[test]
fn an_ephemeral_answer_has_a_share_button_and_a_preview_refreshes_its_url() {
    let ephemeral = action_elements(&blocks_of(&[example()], Buttons::Ephemeral));
    assert_eq!(ephemeral.last().unwrap()["action_id"], SHARE_ACTION);
    let url = "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732";
    let unfurl = action_elements(&blocks_of(&[example()], Buttons::Unfurl(url)));
    assert_eq!(
        (&unfurl[1]["action_id"], &unfurl[1]["value"]),
        (&json!(REFRESH_UNFURL_ACTION), &json!(url))
    );
}

#[test]
fn more_tickets_get_compact_cards_then_a_list() {
    let cards: Vec<Card> = (1..=4)
        .map(|n| Card {
            uuid: format!("u{n}"),
            reference: format!("VEN1-{n}"),
            ..example()
        })
        .collect();
    let compact = blocks_of(&cards[..2], Buttons::Public);
    assert_eq!(
        compact
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "divider")
            .count(),
        1
    );
    assert_eq!(
        action_elements(&compact).len(),
        3,
        "two Open buttons and Refresh"
    );
    assert_eq!(action_elements(&compact)[2]["value"], "u1 u2");
    let list = blocks_of(&cards, Buttons::Public);
    assert_eq!(list[0]["text"]["text"], "4 tickets");
    let lines = list[1]["text"]["text"].as_str().unwrap();
    assert_eq!(lines.lines().count(), 4);
    assert!(lines.starts_with("• <https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732|VEN1-1> Problème connexion — Open"), "{lines}");
}

#[test]
fn ticket_text_can_neither_ping_nor_link() {
    let mut card = example();
    let hostile =
        "<!channel> <!here> <@U123> <!subteam^S1|ops> @everyone & <http://evil.example|click>";
    card.title = hostile.to_owned();
    card.subject = hostile.to_owned();
    card.excerpt = Some(hostile.to_owned());
    card.assignee = Some(hostile.to_owned());
    card.tags = vec![hostile.to_owned()];
    for layout in [Layout::Full, Layout::Compact, Layout::List] {
        let cards = card_blocks(&[card.clone(), card.clone()], layout, Buttons::Ephemeral);
        let text = format!("{} {}", json_of(&cards), cards.text);
        for ping in [
            "<!channel",
            "<!here",
            "<@U",
            "<!subteam",
            "<http://evil",
            "@everyone",
            "@here",
        ] {
            assert!(!text.contains(ping), "{ping} in {layout:?}: {text}");
        }
    }
}

#[test]
fn an_oversized_ticket_stays_within_every_limit_in_every_layout() {
    let mut ticket = example_ticket();
    ticket.subject = "S".repeat(400);
    ticket.description = Some("word & <b> ".repeat(2000));
    ticket.tags = (0..60)
        .map(|i| format!("tag-{i}-{}", "t".repeat(60)))
        .collect();
    ticket.category = Some("c".repeat(5000));
    ticket.status = "s".repeat(5000);
    let options = CardOptions {
        show_requester: ShowRequester::Full,
        ..CardOptions::default()
    };
    let card = ticket_card(&ticket, &options, datetime!(2026-01-13 00:00 UTC));
    for count in [1, 3, 10] {
        let cards = vec![card.clone(); count];
        let message = card_blocks(&cards, layout_for(count, false), Buttons::Ephemeral);
        assert_within_limits(&json_of(&message));
        assert!(
            block_text_len(&message.blocks) <= MESSAGE_TEXT_BUDGET,
            "{count}: {}",
            block_text_len(&message.blocks)
        );
        assert!(slack_len(&message.text) <= FALLBACK_TEXT_LIMIT);
    }
}

fn assert_within_limits(blocks: &Value) {
    let blocks = blocks.as_array().unwrap();
    assert!(blocks.len() <= MAX_BLOCKS);
    for block in blocks {
        let text_len = |v: &Value| slack_len(v["text"].as_str().unwrap_or_default());
        match block["type"].as_str().unwrap() {
            "header" => assert!(text_len(&block["text"]) <= HEADER_TEXT_LIMIT),
            "section" => {
                assert!(text_len(&block["text"]) <= SECTION_TEXT_LIMIT);
                let fields = block["fields"].as_array().cloned().unwrap_or_default();
                assert!(
                    fields.len() <= SECTION_FIELDS_LIMIT
                        && fields.iter().all(|f| text_len(f) <= FIELD_TEXT_LIMIT)
                );
            }
            "context" => {
                let elements = block["elements"].as_array().unwrap();
                assert!(
                    elements.len() <= CONTEXT_ELEMENTS_LIMIT
                        && elements.iter().all(|e| text_len(e) <= TEXT_OBJECT_LIMIT)
                );
            }
            "actions" => {
                for button in block["elements"].as_array().unwrap() {
                    assert!(text_len(&button["text"]) <= BUTTON_TEXT_LIMIT);
                    assert!(
                        slack_len(button["value"].as_str().unwrap_or_default())
                            <= BUTTON_VALUE_LIMIT
                    );
                    assert!(slack_len(button["action_id"].as_str().unwrap()) <= ACTION_ID_LIMIT);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn requester_contact_data_is_shown_only_when_the_card_carries_it() {
    let hidden = blocks_of(&[example()], Buttons::Public).to_string();
    assert!(!hidden.contains("user@example.com") && !hidden.contains("John Doe"));
    let options = CardOptions {
        show_requester: ShowRequester::Full,
        ..CardOptions::default()
    };
    let full = ticket_card(&example_ticket(), &options, datetime!(2026-01-13 00:00 UTC));
    assert!(
        blocks_of(&[full], Buttons::Public)
            .to_string()
            .contains("user@example.com")
    );
}

#[test]
fn an_overdue_ticket_says_so_next_to_the_date() {
    let card = ticket_card(
        &example_ticket(),
        &CardOptions::default(),
        datetime!(2026-02-01 00:00 UTC),
    );
    assert!(due_value(card.due.as_ref().unwrap()).starts_with("⚠️ *Overdue* · <!date^1768384800^"));
}
