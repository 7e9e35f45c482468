//! Which reply answers which source message, so edits and deletes of the source are followed,
//! buttons find their card's owner and live cards know what to re-check. Kept in memory for
//! 24 hours (bounded) and written behind to the store, so a restart loses nothing.

use std::sync::Arc;
use std::time::Duration;

use crate::recent::Recent;
use crate::store::{BindingRecord, PLATFORM_DISCORD, StoreWriter};

/// How long a reply follows its source message.
pub const BINDING_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most bindings kept in memory (the oldest go first). The newest 10,000 cards, weeks of a busy
/// support desk, cost about 5.2 MB with their reverse index (`tests/bindings_memory.rs`; 7.6
/// MB in the general cache they were kept in before).
pub const MAX_BINDINGS: usize = 10_000;

/// The bot's reply to one source message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Channel of both messages.
    pub channel_id: u64,
    /// Guild, when not a DM.
    pub guild_id: Option<u64>,
    /// The bot's reply; `None` once the card was removed with its Delete button (then edits of
    /// the source don't bring it back).
    pub reply_id: Option<u64>,
    /// Author of the source message.
    pub owner: u64,
    /// UUIDs of the tickets on the card, in order.
    pub tickets: Vec<String>,
    /// What the card showed (see [`super::live::fingerprint`]).
    pub fingerprint: String,
    /// When the reply was posted (Unix seconds).
    pub created_at: i64,
}

/// Source message id → the bot's reply, and reply → source.
#[derive(Clone)]
pub struct Bindings {
    /// Shared, so that listing the live cards clones pointers under the map's lock, not cards.
    by_source: Recent<u64, Arc<Binding>>,
    by_reply: Recent<u64, u64>,
    store: Option<StoreWriter>,
}

impl Default for Bindings {
    fn default() -> Self {
        Self::new(None)
    }
}

impl Bindings {
    /// Empty bindings, written behind to `store` when given.
    pub fn new(store: Option<StoreWriter>) -> Self {
        Self {
            by_source: Recent::new(MAX_BINDINGS, BINDING_TTL),
            by_reply: Recent::new(MAX_BINDINGS, BINDING_TTL),
            store,
        }
    }

    /// Puts back the Discord bindings read from the store at start-up.
    pub fn restore(&self, records: impl IntoIterator<Item = BindingRecord>) {
        for record in records
            .into_iter()
            .filter(|r| r.platform == PLATFORM_DISCORD)
        {
            if let Some((source, binding)) = from_record(record) {
                self.remember(source, binding);
            }
        }
    }

    /// Remembers (and stores) that `binding` answers `source`.
    pub fn bind(&self, source: u64, binding: Binding) {
        if let Some(store) = &self.store {
            store.put_binding(to_record(source, &binding));
        }
        self.remember(source, binding);
    }

    fn remember(&self, source: u64, binding: Binding) {
        if let Some(reply) = binding.reply_id {
            self.by_reply.insert(reply, source);
        }
        self.by_source.insert(source, Arc::new(binding));
    }

    /// The reply to `source`, if the bot answered it in the last 24 hours.
    pub fn get(&self, source: u64) -> Option<Binding> {
        self.by_source
            .get(&source)
            .filter(|b| now_unix() - b.created_at < ttl_secs())
            .map(Arc::unwrap_or_clone)
    }

    /// The source message a reply answers.
    pub fn source_of(&self, reply: u64) -> Option<u64> {
        self.by_reply.get(&reply)
    }

    /// Forgets (and unstores) the reply to `source`, returning it.
    pub fn remove(&self, source: u64) -> Option<Binding> {
        if let Some(store) = &self.store {
            store.delete_binding(PLATFORM_DISCORD, &source.to_string());
        }
        let binding = Arc::unwrap_or_clone(self.by_source.remove(&source)?);
        if let Some(reply) = binding.reply_id {
            self.by_reply.remove(&reply);
        }
        Some(binding)
    }

    /// Every card still live: posted in the last 24 hours and not removed.
    pub fn live(&self) -> Vec<(u64, Binding)> {
        let now = now_unix();
        let mut live = self.by_source.entries();
        live.retain(|(_, b)| b.reply_id.is_some() && now - b.created_at < ttl_secs());
        live.into_iter()
            .map(|(source, binding)| (source, Arc::unwrap_or_clone(binding)))
            .collect()
    }
}

fn ttl_secs() -> i64 {
    i64::try_from(BINDING_TTL.as_secs()).unwrap_or(i64::MAX)
}

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn to_record(source: u64, b: &Binding) -> BindingRecord {
    BindingRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        source_id: source.to_string(),
        channel_id: b.channel_id.to_string(),
        guild_id: b.guild_id.map(|g| g.to_string()),
        reply_id: b.reply_id.map_or_else(String::new, |r| r.to_string()),
        author_id: b.owner.to_string(),
        tickets: b.tickets.clone(),
        fingerprint: b.fingerprint.clone(),
        created_at: b.created_at,
        updated_at: now_unix(),
    }
}

fn from_record(r: BindingRecord) -> Option<(u64, Binding)> {
    let binding = Binding {
        channel_id: r.channel_id.parse().ok()?,
        guild_id: r.guild_id.and_then(|g| g.parse().ok()),
        reply_id: r.reply_id.parse().ok(),
        owner: r.author_id.parse().ok()?,
        tickets: r.tickets,
        fingerprint: r.fingerprint,
        created_at: r.created_at,
    };
    Some((r.source_id.parse().ok()?, binding))
}
