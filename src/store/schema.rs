//! Opening checks and versioned migrations. `PRAGMA user_version` is the number of steps of
//! [`MIGRATIONS`] applied; each step runs in its own transaction with the version bump.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{AtPath, StoreError};

/// How long a statement waits for a lock held by another connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one step per version. Append only: a released step never changes.
pub const MIGRATIONS: [&str; 1] = [V1];

/// The schema version this build writes.
#[expect(clippy::cast_possible_wrap, reason = "a handful of migrations")]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: bindings, cooldown marks, settings. A guild default has `channel_id = ''`
/// (a primary key column should not be NULL).
const V1: &str = "
CREATE TABLE bindings (
    platform    TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    guild_id    TEXT,
    reply_id    TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    tickets     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (platform, source_id)
) WITHOUT ROWID;
CREATE INDEX bindings_by_reply ON bindings (platform, reply_id);
CREATE INDEX bindings_by_created_at ON bindings (created_at);

CREATE TABLE cooldowns (
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    ticket_uuid TEXT NOT NULL,
    reply_id    TEXT NOT NULL,
    guild_id    TEXT,
    posted_at   INTEGER NOT NULL,
    channel_seq INTEGER NOT NULL,
    PRIMARY KEY (platform, channel_id, ticket_uuid)
) WITHOUT ROWID;
CREATE INDEX cooldowns_by_posted_at ON cooldowns (posted_at);

CREATE TABLE settings (
    platform      TEXT NOT NULL,
    guild_id      TEXT NOT NULL,
    channel_id    TEXT NOT NULL,
    passive       INTEGER,
    card_size     TEXT,
    requester     TEXT,
    cooldown_secs INTEGER,
    PRIMARY KEY (platform, guild_id, channel_id)
) WITHOUT ROWID;
";

/// SQLite's page cache per connection, in KiB.
pub(crate) const CACHE_KIB: i64 = 512;

/// Checks a freshly opened connection and brings its schema up to [`SCHEMA_VERSION`].
pub(crate) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    if conn.is_readonly(rusqlite::MAIN_DB).at(path)? {
        return Err(StoreError::unwritable(path, "the file is read-only"));
    }
    conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
    quick_check(conn, path)?;
    // WAL lets start-up reads and the writer thread overlap; NORMAL sync is safe with WAL.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        .at(path)?;
    conn.pragma_update(None, "synchronous", "NORMAL").at(path)?;
    // A small page cache: the bot reads the database at start-up and on rare lookups, and the
    // writer appends in batches. SQLite's default (2 MB) was 2.2 MB of the fault soak's peak.
    conn.pragma_update(None, "cache_size", -CACHE_KIB)
        .at(path)?;
    migrate(conn, path)
}

fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let verdict: String = conn
        .pragma_query_value(None, "quick_check", |row| row.get(0))
        .at(path)?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(StoreError::corrupt(
            path,
            format!("integrity check: {}", first_finding(&verdict)),
        ))
    }
}

/// The first real line of a `quick_check` report (it starts with a `*** in database main ***`
/// banner), so the error stays one line.
fn first_finding(report: &str) -> &str {
    report
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("***"))
        .unwrap_or(report.trim())
}

/// Applies the missing steps, one transaction each. The version is read inside an immediate
/// transaction so two processes opening the same file never apply a step twice.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let version = user_version(&tx).at(path)?;
        let Some(step) = next_step(version, path)? else {
            return Ok(());
        };
        tx.execute_batch(step).at(path)?;
        tx.pragma_update(None, "user_version", version + 1)
            .at(path)?;
        tx.commit().at(path)?;
    }
}

/// The `PRAGMA user_version` of `conn`.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

fn next_step(version: i64, path: &Path) -> Result<Option<&'static str>, StoreError> {
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let index = usize::try_from(version)
        .map_err(|_| StoreError::corrupt(path, format!("negative schema version {version}")))?;
    Ok(MIGRATIONS.get(index).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_every_step() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let error = migrate(&mut conn, Path::new("bot.db")).unwrap_err();
        assert!(
            matches!(error, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1),
            "{error}"
        );
    }

    #[test]
    fn a_negative_schema_version_is_corrupt() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", -1).unwrap();
        let error = migrate(&mut conn, Path::new("bot.db")).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    }
}
