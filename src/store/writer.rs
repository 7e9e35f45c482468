//! One thread owns all database writes; chat handlers only enqueue. The queue is bounded: when it
//! is full a write is dropped and counted rather than making a chat reply wait on the disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

use super::records::{BindingRecord, CooldownRecord, SettingsRecord};
use super::sql;

/// One queued write.
#[derive(Debug)]
enum Command {
    PutBinding(BindingRecord),
    DeleteBinding {
        platform: String,
        source_id: String,
    },
    PutCooldown(CooldownRecord),
    PutSettings(SettingsRecord),
    DeleteSettings {
        platform: String,
        guild_id: String,
        channel_id: Option<String>,
    },
    Expire {
        before: i64,
    },
    Flush(oneshot::Sender<()>),
    Close(oneshot::Sender<()>),
}

/// Enqueues writes for the store's writer thread; cheap to clone, never blocks.
///
/// The thread stops once the [`Store`](super::Store) and every `StoreWriter` are dropped.
#[derive(Debug, Clone)]
pub struct StoreWriter {
    queue: mpsc::Sender<Command>,
    dropped: Arc<AtomicU64>,
}

impl StoreWriter {
    /// Starts the writer thread over `conn` with a queue of `capacity` writes (at least 1).
    pub(crate) fn spawn(conn: Arc<Mutex<Connection>>, capacity: usize) -> std::io::Result<Self> {
        let (queue, commands) = mpsc::channel(capacity.max(1));
        std::thread::Builder::new()
            .name("xalantis-store".to_owned())
            .spawn(move || run(conn, commands))?;
        Ok(Self {
            queue,
            dropped: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Saves (or replaces) a binding.
    pub fn put_binding(&self, record: BindingRecord) {
        self.enqueue(Command::PutBinding(record));
    }

    /// Forgets the binding of a source message.
    pub fn delete_binding(&self, platform: &str, source_id: &str) {
        let (platform, source_id) = (platform.to_owned(), source_id.to_owned());
        self.enqueue(Command::DeleteBinding {
            platform,
            source_id,
        });
    }

    /// Saves (or replaces) a cooldown mark.
    pub fn put_cooldown(&self, record: CooldownRecord) {
        self.enqueue(Command::PutCooldown(record));
    }

    /// Saves (or replaces) the settings of one scope.
    pub fn put_settings(&self, record: SettingsRecord) {
        self.enqueue(Command::PutSettings(record));
    }

    /// Forgets the settings of one scope (`channel_id: None`: the guild default).
    pub fn delete_settings(&self, platform: &str, guild_id: &str, channel_id: Option<&str>) {
        self.enqueue(Command::DeleteSettings {
            platform: platform.to_owned(),
            guild_id: guild_id.to_owned(),
            channel_id: channel_id.map(str::to_owned),
        });
    }

    /// Removes bindings created and cooldown marks posted before `before_unix` (settings stay).
    pub fn expire(&self, before_unix: i64) {
        self.enqueue(Command::Expire {
            before: before_unix,
        });
    }

    /// Writes dropped because the queue was full (or the writer thread had stopped).
    pub fn dropped_writes(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Resolves once every write queued before this call is in the database. Unlike the writes,
    /// it waits for room in the queue.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).await.is_ok() {
            // An error means the thread stopped: nothing more will be written anyway.
            let _ = written.await;
        }
    }

    /// Writes what is queued, then stops the thread and lets go of its connection; later writes
    /// are dropped.
    pub(crate) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Command::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }

    fn enqueue(&self, command: Command) {
        let Err(error) = self.queue.try_send(command) else {
            return;
        };
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        // Powers of two only: a flood of drops must not become a flood of log lines.
        if dropped.is_power_of_two() {
            let reason = match error {
                TrySendError::Full(_) => "the write queue is full",
                TrySendError::Closed(_) => "the writer thread has stopped",
            };
            tracing::warn!(dropped, reason, "database write dropped");
        }
    }
}

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 1024;

/// How long the thread lets writes gather after the first one of a batch before it commits them
/// (a flush or close is written at once). Each commit rewrites the WAL pages it touched, so under
/// load one commit for many replies costs far less than one for each: at 4,000 replies a second,
/// committing whatever was queued took 16 % of the bot's CPU (BENCHMARKS.md). A crash loses at
/// most this much more than the queue already held.
const LINGER: Duration = Duration::from_millis(50);

fn run(conn: Arc<Mutex<Connection>>, mut commands: mpsc::Receiver<Command>) {
    let mut closed = None;
    let mut batch = Vec::new();
    while let Some(command) = commands.blocking_recv() {
        let urgent = matches!(command, Command::Flush(_) | Command::Close(_));
        batch.push(command);
        if !urgent {
            std::thread::sleep(LINGER);
        }
        while batch.len() < MAX_BATCH {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        if let Some(done) = write_batch(&conn, &mut batch) {
            closed = Some(done);
            break;
        }
    }
    commands.close();
    drop(conn);
    tracing::debug!("database writer stopped");
    if let Some(done) = closed {
        let _ = done.send(());
    }
}

/// Writes the batch's commands in order, in one transaction (one WAL commit for a burst of
/// replies instead of one each); answers flushes once the writes before them are committed.
/// Returns the close request, if the batch holds one (commands after it are dropped).
fn write_batch(conn: &Mutex<Connection>, batch: &mut Vec<Command>) -> Option<oneshot::Sender<()>> {
    let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
    let mut flushed = Vec::new();
    let mut closed = None;
    let in_transaction = batch.len() > 1 && conn.execute_batch("BEGIN").is_ok();
    for command in batch.drain(..) {
        match command {
            Command::Flush(done) => flushed.push(done),
            Command::Close(done) => {
                closed = Some(done);
                break;
            }
            command => {
                if let Err(error) = execute(&conn, &command) {
                    tracing::error!(%error, ?command, "database write failed");
                }
            }
        }
    }
    if in_transaction && let Err(error) = conn.execute_batch("COMMIT") {
        tracing::error!(%error, "database commit failed");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for done in flushed {
        let _ = done.send(());
    }
    closed
}

fn execute(conn: &Connection, command: &Command) -> rusqlite::Result<()> {
    match command {
        Command::PutBinding(record) => sql::put_binding(conn, record),
        Command::DeleteBinding {
            platform,
            source_id,
        } => sql::delete_binding(conn, platform, source_id),
        Command::PutCooldown(record) => sql::put_cooldown(conn, record),
        Command::PutSettings(record) => sql::put_settings(conn, record),
        Command::DeleteSettings {
            platform,
            guild_id,
            channel_id,
        } => sql::delete_settings(conn, platform, guild_id, channel_id.as_deref()),
        Command::Expire { before } => {
            let removed = sql::expire(conn, *before)?;
            tracing::debug!(removed, before, "expired old bindings and cooldown marks");
            Ok(())
        }
        Command::Flush(_) | Command::Close(_) => Ok(()),
    }
}
