//! Slack events → core calls → Slack replies, shared by both transports (Socket Mode and the
//! HTTP Events API). Decisions are pure functions in [`super::events`],
//! [`super::commands`] and [`super::interactions`]; the Web API calls stay here at the edge.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use slack_morphism::prelude::{
    SlackApiChatDeleteRequest, SlackApiChatPostMessageRequest, SlackApiChatUpdateRequest,
    SlackMessageContent, SlackTs,
};

use super::bindings::{Bindings, MessageKey};
use super::events::{Event, EventCallback, MessageAction, MessageEvent, Source, classify};
use super::render::{Buttons, SlackCards, card_blocks};
use super::web::{Identity, WebApi, WebError};
use crate::bot::Bot;
use crate::card::{Card, layout_for};
use crate::gate::Gate;
use crate::lookup::Freshness;
use crate::telemetry::metrics::{Platform, ReplyKind};

/// How long an `event_id` is remembered to drop Slack's retries of it.
pub const DELIVERY_TTL: Duration = Duration::from_secs(60 * 60);
/// Most `event_id`s remembered.
pub const MAX_DELIVERIES: u64 = 100_000;

/// The bot's Slack side: answers events from either transport.
pub struct Handler {
    pub(super) bot: Arc<Bot>,
    pub(super) web: WebApi,
    me: Identity,
    bindings: Bindings,
    deliveries: Cache<String, ()>,
    gate: Arc<Gate>,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("me", &self.me)
            .field("bindings", &self.bindings)
            .finish_non_exhaustive()
    }
}

impl Handler {
    /// A handler answering as `me` through `web`, admitting work through `gate`.
    pub fn new(bot: Arc<Bot>, web: WebApi, me: Identity, gate: Arc<Gate>) -> Arc<Self> {
        let deliveries = Cache::builder()
            .max_capacity(MAX_DELIVERIES)
            .time_to_live(DELIVERY_TTL)
            .build();
        Arc::new(Self {
            bot,
            web,
            me,
            bindings: Bindings::default(),
            deliveries,
            gate,
        })
    }

    /// Takes one event delivery: a retry of an event already taken is dropped, the rest is
    /// handled in the background (the caller acknowledges at once).
    pub fn on_event(self: &Arc<Self>, callback: EventCallback) {
        if !self.first_delivery(&callback.event_id) {
            tracing::debug!(event_id = %callback.event_id, "Slack redelivered an event already taken: dropped");
            return;
        }
        let handler = Arc::clone(self);
        self.spawn(async move {
            match callback.event {
                Event::Message(message) => handler.on_message(&message).await,
                Event::LinkShared(shared) => handler.on_link_shared(shared).await,
                Event::Other => {}
            }
        });
    }

    /// True once shutdown has begun: new events are left for Slack to deliver again.
    pub fn shutting_down(&self) -> bool {
        self.gate.is_closed()
    }

    /// True the first time `event_id` is seen.
    fn first_delivery(&self, event_id: &str) -> bool {
        self.deliveries
            .entry(event_id.to_owned())
            .or_insert(())
            .is_fresh()
    }

    /// Runs `work` in a task holding a gate pass; dropped once shutdown has begun.
    pub(super) fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let Some(pass) = self.gate.enter() else {
            tracing::info!("shutting down: a Slack event was left unhandled");
            return;
        };
        tokio::spawn(async move {
            work.await;
            drop(pass);
        });
    }

    async fn on_message(&self, event: &MessageEvent) {
        match classify(event, &self.me.user_id) {
            MessageAction::New(source) => self.answer_new(&source).await,
            MessageAction::Edited(source) => match self.bindings.get(&source.key) {
                None => self.answer_new(&source).await,
                Some(reply_ts) => self.follow_edit(&source, reply_ts).await,
            },
            MessageAction::Deleted(key) => self.delete_reply(&key).await,
            MessageAction::Ignore => {}
        }
    }

    async fn answer_new(&self, source: &Source) {
        let Some(cards) = self.cards_for_text(&source.text).await else {
            return;
        };
        let message = card_blocks(&cards, layout_for(cards.len(), false), Buttons::Public);
        let request = SlackApiChatPostMessageRequest::new(
            source.key.channel.clone().into(),
            content(message),
        )
        .with_thread_ts(SlackTs::new(source.thread().to_owned()))
        .with_unfurl_links(false)
        .with_unfurl_media(false);
        let posted = self.web.post_message(&request).await;
        self.count(ReplyKind::Message, posted.as_ref());
        match posted {
            Ok(ts) => self.bindings.bind(source.key.clone(), ts.0),
            Err(error) => {
                tracing::warn!(%error, channel = %source.key.channel, "could not post a ticket card");
            }
        }
    }

    /// Cards for the bare references and UUIDs in `text`; `None` when there is nothing to show.
    /// Ticket links are left to their unfurl, so a message never gets both.
    async fn cards_for_text(&self, text: &str) -> Option<Vec<Card>> {
        let mentions = self.bot.mentions(text);
        if mentions.is_empty() {
            return None;
        }
        self.bot
            .ops()
            .metrics
            .mentions_detected(Platform::Slack, mentions.len());
        let bare: Vec<_> = mentions.into_iter().filter(|m| !m.via_link).collect();
        if bare.is_empty() {
            return None;
        }
        let cards = self.bot.cards_for(&bare, Freshness::Cached).await;
        (!cards.is_empty()).then_some(cards)
    }

    async fn follow_edit(&self, source: &Source, reply_ts: String) {
        let Some(cards) = self.cards_for_text(&source.text).await else {
            self.delete_reply(&source.key).await;
            return;
        };
        let message = card_blocks(&cards, layout_for(cards.len(), false), Buttons::Public);
        let request = SlackApiChatUpdateRequest::new(
            source.key.channel.clone().into(),
            content(message),
            SlackTs::new(reply_ts),
        );
        let updated = self.web.update(&request).await;
        self.count(ReplyKind::Edit, updated.as_ref());
        if let Err(error) = updated {
            tracing::warn!(%error, "could not update a ticket card after its source was edited");
        }
    }

    async fn delete_reply(&self, source: &MessageKey) {
        let Some(reply_ts) = self.bindings.remove(source) else {
            return;
        };
        let request =
            SlackApiChatDeleteRequest::new(source.channel.clone().into(), SlackTs::new(reply_ts));
        let deleted = self.web.delete(&request).await;
        self.count(ReplyKind::Delete, deleted.as_ref());
        if let Err(error) = deleted {
            tracing::warn!(%error, "could not delete a ticket card after its source went away");
        }
    }

    /// Counts a reply to Slack as sent or failed.
    pub(super) fn count<T>(&self, kind: ReplyKind, result: Result<&T, &WebError>) {
        let metrics = &self.bot.ops().metrics;
        match result {
            Ok(_) => metrics.reply_sent(Platform::Slack, kind),
            Err(_) => metrics.reply_failed(Platform::Slack, kind),
        }
    }
}

/// The message content of rendered cards.
pub(super) fn content(cards: SlackCards) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(cards.text)
        .with_blocks(cards.blocks)
}
