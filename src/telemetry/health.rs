//! Whether the bot can do its job right now, as `GET /healthz` reports it: the Discord gateway
//! is connected, and the last Xalantis request was not refused (a revoked or wrong token).
//!
//! ```
//! use xalantis_bot::telemetry::health::Health;
//! let health = Health::default();
//! assert_eq!(health.problems(), ["the Discord gateway is not connected"]);
//! assert!(!health.gateway_up(), "the first session is no reconnection");
//! health.xalantis_answered(true);
//! assert_eq!(health.problems().len(), 1);
//! health.xalantis_answered(false);
//! assert!(health.problems().is_empty());
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Live health flags, set by the platform handlers and the Xalantis client.
#[derive(Debug, Default)]
pub struct Health {
    gateway_connected: AtomicBool,
    gateway_sessions: AtomicU64,
    xalantis_refused: AtomicBool,
}

impl Health {
    /// A gateway session started (READY or RESUMED). Returns whether one had started before,
    /// i.e. whether this is a reconnection.
    pub fn gateway_up(&self) -> bool {
        self.gateway_connected.store(true, Ordering::Relaxed);
        self.gateway_sessions.fetch_add(1, Ordering::Relaxed) > 0
    }

    /// The gateway connection changed stage: connected, or anything else (connecting,
    /// resuming, disconnected).
    pub fn set_gateway_connected(&self, connected: bool) {
        self.gateway_connected.store(connected, Ordering::Relaxed);
    }

    /// A Xalantis request ended; `refused` when it failed with refused access (401/403).
    pub fn xalantis_answered(&self, refused: bool) {
        self.xalantis_refused.store(refused, Ordering::Relaxed);
    }

    /// What is wrong, in short sentences for the `/healthz` body; empty when healthy.
    pub fn problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        if !self.gateway_connected.load(Ordering::Relaxed) {
            problems.push("the Discord gateway is not connected");
        }
        if self.xalantis_refused.load(Ordering::Relaxed) {
            problems.push("Xalantis refused the bot's access: check XALANTIS_API_TOKEN");
        }
        problems
    }
}
