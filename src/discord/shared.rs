//! What every Discord event handler shares: the core bot, reply bindings, cooldown marks and
//! per-channel settings.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use super::admission::{Admission, MAX_MESSAGES_IN_FLIGHT, MAX_SENDS_IN_FLIGHT};
use super::bindings::Bindings;
use super::cooldown::Cooldowns;
use crate::bot::Bot;
use crate::config::DiscordConfig;
use crate::settings::{Effective, Settings};
use crate::state::State;
use crate::store::PLATFORM_DISCORD;
use crate::telemetry::metrics::{Platform, ReplyKind};

/// The Discord side of the bot, shared by the event handler and the live-card task.
pub struct Shared {
    /// The platform-neutral core.
    pub bot: Arc<Bot>,
    /// `DISCORD_CHANNELS`.
    pub channels: Option<HashSet<u64>>,
    /// Source message → reply.
    pub bindings: Bindings,
    /// Cooldown marks.
    pub cooldowns: Cooldowns,
    /// Per-channel settings.
    pub settings: Arc<Settings>,
    /// Bound on messages being answered at once.
    pub admission: Admission,
    /// Bound on sends to Discord at once (memory: each holds a connection's buffers).
    sends: Semaphore,
}

impl Shared {
    /// Builds the shared state, restoring bindings and cooldown marks from the store.
    pub fn new(bot: Arc<Bot>, config: &DiscordConfig, state: &State) -> Self {
        let bindings = Bindings::new(Some(state.writer()));
        let cooldowns = Cooldowns::new(Some(state.writer()));
        match state.store().load_bindings(State::cutoff()) {
            Ok(records) => bindings.restore(records),
            Err(error) => tracing::warn!(%error, "could not read the stored reply bindings"),
        }
        match state.store().load_cooldowns(State::cutoff()) {
            Ok(records) => cooldowns.restore(records),
            Err(error) => tracing::warn!(%error, "could not read the stored cooldown marks"),
        }
        let admission = Admission::new(MAX_MESSAGES_IN_FLIGHT);
        Self {
            bot,
            channels: config.channels.clone(),
            bindings,
            cooldowns,
            settings: Arc::clone(&state.settings),
            admission,
            sends: Semaphore::new(MAX_SENDS_IN_FLIGHT),
        }
    }

    /// The settings in force in a channel.
    pub fn effective(&self, guild_id: Option<u64>, channel_id: u64) -> Effective {
        let guild = guild_id.map(|g| g.to_string());
        self.settings
            .effective(PLATFORM_DISCORD, guild.as_deref(), &channel_id.to_string())
    }

    /// Passive answering: everywhere, or only in `DISCORD_CHANNELS` (direct messages are private
    /// to the person who wrote them, so they are always answered).
    pub fn answers_in(&self, guild_id: Option<u64>, channel_id: u64) -> bool {
        match (&self.channels, guild_id) {
            (Some(allowed), Some(_)) => allowed.contains(&channel_id),
            _ => true,
        }
    }

    /// A permit to answer one message, or `None` when [`MAX_MESSAGES_IN_FLIGHT`] are being
    /// answered already: the message is shed, counted and logged (rate-limited), never queued.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.admission.try_admit();
        if permit.is_none() {
            self.count_shed();
        }
        permit
    }

    /// A permit, waiting for room (see [`Admission::wait`]); `None` means shed (counted).
    pub async fn admit_waiting(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.admission.wait().await;
        if permit.is_none() {
            self.count_shed();
        }
        permit
    }

    fn count_shed(&self) {
        self.bot.ops().metrics.event_shed(Platform::Discord);
        if let Some(shed) = self.admission.shed_to_log() {
            let limit = self.admission.limit();
            tracing::warn!(
                shed,
                limit,
                "too many messages in flight: ticket mentions left unanswered"
            );
        }
    }

    /// The settings a passive answer in this channel follows, or `None` when the channel gets
    /// none (not watched, or switched off).
    pub fn answering(&self, guild_id: Option<u64>, channel_id: u64) -> Option<Effective> {
        if !self.answers_in(guild_id, channel_id) {
            return None;
        }
        Some(self.effective(guild_id, channel_id)).filter(|e| e.passive)
    }

    /// A permit to send to Discord, waiting while [`MAX_SENDS_IN_FLIGHT`] sends are under way.
    pub async fn send_permit(&self) -> Option<SemaphorePermit<'_>> {
        self.sends.acquire().await.ok()
    }

    /// Counts a reply to Discord as sent or failed.
    pub fn count_reply<T>(&self, kind: ReplyKind, result: &serenity::Result<T>) {
        let metrics = &self.bot.ops().metrics;
        match result {
            Ok(_) => metrics.reply_sent(Platform::Discord, kind),
            Err(_) => metrics.reply_failed(Platform::Discord, kind),
        }
    }
}
