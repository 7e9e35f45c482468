//! The statements behind every read and write, over a plain [`Connection`].

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::records::{BindingRecord, CooldownRecord, SettingsRecord};
use crate::settings::{CardSize, ChannelSettings, RequesterVisibility};

const SELECT_BINDING: &str = "SELECT platform, source_id, channel_id, guild_id, reply_id, author_id, tickets, \
     fingerprint, created_at, updated_at FROM bindings";

/// Inserts or replaces a binding.
pub(crate) fn put_binding(conn: &Connection, r: &BindingRecord) -> rusqlite::Result<()> {
    let tickets = serde_json::to_string(&r.tickets).unwrap_or_else(|_| "[]".to_owned());
    conn.prepare_cached(
        "INSERT OR REPLACE INTO bindings (platform, source_id, channel_id, guild_id, reply_id, \
         author_id, tickets, fingerprint, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        r.platform,
        r.source_id,
        r.channel_id,
        r.guild_id,
        r.reply_id,
        r.author_id,
        tickets,
        r.fingerprint,
        r.created_at,
        r.updated_at
    ])?;
    Ok(())
}

/// Removes the binding of a source message.
pub(crate) fn delete_binding(
    conn: &Connection,
    platform: &str,
    source_id: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM bindings WHERE platform = ?1 AND source_id = ?2")?
        .execute(params![platform, source_id])?;
    Ok(())
}

/// Bindings created at or after `since`, oldest first.
pub(crate) fn load_bindings(conn: &Connection, since: i64) -> rusqlite::Result<Vec<BindingRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT_BINDING} WHERE created_at >= ?1 ORDER BY created_at"
    ))?;
    statement.query_map([since], binding)?.collect()
}

/// The binding whose reply is `reply_id`.
pub(crate) fn binding_by_reply(
    conn: &Connection,
    platform: &str,
    reply_id: &str,
) -> rusqlite::Result<Option<BindingRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT_BINDING} WHERE platform = ?1 AND reply_id = ?2"
    ))?;
    statement
        .query_row(params![platform, reply_id], binding)
        .optional()
}

fn binding(row: &Row<'_>) -> rusqlite::Result<BindingRecord> {
    let tickets: String = row.get(6)?;
    Ok(BindingRecord {
        platform: row.get(0)?,
        source_id: row.get(1)?,
        channel_id: row.get(2)?,
        guild_id: row.get(3)?,
        reply_id: row.get(4)?,
        author_id: row.get(5)?,
        tickets: serde_json::from_str(&tickets).unwrap_or_default(),
        fingerprint: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

/// Inserts or replaces a cooldown mark.
pub(crate) fn put_cooldown(conn: &Connection, r: &CooldownRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO cooldowns (platform, channel_id, ticket_uuid, reply_id, guild_id, \
         posted_at, channel_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.platform,
        r.channel_id,
        r.ticket_uuid,
        r.reply_id,
        r.guild_id,
        r.posted_at,
        i64::try_from(r.channel_seq).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// Cooldown marks posted at or after `since`, oldest first.
pub(crate) fn load_cooldowns(
    conn: &Connection,
    since: i64,
) -> rusqlite::Result<Vec<CooldownRecord>> {
    let mut statement = conn.prepare_cached(
        "SELECT platform, channel_id, ticket_uuid, reply_id, guild_id, posted_at, channel_seq \
         FROM cooldowns WHERE posted_at >= ?1 ORDER BY posted_at",
    )?;
    statement.query_map([since], cooldown)?.collect()
}

fn cooldown(row: &Row<'_>) -> rusqlite::Result<CooldownRecord> {
    Ok(CooldownRecord {
        platform: row.get(0)?,
        channel_id: row.get(1)?,
        ticket_uuid: row.get(2)?,
        reply_id: row.get(3)?,
        guild_id: row.get(4)?,
        posted_at: row.get(5)?,
        channel_seq: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
    })
}

/// Inserts or replaces the settings of one scope.
pub(crate) fn put_settings(conn: &Connection, r: &SettingsRecord) -> rusqlite::Result<()> {
    let s = r.settings;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO settings (platform, guild_id, channel_id, passive, card_size, \
         requester, cooldown_secs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.platform,
        r.guild_id,
        r.channel_id.as_deref().unwrap_or_default(),
        s.passive,
        s.card_size.map(CardSize::as_str),
        s.requester.map(RequesterVisibility::as_str),
        s.cooldown_secs
            .map(|secs| i64::try_from(secs).unwrap_or(i64::MAX)),
    ])?;
    Ok(())
}

/// Removes the settings of one scope.
pub(crate) fn delete_settings(
    conn: &Connection,
    platform: &str,
    guild_id: &str,
    channel_id: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM settings WHERE platform = ?1 AND guild_id = ?2 AND channel_id = ?3",
    )?
    .execute(params![platform, guild_id, channel_id.unwrap_or_default()])?;
    Ok(())
}

/// Every settings row.
pub(crate) fn load_settings(conn: &Connection) -> rusqlite::Result<Vec<SettingsRecord>> {
    let mut statement = conn.prepare_cached(
        "SELECT platform, guild_id, channel_id, passive, card_size, requester, cooldown_secs FROM settings",
    )?;
    statement.query_map([], settings)?.collect()
}

fn settings(row: &Row<'_>) -> rusqlite::Result<SettingsRecord> {
    let channel_id: String = row.get(2)?;
    let card_size: Option<String> = row.get(4)?;
    let requester: Option<String> = row.get(5)?;
    let cooldown_secs: Option<i64> = row.get(6)?;
    Ok(SettingsRecord {
        platform: row.get(0)?,
        guild_id: row.get(1)?,
        channel_id: (!channel_id.is_empty()).then_some(channel_id),
        settings: ChannelSettings {
            passive: row.get(3)?,
            card_size: card_size.as_deref().and_then(CardSize::parse),
            requester: requester.as_deref().and_then(RequesterVisibility::parse),
            cooldown_secs: cooldown_secs.and_then(|secs| u64::try_from(secs).ok()),
        },
    })
}

/// Removes bindings created and cooldown marks posted before `before`; returns rows removed.
pub(crate) fn expire(conn: &Connection, before: i64) -> rusqlite::Result<usize> {
    let bindings = conn
        .prepare_cached("DELETE FROM bindings WHERE created_at < ?1")?
        .execute([before])?;
    let cooldowns = conn
        .prepare_cached("DELETE FROM cooldowns WHERE posted_at < ?1")?
        .execute([before])?;
    Ok(bindings + cooldowns)
}
