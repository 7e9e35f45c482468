//! Cooldown: the same ticket in the same channel within the cooldown gets no second full card.
//! Instead a short line with a jump link to the earlier card, or nothing at all while that card
//! is still among the channel's last [`ON_SCREEN_MESSAGES`] messages.
//!
//! ```
//! use std::time::Duration;
//! use xalantis_bot::discord::cooldown::{Cooldowns, Cooling};
//! let cooldowns = Cooldowns::default();
//! cooldowns.mark(7, "uuid", 100, Some(1), 1_000);
//! cooldowns.note_message(7);
//! assert_eq!(cooldowns.check(7, "uuid", Duration::from_secs(600), 1_010), Cooling::OnScreen);
//! assert_eq!(cooldowns.check(7, "uuid", Duration::from_secs(600), 2_000), Cooling::Fresh);
//! ```

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use moka::sync::Cache;

use crate::store::{CooldownRecord, PLATFORM_DISCORD, StoreWriter};

/// A card counts as still visible while fewer messages than this came after it.
pub const ON_SCREEN_MESSAGES: u64 = 20;
/// Longest cooldown a channel may set (marks are kept this long).
pub const MAX_COOLDOWN: Duration = Duration::from_secs(24 * 60 * 60);
/// Most marks kept (one per channel and ticket shown; the oldest go first). Bounded like the
/// bindings: [`super::bindings::MAX_BINDINGS`] explains the memory.
pub const MAX_MARKS: u64 = 10_000;

/// Where a ticket's last card in a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// The card message.
    pub reply_id: u64,
    /// Its guild (for the jump link); `None` in DMs.
    pub guild_id: Option<u64>,
    /// When it was posted (Unix seconds).
    pub posted_at: i64,
    /// The channel's message count when it was posted.
    pub seq: u64,
}

/// What to do with a ticket mentioned again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cooling {
    /// Not shown recently: a full card.
    Fresh,
    /// Shown recently and still on screen: nothing.
    OnScreen,
    /// Shown recently but scrolled away: a jump link to it.
    Scrolled(Mark),
}

/// Cooldown marks and per-channel message counts.
pub struct Cooldowns {
    marks: Cache<(u64, String), Mark>,
    activity: Mutex<HashMap<u64, u64>>,
    store: Option<StoreWriter>,
}

impl Default for Cooldowns {
    fn default() -> Self {
        Self::new(None)
    }
}

impl Cooldowns {
    /// Empty cooldowns, written behind to `store` when given.
    pub fn new(store: Option<StoreWriter>) -> Self {
        let marks = Cache::builder()
            .max_capacity(MAX_MARKS)
            .time_to_live(MAX_COOLDOWN)
            .build();
        Self {
            marks,
            activity: Mutex::default(),
            store,
        }
    }

    /// Puts back the Discord marks read from the store. Channel message counts restart at zero,
    /// so a restored card counts as on screen until [`ON_SCREEN_MESSAGES`] more messages came.
    pub fn restore(&self, records: impl IntoIterator<Item = CooldownRecord>) {
        for r in records
            .into_iter()
            .filter(|r| r.platform == PLATFORM_DISCORD)
        {
            let (Ok(channel), Ok(reply_id)) = (r.channel_id.parse(), r.reply_id.parse()) else {
                continue;
            };
            let guild_id = r.guild_id.and_then(|g| g.parse().ok());
            self.marks.insert(
                (channel, r.ticket_uuid),
                Mark {
                    reply_id,
                    guild_id,
                    posted_at: r.posted_at,
                    seq: 0,
                },
            );
        }
    }

    /// Counts one more message in `channel` (every message, any author); returns the count.
    pub fn note_message(&self, channel: u64) -> u64 {
        let mut activity = self
            .activity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seq = activity.entry(channel).or_default();
        *seq += 1;
        *seq
    }

    fn seq(&self, channel: u64) -> u64 {
        let activity = self
            .activity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        activity.get(&channel).copied().unwrap_or_default()
    }

    /// Whether `ticket` (a UUID) was shown in `channel` within `cooldown` before `now`.
    pub fn check(&self, channel: u64, ticket: &str, cooldown: Duration, now: i64) -> Cooling {
        let Some(mark) = self.marks.get(&(channel, ticket.to_owned())) else {
            return Cooling::Fresh;
        };
        let age = u64::try_from(now.saturating_sub(mark.posted_at)).unwrap_or(0);
        if cooldown.is_zero() || age >= cooldown.as_secs() {
            Cooling::Fresh
        } else if self.seq(channel).saturating_sub(mark.seq) < ON_SCREEN_MESSAGES {
            Cooling::OnScreen
        } else {
            Cooling::Scrolled(mark)
        }
    }

    /// Records that `ticket`'s card was posted as `reply_id` at `now`.
    pub fn mark(&self, channel: u64, ticket: &str, reply_id: u64, guild_id: Option<u64>, now: i64) {
        let mark = Mark {
            reply_id,
            guild_id,
            posted_at: now,
            seq: self.seq(channel),
        };
        if let Some(store) = &self.store {
            store.put_cooldown(CooldownRecord {
                platform: PLATFORM_DISCORD.to_owned(),
                channel_id: channel.to_string(),
                ticket_uuid: ticket.to_owned(),
                reply_id: reply_id.to_string(),
                guild_id: guild_id.map(|g| g.to_string()),
                posted_at: now,
                channel_seq: mark.seq,
            });
        }
        self.marks.insert((channel, ticket.to_owned()), mark);
    }
}

/// `https://discord.com/channels/{guild|@me}/{channel}/{message}`.
pub fn jump_link(channel: u64, mark: &Mark) -> String {
    let guild = mark
        .guild_id
        .map_or_else(|| "@me".to_owned(), |g| g.to_string());
    format!(
        "https://discord.com/channels/{guild}/{channel}/{}",
        mark.reply_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_MINUTES: Duration = Duration::from_secs(600);

    #[test]
    fn a_card_that_scrolled_away_gets_a_jump_link() {
        let cooldowns = Cooldowns::default();
        cooldowns.mark(7, "t", 100, Some(1), 0);
        for _ in 0..ON_SCREEN_MESSAGES {
            cooldowns.note_message(7);
        }
        let Cooling::Scrolled(mark) = cooldowns.check(7, "t", TEN_MINUTES, 60) else {
            panic!("expected a jump link")
        };
        assert_eq!(jump_link(7, &mark), "https://discord.com/channels/1/7/100");
    }

    #[test]
    fn other_channels_and_a_zero_cooldown_are_fresh() {
        let cooldowns = Cooldowns::default();
        cooldowns.mark(7, "t", 100, None, 0);
        assert_eq!(cooldowns.check(8, "t", TEN_MINUTES, 1), Cooling::Fresh);
        assert_eq!(cooldowns.check(7, "t", Duration::ZERO, 1), Cooling::Fresh);
        assert_eq!(cooldowns.check(7, "t", TEN_MINUTES, 1), Cooling::OnScreen);
    }
}
