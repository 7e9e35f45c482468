//! Unit tests of card building over the documented `GET /tickets/{uuid}` example: fields, overdue
//! state, requester visibility, link templates, layouts and truncation.

use super::*;
use time::macros::datetime;

fn example() -> Ticket {
    let json =
        serde_json::from_str(include_str!("../../tests/fixtures/get-ticket-example.json")).unwrap();
    Ticket::from_response(&json).unwrap()
}

#[test]
fn the_documented_example_gives_every_field() {
    let card = ticket_card(
        &example(),
        &CardOptions::default(),
        datetime!(2026-01-13 00:00 UTC),
    );
    assert_eq!(card.title, "VEN1-000079 · Problème connexion");
    assert_eq!(
        (card.status.as_str(), card.priority.as_deref()),
        ("Open", Some("Medium"))
    );
    assert_eq!(card.assignee.as_deref(), Some("Support Agent"));
    assert_eq!(card.category.as_deref(), Some("Technique"));
    assert_eq!(card.tags, ["Bug"]);
    assert!(!card.due.unwrap().overdue);
    assert_eq!(card.excerpt.as_deref(), Some("Description détaillée..."));
    assert!(card.created_at.is_some() && card.updated_at.is_some());
    assert_eq!(card.tone, Tone::Open);
}

#[test]
fn a_past_due_open_ticket_is_overdue_and_alarming() {
    let card = ticket_card(
        &example(),
        &CardOptions::default(),
        datetime!(2026-02-01 00:00 UTC),
    );
    assert!(card.due.unwrap().overdue);
    assert_eq!(card.tone, Tone::Alarm);
}

#[test]
fn a_resolved_ticket_is_never_overdue() {
    let mut ticket = example();
    ticket.status = "resolved".into();
    let card = ticket_card(
        &ticket,
        &CardOptions::default(),
        datetime!(2026-02-01 00:00 UTC),
    );
    assert!(!card.due.unwrap().overdue);
    assert_eq!(card.tone, Tone::Done);
}

#[test]
fn requester_contact_data_needs_full_visibility() {
    let now = datetime!(2026-01-13 00:00 UTC);
    let mut options = CardOptions::default();
    assert_eq!(ticket_card(&example(), &options, now).requester, None);
    options.show_requester = ShowRequester::Name;
    let named = ticket_card(&example(), &options, now).requester.unwrap();
    assert_eq!(
        (named.name.as_deref(), named.email, named.phone),
        (Some("John Doe"), None, None)
    );
    options.show_requester = ShowRequester::Full;
    let full = ticket_card(&example(), &options, now).requester.unwrap();
    assert_eq!(full.email.as_deref(), Some("user@example.com"));
}

#[test]
fn a_link_template_can_use_the_reference() {
    let options = CardOptions {
        link_template: Some("https://s.example/t/{reference}".into()),
        ..CardOptions::default()
    };
    let card = ticket_card(&example(), &options, datetime!(2026-01-13 00:00 UTC));
    assert_eq!(card.url, "https://s.example/t/VEN1-000079");
}

#[test]
fn ticket_data_is_percent_encoded_in_links() {
    let mut ticket = example();
    ticket.uuid = "x) [click](http://evil.example) <@1>".into();
    ticket.reference = "A/../B".into();
    assert_eq!(
        ticket_url(&ticket, &CardOptions::default()),
        "https://app.xalantis.com/tickets/x%29%20%5Bclick%5D%28http%3A%2F%2Fevil%2Eexample%29%20%3C%401%3E"
    );
    let options = CardOptions {
        link_template: Some("https://s.example/t/{reference}".into()),
        ..CardOptions::default()
    };
    assert_eq!(
        ticket_url(&ticket, &options),
        "https://s.example/t/A%2F%2E%2E%2FB"
    );
}

#[test]
fn unknown_statuses_are_kept_as_text() {
    let mut ticket = example();
    ticket.status = "awaiting_vendor".into();
    let card = ticket_card(
        &ticket,
        &CardOptions::default(),
        datetime!(2026-01-13 00:00 UTC),
    );
    assert_eq!(
        (card.status.as_str(), card.tone),
        ("Awaiting vendor", Tone::Unknown)
    );
}

#[test]
fn details_show_the_requester_name_but_contact_data_only_with_full_visibility() {
    let now = datetime!(2026-01-13 00:00 UTC);
    let details = ticket_details(&example(), &CardOptions::default(), now);
    let requester = details.requester.unwrap();
    assert_eq!(
        (requester.name.as_deref(), requester.email, requester.phone),
        (Some("John Doe"), None, None)
    );
    assert_eq!(
        details.custom_fields,
        [("os_version".to_owned(), "14.2".to_owned())]
    );
    let full = CardOptions {
        show_requester: ShowRequester::Full,
        ..CardOptions::default()
    };
    assert!(
        ticket_details(&example(), &full, now)
            .requester
            .unwrap()
            .email
            .is_some()
    );
}

#[test]
fn more_tickets_get_denser_layouts() {
    assert_eq!(layout_for(1, false), Layout::Full);
    assert_eq!(layout_for(1, true), Layout::Compact);
    assert_eq!(layout_for(2, false), Layout::Compact);
    assert_eq!(layout_for(3, false), Layout::Compact);
    assert_eq!(layout_for(4, false), Layout::List);
    assert_eq!(layout_for(10, true), Layout::List);
}

#[test]
fn long_descriptions_are_cut_on_a_character_boundary() {
    let long = "é".repeat(1000);
    let cut = excerpt(&long).unwrap();
    assert_eq!(cut.chars().count(), EXCERPT_CHARS);
    assert!(cut.ends_with('…'));
}
