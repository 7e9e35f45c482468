//! What can go wrong talking to Xalantis, typed because callers branch on it, and how an HTTP
//! answer (status, `Retry-After`, error envelope, transport failure) maps onto it.
//!
//! ```
//! use xalantis_bot::xalantis::XalantisError;
//! let error = XalantisError::AccessRefused { status: 401 };
//! assert_eq!(error.kind(), "access_refused");
//! assert_eq!(error.user_message(), "The bot's access to Xalantis was refused.");
//! ```

use std::error::Error as _;
use std::time::Duration;

use reqwest::Response;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use super::client::MAX_RATE_LIMIT_WINDOW;

/// A failed Xalantis call. "Not found" is not an error: lookups return `Ok(None)` for it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum XalantisError {
    /// 401/403 or an `UNAUTHORIZED`/`FORBIDDEN` envelope: the token is wrong or lacks a scope.
    #[error("Xalantis refused the bot's access (HTTP {status})")]
    AccessRefused {
        /// HTTP status received.
        status: u16,
    },
    /// 429 or `RATE_LIMITED`, still limited after the bounded waits.
    #[error("Xalantis rate limit reached")]
    RateLimited {
        /// The last `Retry-After` the server asked for, if any.
        retry_after: Option<Duration>,
    },
    /// No answer within `XALANTIS_TIMEOUT_SECS`.
    #[error("Xalantis did not answer in time")]
    Timeout,
    /// 5xx after the bounded retries.
    #[error("Xalantis answered HTTP {status}")]
    Server {
        /// HTTP status received.
        status: u16,
    },
    /// The body was not JSON of a usable shape, or was larger than the limit.
    #[error("Xalantis sent a response the bot cannot read: {0}")]
    Undecodable(String),
    /// The connection failed (refused, reset, DNS).
    #[error("could not reach Xalantis: {0}")]
    Unreachable(String),
}

impl XalantisError {
    /// A short, honest sentence that may be shown in chat (no internals, no secrets).
    pub fn user_message(&self) -> &'static str {
        match self {
            Self::AccessRefused { .. } => "The bot's access to Xalantis was refused.",
            Self::RateLimited { .. } => "Xalantis is rate-limiting the bot; try again in a minute.",
            Self::Timeout => "Xalantis did not answer in time; try again shortly.",
            Self::Server { .. } | Self::Unreachable(_) => {
                "Xalantis is unavailable right now; try again shortly."
            }
            Self::Undecodable(_) => "Xalantis sent an answer the bot could not read.",
        }
    }

    /// A stable, low-cardinality name for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AccessRefused { .. } => "access_refused",
            Self::RateLimited { .. } => "rate_limited",
            Self::Timeout => "timeout",
            Self::Server { .. } => "server_error",
            Self::Undecodable(_) => "undecodable",
            Self::Unreachable(_) => "unreachable",
        }
    }
}

/// The error a status stands for, before any body is read (404 is handled by the caller).
pub(crate) fn status_error(response: &Response) -> Option<XalantisError> {
    let status = response.status();
    match status.as_u16() {
        200..=299 => None,
        401 | 403 => Some(XalantisError::AccessRefused {
            status: status.as_u16(),
        }),
        429 => Some(XalantisError::RateLimited {
            retry_after: response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after),
        }),
        500..=599 => Some(XalantisError::Server {
            status: status.as_u16(),
        }),
        other => Some(undecodable(&format!("unexpected HTTP {other}"))),
    }
}

/// `Retry-After` as delta-seconds (fractions tolerated) or an HTTP date.
fn parse_retry_after(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds.min(MAX_RATE_LIMIT_WINDOW.as_secs_f64())).ok();
    }
    let at = OffsetDateTime::parse(raw, &Rfc2822).ok()?;
    let seconds = (at - OffsetDateTime::now_utc()).as_seconds_f64();
    Duration::try_from_secs_f64(seconds.clamp(0.0, MAX_RATE_LIMIT_WINDOW.as_secs_f64())).ok()
}

/// A successful body may still be an error envelope (`{"success":false,"error":{"code":…}}`).
pub(crate) fn envelope_outcome(body: Value, status: u16) -> Result<Option<Value>, XalantisError> {
    let code = envelope_code(&body);
    match code.as_deref() {
        None => Ok(Some(body)),
        Some("NOT_FOUND") => Ok(None),
        Some("UNAUTHORIZED") => Err(XalantisError::AccessRefused { status: 401 }),
        Some("FORBIDDEN") => Err(XalantisError::AccessRefused { status: 403 }),
        Some("RATE_LIMITED") => Err(XalantisError::RateLimited { retry_after: None }),
        Some("INTERNAL_ERROR") => Err(XalantisError::Server { status }),
        Some(other) => Err(undecodable(&format!("error envelope {other}"))),
    }
}

fn envelope_code(body: &Value) -> Option<String> {
    if body.get("success").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let code = body.get("error")?.get("code")?.as_str()?;
    Some(code.to_owned())
}

pub(crate) fn transport_error(error: reqwest::Error) -> XalantisError {
    if error.is_timeout() {
        return XalantisError::Timeout;
    }
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    XalantisError::Unreachable(text)
}

pub(crate) fn undecodable(why: &str) -> XalantisError {
    XalantisError::Undecodable(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_retry_after_in_seconds_and_as_a_date() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("1e12"), Some(MAX_RATE_LIMIT_WINDOW));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn reads_error_envelopes_as_typed_outcomes() {
        let envelope = |code: &str| serde_json::json!({"success": false, "error": {"code": code, "message": "m"}});
        assert_eq!(envelope_outcome(envelope("NOT_FOUND"), 200), Ok(None));
        assert_eq!(
            envelope_outcome(envelope("FORBIDDEN"), 200),
            Err(XalantisError::AccessRefused { status: 403 })
        );
        assert!(envelope_outcome(serde_json::json!({"uuid": "u"}), 200).is_ok_and(|v| v.is_some()));
    }
}
