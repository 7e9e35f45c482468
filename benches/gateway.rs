//! The cost of reading one MESSAGE_CREATE frame (criterion): serenity's path against a lean one.
//!
//! `cargo bench --bench gateway` measures, on a frame shaped like the load driver's
//! (`examples/loadgen/corpus.rs`, a chat message without a mention):
//! - `serenity/gateway_event`: what serenity 0.12.5's shard runner does with each frame
//!   (`serenity::json::from_str::<GatewayEvent>`: text → `JsonMap` → `Event` through serde's
//!   buffered `Content`, then `Message`), with or without serenity's `simd_json` feature;
//! - `lean/message_create`: what the bot's own reader does (`discord::gateway::frame::Incoming`,
//!   one pass that reads the payload straight into `discord::gateway::head::MessageHead`: the
//!   ids, author, webhook and content, the rest skipped);
//! - `lean/message_create+detect`: that plus mention detection: the reader's whole per-message
//!   cost for a message without a mention;
//! - `lean/two_pass`: the reader before the one-pass frame: the payload left raw (one scan),
//!   then read again into `MessageHead` (a second scan).
//!
//! The gap between the two is what the bot's own reader saves per event.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serenity::model::event::GatewayEvent;
use url::Url;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector};
use xalantis_bot::discord::gateway::frame::{Incoming, Op};
use xalantis_bot::discord::gateway::head::MessageHead;

/// A MESSAGE_CREATE frame as the fake Discord sends it (guild channel, partial member).
fn frame() -> String {
    let d = serde_json::json!({
        "id": "1384072960294584321",
        "channel_id": "7100000000000001",
        "guild_id": "1100000000000000003",
        "author": {"id": "5100000000000017", "username": "user5100000000000017", "global_name": "User",
            "discriminator": "0", "avatar": null, "bot": false},
        "member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
        "content": "deploy done on staging, customer says login page still fails after reset 👍 merci",
        "timestamp": "2026-11-28T10:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    format!(r#"{{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{d}}}"#)
}

/// The bot's reader on one frame: the frame and the fields of its MESSAGE_CREATE payload.
fn lean_read(text: &str) -> Option<(Incoming<'_>, MessageHead<'_>)> {
    let mut frame = Incoming::parse(text).ok()?;
    let head = frame.message.take()?;
    Some((frame, head))
}

/// The reader before the one-pass frame, for comparison.
fn two_pass_read(text: &str) -> Option<MessageHead<'_>> {
    #[derive(serde::Deserialize)]
    struct RawFrame<'a> {
        #[serde(rename = "op")]
        _op: u8,
        #[serde(default, rename = "s")]
        _s: Option<u64>,
        #[serde(default, borrow, rename = "t")]
        _t: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        d: &'a serde_json::value::RawValue,
    }
    let frame: RawFrame<'_> = serde_json::from_str(text).ok()?;
    serde_json::from_str(frame.d.get()).ok()
}

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").expect("a valid URL"),
        max_tickets: 5,
    })
    .expect("the default pattern compiles")
}

fn read_frame(c: &mut Criterion) {
    let text = frame();
    let detector = detector();
    let parsed: GatewayEvent =
        serenity::json::from_str(text.as_str()).expect("serenity reads the frame");
    assert!(
        matches!(parsed, GatewayEvent::Dispatch(42, _)),
        "{parsed:?}"
    );
    let (lean, head) = lean_read(&text).expect("the bot's reader reads the frame");
    assert_eq!(
        (lean.op, lean.s, lean.t.as_deref()),
        (Op::DISPATCH, Some(42), Some("MESSAGE_CREATE"))
    );
    assert!(!head.author.bot && head.webhook_id.is_none() && head.guild_id.is_some());
    c.bench_function("serenity/gateway_event", |b| {
        b.iter(|| {
            black_box(serenity::json::from_str::<GatewayEvent>(black_box(text.as_str())).is_ok())
        });
    });
    c.bench_function("lean/message_create", |b| {
        b.iter(|| black_box(lean_read(black_box(&text)).is_some()));
    });
    assert!(two_pass_read(&text).is_some());
    c.bench_function("lean/two_pass", |b| {
        b.iter(|| black_box(two_pass_read(black_box(&text)).is_some()));
    });
    c.bench_function("lean/message_create+detect", |b| {
        b.iter(|| {
            let (_, head) = lean_read(black_box(&text)).expect("a frame");
            black_box(detector.find_ticket_mentions(&head.content).len())
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = read_frame
}
criterion_main!(benches);
