//! serenity events → core calls → Discord replies. Decisions (who is ignored, what a reply
//! holds) are small pure functions; the Discord calls stay here at the edge.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, Context, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse,
    EditMessage, EventHandler, GuildId, Interaction, Message, MessageId, MessageUpdateEvent, Ready,
};
use serenity::all::{ConnectionStage, ResumedEvent, ShardStageUpdateEvent};
use serenity::async_trait;

use super::bindings::{Binding, Bindings};
use super::commands::ticket;
use super::reply::{REFRESH_ID, card_message, no_pings, tickets_in_embeds};
use crate::bot::{Bot, TicketAnswer};
use crate::card::Card;
use crate::config::DiscordConfig;
use crate::gate::Gate;
use crate::lookup::Freshness;
use crate::telemetry::metrics::{Platform, ReplyKind};

/// A `/ticket` lookup still running after this long is deferred (Discord allows 3 s).
pub const DEFER_AFTER: Duration = Duration::from_millis(2000);

/// The serenity event handler of the bot.
pub struct Handler {
    bot: Arc<Bot>,
    channels: Option<HashSet<u64>>,
    guild_id: Option<u64>,
    bindings: Bindings,
    gate: Arc<Gate>,
}

/// The message a reply answers.
#[derive(Debug, Clone, Copy)]
struct Source {
    channel_id: ChannelId,
    message_id: MessageId,
    guild_id: Option<GuildId>,
}

impl Handler {
    /// A handler answering with `bot`, configured by `config`, admitting events through `gate`.
    pub fn new(bot: Arc<Bot>, config: &DiscordConfig, gate: Arc<Gate>) -> Self {
        Self { bot, channels: config.channels.clone(), guild_id: config.guild_id, bindings: Bindings::default(), gate }
    }

    /// Passive answering: everywhere, or only in `DISCORD_CHANNELS` (direct messages are private
    /// to the person who wrote them, so they are always answered).
    fn answers_in(&self, source: &Source) -> bool {
        match (&self.channels, source.guild_id) {
            (Some(allowed), Some(_)) => allowed.contains(&source.channel_id.get()),
            _ => true,
        }
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        if msg.author.bot || msg.webhook_id.is_some() {
            return;
        }
        let source = Source { channel_id: msg.channel_id, message_id: msg.id, guild_id: msg.guild_id };
        self.answer_new(ctx, source, &msg.content).await;
    }

    async fn answer_new(&self, ctx: &Context, source: Source, content: &str) {
        if !self.answers_in(&source) {
            return;
        }
        let Some(cards) = self.cards_for_text(content).await else { return };
        let body = card_message(&cards, None, false);
        let create = CreateMessage::new()
            .embeds(body.embeds)
            .components(body.components)
            .allowed_mentions(no_pings())
            .reference_message((source.channel_id, source.message_id));
        let sent = source.channel_id.send_message(&ctx.http, create).await;
        self.count_reply(ReplyKind::Message, &sent);
        match sent {
            Ok(reply) => self.bindings.bind(source.message_id, Binding { channel_id: source.channel_id, reply_id: reply.id }),
            Err(error) => tracing::warn!(%error, channel = %source.channel_id, "could not send a ticket card"),
        }
    }

    /// Cards for the mentions in `text`; `None` when there is nothing to show.
    async fn cards_for_text(&self, text: &str) -> Option<Vec<Card>> {
        let mentions = self.bot.mentions(text);
        if mentions.is_empty() {
            return None;
        }
        self.bot.ops().metrics.mentions_detected(Platform::Discord, mentions.len());
        let cards = self.bot.cards_for(&mentions, Freshness::Cached).await;
        (!cards.is_empty()).then_some(cards)
    }

    async fn on_message_update(&self, ctx: &Context, event: &MessageUpdateEvent) {
        let Some(content) = &event.content else { return };
        if event.author.as_ref().is_some_and(|a| a.bot) || event.webhook_id.flatten().is_some() {
            return;
        }
        let source = Source { channel_id: event.channel_id, message_id: event.id, guild_id: event.guild_id };
        match self.bindings.get(event.id) {
            None => self.answer_new(ctx, source, content).await,
            Some(binding) => self.follow_edit(ctx, source, binding, content).await,
        }
    }

