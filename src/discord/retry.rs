//! Bounded retries of Discord REST calls: a 429 or a 5xx answer is tried again a few times, so a
//! reply is not lost to a short rate limit or a Discord hiccup; any other error is returned at
//! once.
//!
//! With `DISCORD_PROXY_URL` set, serenity's own rate limiter is off (it would bypass the proxy),
//! so nothing else retries. serenity's error keeps a 429's status but neither its headers nor the
//! body's `retry_after` (its `DiscordJsonError` has no place for it), so the wait cannot be the one
//! Discord asked for: it is [`RetryPolicy::rate_limit_wait`], doubled at each attempt, at least
//! the one-second reset of Discord's global limit and longer than the usual per-route reset.
//!
//! Retrying a create after a 5xx may post twice if Discord did create the message; give such
//! messages a nonce with `enforce_nonce` so Discord drops the duplicate. A call that has no such
//! guard, like an interaction's first answer, uses a policy that retries a 429 only
//! ([`INTERACTION_POLICY`]).
//!
//! ```no_run
//! # async fn demo(http: &serenity::http::Http, channel: serenity::all::ChannelId) -> serenity::Result<()> {
//! use serenity::all::CreateMessage;
//! use xalantis_bot::discord::retry::with_retry;
//! let message = CreateMessage::new().content("VEN1-000079 · Problème connexion");
//! with_retry(|| channel.send_message(http, message.clone())).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use serenity::http::HttpError;

/// How often and how long a failed call is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub attempts: u32,
    /// Wait after a 429 before the first retry; it doubles for each further one.
    pub rate_limit_wait: Duration,
    /// Wait after a 5xx before the first retry; it doubles for each further one. `None`: a 5xx
    /// is returned at once, for calls that must not be sent twice (Discord may have taken it).
    pub server_error_wait: Option<Duration>,
}

/// Three attempts; 1 s then 2 s after a 429, 250 ms then 500 ms after a 5xx. A reply is at most
/// 3 s late, and a Discord outage costs each reply three requests, not a storm.
pub const DEFAULT_POLICY: RetryPolicy = RetryPolicy {
    attempts: 3,
    rate_limit_wait: Duration::from_secs(1),
    server_error_wait: Some(Duration::from_millis(250)),
};

/// For an interaction's first answer (the callback), due within Discord's 3 s: one retry, 500 ms
/// after a 429, and none after a 5xx.
///
/// A 429 means Discord did not take the request, so sending it again cannot answer twice. A 5xx
/// may come after Discord took the answer; a second callback would then be refused ("Interaction
/// has already been acknowledged", 40060) and turn a delivered answer into a reported failure,
/// and the callback has no nonce to make a repeat harmless. So a 5xx is returned at once, as
/// before. (Followups and edits of the answer have 15 minutes: [`DEFAULT_POLICY`].)
pub const INTERACTION_POLICY: RetryPolicy = RetryPolicy {
    attempts: 2,
    rate_limit_wait: Duration::from_millis(500),
    server_error_wait: None,
};

