//! Bounded work: at most [`MAX_MESSAGES_IN_FLIGHT`] messages are being answered (lookup and
//! reply) at once. serenity spawns a task per gateway event without bound, so when Xalantis is
//! slow or down the waiting tasks, and the memory they hold, would grow with the traffic. A
//! message beyond the bound is shed: counted in `xalantis_bot_events_shed_total` and logged at
//! warn, at most once per [`SHED_LOG_EVERY`] with the number shed since the last line.
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

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Most messages answered at once. Far above normal needs (a 50 ms Xalantis at 100 mentions/s
/// keeps about 5 in flight); each holds a few KiB, so the bound also bounds memory.
pub const MAX_MESSAGES_IN_FLIGHT: usize = 256;
/// Shortest time between two "shed" log lines.
pub const SHED_LOG_EVERY: Duration = Duration::from_secs(10);

/// Permits for messages in flight, and the shed count not yet logged.
#[derive(Debug)]
pub struct Admission {
    permits: Semaphore,
    limit: usize,
    unlogged: AtomicU64,
    last_log: Mutex<Option<Instant>>,
}

impl Admission {
    /// Room for `limit` messages at once.
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Semaphore::new(limit),
            limit,
            unlogged: AtomicU64::new(0),
            last_log: Mutex::new(None),
        }
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A permit held while one message is answered, or `None` when the bound is reached.
    pub fn try_admit(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.try_acquire().ok()
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
