//! Our own Discord gateway reader: one connection (one shard), kept alive across resumes.
//!
//! serenity's gateway deserializes every event into its models, clones it and spawns a task
//! for it, about 44 µs of CPU per MESSAGE_CREATE on this project's machine, whether or not the
//! bot cares (BENCHMARKS.md). Here a frame is read into [`frame::Incoming`] in one pass: a
//! MESSAGE_CREATE's payload straight into the few fields the bot needs ([`head::MessageHead`]),
//! any other payload left raw JSON borrowed from the frame. Both are handed to [`Events`] inside
//! the read loop, and the bot spawns work only for messages that name a ticket. serenity still
//! does everything else: REST, rate-limit headers, models and builders.
//!
//! The protocol, as Discord documents it: HELLO → IDENTIFY (or RESUME) → READY (or RESUMED),
//! a heartbeat every `heartbeat_interval` (the first one after a random part of it), a missed ACK
//! → reconnect and resume; op 7 → resume; op 9 → resume or identify anew; close codes 4004 and
//! 4010–4014 are fatal ([`GatewayError`]), 4007 and 4009 need a new session, any other end is
//! resumed. Reconnections that fail back off ([`crate::backoff`]).

mod connection;
pub mod frame;
pub mod head;

use std::pin::Pin;

use serde_json::value::RawValue;
use serenity::http::Http;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use self::connection::{Ended, Session};
use self::head::MessageHead;
use crate::backoff::{Backoff, pause};
use crate::secret::Secret;

/// Largest frame taken from Discord (READY of a large bot is the biggest).
pub const MAX_FRAME_BYTES: usize = 16 << 20;

/// Backpressure: the reader awaits this before it reads the next frame.
pub type Wait<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// What the bot does with gateway events. Both methods run inside the read loop: they must not
/// block (spawn anything slow), and what they cost is paid for every event.
pub trait Events: Send + Sync {
    /// A MESSAGE_CREATE, its fields read in the same pass as the frame (Discord sends `t`
    /// before `d`). Returns a [`Wait`] when the bot cannot take more work yet: the reader awaits
    /// it, so events wait in the socket (keep such waits short: the heartbeat waits too).
    fn on_message_create(&self, message: MessageHead<'_>) -> Option<Wait<'_>>;
    /// Any other dispatch (op 0): the event name and its raw payload (also a MESSAGE_CREATE
    /// whose `d` came first, or that lacks a field of [`MessageHead`]). Returns a [`Wait`] as
    /// [`Events::on_message_create`] does.
    fn on_dispatch<'a>(&'a self, event: &str, d: &RawValue) -> Option<Wait<'a>>;
    /// The connection went down (a resume or reconnection follows).
    fn on_disconnect(&self);
}

/// What the gateway needs to log in.
#[derive(Debug, Clone)]
pub struct Login {
    /// The bot token (sent only in IDENTIFY and RESUME).
    pub token: Secret,
    /// Gateway intents, as bits.
    pub intents: u64,
}

/// Why the gateway stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Discord closed the connection with a code that retrying cannot fix.
    #[error("Discord closed the gateway with code {code} ({reason})")]
    Fatal {
        /// The close code.
        code: u16,
        /// Discord's meaning of it.
        reason: &'static str,
    },
}

/// Shutdown, as a future the gateway polls (it resolves once; the gateway then returns).
pub type Shutdown<'a> = Pin<&'a mut (dyn Future<Output = ()> + Send)>;

/// Reads the gateway until `shutdown` resolves (closing with code 1000) or a fatal close code.
pub async fn run(
    http: &Http,
    login: &Login,
    events: &dyn Events,
    mut shutdown: Shutdown<'_>,
) -> Result<(), GatewayError> {
    let mut backoff = Backoff::default();
    let Some(gateway_url) = gateway_url(http, &mut backoff, shutdown.as_mut()).await else {
        return Ok(());
    };
    let mut session = Session::default();
    loop {
        let url = session.url(&gateway_url);
        let socket = tokio::select! {
            () = shutdown.as_mut() => return Ok(()),
            socket = connect(&url) => socket,
        };
        let ended = match socket {
            Ok(socket) => {
                let ended =
                    connection::serve(socket, login, &mut session, events, shutdown.as_mut()).await;
                events.on_disconnect();
                ended
            }
            Err(error) => {
                tracing::warn!(%error, "could not connect to the Discord gateway");
                Ended::Failed
            }
        };
        match ended {
            Ended::Shutdown => return Ok(()),
            Ended::Fatal(error) => return Err(error),
            Ended::Resume { lived: true } => backoff.reset(),
            Ended::Reidentify => session.forget(),
            Ended::Resume { lived: false } | Ended::Failed => {
                if pause("Discord", shutdown.as_mut(), backoff.next()).await {
                    return Ok(());
                }
            }
        }
    }
}

/// The gateway's URL from `GET /gateway` (through the REST proxy when one is set), asked until
/// it answers; `None` when shutdown came first.
async fn gateway_url(
    http: &Http,
    backoff: &mut Backoff,
    mut shutdown: Shutdown<'_>,
) -> Option<String> {
    loop {
        match http.get_gateway().await {
            Ok(gateway) => {
                backoff.reset();
                return Some(gateway.url);
            }
            Err(error) => tracing::warn!(%error, "could not ask Discord for the gateway URL"),
        }
        if pause("Discord", shutdown.as_mut(), backoff.next()).await {
            return None;
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket to `url` (API v10, JSON, no compression).
async fn connect(url: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}?v=10&encoding=json", url.trim_end_matches('/'));
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES));
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    Ok(socket)
}

/// A number in `0..1` that differs between processes and calls (heartbeat and identify jitter;
/// no need for a random number generator's quality).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    let bits = RandomState::new().hash_one(std::time::SystemTime::now());
    #[allow(clippy::cast_precision_loss)]
    let fraction = (bits >> 11) as f64 / (1u64 << 53) as f64;
    fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_its_range() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
