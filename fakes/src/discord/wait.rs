//! Waiting for the bot: a condition over the fake, a recorded request, a live gateway. Waiters
//! wake on every recorded request and client gateway frame, and poll every 20 ms as a fallback.

use std::time::Duration;

use super::{FakeDiscord, RecordedRequest, Timeout};

impl FakeDiscord {
    /// Waits until `condition` holds, re-checking after every request and gateway change.
    pub async fn wait_for(
        &self,
        condition: impl Fn(&Self) -> bool,
        timeout: Duration,
    ) -> Result<(), Timeout> {
        self.wait_until("a condition", timeout, || condition(self).then_some(()))
            .await
    }

    /// Waits for a live gateway session: READY or RESUMED has been queued to the connection
    /// (the bot may still be reading it; events dispatched from now on reach it in order).
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until("the gateway to be ready", timeout, || {
            self.is_connected().then_some(())
        })
        .await
    }

    /// Waits for the first recorded request matching `predicate` (earlier ones count too; with
    /// [`super::Options::keep_requests`] off, use [`FakeDiscord::request_feed`] instead).
    pub async fn wait_for_request(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Result<RecordedRequest, Timeout> {
        let find = || {
            self.shared
                .requests
                .lock()
                .expect("requests lock")
                .iter()
                .find(|r| predicate(r))
                .cloned()
        };
        self.wait_until("a matching request", timeout, find).await
    }

    async fn wait_until<T>(
        &self,
        waiting_for: &'static str,
        timeout: Duration,
        mut check: impl FnMut() -> Option<T>,
    ) -> Result<T, Timeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.changes.subscribe();
        loop {
            if let Some(found) = check() {
                return Ok(found);
            }
            // What the test itself changes (dispatches, faults) does not signal; poll as a fallback.
            let tick = tokio::time::sleep(Duration::from_millis(20));
            tokio::select! {
                _ = changes.changed() => {}
                () = tick => {}
                () = tokio::time::sleep_until(deadline) => return Err(Timeout { waiting_for, after: timeout }),
            }
        }
    }
}
