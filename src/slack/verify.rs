//! Slack request signatures (HTTP Events API, slash commands, interactivity).
//!
//! `X-Slack-Signature` is `v0=` + hex(HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`)),
//! compared in constant time; a timestamp more than [`MAX_AGE`] away from now is a replay.
//!
//! ```
//! use xalantis_bot::secret::Secret;
//! use xalantis_bot::slack::verify::{SignatureError, Verifier};
//! let verifier = Verifier::new(Secret::new("shh"));
//! let stale = verifier.verify(Some("1000"), Some("v0=00"), b"{}", 1000 + 301);
//! assert_eq!(stale, Err(SignatureError::Stale));
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// Header holding the signature.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Header holding the request timestamp (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Largest distance, in seconds, between the request timestamp and now.
pub const MAX_AGE: i64 = 300;
/// The only signature version Slack uses.
const VERSION: &str = "v0";

/// Why a request was refused (answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A signature or timestamp header is missing.
    #[error("the request is not signed")]
    Missing,
    /// The timestamp is not a number, or more than five minutes from now.
    #[error("the request timestamp is stale or unreadable (a replay?)")]
    Stale,
    /// The signature is not `v0=` followed by hex.
    #[error("the signature is malformed")]
    Malformed,
    /// The signature does not match the body.
    #[error("the signature does not match")]
    Mismatch,
}

/// Checks request signatures with the app's signing secret (`SLACK_SIGNING_SECRET`).
#[derive(Clone)]
pub struct Verifier {
    secret: Secret,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier([redacted])")
    }
}

impl Verifier {
    /// A verifier for `secret`.
    pub fn new(secret: Secret) -> Self {
        Self { secret }
    }

    /// Checks `signature` over `timestamp` and the raw `body` at `now` (Unix seconds).
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(SignatureError::Missing);
        };
        let sent_at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::Stale)?;
        if (now - sent_at).abs() > MAX_AGE {
            return Err(SignatureError::Stale);
        }
        let hex = signature
            .strip_prefix("v0=")
            .ok_or(SignatureError::Malformed)?;
        let tag = hex::decode(hex).map_err(|_| SignatureError::Malformed)?;
        self.mac(timestamp, body)
            .verify_slice(&tag)
            .map_err(|_| SignatureError::Mismatch)
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(format!("{VERSION}:{timestamp}:").as_bytes());
        mac.update(body);
        mac
    }
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier() -> Verifier {
        Verifier::new(Secret::new(SECRET))
    }

    #[test]
    fn slacks_worked_example_is_accepted() {
        assert_eq!(
            verifier().verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                1531420618 + 10
            ),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_or_secret_is_a_mismatch() {
        let now = 1531420618;
        assert_eq!(
            verifier().verify(Some(TIMESTAMP), Some(SIGNATURE), b"token=other", now),
            Err(SignatureError::Mismatch)
        );
        let other = Verifier::new(Secret::new("another-secret"));
        assert_eq!(
            other.verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_request_older_or_newer_than_five_minutes_is_a_replay() {
        let sent = 1531420618;
        for now in [sent + MAX_AGE + 1, sent - MAX_AGE - 1] {
            assert_eq!(
                verifier().verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
                Err(SignatureError::Stale)
            );
        }
        assert_eq!(
            verifier().verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                sent + MAX_AGE
            ),
            Ok(())
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_refused() {
        let now = 1531420618;
        assert_eq!(
            verifier().verify(None, Some(SIGNATURE), b"", now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verifier().verify(Some(TIMESTAMP), None, b"", now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verifier().verify(Some("soon"), Some(SIGNATURE), b"", now),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verifier().verify(Some(TIMESTAMP), Some("v1=abcd"), b"", now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verifier().verify(Some(TIMESTAMP), Some("v0=zz"), b"", now),
            Err(SignatureError::Malformed)
        );
    }
}
