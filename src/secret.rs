//! Secrets (API tokens) that never print: `Debug` and `Display` show `[redacted]`.
//!
//! ```
//! let token = xalantis_bot::secret::Secret::new("sk_live_abc");
//! assert_eq!(format!("{token:?}"), "Secret([redacted])");
//! assert_eq!(token.expose(), "sk_live_abc");
//! ```

use std::fmt;

/// A string that must not reach logs or chat. Read it with [`Secret::expose`] at the one place
/// that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the request header or handshake that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
