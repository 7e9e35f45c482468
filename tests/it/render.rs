//! Card → Discord embed: every field, every limit, escaping.

use serde_json::{Value, json};
use time::macros::datetime;
use xalantis_bot::card::{CardOptions, ticket_card};
use xalantis_bot::discord::render::{
    DESCRIPTION_LIMIT, EMBEDS_PER_MESSAGE, Embed, FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT,
    FIELDS_LIMIT, FOOTER_LIMIT, MESSAGE_EMBEDS_TOTAL_LIMIT, TITLE_LIMIT, discord_len,
    escape_markdown, fit_embeds, to_discord_embed, to_list_embed,
};
use xalantis_bot::xalantis::Ticket;

fn example_json() -> Value {
    serde_json::from_str(include_str!("../fixtures/get-ticket-example.json")).unwrap()
}

fn embed_of(json: &Value) -> Embed {
    let ticket = Ticket::from_response(json).unwrap();
    to_discord_embed(&ticket_card(
        &ticket,
        &CardOptions::default(),
        datetime!(2026-01-13 00:00 UTC),
    ))
}

fn field<'a>(embed: &'a Embed, name: &str) -> &'a str {
    &embed
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .value
}

/// Asserts every per-embed and per-message limit Discord enforces.
pub fn assert_within_limits(embeds: &[Embed]) {
    assert!(embeds.len() <= EMBEDS_PER_MESSAGE);
    let total: usize = embeds.iter().map(Embed::counted_len).sum();
    assert!(
        total <= MESSAGE_EMBEDS_TOTAL_LIMIT,
        "{total} characters across embeds"
    );
    for e in embeds {
        assert!(discord_len(&e.title) <= TITLE_LIMIT);
        assert!(e.description.as_deref().map_or(0, discord_len) <= DESCRIPTION_LIMIT);
        assert!(e.fields.len() <= FIELDS_LIMIT);
        assert!(e.footer.as_ref().map_or(0, |f| discord_len(&f.text)) <= FOOTER_LIMIT);
        for f in &e.fields {
            assert!(discord_len(&f.name) <= FIELD_NAME_LIMIT && !f.name.is_empty());
            assert!(discord_len(&f.value) <= FIELD_VALUE_LIMIT && !f.value.trim().is_empty());
        }
    }
}

#[test]
fn the_documented_example_gives_a_card_with_every_field() {
    let embed = embed_of(&example_json());
    assert_eq!(embed.title, "VEN1-000079 · Problème connexion");
    assert_eq!(
        embed.url,
        "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732"
    );
    assert_eq!(field(&embed, "Status"), "Open");
    assert_eq!(field(&embed, "Priority"), "🟡 Medium");
    assert_eq!(field(&embed, "Assignee"), "Support Agent");
    assert_eq!(field(&embed, "Due"), "<t:1768384800:f> (<t:1768384800:R>)");
    assert_eq!(field(&embed, "Category"), "Technique");
    assert_eq!(field(&embed, "Tags"), "Bug");
    assert_eq!(
        embed.description.as_deref(),
        Some("Description détaillée...")
    );
    assert_eq!(embed.timestamp.as_deref(), Some("2026-01-12T13:55:28Z"));
    assert!(embed.footer.unwrap().text.contains("created 2026-01-12"));
}

#[test]
fn requester_contact_data_is_not_on_the_default_card() {
    let text = serde_json::to_string(&embed_of(&example_json())).unwrap();
    assert!(
        !text.contains("user@example.com")
            && !text.contains("+33612345678")
            && !text.contains("John Doe")
    );
}

#[test]
fn an_oversized_ticket_gives_a_valid_embed() {
    let tags: Vec<String> = (0..40)
        .map(|i| format!("tag-number-{i}-{}", "x".repeat(30)))
        .collect();
    let huge = json!({"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732", "reference": "VEN1-000080",
        "subject": "S".repeat(300), "description": "d ".repeat(3000), "status": "escalated_to_vendor",
        "priority": "p0", "tags": tags, "assignee": null, "due_at": null});
    let embed = embed_of(&huge);
    assert_within_limits(std::slice::from_ref(&embed));
    assert_eq!(field(&embed, "Assignee"), "Unassigned");
    assert_eq!(field(&embed, "Due"), "No due date");
    assert_eq!(field(&embed, "Status"), "Escalated to vendor");
    assert!(embed.title.ends_with('…'));
}

