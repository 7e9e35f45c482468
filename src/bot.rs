//! The platform-neutral bot: text or user input → mentions → tickets → cards.
//!
//! Platforms hold one `Arc<Bot>` and call it from their event handlers; they never talk to
//! Xalantis or build cards themselves.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::card::{Card, CardOptions, Details, ShowRequester, ticket_card, ticket_details};
use crate::config::Config;
use crate::detect::{Detector, Mention, TicketId};
use crate::lookup::{Freshness, Lookup, LookupService};
use crate::prefixes::KnownPrefixes;
use crate::telemetry::Ops;
use crate::xalantis::{XalantisClient, XalantisError};

/// The answer to an explicit request for one ticket (`/ticket`).
#[derive(Debug, Clone)]
pub enum TicketAnswer {
    /// The ticket's card.
    Found(Box<Card>),
    /// The input is not a reference, UUID or ticket link.
    NotATicket,
    /// Xalantis has no such ticket; the id as the user wrote it.
    NotFound(String),
    /// Xalantis could not be asked.
    Failed(XalantisError),
}

/// Detection, lookup and card building, shared by every platform.
#[derive(Debug)]
pub struct Bot {
    detector: Detector,
    lookup: LookupService,
    card_options: CardOptions,
    prefixes: Arc<KnownPrefixes>,
    ops: Ops,
}

impl Bot {
    /// Builds the bot from its configuration.
    pub fn new(config: &Config) -> anyhow::Result<Arc<Self>> {
        let detector = Detector::new(&config.detect)?;
        let ops = Ops::default();
        let client =
            XalantisClient::new(config.xalantis.clone())?.with_observer(Arc::new(ops.clone()));
        let lookup = LookupService::new(client, config.lookup.clone());
        ops.metrics.read_lookup_stats(lookup.shared_stats());
        let prefixes = match &config.noise.pinned_prefixes {
            Some(pinned) => KnownPrefixes::pinned(pinned.clone()),
            None => KnownPrefixes::any(),
        };
        Ok(Arc::new(Self {
            detector,
            lookup,
            card_options: config.card.clone(),
            prefixes: Arc::new(prefixes),
            ops,
        }))
    }

    /// Metrics and health, shared with the platforms and the HTTP endpoints.
    pub fn ops(&self) -> &Ops {
        &self.ops
    }

    /// The detector, for platform code that reads ticket ids out of its own payloads.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// The lookup service (cache statistics, prefix learning).
    pub fn lookup_service(&self) -> &LookupService {
        &self.lookup
    }

    /// The known reference prefixes (learned in the background by [`crate::app`]).
    pub fn prefixes(&self) -> &Arc<KnownPrefixes> {
        &self.prefixes
    }

    /// The ticket mentions in a chat message worth a lookup (cheap; no I/O): references with an
    /// unknown prefix are dropped here, before they cost an API call.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let mut mentions = self.detector.find_ticket_mentions(text);
        mentions.retain(|m| match &m.id {
            TicketId::Reference(reference) => self.prefixes.allows(reference),
            TicketId::Uuid(_) => true,
        });
        mentions
    }

    /// Cards of the mentioned tickets that exist, in mention order. Failures are logged and left
    /// out: one failed lookup never hides the others.
    pub async fn cards_for(&self, mentions: &[Mention], freshness: Freshness) -> Vec<Card> {
        self.cards_showing(mentions, freshness, self.card_options.show_requester)
            .await
    }

    /// Like [`Bot::cards_for`], with a channel's requester visibility instead of the
    /// configured one.
    pub async fn cards_showing(
        &self,
        mentions: &[Mention],
        freshness: Freshness,
        show_requester: ShowRequester,
    ) -> Vec<Card> {
        let options = CardOptions {
            show_requester,
            ..self.card_options.clone()
        };
        let now = OffsetDateTime::now_utc();
        let results = self.lookup.lookup_mentions(mentions, freshness).await;
        results
            .into_iter()
            .inspect(|(_, outcome)| self.ops.metrics.lookup_finished(outcome))
            .filter_map(|(mention, outcome)| match outcome {
                Lookup::Found(ticket) => Some(ticket_card(&ticket, &options, now)),
                Lookup::NotFound => None,
                Lookup::Failed(error) => {
                    tracing::warn!(ticket = ?mention.id, kind = error.kind(), %error, "ticket lookup failed");
                    None
                }
            })
            .collect()
    }

    /// Cards for ticket ids read back from a card message (the Refresh button).
    pub async fn cards_for_ids(&self, ids: Vec<TicketId>, freshness: Freshness) -> Vec<Card> {
        let mentions: Vec<Mention> = ids
            .into_iter()
            .map(|id| Mention {
                id,
                via_link: false,
            })
            .collect();
        self.cards_for(&mentions, freshness).await
    }

    /// The Details views of tickets read back from a card message, in order; tickets that no
    /// longer exist or could not be fetched are left out.
    pub async fn details_for_ids(&self, ids: Vec<TicketId>) -> Vec<Details> {
        let now = OffsetDateTime::now_utc();
        let mentions: Vec<Mention> = ids
            .into_iter()
            .map(|id| Mention {
                id,
                via_link: false,
            })
            .collect();
        let results = self
            .lookup
            .lookup_mentions(&mentions, Freshness::Cached)
            .await;
        results
            .into_iter()
            .filter_map(|(_, outcome)| match outcome {
                Lookup::Found(ticket) => Some(ticket_details(&ticket, &self.card_options, now)),
                Lookup::NotFound | Lookup::Failed(_) => None,
            })
            .collect()
    }

    /// Answers an explicit request such as `/ticket VEN1-000079`.
    pub async fn answer(&self, input: &str) -> TicketAnswer {
        let Some(id) = self.detector.parse_ticket_id(input) else {
            return TicketAnswer::NotATicket;
        };
        let outcome = self.lookup.lookup(&id, Freshness::Cached).await;
        self.ops.metrics.lookup_finished(&outcome);
        match outcome {
            Lookup::Found(ticket) => TicketAnswer::Found(Box::new(ticket_card(
                &ticket,
                &self.card_options,
                OffsetDateTime::now_utc(),
            ))),
            Lookup::NotFound => TicketAnswer::NotFound(display_id(&id)),
            Lookup::Failed(error) => {
                tracing::warn!(ticket = ?id, kind = error.kind(), %error, "ticket lookup failed");
                TicketAnswer::Failed(error)
            }
        }
    }
}

/// How a ticket id is named back to the user.
pub fn display_id(id: &TicketId) -> String {
    match id {
        TicketId::Uuid(s) | TicketId::Reference(s) => s.clone(),
    }
}
