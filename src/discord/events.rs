//! Gateway events → the bot: the cheap path for the many messages that name no ticket, tasks
//! for the rest.
//!
//! Every MESSAGE_CREATE is read here, inside the gateway's read loop: only the fields the bot
//! needs are parsed ([`MessageHead`], the text borrowed from the frame where it has no escapes),
//! the channel's message count moves on for the cooldown, and detection runs. Only a human's
//! message naming a ticket costs a task (lookup and reply), admitted through the bounded
//! [`Admission`](super::admission::Admission): when it is full, the reader waits for room before
//! it reads on. Interactions, edits and deletes are parsed into serenity's models and handled in
//! a task each. Every task holds a pass of the shutdown gate.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;

use serde::Deserialize;
use serde_json::value::RawValue;
use serenity::all::{ApplicationId, GuildId, Http, Interaction, MessageUpdateEvent};

use super::commands::{settings, ticket};
use super::gateway::head::{MessageHead, Snowflake};
use super::gateway::{Events, Wait};
use super::messages::Source;
use super::shared::Shared;
use crate::detect::Mention;
use crate::gate::{Gate, Pass};
use crate::settings::Effective;
use crate::telemetry::metrics::Platform;

/// The bot's side of the gateway.
pub struct Dispatcher {
    shared: Arc<Shared>,
    http: Arc<Http>,
    gate: Arc<Gate>,
    guild_id: Option<u64>,
}

impl Dispatcher {
    /// Events answered through `shared` and `http`, commands registered in `guild_id` (or
    /// globally), work admitted through `gate`.
    pub fn new(
        shared: Arc<Shared>,
        http: Arc<Http>,
        gate: Arc<Gate>,
        guild_id: Option<u64>,
    ) -> Self {
        Self {
            shared,
            http,
            gate,
            guild_id,
        }
    }

    /// Runs `work` in a task holding a gate pass (nothing once shutdown started).
    fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(Arc<Shared>, Arc<Http>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(pass) = self.gate.enter() else {
            return;
        };
        let task = work(Arc::clone(&self.shared), Arc::clone(&self.http));
        tokio::spawn(run_with_pass(pass, task));
    }

    /// MESSAGE_CREATE: counted for the cooldown; answered in a task when it names a ticket, or
    /// a [`Wait`] for room when the bound on answers in flight is reached.
    fn on_message(&self, head: &MessageHead<'_>) -> Option<Wait<'_>> {
        self.shared.cooldowns.note_message(head.channel_id.0);
        if head.author.bot || head.webhook_id.is_some() {
            return None;
        }
        let mentions = self.shared.bot.mentions(&head.content);
        if mentions.is_empty() {
            return None;
        }
        let guild_id = head.guild_id.map(|g| g.0);
        let effective = self.shared.answering(guild_id, head.channel_id.0)?;
        let source = Source {
            channel_id: head.channel_id.0,
            message_id: head.id.0,
            guild_id,
            author: head.author.id.0,
            received: std::time::Instant::now(),
        };
        let pass = self.gate.enter()?;
        if let Some(permit) = self.shared.admission.try_admit() {
            self.spawn_answer(pass, permit, source, effective, mentions);
            return None;
        }
        Some(Box::pin(async move {
            if let Some(permit) = self.shared.admit_waiting().await {
                self.spawn_answer(pass, permit, source, effective, mentions);
            }
        }))
    }

    fn spawn_answer(
        &self,
        pass: Pass,
        permit: OwnedSemaphorePermit,
        source: Source,
        effective: Effective,
        mentions: Vec<Mention>,
    ) {
        let answer = answer_task(
            Arc::clone(&self.shared),
            Arc::clone(&self.http),
            source,
            effective,
            mentions,
            permit,
        );
        tokio::spawn(run_with_pass(pass, answer));
    }

    /// READY: the application id for interaction answers, health, and the slash commands.
    fn on_ready(&self, d: &RawValue) {
        match serde_json::from_str::<ReadyInfo>(d.get()) {
            Ok(ready) => {
                tracing::info!(user = %ready.user.username, guilds = ready.guilds.len(), "connected to Discord");
                self.http
                    .set_application_id(ApplicationId::new(ready.application.id.0));
            }
            Err(error) => {
                tracing::warn!(%error, "READY without the application id; interaction answers may fail");
            }
        }
        self.on_session_started();
        let guild_id = self.guild_id;
        self.spawn(move |_, http| async move { register_commands(&http, guild_id).await });
    }

    /// READY or RESUMED: healthy again, and a reconnection counted.
    fn on_session_started(&self) {
        let ops = self.shared.bot.ops();
        if ops.health.session_started(Platform::Discord) {
            ops.metrics.gateway_reconnected(Platform::Discord);
        }
    }
}

impl Events for Dispatcher {
    fn on_message_create(&self, message: MessageHead<'_>) -> Option<Wait<'_>> {
        self.on_message(&message)
    }

    fn on_dispatch<'a>(&'a self, event: &str, d: &RawValue) -> Option<Wait<'a>> {
        match event {
            // Its `d` came before `t`, so the reader could not read it in one pass.
            "MESSAGE_CREATE" => match serde_json::from_str::<MessageHead<'_>>(d.get()) {
                Ok(head) => return self.on_message(&head),
                Err(error) => {
                    tracing::debug!(%error, "skipped a MESSAGE_CREATE without the fields the bot reads");
                }
            },
            "MESSAGE_UPDATE" => {
                if let Some(update) = parse::<MessageUpdateEvent>(event, d) {
                    self.spawn(move |shared, http| async move {
                        shared.on_message_update(&http, &update).await;
                    });
                }
            }
            "MESSAGE_DELETE" => {
                if let Some(deleted) = parse::<Deleted>(event, d) {
                    self.spawn(move |shared, http| async move {
                        shared.delete_card(&http, deleted.id.0).await;
                    });
                }
            }
            "MESSAGE_DELETE_BULK" => {
                if let Some(deleted) = parse::<DeletedMany>(event, d) {
                    self.spawn(move |shared, http| async move {
                        for id in deleted.ids {
                            shared.delete_card(&http, id.0).await;
                        }
                    });
                }
            }
            "INTERACTION_CREATE" => {
                if let Some(interaction) = parse::<Interaction>(event, d) {
                    self.spawn(move |shared, http| async move {
                        shared.on_interaction(&http, &interaction).await;
                    });
                }
            }
            "READY" => self.on_ready(d),
            "RESUMED" => {
                tracing::info!("resumed the Discord session");
                self.on_session_started();
            }
            _ => {}
        }
        None
    }

    fn on_disconnect(&self) {
        self.shared
            .bot
            .ops()
            .health
            .set_connected(Platform::Discord, false);
    }
}

