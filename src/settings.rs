//! Per-channel settings: a guild default and channel overrides layered over the configuration.
//!
//! Read on every message, from memory only ([`Settings::effective`]: two hash lookups under a
//! read lock). A change ([`Settings::apply`]) updates memory, then hands the row to the store's
//! writer thread. A `RwLock<HashMap>` suits this: reads are constant, changes are rare admin
//! commands, and no reader ever waits on the disk.
//!
//! ```
//! use xalantis_bot::settings::{CardSize, ChannelSettings, Effective, Settings, SettingsChange, SettingsScope};
//! let settings = Settings::new(Effective::default(), Vec::new());
//! let quiet = ChannelSettings { passive: Some(false), ..ChannelSettings::default() };
//! settings.apply(&SettingsChange::set(SettingsScope::guild("discord", "1"), quiet));
//! let compact = ChannelSettings { card_size: Some(CardSize::Compact), ..ChannelSettings::default() };
//! settings.apply(&SettingsChange::set(SettingsScope::channel("discord", "1", "100"), compact));
//!
//! let here = settings.effective("discord", Some("1"), "100");
//! assert!(!here.passive && here.compact);
//! let elsewhere = settings.effective("discord", Some("1"), "200");
//! assert!(!elsewhere.passive && !elsewhere.compact);
//! ```

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use crate::card::ShowRequester;
use crate::config::{Config, DEFAULT_COOLDOWN_SECS};
use crate::store::{SettingsRecord, StoreWriter};

/// How much of a ticket a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardSize {
    /// Full cards for a single ticket.
    Full,
    /// Compact cards always.
    Compact,
}

impl CardSize {
    /// The stored and displayed name: `full` or `compact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Compact => "compact",
        }
    }

    /// Reads [`CardSize::as_str`] back.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "full" => Some(Self::Full),
            "compact" => Some(Self::Compact),
            _ => None,
        }
    }
}

/// What a channel may show of the requester. Contact details (`SHOW_REQUESTER=full`) only ever
/// come from the environment, never from a chat command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequesterVisibility {
    /// Nothing.
    None,
    /// The name only.
    Name,
}

impl RequesterVisibility {
    /// The stored and displayed name: `none` or `name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Name => "name",
        }
    }

    /// Reads [`RequesterVisibility::as_str`] back.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "name" => Some(Self::Name),
            _ => None,
        }
    }

    /// The card option this visibility means.
    pub fn show_requester(self) -> ShowRequester {
        match self {
            Self::None => ShowRequester::None,
            Self::Name => ShowRequester::Name,
        }
    }
}

/// What one scope (a guild default or a channel) sets; `None` inherits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelSettings {
    /// Answer plain messages that mention tickets.
    pub passive: Option<bool>,
    /// Card size.
    pub card_size: Option<CardSize>,
    /// Requester visibility.
    pub requester: Option<RequesterVisibility>,
    /// Cooldown in seconds (0: off).
    pub cooldown_secs: Option<u64>,
}

impl ChannelSettings {
    /// Each field of `self`, or of `fallback` where `self` inherits.
    #[must_use]
    pub fn or(self, fallback: Self) -> Self {
        Self {
            passive: self.passive.or(fallback.passive),
            card_size: self.card_size.or(fallback.card_size),
            requester: self.requester.or(fallback.requester),
            cooldown_secs: self.cooldown_secs.or(fallback.cooldown_secs),
        }
    }

    /// True when nothing is set.
    pub fn is_empty(self) -> bool {
        self == Self::default()
    }
}

/// The settings in force in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    /// Answer plain messages that mention tickets.
    pub passive: bool,
    /// Prefer compact cards even for one ticket.
    pub compact: bool,
    /// How much of the requester cards show.
    pub requester: ShowRequester,
    /// The same ticket in the same channel within this gets no second full card.
    pub cooldown: Duration,
}

impl Default for Effective {
    /// The defaults of an empty configuration.
    fn default() -> Self {
        Self {
            passive: true,
            compact: false,
            requester: ShowRequester::None,
            cooldown: Duration::from_secs(DEFAULT_COOLDOWN_SECS),
        }
    }
}

impl Effective {
    /// The configuration's defaults: passive, full cards, `SHOW_REQUESTER`, `COOLDOWN_SECS`.
    pub fn from_config(config: &Config) -> Self {
        Self {
            requester: config.card.show_requester,
            cooldown: config.noise.cooldown,
            ..Self::default()
        }
    }

    /// `self` with what `overrides` sets.
    #[must_use]
    pub fn with(self, overrides: ChannelSettings) -> Self {
        Self {
            passive: overrides.passive.unwrap_or(self.passive),
            compact: overrides
                .card_size
                .map_or(self.compact, |size| size == CardSize::Compact),
            requester: overrides
                .requester
                .map_or(self.requester, RequesterVisibility::show_requester),
            cooldown: overrides
                .cooldown_secs
                .map_or(self.cooldown, Duration::from_secs),
        }
    }
}

/// A guild default (`channel_id: None`) or one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsScope {
    /// `discord` or `slack`.
    pub platform: String,
    /// Guild (Discord) or team (Slack).
    pub guild_id: String,
    /// The channel, or `None` for the guild default.
    pub channel_id: Option<String>,
}

impl SettingsScope {
    /// The default of a guild.
    pub fn guild(platform: &str, guild_id: &str) -> Self {
        Self {
            platform: platform.to_owned(),
            guild_id: guild_id.to_owned(),
            channel_id: None,
        }
    }

