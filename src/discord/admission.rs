//! Bounded work: at most [`MAX_MESSAGES_IN_FLIGHT`] messages are being answered (lookup and
//! reply) at once, so when Xalantis is slow or down the work waiting, and the memory it holds,
//! cannot grow with the traffic.
//!
//! When the bound is reached, the gateway reader waits for room ([`Admission::wait`], at most
//! [`MAX_ADMISSION_WAIT`]): events then wait in the socket and at Discord, not in memory, and a
//! flood of mentions is answered in full, only later. When a wait runs out (the work in flight
//! is stuck, e.g. on a Xalantis that does not answer), the bound is marked stalled and messages
//! are shed without waiting until room appears again, so the reader keeps reading (interactions
//! and the heartbeat go on). A shed message is counted in `xalantis_bot_events_shed_total` and
//! logged at warn, at most once per [`SHED_LOG_EVERY`] with the number shed since the last line.
//!
//! ```
//! use xalantis_bot::discord::admission::Admission;
//! let admission = Admission::new(1);
//! let first = admission.try_admit().expect("room for one");
//! assert!(admission.try_admit().is_none());
//! assert_eq!(admission.shed_to_log(), Some(1));
//! drop(first);
//! assert!(admission.try_admit().is_some());
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most messages being answered at once (lookup and reply). A message waiting for its lookup
/// holds little (its mentions and a task, a few KiB), so the bound is generous: a Xalantis that
/// rate-limits the bot for a second while 1,000 mentions a second arrive still finds room.
pub const MAX_MESSAGES_IN_FLIGHT: usize = 1024;
/// Most messages being sent to Discord at once (posts, edits, deletes). Each holds an HTTP/1
/// connection with its buffers, about 130 KiB measured with `loadgen`: 256 sends at once took
/// the peak RSS from 20 to 54 MiB, 64 to 32 MiB at the same throughput. Discord takes 50
/// requests a second from a bot, so 16 at once (160 a second at a 100 ms round trip) is room
/// enough, and keeps the flood's peak under 40 MB.
pub const MAX_SENDS_IN_FLIGHT: usize = 16;
/// Longest the gateway reader waits for room before messages are shed.
pub const MAX_ADMISSION_WAIT: Duration = Duration::from_secs(1);
/// Shortest time between two "shed" log lines.
pub const SHED_LOG_EVERY: Duration = Duration::from_secs(10);

/// Permits for messages in flight, and the shed count not yet logged.
#[derive(Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
    limit: usize,
    stalled: AtomicBool,
    unlogged: AtomicU64,
    last_log: Mutex<Option<Instant>>,
}

impl Admission {
    /// Room for `limit` messages at once.
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            stalled: AtomicBool::new(false),
            unlogged: AtomicU64::new(0),
            last_log: Mutex::new(None),
        }
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A permit held while one message is answered, or `None` when the bound is reached.
    pub fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().ok();
        if permit.is_some() {
            self.stalled.store(false, Ordering::Relaxed);
        }
        permit
    }

    /// A permit, waiting for one at most [`MAX_ADMISSION_WAIT`], and not at all while stalled
    /// (the last wait ran out and no permit was free since); `None` means shed.
    pub async fn wait(&self) -> Option<OwnedSemaphorePermit> {
        if let Some(permit) = self.try_admit() {
            return Some(permit);
        }
        if self.stalled.load(Ordering::Relaxed) {
            return None;
        }
        let room = Arc::clone(&self.permits).acquire_owned();
        if let Ok(Ok(permit)) = tokio::time::timeout(MAX_ADMISSION_WAIT, room).await {
            return Some(permit);
        }
        self.stalled.store(true, Ordering::Relaxed);
        None
    }

    /// Counts one shed message; returns how many to report when a log line is due.
    pub fn shed_to_log(&self) -> Option<u64> {
        self.unlogged.fetch_add(1, Ordering::Relaxed);
        let mut last = self
            .last_log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < SHED_LOG_EVERY) {
            return None;
        }
        *last = Some(Instant::now());
        Some(self.unlogged.swap(0, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_bound_waits_for_room_then_sheds_at_once_while_stalled() {
        let admission = Arc::new(Admission::new(1));
        let held = admission.try_admit().unwrap();
        let waiting = tokio::spawn({
            let admission = Arc::clone(&admission);
            async move { admission.wait().await.is_some() }
        });
        tokio::time::sleep(MAX_ADMISSION_WAIT / 2).await;
        drop(held);
        assert!(waiting.await.unwrap(), "room appeared within the wait");
        let held = admission.try_admit().unwrap();
        let started = tokio::time::Instant::now();
        assert!(admission.wait().await.is_none(), "no room within the wait");
        assert_eq!(started.elapsed(), MAX_ADMISSION_WAIT);
        let started = tokio::time::Instant::now();
        assert!(
            admission.wait().await.is_none(),
            "stalled: shed without waiting"
        );
        assert_eq!(started.elapsed(), Duration::ZERO);
        drop(held);
        assert!(
            admission.wait().await.is_some(),
            "room again ends the stall"
        );
    }

    #[test]
    fn a_burst_of_shed_messages_gives_one_log_line_with_the_count_after_it() {
        let admission = Admission::new(1);
        assert_eq!(admission.shed_to_log(), Some(1));
        for _ in 0..99 {
            assert_eq!(admission.shed_to_log(), None);
        }
        *admission.last_log.lock().unwrap() = Instant::now().checked_sub(SHED_LOG_EVERY);
        assert_eq!(admission.shed_to_log(), Some(100));
    }
}
