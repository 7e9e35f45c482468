//! The rows the store keeps, platform-neutral: every id is a string (a Discord snowflake, a
//! Slack channel id or `ts`), every time a unix timestamp in seconds.

use crate::settings::ChannelSettings;

/// `platform` value of Discord rows.
pub const PLATFORM_DISCORD: &str = "discord";
/// `platform` value of Slack rows.
pub const PLATFORM_SLACK: &str = "slack";

/// The bot's reply to one source message, keyed by (`platform`, `source_id`) and findable by
/// (`platform`, `reply_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRecord {
    /// `discord` or `slack`.
    pub platform: String,
    /// The message that mentioned the tickets.
    pub source_id: String,
    /// Channel of both messages.
    pub channel_id: String,
    /// Guild (Discord) or team (Slack), when there is one.
    pub guild_id: Option<String>,
    /// The bot's reply.
    pub reply_id: String,
    /// Author of the source message (may delete the card).
    pub author_id: String,
    /// UUIDs of the tickets the reply shows, in order.
    pub tickets: Vec<String>,
    /// Opaque summary of what the reply shows, to notice when a live card changed.
    pub fingerprint: String,
    /// When the reply was posted; expiry counts from here.
    pub created_at: i64,
    /// When the reply was last edited.
    pub updated_at: i64,
}

/// A ticket shown in a channel, for the cooldown; keyed by (`platform`, `channel_id`,
/// `ticket_uuid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooldownRecord {
    /// `discord` or `slack`.
    pub platform: String,
    /// The channel.
    pub channel_id: String,
    /// The ticket shown.
    pub ticket_uuid: String,
    /// The reply that showed it (for a jump link).
    pub reply_id: String,
    /// Guild (Discord) or team (Slack), when there is one.
    pub guild_id: Option<String>,
    /// When the reply was posted; expiry counts from here.
    pub posted_at: i64,
    /// The channel's message counter when it was posted ("still among the recent messages?").
    pub channel_seq: u64,
}

/// Settings of one guild (`channel_id: None`, the guild default) or one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRecord {
    /// `discord` or `slack`.
    pub platform: String,
    /// Guild (Discord) or team (Slack).
    pub guild_id: String,
    /// The channel, or `None` for the guild default.
    pub channel_id: Option<String>,
    /// What is set at this scope (unset fields inherit).
    pub settings: ChannelSettings,
}
