//! Backpressure on the gateway reader: at most [`MAX_QUEUED_MESSAGES`] MESSAGE_CREATE events
//! read but not yet handled.
//!
//! serenity's shard runner reads the gateway in a loop and spawns a task per event; it never
//! waits for those tasks. When events arrive faster than the handlers run (a flood, a starved
//! CPU), the spawned tasks queue in the runtime, each holding its message, and memory grows with
//! the flood. serenity runs "collectors" synchronously in that loop for every event: ours counts
//! message events, and once [`MAX_QUEUED_MESSAGES`] wait, holds the reader (at most
//! [`MAX_READER_WAIT`]) until half of them are handled. Events then wait in the socket and at
//! Discord instead of in memory; none is dropped.
//!
//! ```
//! use xalantis_bot::discord::backlog::{Backlog, MAX_QUEUED_MESSAGES};
//! let backlog = Backlog::default();
//! backlog.count_read();
//! assert_eq!(backlog.queued(), 1);
//! backlog.count_handled();
//! assert_eq!(backlog.queued(), 0);
//! assert!(MAX_QUEUED_MESSAGES >= 256);
//! ```

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serenity::all::{Event, ShardId, ShardManager};
use serenity::gateway::CollectorCallback;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::gate::Gate;

/// Message events read but not yet handled before the reader waits (a few KiB each).
pub const MAX_QUEUED_MESSAGES: usize = 1024;
/// Longest the reader waits at once (it also sends the heartbeats, every ~41 s).
pub const MAX_READER_WAIT: Duration = Duration::from_secs(2);
/// How often shards are checked for a missing collector (a new shard runner after a restart).
pub const REGISTER_EVERY: Duration = Duration::from_millis(250);

/// Message events between the gateway reader and the handlers.
#[derive(Debug, Default)]
pub struct Backlog {
    queued: AtomicUsize,
    waits: AtomicU64,
    watched: Mutex<HashSet<ShardId>>,
}

impl Backlog {
    /// Message events read and not yet handled.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// How often the reader waited so far.
    pub fn waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// One message event read (in the reader's loop); returns the number queued.
    pub fn count_read(&self) -> usize {
        self.queued.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// One message event reached its handler.
    pub fn count_handled(&self) {
        let _ = self
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Called by the collector for every event the reader dispatches.
    fn on_event(&self, event: &Event, gate: &Gate) {
        if matches!(event, Event::MessageCreate(_)) && self.count_read() > MAX_QUEUED_MESSAGES {
            self.wait_for_handlers(gate);
        }
    }

    /// Holds the reader's thread until half the queue is handled, [`MAX_READER_WAIT`] passes or
    /// shutdown starts. Only on a multi-thread runtime: `block_in_place` hands this worker's
    /// other tasks to another thread, so handlers keep running; on a current-thread runtime
    /// waiting would stop them too.
    fn wait_for_handlers(&self, gate: &Gate) {
        let multi_thread =
            Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
        if !multi_thread {
            return;
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + MAX_READER_WAIT;
        tokio::task::block_in_place(|| {
            while self.queued() > MAX_QUEUED_MESSAGES / 2
                && Instant::now() < deadline
                && !gate.is_closed()
            {
                std::thread::sleep(Duration::from_micros(200));
            }
        });
    }

    /// The collector for one shard; the shard counts as watched until serenity drops it (with
    /// its runner).
    fn collector(self: &Arc<Self>, shard: ShardId, gate: Arc<Gate>) -> CollectorCallback {
        self.watched_shards().insert(shard);
        let guard = Watched {
            backlog: Arc::clone(self),
            shard,
        };
        CollectorCallback(Box::new(move |event| {
            guard.backlog.on_event(event, &gate);
            true
        }))
    }

    fn watched_shards(&self) -> std::sync::MutexGuard<'_, HashSet<ShardId>> {
        self.watched.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks a shard as watched while its collector lives.
struct Watched {
    backlog: Arc<Backlog>,
    shard: ShardId,
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.backlog.watched_shards().remove(&self.shard);
    }
}

/// Gives every shard runner a collector counting into `backlog`, now and after restarts;
/// runs until aborted.
pub async fn keep_reader_bounded(
    shards: Arc<ShardManager>,
    backlog: Arc<Backlog>,
    gate: Arc<Gate>,
) {
    loop {
        for (shard, info) in shards.runners.lock().await.iter() {
            if !backlog.watched_shards().contains(shard) {
                info.runner_tx
                    .add_collector(backlog.collector(*shard, Arc::clone(&gate)));
            }
        }
        tokio::time::sleep(REGISTER_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handled_messages_never_take_the_count_below_zero() {
        let backlog = Backlog::default();
        backlog.count_handled();
        assert_eq!(backlog.count_read(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_holds_the_reader_until_half_is_handled() {
        let backlog = Arc::new(Backlog::default());
        for _ in 0..MAX_QUEUED_MESSAGES {
            backlog.count_read();
        }
        let handlers = Arc::clone(&backlog);
        let handled = tokio::spawn(async move {
            for _ in 0..=MAX_QUEUED_MESSAGES / 2 {
                tokio::time::sleep(Duration::from_micros(10)).await;
                handlers.count_handled();
            }
        });
        let started = Instant::now();
        backlog.count_read();
        backlog.wait_for_handlers(&Gate::default());
        assert!(backlog.queued() <= MAX_QUEUED_MESSAGES / 2 + 1);
        assert!(started.elapsed() < MAX_READER_WAIT);
        assert_eq!(backlog.waits(), 1);
        handled.await.unwrap();
    }
}
