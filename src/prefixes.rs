//! Which reference prefixes are real: pinned (`TICKET_PREFIXES`) or learned from the
//! organisation's recent tickets (`LEARN_PREFIXES`). A reference with an unknown prefix is not
//! looked up, so `SHA-256` or `ISO-8601` in a chat costs no API call at all.
//!
//! ```
//! use xalantis_bot::prefixes::{KnownPrefixes, prefix_of};
//! assert_eq!(prefix_of("TCK-2026-0001"), "TCK");
//! let known = KnownPrefixes::pinned(["VEN1".to_owned()].into());
//! assert!(known.allows("VEN1-000079") && !known.allows("SHA-256"));
//! ```

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::Duration;

use crate::xalantis::{Ticket, XalantisClient};

/// How often prefixes are learned again.
pub const LEARN_EVERY: Duration = Duration::from_secs(60 * 60);
/// Recent tickets read to learn prefixes.
pub const LEARN_SAMPLE: u8 = 100;

/// The prefix of a reference: everything before its first dash, upper case.
pub fn prefix_of(reference: &str) -> &str {
    reference.split('-').next().unwrap_or(reference)
}

/// The reference prefixes worth a lookup.
#[derive(Debug)]
pub struct KnownPrefixes {
    pinned: Option<HashSet<String>>,
    /// `None` until learned (or when learning is off): every prefix is allowed.
    learned: RwLock<Option<HashSet<String>>>,
}

impl KnownPrefixes {
    /// Every prefix allowed (learning off, nothing pinned).
    pub fn any() -> Self {
        Self {
            pinned: None,
            learned: RwLock::new(None),
        }
    }

    /// Only `prefixes` (upper case) allowed.
    pub fn pinned(prefixes: HashSet<String>) -> Self {
        Self {
            pinned: Some(prefixes),
            learned: RwLock::new(None),
        }
    }

    /// Whether a reference with this shape is worth a lookup.
    pub fn allows(&self, reference: &str) -> bool {
        let prefix = prefix_of(reference);
        if let Some(pinned) = &self.pinned {
            return pinned.contains(prefix);
        }
        let learned = self
            .learned
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        learned.as_ref().is_none_or(|known| known.contains(prefix))
    }

    /// Replaces the learned prefixes with those of `tickets`. An empty sample (a new
    /// organisation) keeps every prefix allowed rather than silencing the bot.
    pub fn learn_from(&self, tickets: &[Ticket]) -> usize {
        let found: HashSet<String> = tickets
            .iter()
            .filter(|t| !t.reference.is_empty())
            .map(|t| prefix_of(&t.reference).to_ascii_uppercase())
            .collect();
        let count = found.len();
        let mut learned = self
            .learned
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *learned = (count > 0).then_some(found);
        count
    }

    /// The learned prefixes, sorted (for logs and `check`).
    pub fn learned(&self) -> Vec<String> {
        let learned = self
            .learned
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut list: Vec<String> = learned.iter().flatten().cloned().collect();
        list.sort();
        list
    }
}

/// Learns prefixes now and then every [`LEARN_EVERY`], forever (spawn it). A failed call
/// keeps what was known: until the first success every prefix stays allowed.
pub async fn keep_learning(known: std::sync::Arc<KnownPrefixes>, client: XalantisClient) {
    let mut every = tokio::time::interval(LEARN_EVERY);
    loop {
        every.tick().await;
        match client.recent_tickets(LEARN_SAMPLE).await {
            Ok(tickets) => {
                let count = known.learn_from(&tickets);
                tracing::info!(prefixes = ?known.learned(), count, "learned ticket reference prefixes");
            }
            Err(error) => {
                tracing::warn!(%error, "could not learn ticket reference prefixes; keeping what was known");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ticket(reference: &str) -> Ticket {
        Ticket::from_response(&json!({"uuid": "u", "reference": reference})).unwrap()
    }

    #[test]
    fn everything_is_allowed_until_prefixes_are_learned() {
        let known = KnownPrefixes::any();
        assert!(known.allows("SHA-256"));
        known.learn_from(&[ticket("VEN1-000079"), ticket("TCK-2026-0001")]);
        assert!(known.allows("VEN1-000080") && known.allows("TCK-2026-0002"));
        assert!(!known.allows("SHA-256") && !known.allows("ISO-8601"));
        assert_eq!(known.learned(), ["TCK", "VEN1"]);
    }

    #[test]
    fn an_empty_sample_does_not_silence_the_bot() {
        let known = KnownPrefixes::any();
        known.learn_from(&[]);
        assert!(known.allows("VEN1-000079"));
    }

    #[test]
    fn pinned_prefixes_win_over_learning() {
        let known = KnownPrefixes::pinned(HashSet::from(["ABC".to_owned()]));
        known.learn_from(&[ticket("VEN1-000079")]);
        assert!(known.allows("ABC-1") && !known.allows("VEN1-000079"));
    }
}
