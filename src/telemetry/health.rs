//! Whether the bot can do its job right now, as `GET /healthz` reports it: every platform that
//! keeps a connection (the Discord gateway, Slack's Socket Mode) is connected, and the last
//! Xalantis request was not refused (a revoked or wrong token).
//!
//! ```
//! use xalantis_bot::telemetry::health::Health;
//! use xalantis_bot::telemetry::metrics::Platform;
//! let health = Health::default();
//! health.expect(Platform::Discord);
//! assert_eq!(health.problems(), ["the Discord gateway is not connected"]);
//! assert!(!health.session_started(Platform::Discord), "the first session is no reconnection");
//! health.xalantis_answered(true);
//! assert_eq!(health.problems().len(), 1);
//! health.xalantis_answered(false);
//! assert!(health.problems().is_empty());
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::metrics::Platform;

/// The connection of one platform.
#[derive(Debug, Default)]
struct Link {
    expected: AtomicBool,
    connected: AtomicBool,
    sessions: AtomicU64,
}

/// Live health flags, set by the platform handlers and the Xalantis client.
#[derive(Debug, Default)]
pub struct Health {
    discord: Link,
    slack: Link,
    xalantis_refused: AtomicBool,
}

impl Health {
    /// `platform` runs with a connection of its own: healthy only while it is connected.
    pub fn expect(&self, platform: Platform) {
        self.link(platform).expected.store(true, Ordering::Relaxed);
    }

    /// A session of `platform` started (Discord's READY or RESUMED, Slack's `hello`). Returns
    /// whether one had started before, i.e. whether this is a reconnection.
    pub fn session_started(&self, platform: Platform) -> bool {
        let link = self.link(platform);
        link.connected.store(true, Ordering::Relaxed);
        link.sessions.fetch_add(1, Ordering::Relaxed) > 0
    }

    /// The connection of `platform` is up, or down (connecting, resuming, closed).
    pub fn set_connected(&self, platform: Platform, connected: bool) {
        self.link(platform)
            .connected
            .store(connected, Ordering::Relaxed);
    }

    /// A Xalantis request ended; `refused` when it failed with refused access (401/403).
    pub fn xalantis_answered(&self, refused: bool) {
        self.xalantis_refused.store(refused, Ordering::Relaxed);
    }

    /// What is wrong, in short sentences for the `/healthz` body; empty when healthy.
    pub fn problems(&self) -> Vec<&'static str> {
        let down = |link: &Link| {
            link.expected.load(Ordering::Relaxed) && !link.connected.load(Ordering::Relaxed)
        };
        let mut problems = Vec::new();
        if down(&self.discord) {
            problems.push("the Discord gateway is not connected");
        }
        if down(&self.slack) {
            problems.push("the Slack Socket Mode connection is not open");
        }
        if self.xalantis_refused.load(Ordering::Relaxed) {
            problems.push("Xalantis refused the bot's access: check XALANTIS_API_TOKEN");
        }
        problems
    }

    fn link(&self, platform: Platform) -> &Link {
        match platform {
            Platform::Discord => &self.discord,
            Platform::Slack => &self.slack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_platforms_that_run_can_make_the_bot_unhealthy() {
        let health = Health::default();
        assert!(health.problems().is_empty());
        health.expect(Platform::Slack);
        assert!(!health.session_started(Platform::Slack));
        assert!(health.problems().is_empty());
        health.set_connected(Platform::Slack, false);
        assert_eq!(
            health.problems(),
            ["the Slack Socket Mode connection is not open"]
        );
        assert!(
            health.session_started(Platform::Slack),
            "a second session is a reconnection"
        );
    }
}
