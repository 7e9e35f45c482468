//! The events of a run, built before the clock starts: MESSAGE_CREATE payloads shaped like the
//! fake Discord's own (`payloads::message`, guild channel with a partial member), chat text of
//! 3 to 40 words, a given share naming one ticket `VEN1-{n:06}` of the fake's sample set.

use serde_json::{Value, json};
use xalantis_fakes::discord::{GUILD_ID, check_dispatch};

/// Text that makes a consumer answer although it reads nothing else (see `consumer`).
pub const SENTINEL: &str = "loadgen-sentinel";

/// Chat vocabulary: mostly plain words, some with dashes, digits, colons, accents, other
/// scripts and emoji (as in `benches/detect.rs`), none of them a ticket mention.
const WORDS: &str = "\
the a to is it and of for on in that this we you i can be will have not with are was just \
deploy done check login page customer says still fails after reset thanks please yes no ok okay \
looks good fine now today tomorrow morning afternoon meeting call team update status issue bug \
fix fixed release build test tests staging prod server client user users account password email \
invoice refund order payment export report dashboard settings permission access error timeout \
merci bonjour problème connexion depuis ce matin on regarde ça demain à lundi facture client \
Grüße danke bitte heute Привет спасибо よろしく 谢谢 👍 🎉 🙏 😅 lunch? 3pm 10:30 v2.4.1 ASAP SLA \
follow-up e-mail re-opened 2026-03-14 UTF-8 SHA-256";

/// First channel id of a run; channels are `FIRST_CHANNEL .. FIRST_CHANNEL + channels`.
pub const FIRST_CHANNEL: u64 = 7_100_000_000_000_001;
/// First author id; 50 authors take turns.
const FIRST_AUTHOR: u64 = 5_100_000_000_000_001;
const AUTHORS: u64 = 50;

/// One event to inject.
#[derive(Debug, Clone)]
pub struct Event {
    /// The message id (the reply's `message_reference`).
    pub id: u64,
    /// The ticket it names, if any.
    pub ticket: Option<u64>,
    /// The MESSAGE_CREATE `d`, as JSON text.
    pub d: String,
}

/// A small deterministic generator (64-bit LCG), so every run injects the same events.
pub struct Lcg(u64);

impl Lcg {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Share of messages naming a ticket (0 to 1).
    pub mention_share: f64,
    /// Tickets `1..=tickets` are named.
    pub tickets: u64,
    /// Channels the messages are spread over.
    pub channels: u64,
}

/// Builds `count` events with ids from `next_id`.
pub fn events(
    count: usize,
    shape: Shape,
    next_id: &mut impl FnMut() -> u64,
    rng: &mut Lcg,
) -> Vec<Event> {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let timestamp = serenity::model::Timestamp::now().to_string();
    let per_million = share_per_million(shape.mention_share);
    (0..count)
        .map(|i| {
            let ticket = (rng.below(1_000_000) < per_million).then(|| 1 + rng.below(shape.tickets));
            let content = chat_text(rng, &words, ticket);
            let channel = FIRST_CHANNEL + (i as u64 % shape.channels.max(1));
            let id = next_id();
            let author = FIRST_AUTHOR + rng.below(AUTHORS);
            Event {
                id,
                ticket,
                d: message(id, channel, author, &content, &timestamp).to_string(),
            }
        })
        .collect()
}

/// Messages naming `ticket`, one per id, in `channel` (the burst and warm-up phases).
pub fn naming(ticket: u64, ids: &[u64], channel: u64) -> Vec<Event> {
    let timestamp = serenity::model::Timestamp::now().to_string();
    let content = format!("anyone on {}? customer waiting", reference(ticket));
    ids.iter()
        .map(|&id| Event {
            id,
            ticket: Some(ticket),
            d: message(id, channel, FIRST_AUTHOR, &content, &timestamp).to_string(),
        })
        .collect()
}

/// The sentinel message: a consumer answers it once it has read everything before it.
pub fn sentinel(id: u64, ticket: u64) -> Event {
    let timestamp = serenity::model::Timestamp::now().to_string();
    let content = format!("{SENTINEL} {}", reference(ticket));
    Event {
        id,
        ticket: Some(ticket),
        d: message(id, FIRST_CHANNEL, FIRST_AUTHOR, &content, &timestamp).to_string(),
    }
}

/// The reference of sample ticket `n` (`xalantis_fakes::xalantis::sample_ticket`).
pub fn reference(n: u64) -> String {
    format!("VEN1-{n:06}")
}

/// Checks one payload of each kind against serenity's models (the bulk path does not).
pub fn check(events: &[Event]) -> anyhow::Result<()> {
    let plain = events.iter().find(|e| e.ticket.is_none());
    let named = events.iter().find(|e| e.ticket.is_some());
    for event in plain.into_iter().chain(named) {
        let d: Value = serde_json::from_str(&event.d)?;
        check_dispatch("MESSAGE_CREATE", &d).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

fn share_per_million(share: f64) -> u64 {
    let clamped = share.clamp(0.0, 1.0) * 1_000_000.0;
    format!("{clamped:.0}").parse().unwrap_or(0)
}

fn chat_text(rng: &mut Lcg, words: &[&str], ticket: Option<u64>) -> String {
    let count = 3 + rng.below(38);
    let mut text: Vec<String> = (0..count)
        .map(|_| words[usize::try_from(rng.below(words.len() as u64)).unwrap_or(0)].to_owned())
        .collect();
    if let Some(n) = ticket {
        let at = usize::try_from(rng.below(text.len() as u64)).unwrap_or(0);
        text.insert(at, reference(n));
    }
    text.join(" ")
}

fn message(id: u64, channel: u64, author: u64, content: &str, timestamp: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "guild_id": GUILD_ID.to_string(),
        "author": {"id": author.to_string(), "username": format!("user{author}"), "global_name": "User",
            "discriminator": "0", "avatar": null, "bot": false},
        "member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
        "content": content,
        "timestamp": timestamp,
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
    })
}
