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
pub fn fingerprint(cards: &[Card]) -> String {
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
