//! The serenity event handler: admits events through the shutdown gate and hands them to
//! [`Shared`] (messages, interactions); reports the gateway's health.

use std::sync::Arc;

use serenity::all::{
    ChannelId, ConnectionStage, Context, EventHandler, GuildId, Interaction, Message, MessageId,
    MessageUpdateEvent, Ready, ResumedEvent, ShardStageUpdateEvent,
};
use serenity::async_trait;

use super::commands::{settings, ticket};
use super::shared::Shared;
use crate::gate::Gate;
use crate::telemetry::metrics::Platform;

/// The serenity event handler of the bot.
pub struct Handler {
    shared: Arc<Shared>,
    guild_id: Option<u64>,
    gate: Arc<Gate>,
}

impl Handler {
    /// A handler answering through `shared`, registering commands in `guild_id` (or globally),
    /// admitting events through `gate`.
    pub fn new(shared: Arc<Shared>, guild_id: Option<u64>, gate: Arc<Gate>) -> Self {
        Self {
            shared,
            guild_id,
            gate,
        }
    }

    /// A gateway session started (READY or RESUMED): healthy again, and a reconnection counted.
    fn on_gateway_up(&self) {
        let ops = self.shared.bot.ops();
        if ops.health.session_started(Platform::Discord) {
            ops.metrics.gateway_reconnected(Platform::Discord);
        }
    }

    async fn register_commands(&self, ctx: &Context) {
        let commands = vec![ticket::register(), settings::register()];
        let result = match self.guild_id {
            Some(guild) => GuildId::new(guild).set_commands(&ctx.http, commands).await,
            None => serenity::all::Command::set_global_commands(&ctx.http, commands).await,
        };
        match result {
            Ok(_) => {
                tracing::info!(guild = ?self.guild_id, "registered /ticket and /ticket-settings");
            }
            Err(error) => tracing::error!(%error, "could not register the slash commands"),
        }
    }
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
        self.shared
            .bot
            .ops()
            .health
            .set_connected(Platform::Discord, event.new == ConnectionStage::Connected);
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let Some(_pass) = self.gate.enter() else {
            return;
        };
        self.shared.on_message(&ctx.http, &msg).await;
    }

    async fn message_update(
        &self,
        ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let Some(_pass) = self.gate.enter() else {
            return;
        };
        self.shared.on_message_update(&ctx.http, &event).await;
    }

    async fn message_delete(
        &self,
        ctx: Context,
        _channel: ChannelId,
        deleted: MessageId,
        _guild: Option<GuildId>,
    ) {
        let Some(_pass) = self.gate.enter() else {
            return;
        };
        self.shared.delete_card(&ctx.http, deleted.get()).await;
    }

    async fn message_delete_bulk(
        &self,
        ctx: Context,
        _channel: ChannelId,
        deleted: Vec<MessageId>,
        _guild: Option<GuildId>,
    ) {
        let Some(_pass) = self.gate.enter() else {
            return;
        };
        for id in deleted {
            self.shared.delete_card(&ctx.http, id.get()).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(_pass) = self.gate.enter() else {
            return;
        };
        self.shared.on_interaction(&ctx.http, &interaction).await;
    }
}
