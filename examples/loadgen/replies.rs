//! Watches every REST request the consumer makes to the fake Discord (its request feed) and
//! keeps the replies: which message each answers and when the fake received it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;
use xalantis_fakes::discord::RecordedRequest;

/// What the feed has shown so far.
#[derive(Debug, Default)]
pub struct Seen {
    /// `(source message id, received at)` of each reply, in arrival order.
    pub replies: Vec<(u64, Instant)>,
    /// Arrival of the latest request of any kind.
    pub last_request: Option<Instant>,
    /// Requests that were not replies (command registration, edits, …).
    pub other: usize,
    /// Requests the fake answered with an error status.
    pub failed: usize,
}

/// Shared view of the feed.
#[derive(Debug, Clone, Default)]
pub struct Replies(Arc<Mutex<Seen>>);

impl Replies {
    /// Starts reading `feed` in the background.
    pub fn watch(feed: UnboundedReceiver<RecordedRequest>) -> Self {
        let replies = Self::default();
        tokio::spawn(replies.clone().read(feed));
        replies
    }

    async fn read(self, mut feed: UnboundedReceiver<RecordedRequest>) {
        while let Some(request) = feed.recv().await {
            let mut seen = self.lock();
            seen.last_request = Some(request.received_at);
            if request.status >= 400 {
                seen.failed += 1;
            }
            match reply_source(&request) {
                Some(source) => seen.replies.push((source, request.received_at)),
                None => seen.other += 1,
            }
        }
    }

    /// Runs `f` over what was seen.
    pub fn with<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.lock())
    }

    /// Replies seen so far.
    pub fn count(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The message a `POST /channels/{c}/messages` answers (its `message_reference`).
fn reply_source(request: &RecordedRequest) -> Option<u64> {
    if request.method != "POST"
        || !request.path.starts_with("/api/v10/channels/")
        || !request.path.ends_with("/messages")
    {
        return None;
    }
    snowflake(&request.body.as_ref()?["message_reference"]["message_id"])
}

/// Reads a figure from the `OpenMetrics` text of `/metrics`: the value of the first line that
/// starts with `series` (name and labels).
pub fn metric(text: &str, series: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(series))?;
    line[series.len()..].split_whitespace().next()?.parse().ok()
}

/// `GET {url}` as text; `None` when unreachable.
pub async fn fetch_text(client: &reqwest::Client, url: &str) -> Option<String> {
    let response = client.get(url).send().await.ok()?;
    response.text().await.ok()
}

/// The value of a JSON snowflake (string or number).
pub fn snowflake(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}
