//! Which reply answers which source message, so edits and deletes of the source are followed.
//! Kept in memory, bounded, for 24 hours.

use std::time::Duration;

use moka::sync::Cache;
use serenity::all::{ChannelId, MessageId};

/// How long a reply follows its source message.
pub const BINDING_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most bindings kept (the oldest go first).
pub const MAX_BINDINGS: u64 = 100_000;

/// The bot's reply to one source message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Channel of both messages.
    pub channel_id: ChannelId,
    /// The bot's reply.
    pub reply_id: MessageId,
}

/// Source message id → the bot's reply.
#[derive(Clone)]
pub struct Bindings(Cache<MessageId, Binding>);

impl Default for Bindings {
    fn default() -> Self {
        Self(Cache::builder().max_capacity(MAX_BINDINGS).time_to_live(BINDING_TTL).build())
    }
}

impl Bindings {
    /// Remembers that `binding` answers `source`.
    pub fn bind(&self, source: MessageId, binding: Binding) {
        self.0.insert(source, binding);
    }

    /// The reply to `source`, if the bot answered it in the last 24 hours.
    pub fn get(&self, source: MessageId) -> Option<Binding> {
        self.0.get(&source)
    }

    /// Forgets the reply to `source`, returning it.
    pub fn remove(&self, source: MessageId) -> Option<Binding> {
        self.0.remove(&source)
    }
}
