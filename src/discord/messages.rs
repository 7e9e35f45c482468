//! Passive answers: a message naming tickets gets one reply; edits and deletes of the source
//! are followed. Cooldown and per-channel settings decide how much of each ticket is shown.

use serenity::all::{
    ChannelId, CreateMessage, EditMessage, Http, MessageId, MessageUpdateEvent, Nonce,
};
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;

use super::bindings::{Binding, now_unix};
use super::cooldown::{Cooling, jump_link};
use super::live::fingerprint;
use super::render::escape_markdown;
use super::reply::{card_message, no_pings};
use super::rest::{MessageBody, create_message};
use super::retry::with_retry;
use super::shared::Shared;
use crate::card::Card;
use crate::detect::Mention;
use crate::lookup::Freshness;
use crate::settings::Effective;
use crate::telemetry::metrics::{Platform, ReplyKind};

/// The message a reply answers.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Its channel.
    pub channel_id: u64,
    /// The message.
    pub message_id: u64,
    /// Its guild (`None` in DMs).
    pub guild_id: Option<u64>,
    /// Its author (may delete the card).
    pub author: u64,
    /// When the bot read it (for the answer's latency).
    pub received: Instant,
}

/// Cards to post in full, and lines pointing at cards posted recently.
struct Plan {
    fresh: Vec<Card>,
    jumps: Vec<String>,
}

impl Shared {
    /// A new message naming `mentions`, admitted with `permit`, answered with `effective` (the
    /// gateway reader detected them, counted the message for the cooldown, skipped bots and
    /// webhooks and read the settings with [`Shared::answering`]).
    pub async fn answer_message(
        &self,
        http: &Http,
        source: Source,
        effective: Effective,
        mentions: Vec<Mention>,
        _permit: OwnedSemaphorePermit,
    ) {
        let started = Instant::now();
        self.bot
            .ops()
            .metrics
            .mentions_detected(Platform::Discord, mentions.len());
        let cards = self
            .bot
            .cards_showing(&mentions, Freshness::Cached, effective.requester)
            .await;
        let plan = self.plan(&source, cards, &effective);
        if plan.fresh.is_empty() && plan.jumps.is_empty() {
            return;
        }
        let built = Instant::now();
        // Boxed: the send's state (serenity's request, with its retries) would otherwise be
        // part of every answer task, also of the many that wait on Xalantis.
        if let Some(sent) = Box::pin(self.post(http, source, plan, effective.compact)).await {
            self.bot.ops().metrics.answered(sent - source.received);
            tracing::debug!(
                message = source.message_id,
                queued_us = micros(started - source.received),
                built_us = micros(built - started),
                sent_us = micros(sent - built),
                remembered_us = micros(sent.elapsed()),
                "answered"
            );
        }
    }

    /// An edited message that now names tickets (and has no card yet).
    async fn answer_new(&self, http: &Http, source: Source, content: &str) {
        let mentions = self.bot.mentions(content);
        if mentions.is_empty() {
            return;
        }
        let Some(effective) = self.answering(source.guild_id, source.channel_id) else {
            return;
        };
        let Some(permit) = self.admit() else { return };
        self.answer_message(http, source, effective, mentions, permit)
            .await;
    }

    /// Splits cards by cooldown: fresh ones in full, recent ones as a jump link (or nothing
    /// while still on screen).
    fn plan(&self, source: &Source, cards: Vec<Card>, effective: &Effective) -> Plan {
        let now = now_unix();
        let mut plan = Plan {
            fresh: Vec::new(),
            jumps: Vec::new(),
        };
        for card in cards {
            match self
                .cooldowns
                .check(source.channel_id, &card.uuid, effective.cooldown, now)
            {
                Cooling::Fresh => plan.fresh.push(card),
                Cooling::OnScreen => {}
                Cooling::Scrolled(mark) => plan.jumps.push(format!(
                    "{} was shown recently: {}",
                    escape_markdown(&card.reference),
                    jump_link(source.channel_id, &mark)
                )),
            }
        }
        plan
    }

    /// Sends the reply; when Discord took it, if it did.
    async fn post(
        &self,
        http: &Http,
        source: Source,
        plan: Plan,
        compact: bool,
    ) -> Option<Instant> {
        // The request is built once room to send is free: the many answers that may wait for it
        // hold their cards only, not the cards again as JSON.
        let sending = self.send_permit().await;
        let sent = match MessageBody::new(&reply_to(&source, &plan, compact)) {
            Ok(body) => {
                let channel = ChannelId::new(source.channel_id);
                with_retry(|| create_message(http, channel, &body)).await
            }
            Err(error) => Err(error.into()),
        };
        drop(sending);
        self.count_reply(ReplyKind::Message, &sent);
        match sent {
            Ok(reply_id) => {
                let sent = Instant::now();
                self.remember(source, reply_id.get(), &plan.fresh);
                Some(sent)
            }
            Err(error) => {
                tracing::warn!(%error, channel = source.channel_id, "could not send a ticket card");
                None
            }
        }
    }

