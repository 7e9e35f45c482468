//! Waiting between reconnections, shared by the Discord gateway and Slack's Socket Mode.
//!
//! ```
//! use xalantis_bot::backoff::{Backoff, FIRST_BACKOFF, MAX_BACKOFF};
//! let mut backoff = Backoff::default();
//! assert_eq!(backoff.next(), FIRST_BACKOFF);
//! assert_eq!(backoff.next(), FIRST_BACKOFF * 2);
//! (0..10).for_each(|_| { backoff.next(); });
//! assert_eq!(backoff.next(), MAX_BACKOFF);
//! backoff.reset();
//! assert_eq!(backoff.next(), FIRST_BACKOFF);
//! ```

use std::time::Duration;

/// First wait after a failed connection; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait between failed connections.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Waits between failed connections: [`FIRST_BACKOFF`], doubling up to [`MAX_BACKOFF`].
#[derive(Debug)]
pub struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Self(FIRST_BACKOFF)
    }
}

impl Backoff {
    /// The wait before the next attempt.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
        wait
    }

    /// A connection worked: the next failure waits [`FIRST_BACKOFF`] again.
    pub fn reset(&mut self) {
        self.0 = FIRST_BACKOFF;
    }
}

/// Sleeps `wait` before reconnecting to `service`; true when `shutdown` came first.
pub async fn pause(service: &str, shutdown: impl Future<Output = ()>, wait: Duration) -> bool {
    tracing::info!(
        service,
        wait_ms = wait.as_millis(),
        "reconnecting after a pause"
    );
    tokio::select! {
        () = shutdown => true,
        () = tokio::time::sleep(wait) => false,
    }
}
