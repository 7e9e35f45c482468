//! Which reply answers which source message, so edits and deletes of the source are followed,
//! buttons find their card's owner and live cards know what to re-check. Kept in memory for
//! 24 hours (bounded) and written behind to the store, so a restart loses nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::live::Fingerprint;
use crate::recent::Recent;
use crate::store::{BindingRecord, PLATFORM_DISCORD, StoreWriter};

/// How long a reply follows its source message.
pub const BINDING_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most bindings kept in memory (the oldest go first). The newest 10,000 cards, weeks of a busy
/// support desk, cost about 3 MB with their reverse index (`tests/bindings_memory.rs`; 7.6
/// MB in the general cache they were kept in first).
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
    pub fingerprint: Fingerprint,
    /// When the reply was posted (Unix seconds).
    pub created_at: i64,
}

/// Source message id → the bot's reply, and reply → source.
#[derive(Clone)]
pub struct Bindings {
    /// Shared, so that listing the live cards clones pointers under the map's lock, not cards.
    by_source: Recent<u64, Arc<Binding>>,
    /// Reply → source: a plain map, checked against `by_source` on every read, because it does
    /// not see what `by_source` forgets. Entries gone stale are pruned once there are a quarter
    /// more than [`MAX_BINDINGS`]. (A second `Recent` cost 65 bytes more per binding.)
    by_reply: Arc<Mutex<HashMap<u64, u64>>>,
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
            by_reply: Arc::default(),
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
        let reply = binding.reply_id;
        // First the binding, so that pruning below keeps the new reply.
        self.by_source.insert(source, Arc::new(binding));
        if let Some(reply) = reply {
            let mut by_reply = self.replies();
            by_reply.insert(reply, source);
            if by_reply.len() > MAX_BINDINGS + MAX_BINDINGS / 4 {
                by_reply.retain(|reply, source| self.answers(*source, *reply));
            }
        }
    }

    /// Whether `reply` is the live reply to `source`.
    fn answers(&self, source: u64, reply: u64) -> bool {
        self.by_source
            .get(&source)
            .is_some_and(|b| b.reply_id == Some(reply))
    }

    fn replies(&self) -> std::sync::MutexGuard<'_, HashMap<u64, u64>> {
        // Every change leaves the map consistent, so a panic elsewhere cannot corrupt it.
        self.by_reply.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The reply to `source`, if the bot answered it in the last 24 hours.
    pub fn get(&self, source: u64) -> Option<Binding> {
        self.by_source
            .get(&source)
            .filter(|b| now_unix() - b.created_at < ttl_secs())
            .map(Arc::unwrap_or_clone)
    }

    /// The source message a reply answers (while that reply is bound to it).
    pub fn source_of(&self, reply: u64) -> Option<u64> {
        let source = *self.replies().get(&reply)?;
        self.answers(source, reply).then_some(source)
    }

    /// Forgets (and unstores) the reply to `source`, returning it.
    pub fn remove(&self, source: u64) -> Option<Binding> {
        if let Some(store) = &self.store {
            store.delete_binding(PLATFORM_DISCORD, &source.to_string());
        }
        // The reply's entry in `by_reply` stays until pruned: reads check it against
        // `by_source`, and removing it here could race a re-bind of the same reply.
        self.by_source.remove(&source).map(Arc::unwrap_or_clone)
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
        fingerprint: b.fingerprint.to_stored(),
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
        fingerprint: Fingerprint::from_stored(&r.fingerprint),
        created_at: r.created_at,
    };
    Some((r.source_id.parse().ok()?, binding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(reply: Option<u64>) -> Binding {
        Binding {
            channel_id: 7,
            guild_id: Some(1),
            reply_id: reply,
            owner: 3,
            tickets: vec!["00000000-0000-4000-8000-000000000001".to_owned()],
            fingerprint: Fingerprint::from_stored("0123456789abcdef"),
            created_at: now_unix(),
        }
    }

    #[test]
    fn a_reply_finds_its_source_only_while_it_is_the_bound_reply() {
        let bindings = Bindings::default();
        bindings.bind(10, binding(Some(100)));
        assert_eq!(bindings.source_of(100), Some(10));
        // The card was removed with its button: the reply no longer leads anywhere.
        bindings.bind(10, binding(None));
        assert_eq!(bindings.source_of(100), None);
        // A new card for the same source.
        bindings.bind(10, binding(Some(101)));
        assert_eq!(bindings.source_of(101), Some(10));
        assert_eq!(bindings.source_of(100), None);
        assert_eq!(bindings.remove(10).and_then(|b| b.reply_id), Some(101));
        assert_eq!(bindings.source_of(101), None);
        assert_eq!(bindings.source_of(999), None, "never bound");
    }

    #[test]
    fn replies_of_forgotten_bindings_are_pruned_and_the_rest_kept() {
        let bindings = Bindings::default();
        let max = u64::try_from(MAX_BINDINGS).unwrap();
        for source in 0..3 * max {
            bindings.bind(source, binding(Some(1_000_000 + source)));
        }
        let held = bindings.replies().len();
        assert!(
            (MAX_BINDINGS..=MAX_BINDINGS + MAX_BINDINGS / 4 + 1).contains(&held),
            "{held} replies held"
        );
        assert_eq!(
            bindings.source_of(1_000_000),
            None,
            "forgotten with its source"
        );
        for source in [2 * max, 3 * max - 1] {
            assert_eq!(bindings.source_of(1_000_000 + source), Some(source));
        }
    }

    #[test]
    fn bindings_survive_the_store_record() {
        let bound = binding(Some(100));
        let (source, restored) = from_record(to_record(10, &bound)).unwrap();
        assert_eq!((source, restored), (10, bound));
    }
}
