//! Retry policy and the shared rate-limit window of the Xalantis client.
//!
//! A 5xx or a lost connection is retried a bounded number of times with exponential backoff;
//! a 429 opens a window (its `Retry-After`, capped) during which no clone of the client sends
//! anything, and the call that met it is retried once, only if the wait is short. Both are
//! private to [`super::client`]; its tests in `tests/it/xalantis_client.rs` pin the behaviour.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::XalantisError;
use super::client::{ClientConfig, DEFAULT_RETRY_AFTER, MAX_RATE_LIMIT_WINDOW};

/// Counts the retries of one logical call.
#[derive(Debug, Default)]
pub(super) struct Retries {
    transient: u32,
    rate_limited: bool,
}

impl Retries {
    /// How long to wait before trying again, or `None` to give up with `error`.
    pub(super) fn delay_before_next(
        &mut self,
        error: &XalantisError,
        config: &ClientConfig,
    ) -> Option<Duration> {
        match error {
            // The shared window does the waiting; one retry only, and only if it is short.
            XalantisError::RateLimited { retry_after } if !self.rate_limited => {
                self.rate_limited = true;
                let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                (wait <= config.max_retry_after).then_some(Duration::ZERO)
            }
            XalantisError::Server { .. } | XalantisError::Unreachable(_)
                if self.transient < config.server_retries =>
            {
                let factor = 2_u32.saturating_pow(self.transient);
                self.transient += 1;
                Some(config.retry_backoff.saturating_mul(factor))
            }
            _ => None,
        }
    }
}

/// The instant until which no request may be sent, shared by every clone of a client.
#[derive(Debug, Default)]
pub(super) struct RateWindow {
    closed_until: Mutex<Option<Instant>>,
}

impl RateWindow {
    /// Closes the window for `wait` (capped), or until later if it is already closed longer.
    pub(super) fn open(&self, wait: Duration) {
        let until = Instant::now() + wait.min(MAX_RATE_LIMIT_WINDOW);
        let mut closed_until = self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *closed_until = Some(closed_until.map_or(until, |current| current.max(until)));
    }

    fn closed_until(&self) -> Option<Instant> {
        let closed_until = *self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        closed_until.filter(|until| *until > Instant::now())
    }

    /// Waits for the window to close, or fails at once if it stays closed beyond `bound`.
    pub(super) async fn wait(&self, bound: Duration) -> Result<(), XalantisError> {
        let give_up_after = Instant::now() + bound;
        while let Some(until) = self.closed_until() {
            if until > give_up_after {
                let retry_after = Some(until.saturating_duration_since(Instant::now()));
                return Err(XalantisError::RateLimited { retry_after });
            }
            tokio::time::sleep_until(until).await;
        }
        Ok(())
    }
}
