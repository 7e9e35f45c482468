//! What can go wrong talking to Xalantis, typed because callers branch on it.

use std::time::Duration;

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