    fn remember(&self, source: Source, reply_id: u64, fresh: &[Card]) {
        let now = now_unix();
        for card in fresh {
            self.cooldowns.mark(
                source.channel_id,
                &card.uuid,
                reply_id,
                source.guild_id,
                now,
            );
        }
        let binding = Binding {
            channel_id: source.channel_id,
            guild_id: source.guild_id,
            reply_id: Some(reply_id),
            owner: source.author,
            tickets: fresh.iter().map(|c| c.uuid.clone()).collect(),
            fingerprint: fingerprint(fresh),
            created_at: now,
        };
        self.bindings.bind(source.message_id, binding);
    }

    /// A message was edited: its card follows (or goes when no ticket is left; a message that
    /// had none may get one now).
    pub async fn on_message_update(&self, http: &Http, event: &MessageUpdateEvent) {
        let Some(content) = &event.content else {
            return;
        };
        if event.author.as_ref().is_some_and(|a| a.bot) || event.webhook_id.flatten().is_some() {
            return;
        }
        match self.bindings.get(event.id.get()) {
            Some(binding) if binding.reply_id.is_some() => {
                self.follow_edit(http, event.id.get(), binding, content)
                    .await;
            }
            Some(_) => {}
            None => {
                let Some(author) = event.author.as_ref() else {
                    return;
                };
                let source = Source {
                    channel_id: event.channel_id.get(),
                    message_id: event.id.get(),
                    guild_id: event.guild_id.map(serenity::all::GuildId::get),
                    author: author.id.get(),
                    received: Instant::now(),
                };
                self.answer_new(http, source, content).await;
            }
        }
    }

    async fn follow_edit(&self, http: &Http, source: u64, binding: Binding, content: &str) {
        let Some(_permit) = self.admit() else { return };
        let effective = self.effective(binding.guild_id, binding.channel_id);
        let mentions = self.bot.mentions(content);
        let cards = if mentions.is_empty() {
            Vec::new()
        } else {
            self.bot
                .cards_showing(&mentions, Freshness::Cached, effective.requester)
                .await
        };
        if cards.is_empty() {
            self.delete_card(http, source).await;
            return;
        }
        let Some(reply_id) = binding.reply_id else {
            return;
        };
        let body = card_message(&cards, Some(binding.owner), effective.compact);
        let edit = EditMessage::new()
            .content("")
            .embeds(body.embeds)
            .components(body.components)
            .allowed_mentions(no_pings());
        let channel = ChannelId::new(binding.channel_id);
        let sending = self.send_permit().await;
        let edited =
            with_retry(|| channel.edit_message(http, MessageId::new(reply_id), edit.clone())).await;
        drop(sending);
        self.count_reply(ReplyKind::Edit, &edited);
        match edited {
            Ok(_) => {
                let tickets = cards.iter().map(|c| c.uuid.clone()).collect();
                self.bindings.bind(
                    source,
                    Binding {
                        tickets,
                        fingerprint: fingerprint(&cards),
                        ..binding
                    },
                );
            }
            Err(error) => {
                tracing::warn!(%error, "could not edit a ticket card after its source was edited");
            }
        }
    }

    /// The source message is gone (or names no ticket any more): its card goes too.
    pub async fn delete_card(&self, http: &Http, source: u64) {
        let Some(binding) = self.bindings.remove(source) else {
            return;
        };
        let Some(reply_id) = binding.reply_id else {
            return;
        };
        let channel = ChannelId::new(binding.channel_id);
        let sending = self.send_permit().await;
        let deleted = with_retry(|| channel.delete_message(http, MessageId::new(reply_id))).await;
        drop(sending);
        self.count_reply(ReplyKind::Delete, &deleted);
        if let Err(error) = deleted {
            tracing::warn!(%error, "could not delete a ticket card after its source went away");
        }
    }
}

/// The reply to `source` showing `plan`.
fn reply_to(source: &Source, plan: &Plan, compact: bool) -> CreateMessage {
    // The source id as nonce: a create retried after a 5xx, or a second answer to the same
    // message, is dropped by Discord instead of posted twice.
    let mut create = CreateMessage::new()
        .nonce(Nonce::String(source.message_id.to_string()))
        .enforce_nonce(true)
        .allowed_mentions(no_pings())
        .reference_message((
            ChannelId::new(source.channel_id),
            MessageId::new(source.message_id),
        ));
    if !plan.fresh.is_empty() {
        let body = card_message(&plan.fresh, Some(source.author), compact);
        create = create.embeds(body.embeds).components(body.components);
    }
    if !plan.jumps.is_empty() {
        create = create.content(plan.jumps.join("\n"));
    }
    create
}

fn micros(elapsed: std::time::Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}
