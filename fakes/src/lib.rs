//! Fakes of the services xalantis-bot talks to (Xalantis, Discord, Slack), for its tests, benchmarks and demos.
//! Each starts on 127.0.0.1 port 0 and records what it was sent.

pub mod discord;
pub mod slack;
pub mod xalantis;

/// Switches Nagle's algorithm off on an accepted connection, as real servers do: with it on,
/// a small write (a gateway frame, a short response) can wait up to 40 ms for the peer's
/// delayed ACK, which shows up as latency spikes that are the fake's, not the bot's.
pub(crate) fn no_delay(stream: &mut tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
}
