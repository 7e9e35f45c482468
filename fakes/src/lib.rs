//! Fakes of the services xalantis-bot talks to (Xalantis, Discord, Slack), for its tests, benchmarks and demos.
//! Each starts on 127.0.0.1 port 0 and records what it was sent.

pub mod discord;
pub mod slack;
pub mod xalantis;