#[test]
fn ten_large_cards_fit_in_one_message() {
    let big = json!({"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732", "reference": "VEN1-000081",
        "subject": "S".repeat(300), "description": "d".repeat(6000), "status": "open",
        "tags": (0..40).map(|i| format!("t{i}{}", "y".repeat(20))).collect::<Vec<_>>(), "category": {"name": "C".repeat(500)}});
    let embeds = fit_embeds(vec![embed_of(&big); 15]);
    assert_eq!(embeds.len(), EMBEDS_PER_MESSAGE);
    assert_within_limits(&embeds);
    assert!(
        embeds.iter().all(|e| e.fields.len() >= 4),
        "status, priority, assignee and due survive"
    );
}

#[test]
fn a_long_list_keeps_its_lines_whole_and_counts_what_did_not_fit() {
    let options = CardOptions {
        link_template: Some("https://support.example.com/t/{reference}".to_owned()),
        ..CardOptions::default()
    };
    let card = |reference: String| {
        let json = json!({"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732", "reference": reference,
            "subject": "S".repeat(300), "status": "open", "priority": "high",
            "assignee": {"name": "A".repeat(500)}, "due_at": "2026-01-14T10:00:00Z"});
        let ticket = Ticket::from_response(&json).unwrap();
        ticket_card(&ticket, &options, datetime!(2026-01-13 00:00 UTC))
    };
    // The first reference makes a 4,500-character link (each newline is `%0A`); the other
    // lines are long enough that not all twelve fit in one description.
    let mut cards = vec![card(format!("VEN1-{}", "\n".repeat(1500)))];
    cards.extend((1..12).map(|i| card(format!("VEN1-{i:06}-{}", "r".repeat(300)))));
    let embed = to_list_embed(&cards);
    assert_within_limits(std::slice::from_ref(&embed));
    let description = embed.description.unwrap();
    let lines: Vec<&str> = description.split('\n').filter(|l| !l.is_empty()).collect();
    let (last, shown) = lines.split_last().unwrap();
    assert!(
        last.starts_with("… and ") && last.ends_with(" more"),
        "{last}"
    );
    assert!(
        shown.len() > 1 && shown.len() < 12,
        "{} lines shown",
        shown.len()
    );
    for line in shown {
        assert!(line.ends_with(":R>"), "a line cut short: {line}");
    }
    assert!(
        !description.contains("%0A"),
        "the oversized link is left out"
    );
    assert!(shown[1].starts_with("[VEN1-000001-"), "{}", shown[1]);
}

#[test]
fn ticket_text_cannot_form_links_mentions_or_formatting() {
    assert_eq!(
        escape_markdown("[click](http://evil.example)"),
        r"\[click\](http://evil.example)"
    );
    assert_eq!(
        escape_markdown("@everyone @here"),
        "@\u{200B}everyone @\u{200B}here"
    );
    assert_eq!(
        escape_markdown("<@&123> <@42>"),
        "\\<@\u{200B}&123> \\<@\u{200B}42>"
    );
    assert_eq!(escape_markdown("||spoiler||"), r"\|\|spoiler\|\|");
    assert_eq!(
        escape_markdown("`code` **bold** _it_ ~~s~~"),
        r"\`code\` \*\*bold\*\* \_it\_ \~\~s\~\~"
    );
    assert_eq!(
        escape_markdown("# Heading\n- item\n> quote"),
        "\\# Heading\n\\- item\n\\> quote"
    );
}

#[test]
fn a_hostile_subject_is_escaped_on_the_card() {
    let mut json = example_json();
    json["ticket"]["subject"] = json!("@everyone [click](http://evil.example) <@&123>");
    let embed = embed_of(&json);
    assert!(
        !embed.title.contains("@everyone")
            && !embed.title.contains("[click]")
            && !embed.title.contains("<@&")
    );
}
