//! Card building and rendering per ticket (criterion).
//!
//! `cargo bench --bench render` measures, per ticket of the documented example shape:
//! - `ticket/parse`: the Xalantis JSON answer → `Ticket` (paid once per cache miss);
//! - `card/build`: `Ticket` → platform-neutral `Card` (`ticket_card`);
//! - `discord/embeds`: cards → Discord embeds (`embeds_for`), for 1 card (full), 3 (compact)
//!   and 5 (one list);
//! - `discord/message_json`: the whole reply as sent: embeds and buttons (`card_message`), the
//!   `CreateMessage` builder and its JSON body;
//! - `slack/blocks`: cards → Block Kit (`card_blocks`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serenity::all::{ChannelId, CreateMessage, MessageId};
use time::OffsetDateTime;
use xalantis_bot::card::{Card, CardOptions, Layout, layout_for, ticket_card};
use xalantis_bot::discord::render::embeds_for;
use xalantis_bot::discord::reply::{card_message, no_pings};
use xalantis_bot::slack::render::{Buttons, card_blocks};
use xalantis_bot::xalantis::Ticket;

const EXAMPLE: &str = include_str!("../tests/fixtures/get-ticket-example.json");

fn response() -> serde_json::Value {
    serde_json::from_str(EXAMPLE).expect("the example is JSON")
}

fn cards(count: usize) -> Vec<Card> {
    let ticket = Ticket::from_response(&response()).expect("the example is a ticket");
    let now = OffsetDateTime::now_utc();
    (0..count)
        .map(|n| {
            let mut card = ticket_card(&ticket, &CardOptions::default(), now);
            card.reference = format!("VEN1-{:06}", 79 + n);
            card
        })
        .collect()
}

fn build(c: &mut Criterion) {
    let body = response();
    let ticket = Ticket::from_response(&body).expect("the example is a ticket");
    let options = CardOptions::default();
    let now = OffsetDateTime::now_utc();
    c.bench_function("ticket/parse", |b| {
        b.iter(|| black_box(Ticket::from_response(black_box(&body))));
    });
    c.bench_function("card/build", |b| {
        b.iter(|| black_box(ticket_card(black_box(&ticket), &options, now)));
    });
}

fn discord(c: &mut Criterion) {
    let mut group = c.benchmark_group("discord");
    for count in [1, 3, 5] {
        let cards = cards(count);
        let layout = layout_for(count, false);
        group.bench_with_input(BenchmarkId::new("embeds", count), &cards, |b, cards| {
            b.iter(|| black_box(embeds_for(black_box(cards), layout)));
        });
        group.bench_with_input(
            BenchmarkId::new("message_json", count),
            &cards,
            |b, cards| {
                b.iter(|| black_box(message_json(black_box(cards))));
            },
        );
    }
    group.finish();
}

/// The reply body exactly as `messages.rs` builds it, serialized.
fn message_json(cards: &[Card]) -> Vec<u8> {
    let body = card_message(cards, Some(5_000_000_000_000_001), false);
    let create = CreateMessage::new()
        .allowed_mentions(no_pings())
        .reference_message((ChannelId::new(7), MessageId::new(8)))
        .embeds(body.embeds)
        .components(body.components);
    serde_json::to_vec(&create).expect("a message serializes")
}

fn slack(c: &mut Criterion) {
    let mut group = c.benchmark_group("slack");
    for count in [1, 3, 5] {
        let cards = cards(count);
        let layout: Layout = layout_for(count, false);
        group.bench_with_input(BenchmarkId::new("blocks", count), &cards, |b, cards| {
            b.iter(|| black_box(card_blocks(black_box(cards), layout, Buttons::Public)));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = build, discord, slack
}
criterion_main!(benches);