    /// One channel of a guild.
    pub fn channel(platform: &str, guild_id: &str, channel_id: &str) -> Self {
        Self {
            channel_id: Some(channel_id.to_owned()),
            ..Self::guild(platform, guild_id)
        }
    }
}

/// A change of one scope: optionally clear it, then set the given fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsChange {
    /// Where.
    pub scope: SettingsScope,
    /// Clear what the scope sets before applying `set`.
    pub reset: bool,
    /// Fields to set; `None` fields are left as they are.
    pub set: ChannelSettings,
}

impl SettingsChange {
    /// Sets the given fields of `scope`.
    pub fn set(scope: SettingsScope, set: ChannelSettings) -> Self {
        Self {
            scope,
            reset: false,
            set,
        }
    }

    /// Clears `scope`, so it inherits everything again.
    pub fn reset(scope: SettingsScope) -> Self {
        Self {
            scope,
            reset: true,
            set: ChannelSettings::default(),
        }
    }
}

/// The three layers behind one channel's settings, to show where each value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layers {
    /// The configuration's defaults.
    pub defaults: Effective,
    /// What the guild default sets.
    pub guild: ChannelSettings,
    /// What the channel sets.
    pub channel: ChannelSettings,
}

impl Layers {
    /// Channel over guild over configuration.
    pub fn effective(&self) -> Effective {
        self.defaults.with(self.channel.or(self.guild))
    }
}

/// Guild defaults and channel overrides of one platform.
#[derive(Debug, Default)]
struct PlatformSettings {
    guilds: HashMap<String, ChannelSettings>,
    channels: HashMap<String, ChannelSettings>,
}

impl PlatformSettings {
    /// The map holding `scope`, and its key there.
    fn slot<'s>(
        &mut self,
        scope: &'s SettingsScope,
    ) -> (&mut HashMap<String, ChannelSettings>, &'s str) {
        match &scope.channel_id {
            Some(channel_id) => (&mut self.channels, channel_id),
            None => (&mut self.guilds, &scope.guild_id),
        }
    }
}

/// Every guild default and channel override, in memory, shared by all handlers.
#[derive(Debug)]
pub struct Settings {
    defaults: Effective,
    platforms: RwLock<HashMap<String, PlatformSettings>>,
    writer: Option<StoreWriter>,
}

impl Settings {
    /// Settings over `defaults`, starting from stored `records` (see
    /// [`Store::load_settings`](crate::store::Store::load_settings)); changes stay in memory
    /// until [`Settings::persisting_to`].
    pub fn new(defaults: Effective, records: impl IntoIterator<Item = SettingsRecord>) -> Self {
        let mut platforms: HashMap<String, PlatformSettings> = HashMap::new();
        for record in records {
            let scope = SettingsScope {
                platform: record.platform,
                guild_id: record.guild_id,
                channel_id: record.channel_id,
            };
            let (map, key) = platforms
                .entry(scope.platform.clone())
                .or_default()
                .slot(&scope);
            map.insert(key.to_owned(), record.settings);
        }
        Self {
            defaults,
            platforms: RwLock::new(platforms),
            writer: None,
        }
    }

    /// Saves every later change through `writer`.
    #[must_use]
    pub fn persisting_to(self, writer: StoreWriter) -> Self {
        Self {
            writer: Some(writer),
            ..self
        }
    }

    /// The configuration's defaults.
    pub fn defaults(&self) -> Effective {
        self.defaults
    }

    /// The settings in force in `channel_id` (of `guild_id`, if any).
    pub fn effective(&self, platform: &str, guild_id: Option<&str>, channel_id: &str) -> Effective {
        self.layers(platform, guild_id, channel_id).effective()
    }

    /// What the configuration, the guild and the channel each set.
    pub fn layers(&self, platform: &str, guild_id: Option<&str>, channel_id: &str) -> Layers {
        let platforms = self
            .platforms
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let layer = platforms.get(platform);
        let guild = guild_id.and_then(|id| layer?.guilds.get(id)).copied();
        let channel = layer.and_then(|l| l.channels.get(channel_id)).copied();
        Layers {
            defaults: self.defaults,
            guild: guild.unwrap_or_default(),
            channel: channel.unwrap_or_default(),
        }
    }

    /// Applies `change` and returns what its scope now sets.
    pub fn apply(&self, change: &SettingsChange) -> ChannelSettings {
        let mut platforms = self
            .platforms
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let (map, key) = platforms
            .entry(change.scope.platform.clone())
            .or_default()
            .slot(&change.scope);
        let base = if change.reset {
            ChannelSettings::default()
        } else {
            map.get(key).copied().unwrap_or_default()
        };
        let next = change.set.or(base);
        if next.is_empty() {
            map.remove(key);
        } else {
            map.insert(key.to_owned(), next);
        }
        // Enqueued under the lock so the store sees changes of one scope in memory's order.
        self.persist(&change.scope, next);
        next
    }

    fn persist(&self, scope: &SettingsScope, settings: ChannelSettings) {
        let Some(writer) = &self.writer else { return };
        if settings.is_empty() {
            writer.delete_settings(
                &scope.platform,
                &scope.guild_id,
                scope.channel_id.as_deref(),
            );
        } else {
            writer.put_settings(SettingsRecord {
                platform: scope.platform.clone(),
                guild_id: scope.guild_id.clone(),
                channel_id: scope.channel_id.clone(),
                settings,
            });
        }
    }
}

#[cfg(test)]
mod tests;
