//! State that survives restarts: the SQLite store (`DATABASE_PATH`) and the per-channel
//! settings read from it. Opened once at start-up; a corrupt or unwritable database is a clear
//! start-up error.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::settings::{Effective, Settings};
use crate::store::{Store, StoreWriter};

/// `DATABASE_PATH` value that keeps everything in memory (nothing survives a restart).
pub const IN_MEMORY: &str = ":memory:";
/// How long bindings and cooldown marks are kept (the longest a card stays live or cools down).
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// How often expired rows are removed.
pub const EXPIRE_EVERY: Duration = Duration::from_secs(60 * 60);

/// The open store and the settings over it.
pub struct State {
    store: Store,
    /// Per-channel settings, read on every message from memory.
    pub settings: Arc<Settings>,
}

impl State {
    /// Opens `DATABASE_PATH` (creating it), runs its migrations and loads the settings.
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let store = if config.database_path.as_os_str() == IN_MEMORY {
            Store::open_in_memory()?
        } else {
            Store::open(&config.database_path)?
        };
        let settings = Settings::new(Effective::from_config(config), store.load_settings()?)
            .persisting_to(store.writer());
        Ok(Self {
            store,
            settings: Arc::new(settings),
        })
    }

    /// The store, for start-up reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A handle that queues writes without blocking.
    pub fn writer(&self) -> StoreWriter {
        self.store.writer()
    }

    /// Unix time before which bindings and cooldown marks no longer matter.
    pub fn cutoff() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
            - i64::try_from(KEEP_FOR.as_secs()).unwrap_or(i64::MAX)
    }

    /// Removes expired rows now and every [`EXPIRE_EVERY`] (spawn it; abort it at shutdown).
    pub fn keep_expiring(&self) -> tokio::task::JoinHandle<()> {
        let writer = self.writer();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(EXPIRE_EVERY);
            loop {
                every.tick().await;
                writer.expire(Self::cutoff());
            }
        })
    }

    /// Writes what is queued and closes the database.
    pub async fn close(self) {
        self.store.close().await;
    }
}