    async fn follow_edit(&self, ctx: &Context, source: Source, binding: Binding, content: &str) {
        let Some(cards) = self.cards_for_text(content).await else {
            self.delete_reply(ctx, source.message_id).await;
            return;
        };
        let body = card_message(&cards, None, false);
        let edit = EditMessage::new().embeds(body.embeds).components(body.components).allowed_mentions(no_pings());
        let edited = binding.channel_id.edit_message(&ctx.http, binding.reply_id, edit).await;
        self.count_reply(ReplyKind::Edit, &edited);
        if let Err(error) = edited {
            tracing::warn!(%error, "could not edit a ticket card after its source was edited");
        }
    }

    async fn delete_reply(&self, ctx: &Context, source: MessageId) {
        let Some(binding) = self.bindings.remove(source) else { return };
        let deleted = binding.channel_id.delete_message(&ctx.http, binding.reply_id).await;
        self.count_reply(ReplyKind::Delete, &deleted);
        if let Err(error) = deleted {
            tracing::warn!(%error, "could not delete a ticket card after its source went away");
        }
    }

    async fn on_ticket_command(&self, ctx: &Context, command: &CommandInteraction) {
        let invocation = ticket::invocation(command);
        let answer = self.bot.answer(&invocation.id);
        tokio::pin!(answer);
        let early = tokio::select! {
            answer = &mut answer => Some(answer),
            () = tokio::time::sleep(DEFER_AFTER) => None,
        };
        let result = match early {
            Some(answer) => respond_now(ctx, command, &answer, invocation.private).await,
            None => respond_deferred(ctx, command, answer, invocation.private).await,
        };
        self.count_reply(ReplyKind::Interaction, &result);
        if let Err(error) = result {
            tracing::warn!(%error, "could not answer /ticket");
        }
    }

    async fn on_refresh(&self, ctx: &Context, click: &ComponentInteraction) -> serenity::Result<()> {
        click.create_response(&ctx.http, CreateInteractionResponse::Acknowledge).await?;
        let ids = tickets_in_embeds(self.bot.detector(), &click.message.embeds);
        let wanted = ids.len();
        let cards = self.bot.cards_for_ids(ids, Freshness::Fresh).await;
        if cards.len() != wanted || cards.is_empty() {
            let note = "Could not refresh these tickets right now; the card is unchanged.";
            let followup = CreateInteractionResponseFollowup::new().content(note).ephemeral(true).allowed_mentions(no_pings());
            return click.create_followup(&ctx.http, followup).await.map(drop);
        }
        let body = card_message(&cards, None, false);
        let edit = EditInteractionResponse::new().embeds(body.embeds).components(body.components).allowed_mentions(no_pings());
        click.edit_response(&ctx.http, edit).await.map(drop)
    }

    /// Counts a reply to Discord as sent or failed.
    fn count_reply<T>(&self, kind: ReplyKind, result: &serenity::Result<T>) {
        let metrics = &self.bot.ops().metrics;
        match result {
            Ok(_) => metrics.reply_sent(Platform::Discord, kind),
            Err(_) => metrics.reply_failed(Platform::Discord, kind),
        }
    }

    /// A gateway session started (READY or RESUMED): healthy again, and a reconnection counted.
    fn on_gateway_up(&self) {
        let ops = self.bot.ops();
        if ops.health.session_started(Platform::Discord) {
            ops.metrics.gateway_reconnected(Platform::Discord);
        }
    }

    async fn register_commands(&self, ctx: &Context) {
        let commands = vec![ticket::register()];
        let result = match self.guild_id {
            Some(guild) => GuildId::new(guild).set_commands(&ctx.http, commands).await,
            None => serenity::all::Command::set_global_commands(&ctx.http, commands).await,
        };
        match result {
            Ok(_) => tracing::info!(guild = ?self.guild_id, "registered /ticket"),
            Err(error) => tracing::error!(%error, "could not register /ticket"),
        }
    }
}

