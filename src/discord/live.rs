//! Live cards: cards posted in the last 24 hours are checked on a bounded schedule and edited in
//! place when a ticket's status, priority, assignee or due date changed. Lookups go through the
//! cache (so a ticket shown on ten cards costs one call per cache TTL) and are spread over the
//! interval rather than fired at once.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ChannelId, EditMessage, Http, MessageId};

use super::bindings::Binding;
use super::reply::{card_message, no_pings};
use super::retry::with_retry;
use super::shared::Shared;
use crate::card::Card;
use crate::detect::{Mention, TicketId};
use crate::lookup::Freshness;
use crate::telemetry::metrics::ReplyKind;

/// Longest pause between two cards of one round.
pub const MAX_SPREAD: Duration = Duration::from_secs(2);

/// What a card shows that is worth an edit: per ticket, status, priority, assignee and due.
///
/// Kept as a 64-bit hash (FNV-1a) of `uuid|status|priority|assignee|due` per ticket, joined by
/// `;`: ten thousand live cards keep 8 bytes each rather than a string of about a hundred. The
/// hash is fixed (not the standard library's, which may change between releases), so a
/// fingerprint stored before a restart or an upgrade still matches the same card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// The fingerprint as stored: 16 hexadecimal digits.
    pub fn to_stored(self) -> String {
        format!("{:016x}", self.0)
    }

    /// A stored fingerprint. Stores written before fingerprints were hashed hold the text
    /// itself, which hashes to what [`fingerprint`] gives for the same card.
    pub fn from_stored(stored: &str) -> Self {
        if stored.len() == 16
            && let Ok(hash) = u64::from_str_radix(stored, 16)
        {
            return Self(hash);
        }
        let mut hash = Fnv::default();
        hash.write(stored);
        Self(hash.0)
    }
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, text: &str) {
        for byte in text.bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The [`Fingerprint`] of what `cards` show.
pub fn fingerprint(cards: &[Card]) -> Fingerprint {
    let mut hash = Fnv::default();
    for (n, card) in cards.iter().enumerate() {
        if n > 0 {
            hash.write(";");
        }
        let due = card.due.map(|d| d.at.unix_timestamp().to_string());
        hash.write(&card.uuid);
        for text in [
            card.status.as_str(),
            card.priority.as_deref().unwrap_or_default(),
            card.assignee.as_deref().unwrap_or_default(),
            due.as_deref().unwrap_or_default(),
        ] {
            hash.write("|");
            hash.write(text);
        }
    }
    Fingerprint(hash.0)
}

/// Checks every live card each `every`, forever (spawn it; abort it at shutdown).
pub async fn keep_cards_live(shared: Arc<Shared>, http: Arc<Http>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let live = shared.bindings.live();
        let spread = (every / u32::try_from(live.len() + 1).unwrap_or(u32::MAX)).min(MAX_SPREAD);
        for (source, binding) in live {
            shared.refresh_live_card(&http, source, binding).await;
            tokio::time::sleep(spread).await;
        }
    }
}

impl Shared {
    /// Re-reads one card's tickets and edits the card if what it shows changed.
    pub async fn refresh_live_card(&self, http: &Http, source: u64, binding: Binding) {
        let Some(reply_id) = binding.reply_id else {
            return;
        };
        if binding.tickets.is_empty() {
            return;
        }
        let effective = self.effective(binding.guild_id, binding.channel_id);
        let mentions: Vec<Mention> = binding
            .tickets
            .iter()
            .map(|uuid| Mention {
                id: TicketId::Uuid(uuid.clone()),
                via_link: false,
            })
            .collect();
        let cards = self
            .bot
            .cards_showing(&mentions, Freshness::Cached, effective.requester)
            .await;
        let print = fingerprint(&cards);
        if cards.len() != binding.tickets.len() || print == binding.fingerprint {
            return;
        }
        let body = card_message(&cards, Some(binding.owner), effective.compact);
        let note = format!(
            "🔄 Updated <t:{}:R>",
            time::OffsetDateTime::now_utc().unix_timestamp()
        );
        let edit = EditMessage::new()
            .content(note)
            .embeds(body.embeds)
            .components(body.components)
            .allowed_mentions(no_pings());
        let channel = ChannelId::new(binding.channel_id);
        let edited =
            with_retry(|| channel.edit_message(http, MessageId::new(reply_id), edit.clone())).await;
        self.count_reply(ReplyKind::Edit, &edited);
        match edited {
            Ok(_) => self.bindings.bind(
                source,
                Binding {
                    fingerprint: print,
                    ..binding
                },
            ),
            Err(error) => {
                tracing::info!(%error, reply = reply_id, "a live card could not be edited; no longer following it");
                self.bindings.remove(source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{CardOptions, ticket_card};
    use crate::xalantis::Ticket;
    use time::macros::datetime;

    fn example_card() -> Card {
        let json =
            serde_json::from_str(include_str!("../../tests/fixtures/get-ticket-example.json"))
                .unwrap();
        let ticket = Ticket::from_response(&json).unwrap();
        ticket_card(
            &ticket,
            &CardOptions::default(),
            datetime!(2026-01-13 00:00 UTC),
        )
    }

    /// The text fingerprints were before they were hashed, as older stores hold it.
    fn as_text(cards: &[Card]) -> String {
        cards
            .iter()
            .map(|c| {
                let due = c
                    .due
                    .map(|d| d.at.unix_timestamp().to_string())
                    .unwrap_or_default();
                let priority = c.priority.as_deref().unwrap_or_default();
                let assignee = c.assignee.as_deref().unwrap_or_default();
                format!("{}|{}|{priority}|{assignee}|{due}", c.uuid, c.status)
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    #[test]
    fn a_fingerprint_survives_the_store_and_matches_the_text_older_stores_hold() {
        let one = example_card();
        let mut other = example_card();
        other.uuid = "00000000-0000-4000-8000-000000000002".into();
        other.due = None;
        other.priority = None;
        other.assignee = None;
        for cards in [vec![one.clone()], vec![one.clone(), other.clone()], vec![]] {
            let print = fingerprint(&cards);
            assert_eq!(Fingerprint::from_stored(&print.to_stored()), print);
            assert_eq!(Fingerprint::from_stored(&as_text(&cards)), print);
        }
        assert_eq!(
            fingerprint(std::slice::from_ref(&one)).to_stored().len(),
            16
        );
    }

    #[test]
    fn what_is_worth_an_edit_changes_the_fingerprint() {
        let card = example_card();
        let print = fingerprint(std::slice::from_ref(&card));
        let edits: [fn(&mut Card); 5] = [
            |c| c.status = "Closed".into(),
            |c| c.priority = None,
            |c| c.assignee = Some("Someone Else".into()),
            |c| c.due = None,
            |c| c.uuid.push('0'),
        ];
        for edit in edits {
            let mut edited = card.clone();
            edit(&mut edited);
            assert_ne!(fingerprint(&[edited]), print);
        }
        let mut retitled = card.clone();
        retitled.title = "Another title".into();
        assert_eq!(fingerprint(&[retitled]), print, "the title is not followed");
    }
}
