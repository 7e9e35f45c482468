//! Which thread card answers which source message, so edits and deletes of the source are
//! followed. Kept in memory, bounded, for 24 hours.

use std::time::Duration;

use crate::recent::Recent;

/// How long a card follows its source message.
pub const BINDING_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most bindings kept (the oldest go first).
pub const MAX_BINDINGS: usize = 10_000;

/// A message: its channel and `ts`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageKey {
    /// Channel id (`C…`, `G…`, `D…`).
    pub channel: String,
    /// Message timestamp, Slack's message id.
    pub ts: String,
}

/// Source message → the `ts` of the bot's card in its thread.
#[derive(Clone)]
pub struct Bindings(Recent<MessageKey, String>);

impl Default for Bindings {
    fn default() -> Self {
        Self(Recent::new(MAX_BINDINGS, BINDING_TTL))
    }
}

impl std::fmt::Debug for Bindings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bindings({})", self.0.len())
    }
}

impl Bindings {
    /// Remembers that the card `reply_ts` answers `source`.
    pub fn bind(&self, source: MessageKey, reply_ts: String) {
        self.0.insert(source, reply_ts);
    }

    /// The card answering `source`, if any.
    pub fn get(&self, source: &MessageKey) -> Option<String> {
        self.0.get(source)
    }

    /// Forgets the card answering `source`, returning it.
    pub fn remove(&self, source: &MessageKey) -> Option<String> {
        self.0.remove(source)
    }
}