/// The interaction response for an answer ready within Discord's 3 seconds.
async fn respond_now(ctx: &Context, command: &CommandInteraction, answer: &TicketAnswer, private: bool) -> serenity::Result<()> {
    let message = match (answer, ticket::problem_text(answer)) {
        (TicketAnswer::Found(card), _) => {
            let body = card_message(std::slice::from_ref(card.as_ref()), None, false);
            CreateInteractionResponseMessage::new().embeds(body.embeds).components(body.components).ephemeral(private)
        }
        (_, text) => CreateInteractionResponseMessage::new().content(text.unwrap_or_default()).ephemeral(true),
    };
    let response = CreateInteractionResponse::Message(message.allowed_mentions(no_pings()));
    command.create_response(&ctx.http, response).await
}

/// Defers, then completes the answer. A problem after a public defer replaces the public
/// placeholder with an ephemeral note, so errors are only ever shown to the person who asked.
async fn respond_deferred(
    ctx: &Context,
    command: &CommandInteraction,
    answer: impl Future<Output = TicketAnswer>,
    private: bool,
) -> serenity::Result<()> {
    let defer = CreateInteractionResponseMessage::new().ephemeral(private);
    command.create_response(&ctx.http, CreateInteractionResponse::Defer(defer)).await?;
    let answer = answer.await;
    if let TicketAnswer::Found(card) = &answer {
        let body = card_message(std::slice::from_ref(card.as_ref()), None, false);
        let edit = EditInteractionResponse::new().embeds(body.embeds).components(body.components).allowed_mentions(no_pings());
        return command.edit_response(&ctx.http, edit).await.map(drop);
    }
    let text = ticket::problem_text(&answer).unwrap_or_default();
    if private {
        let edit = EditInteractionResponse::new().content(text).allowed_mentions(no_pings());
        return command.edit_response(&ctx.http, edit).await.map(drop);
    }
    command.delete_response(&ctx.http).await?;
    let followup = CreateInteractionResponseFollowup::new().content(text).ephemeral(true).allowed_mentions(no_pings());
    command.create_followup(&ctx.http, followup).await.map(drop)
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        self.on_gateway_up();
        self.register_commands(&ctx).await;
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("resumed the Discord session");
        self.on_gateway_up();
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        tracing::debug!(old = ?event.old, new = ?event.new, "Discord gateway stage changed");
        self.bot.ops().health.set_connected(Platform::Discord, event.new == ConnectionStage::Connected);
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let Some(_pass) = self.gate.enter() else { return };
        self.on_message(&ctx, &msg).await;
    }

    async fn message_update(&self, ctx: Context, _old: Option<Message>, _new: Option<Message>, event: MessageUpdateEvent) {
        let Some(_pass) = self.gate.enter() else { return };
        self.on_message_update(&ctx, &event).await;
    }

    async fn message_delete(&self, ctx: Context, _channel: ChannelId, deleted: MessageId, _guild: Option<GuildId>) {
        let Some(_pass) = self.gate.enter() else { return };
        self.delete_reply(&ctx, deleted).await;
    }

    async fn message_delete_bulk(&self, ctx: Context, _channel: ChannelId, deleted: Vec<MessageId>, _guild: Option<GuildId>) {
        let Some(_pass) = self.gate.enter() else { return };
        for id in deleted {
            self.delete_reply(&ctx, id).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(_pass) = self.gate.enter() else { return };
        match &interaction {
            Interaction::Command(command) if command.data.name == ticket::NAME => self.on_ticket_command(&ctx, command).await,
            Interaction::Component(click) if click.data.custom_id == REFRESH_ID => {
                let refreshed = self.on_refresh(&ctx, click).await;
                self.count_reply(ReplyKind::Interaction, &refreshed);
                if let Err(error) = refreshed {
                    tracing::warn!(%error, "could not refresh a ticket card");
                }
            }
            _ => {}
        }
    }
}