impl Default for RetryPolicy {
    fn default() -> Self {
        DEFAULT_POLICY
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `failed + 1` after attempt `failed` (counted from 1)
    /// ended in `error`; `None` to give up.
    pub fn wait_before_retry(&self, error: &serenity::Error, failed: u32) -> Option<Duration> {
        if failed >= self.attempts {
            return None;
        }
        let first = match status_of(error)? {
            429 => self.rate_limit_wait,
            500..=599 => self.server_error_wait?,
            _ => return None,
        };
        let doubling = 2_u32.saturating_pow(failed.saturating_sub(1));
        Some(first.saturating_mul(doubling))
    }
}

/// The HTTP status Discord answered, when the call failed with one.
pub fn status_of(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Runs `call` with [`DEFAULT_POLICY`]: again after a 429 or a 5xx, within its bounds.
pub async fn with_retry<T, F, Fut>(call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
{
    with_policy(&DEFAULT_POLICY, call).await
}

/// Runs `call`, and again after a 429 or a 5xx as `policy` allows; the last error otherwise.
pub async fn with_policy<T, F, Fut>(policy: &RetryPolicy, mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
{
    let mut failed = 0;
    loop {
        let error = match call().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        failed += 1;
        let Some(wait) = policy.wait_before_retry(&error, failed) else {
            return Err(error);
        };
        tracing::debug!(
            status = status_of(&error),
            attempt = failed,
            ?wait,
            "Discord REST call failed; trying again"
        );
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use serenity::http::ErrorResponse;

    use super::*;

    /// The error serenity returns for a Discord answer with `status` and `body`.
    async fn http_error(status: u16, body: &str) -> serenity::Error {
        let response = axum::http::Response::builder()
            .status(status)
            .body(body.to_owned())
            .unwrap();
        let response =
            ErrorResponse::from_response(reqwest::Response::from(response), reqwest::Method::POST)
                .await;
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
    }

    async fn rate_limited() -> serenity::Error {
        http_error(
            429,
            r#"{"message": "You are being rate limited.", "retry_after": 0.5, "global": false}"#,
        )
        .await
    }

    const FAST: RetryPolicy = RetryPolicy {
        attempts: 3,
        rate_limit_wait: Duration::from_millis(4),
        server_error_wait: Some(Duration::from_millis(1)),
    };

    #[tokio::test]
    async fn rate_limits_and_server_errors_are_retried_with_doubling_waits() {
        let policy = DEFAULT_POLICY;
        let limited = rate_limited().await;
        assert_eq!(status_of(&limited), Some(429));
        assert_eq!(
            policy.wait_before_retry(&limited, 1),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.wait_before_retry(&limited, 2),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.wait_before_retry(&limited, 3), None);
        for status in [500, 502, 503, 504] {
            let error = http_error(status, r#"{"message": "oops", "code": 0}"#).await;
            assert_eq!(
                policy.wait_before_retry(&error, 1),
                Some(Duration::from_millis(250)),
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn client_errors_are_never_retried() {
        for status in [400, 401, 403, 404] {
            let error =
                http_error(status, r#"{"message": "Unknown Message", "code": 10008}"#).await;
            assert_eq!(
                DEFAULT_POLICY.wait_before_retry(&error, 1),
                None,
                "{status}"
            );
        }
        assert_eq!(
            DEFAULT_POLICY.wait_before_retry(&serenity::Error::Other("x"), 1),
            None
        );
    }

    #[tokio::test]
    async fn an_interaction_answer_is_retried_once_after_a_429_and_never_after_a_5xx() {
        let limited = rate_limited().await;
        let wait = INTERACTION_POLICY.wait_before_retry(&limited, 1);
        assert_eq!(wait, Some(Duration::from_millis(500)));
        assert_eq!(INTERACTION_POLICY.wait_before_retry(&limited, 2), None);
        let deferred_retry = crate::discord::interactions::DEFER_AFTER + wait.unwrap_or_default();
        assert!(
            deferred_retry < Duration::from_secs(3),
            "within Discord's 3 s"
        );
        for status in [500, 502, 503, 504] {
            let error = http_error(status, r#"{"message": "oops", "code": 0}"#).await;
            let wait = INTERACTION_POLICY.wait_before_retry(&error, 1);
            assert_eq!(wait, None, "{status}");
        }
    }

    #[tokio::test]
    async fn a_call_is_tried_until_it_succeeds_within_the_attempts() {
        let calls = AtomicU32::new(0);
        let answer = with_policy(&FAST, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(rate_limited().await),
                1 => Err(http_error(502, "bad gateway").await),
                _ => Ok("sent"),
            }
        })
        .await;
        assert_eq!(answer.unwrap(), "sent");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_lasting_failure_costs_exactly_the_attempts() {
        let calls = AtomicU32::new(0);
        let answer: serenity::Result<()> = with_policy(&FAST, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(rate_limited().await)
        })
        .await;
        assert_eq!(status_of(&answer.unwrap_err()), Some(429));
        assert_eq!(calls.load(Ordering::SeqCst), FAST.attempts);
    }
}