/// The task answering one message. Up to [`MAX_MESSAGES_IN_FLIGHT`] of them wait at once (on
/// Xalantis, on room to send), so its size is memory per waiting answer (a test bounds it).
///
/// [`MAX_MESSAGES_IN_FLIGHT`]: super::admission::MAX_MESSAGES_IN_FLIGHT
async fn answer_task(
    shared: Arc<Shared>,
    http: Arc<Http>,
    source: Source,
    effective: Effective,
    mentions: Vec<Mention>,
    permit: OwnedSemaphorePermit,
) {
    shared
        .answer_message(&http, source, effective, mentions, permit)
        .await;
}

async fn run_with_pass(pass: Pass, task: impl Future<Output = ()>) {
    task.await;
    drop(pass);
}

/// An event's payload as `T`; a payload that does not fit is logged and skipped.
fn parse<T: serde::de::DeserializeOwned>(event: &str, d: &RawValue) -> Option<T> {
    serde_json::from_str(d.get())
        .inspect_err(
            |error| tracing::warn!(event, %error, "skipped a gateway event that does not parse"),
        )
        .ok()
}

/// Registers `/ticket` and `/ticket-settings` in `guild` (instant) or globally.
async fn register_commands(http: &Http, guild: Option<u64>) {
    let commands = vec![ticket::register(), settings::register()];
    let result = match guild {
        Some(guild) => GuildId::new(guild).set_commands(http, commands).await,
        None => serenity::all::Command::set_global_commands(http, commands).await,
    };
    match result {
        Ok(_) => tracing::info!(?guild, "registered /ticket and /ticket-settings"),
        Err(error) => tracing::error!(%error, "could not register the slash commands"),
    }
}

#[derive(Debug, Deserialize)]
struct Deleted {
    id: Snowflake,
}

#[derive(Debug, Deserialize)]
struct DeletedMany {
    ids: Vec<Snowflake>,
}

#[derive(Debug, Deserialize)]
struct ReadyInfo {
    user: ReadyUser,
    #[serde(default)]
    guilds: Vec<serde::de::IgnoredAny>,
    application: ReadyApplication,
}

#[derive(Debug, Deserialize)]
struct ReadyUser {
    username: String,
}

#[derive(Debug, Deserialize)]
struct ReadyApplication {
    id: Snowflake,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers wait by the thousand when Xalantis is slow: what each one holds is bounded.
    #[tokio::test]
    async fn a_waiting_answer_is_small() {
        let vars = [
            ("DISCORD_TOKEN", "discord-secret"),
            ("XALANTIS_API_TOKEN", "sk_test"),
            ("XALANTIS_API_URL", "http://127.0.0.1:9"),
            ("DATABASE_PATH", ":memory:"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let config = crate::config::Config::from_vars(&vars, crate::config::Purpose::Run).unwrap();
        let state = crate::state::State::open(&config).unwrap();
        let bot = crate::bot::Bot::new(&config).unwrap();
        let shared = Arc::new(Shared::new(bot, config.discord.as_ref().unwrap(), &state));
        let permit = shared.admit().unwrap();
        let task = answer_task(
            Arc::clone(&shared),
            Arc::new(Http::new("discord-secret")),
            Source {
                channel_id: 1,
                message_id: 2,
                guild_id: None,
                author: 3,
                received: std::time::Instant::now(),
            },
            shared.effective(None, 1),
            Vec::new(),
            permit,
        );
        let size = std::mem::size_of_val(&task);
        println!("a waiting answer task: {size} bytes");
        assert!(size <= 1024, "{size} bytes");
    }
}
