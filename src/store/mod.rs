//! State that survives restarts: reply bindings, cooldown marks and per-channel settings in an
//! embedded `SQLite` database (`DATABASE_PATH`).
//!
//! Reads happen once, at start-up ([`Store::load_bindings`] and friends); the chat hot path only
//! enqueues writes on a [`StoreWriter`], which one dedicated thread applies. Opening checks the
//! file and migrates its schema ([`schema::MIGRATIONS`]); a corrupt, unwritable or too new
//! database is a [`StoreError`] naming `DATABASE_PATH`, never a panic.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), xalantis_bot::store::StoreError> {
//! use xalantis_bot::store::{CooldownRecord, Store};
//! let store = Store::open_in_memory()?;
//! store.writer().put_cooldown(CooldownRecord {
//!     platform: "discord".into(), channel_id: "11".into(), ticket_uuid: "be2dde82".into(),
//!     reply_id: "12".into(), guild_id: None, posted_at: 1_700_000_000, channel_seq: 7,
//! });
//! store.writer().flush().await;
//! assert_eq!(store.load_cooldowns(1_699_999_000)?[0].reply_id, "12");
//! # Ok(()) }
//! ```

mod error;
mod records;
pub mod schema;
mod sql;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags};

use self::error::AtPath;
pub use self::error::StoreError;
pub use self::records::{
    BindingRecord, CooldownRecord, PLATFORM_DISCORD, PLATFORM_SLACK, SettingsRecord,
};
pub use self::writer::StoreWriter;

/// Writes the queue holds before new ones are dropped.
pub const DEFAULT_QUEUE_CAPACITY: usize = 4096;

/// How a [`Store`] is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Writes the queue holds before new ones are dropped (at least 1).
    pub queue_capacity: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

impl StoreOptions {
    /// Opens (creating if missing) the database file at `path`.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        check_location(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).at(path)?;
        self.start(conn, path)
    }

    /// Opens a private database that lives as long as the [`Store`] (for tests and the console).
    pub fn open_in_memory(&self) -> Result<Store, StoreError> {
        let path = Path::new(":memory:");
        self.start(Connection::open_in_memory().at(path)?, path)
    }

    fn start(self, mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        schema::prepare(&mut conn, path)?;
        let conn = Arc::new(Mutex::new(conn));
        let writer = StoreWriter::spawn(Arc::clone(&conn), self.queue_capacity).map_err(|e| {
            StoreError::Sqlite {
                path: path.to_owned(),
                detail: format!("cannot start the writer thread: {e}"),
            }
        })?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            writer,
        })
    }
}

/// Refuses, with a clear reason, a path no database file can be created at.
fn check_location(path: &Path) -> Result<(), StoreError> {
    if path.is_dir() {
        return Err(StoreError::unwritable(path, "it is a directory"));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(StoreError::unwritable(
            path,
            format!("directory {} does not exist", parent.display()),
        ));
    }
    Ok(())
}

/// The open database: start-up reads here, writes through [`Store::writer`].
#[derive(Debug)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    writer: StoreWriter,
}

impl Store {
    /// Opens (creating if missing) the database at `path` with [`StoreOptions::default`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        StoreOptions::default().open(path)
    }

    /// Opens a private in-memory database with [`StoreOptions::default`].
    pub fn open_in_memory() -> Result<Self, StoreError> {
        StoreOptions::default().open_in_memory()
    }

    /// The database file (`:memory:` for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A handle that enqueues writes for the writer thread.
    pub fn writer(&self) -> StoreWriter {
        self.writer.clone()
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        schema::user_version(&self.lock()).at(&self.path)
    }

    /// Bindings created at or after `since_unix`, oldest first.
    pub fn load_bindings(&self, since_unix: i64) -> Result<Vec<BindingRecord>, StoreError> {
        sql::load_bindings(&self.lock(), since_unix).at(&self.path)
    }

    /// The binding whose reply is `reply_id` (an indexed lookup, for buttons on a card).
    /// Synchronous and shares the writer's connection: from async code, prefer an in-memory
    /// index built from [`Store::load_bindings`], or `spawn_blocking`.
    pub fn binding_by_reply(
        &self,
        platform: &str,
        reply_id: &str,
    ) -> Result<Option<BindingRecord>, StoreError> {
        sql::binding_by_reply(&self.lock(), platform, reply_id).at(&self.path)
    }

    /// Cooldown marks posted at or after `since_unix`, oldest first.
    pub fn load_cooldowns(&self, since_unix: i64) -> Result<Vec<CooldownRecord>, StoreError> {
        sql::load_cooldowns(&self.lock(), since_unix).at(&self.path)
    }

    /// Every guild default and channel override.
    pub fn load_settings(&self) -> Result<Vec<SettingsRecord>, StoreError> {
        sql::load_settings(&self.lock()).at(&self.path)
    }

    /// Writes everything queued, stops the writer thread and closes the database cleanly (folding
    /// the write-ahead log back into the file). Writes enqueued afterwards are dropped.
    pub async fn close(self) {
        self.writer.close().await;
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
