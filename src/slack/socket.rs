//! Socket Mode: an outbound WebSocket to Slack, so the bot needs no public endpoint.
//!
//! Our own small client on tokio-tungstenite rather than slack-morphism's listener, because
//! the latter acknowledges an envelope only after its handler returns and, on `disconnect`,
//! closes the old connection before the new one is open, dropping whatever Slack still sends on
//! it. Here every envelope is acknowledged as it arrives (slow work runs in tasks; a slash
//! command's answer rides on its acknowledgement when ready within
//! [`super::commands::ACK_BUDGET`]), and on `disconnect` a new connection is opened while the
//! old one is still read, and acknowledged, until Slack closes it or [`RETIRE_GRACE`] passes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::commands::SlashCommand;
use super::events::EventCallback;
use super::handler::Handler;
use super::interactions::Interaction;
use super::web::{WebApi, WebError};
use crate::backoff::{Backoff, pause};
use crate::secret::Secret;
use crate::telemetry::metrics::Platform;

/// How long a connection Slack asked us to leave is still read.
pub const RETIRE_GRACE: Duration = Duration::from_secs(10);
/// A ping is sent this often; a connection silent for three times as long is dead.
pub const PING_INTERVAL: Duration = Duration::from_secs(30);

/// A Socket Mode frame: `hello`, `disconnect`, or an envelope to acknowledge.
#[derive(Debug, Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    envelope_id: Option<String>,
    payload: Option<Value>,
    reason: Option<String>,
}

/// What a connection tells the supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// Slack asked this connection to be replaced (`disconnect`).
    Refresh(u64),
    /// This connection ended.
    Closed(u64),
}

/// One open WebSocket: its reader task and the sender feeding its writer task.
struct Connection {
    id: u64,
    outbound: UnboundedSender<Message>,
    reader: JoinHandle<()>,
}

impl Connection {
    /// Sends a close frame and waits briefly for the reader to see the end.
    async fn close(self) {
        let _ = self.outbound.send(Message::Close(None));
        if tokio::time::timeout(Duration::from_secs(2), self.reader)
            .await
            .is_err()
        {
            tracing::debug!(
                connection = self.id,
                "Socket Mode connection did not close in time"
            );
        }
    }
}

/// Runs Socket Mode until `shutdown`: connects, reconnects, and hands every envelope to
/// `handler`. Fails only when Slack refuses the app-level token.
pub async fn run(
    web: WebApi,
    app_token: Secret,
    handler: Arc<Handler>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let (signals_tx, mut signals) = unbounded_channel();
    let health = Arc::clone(&handler.bot.ops().health);
    health.expect(Platform::Slack);
    let supervisor = Supervisor {
        web,
        app_token,
        handler,
        signals: signals_tx,
    };
    tokio::pin!(shutdown);
    let mut backoff = Backoff::default();
    for id in 0.. {
        let opened = tokio::select! {
            () = &mut shutdown => return Ok(()),
            opened = supervisor.connect(id) => opened,
        };
        let connection = match opened {
            Ok(connection) => connection,
            Err(error) if error.is_auth() => anyhow::bail!(
                "Slack refused SLACK_APP_TOKEN ({error}): copy an app-level token (xapp-…, scope connections:write) from the app's Basic Information page"
            ),
            Err(error) => {
                tracing::warn!(%error, "could not open a Slack Socket Mode connection");
                if pause("Slack", &mut shutdown, backoff.next()).await {
                    return Ok(());
                }
                continue;
            }
        };
        let connected_at = Instant::now();
        match follow(id, &mut signals, &mut shutdown).await {
            End::Shutdown => {
                connection.close().await;
                return Ok(());
            }
            End::Replaced => {
                retire(connection);
                backoff.reset();
            }
            // A connection that dies at once (a proxy, an outage) is not retried in a tight loop.
            End::Closed if connected_at.elapsed() < STABLE_AFTER => {
                health.set_connected(Platform::Slack, false);
                if pause("Slack", &mut shutdown, backoff.next()).await {
                    return Ok(());
                }
            }
            End::Closed => {
                health.set_connected(Platform::Slack, false);
                backoff.reset();
            }
        }
    }
    Ok(())
}

/// A connection that lived this long was fine: reconnect at once when it ends.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// How the current connection's watch ended.
enum End {
    /// Shutdown was asked for.
    Shutdown,
    /// Slack sent `disconnect`: open a new connection, keep reading this one a while.
    Replaced,
    /// The connection ended.
    Closed,
}

/// Waits until connection `id` is replaced or closed, or shutdown.
async fn follow(
    id: u64,
    signals: &mut UnboundedReceiver<Signal>,
    shutdown: &mut (impl Future<Output = ()> + Unpin),
) -> End {
    loop {
        tokio::select! {
            () = &mut *shutdown => return End::Shutdown,
            signal = signals.recv() => match signal {
                Some(Signal::Refresh(old)) if old == id => return End::Replaced,
                Some(Signal::Closed(old)) if old == id => return End::Closed,
                Some(_) => {}
                None => return End::Closed,
            },
        }
    }
}

/// Lets a replaced connection be read until Slack closes it, closing it after [`RETIRE_GRACE`].
fn retire(connection: Connection) {
    tracing::info!(
        connection = connection.id,
        "Slack asked for a new Socket Mode connection: reconnecting"
    );
    tokio::spawn(async move {
        tokio::time::sleep(RETIRE_GRACE).await;
        connection.close().await;
    });
}

/// What every connection shares.
struct Supervisor {
    web: WebApi,
    app_token: Secret,
    handler: Arc<Handler>,
    signals: UnboundedSender<Signal>,
}

impl Supervisor {
    /// Asks Slack for a URL and connects to it.
    async fn connect(&self, id: u64) -> Result<Connection, WebError> {
        let url = self.web.open_socket(&self.app_token).await?;
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| WebError::Transport(e.to_string()))?;
        tracing::info!(connection = id, "connected to Slack (Socket Mode)");
        let (sink, stream) = socket.split();
        let (outbound, queue) = unbounded_channel();
        tokio::spawn(write(sink, queue));
        let reader = Reader {
            id,
            outbound: outbound.clone(),
            handler: Arc::clone(&self.handler),
        };
        let signals = self.signals.clone();
        let reader = tokio::spawn(async move {
            reader.read(stream, &signals).await;
            let _ = signals.send(Signal::Closed(id));
        });
        Ok(Connection {
            id,
            outbound,
            reader,
        })
    }
}

/// Sends queued frames, and a ping every [`PING_INTERVAL`], until a close frame or an error.
async fn write(
    mut sink: impl futures::Sink<Message> + Unpin,
    mut queue: UnboundedReceiver<Message>,
) {
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.tick().await;
    loop {
        let message = tokio::select! {
            queued = queue.recv() => match queued { Some(message) => message, None => break },
            _ = ping.tick() => Message::Ping(Vec::new().into()),
        };
        let closing = matches!(message, Message::Close(_));
        if sink.send(message).await.is_err() || closing {
            break;
        }
    }
}

/// Reads one connection's frames.
struct Reader {
    id: u64,
    outbound: UnboundedSender<Message>,
    handler: Arc<Handler>,
}

impl Reader {
    async fn read<S, E>(&self, mut stream: S, signals: &UnboundedSender<Signal>)
    where
        S: futures::Stream<Item = Result<Message, E>> + Unpin,
        E: std::fmt::Display,
    {
        loop {
            let next = tokio::time::timeout(PING_INTERVAL * 3, stream.next()).await;
            match next {
                Ok(Some(Ok(Message::Text(text)))) => self.on_frame(text.as_str(), signals),
                Ok(Some(Ok(Message::Close(_))) | None) => break,
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(error))) => {
                    tracing::warn!(connection = self.id, %error, "Slack Socket Mode connection failed");
                    break;
                }
                Err(_) => {
                    tracing::warn!(
                        connection = self.id,
                        "Slack Socket Mode connection went silent"
                    );
                    break;
                }
            }
        }
    }

    fn on_frame(&self, text: &str, signals: &UnboundedSender<Signal>) {
        let frame: Frame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(error) => return tracing::warn!(%error, "unreadable Socket Mode frame"),
        };
        match frame.kind.as_str() {
            "hello" => self.on_hello(),
            "disconnect" => {
                tracing::info!(
                    connection = self.id,
                    reason = frame.reason.as_deref().unwrap_or("?"),
                    "Slack will close this Socket Mode connection"
                );
                let _ = signals.send(Signal::Refresh(self.id));
            }
            _ => self.on_envelope(frame),
        }
    }

    fn on_hello(&self) {
        tracing::info!(connection = self.id, "Slack Socket Mode connection ready");
        let ops = self.handler.bot.ops();
        if ops.health.session_started(Platform::Slack) {
            ops.metrics.gateway_reconnected(Platform::Slack);
        }
    }

    /// Acknowledges an envelope and hands its payload over; slash commands answer on the ack.
    fn on_envelope(&self, frame: Frame) {
        let Some(envelope_id) = frame.envelope_id else {
            return;
        };
        if self.handler.shutting_down() {
            return; // unacknowledged: Slack delivers it again elsewhere
        }
        let payload = frame.payload.unwrap_or_default();
        match frame.kind.as_str() {
            "events_api" => {
                self.ack(&envelope_id, None);
                if let Some(callback) = read_payload::<EventCallback>(payload) {
                    self.handler.on_event(callback);
                }
            }
            "interactive" => {
                self.ack(&envelope_id, None);
                if let Some(interaction) = read_payload::<Interaction>(payload) {
                    self.handler.on_interaction(interaction);
                }
            }
            "slash_commands" => self.on_command(envelope_id, payload),
            _ => self.ack(&envelope_id, None),
        }
    }

    fn on_command(&self, envelope_id: String, payload: Value) {
        let Some(command) = read_payload::<SlashCommand>(payload) else {
            return self.ack(&envelope_id, None);
        };
        let (handler, outbound) = (Arc::clone(&self.handler), self.outbound.clone());
        tokio::spawn(async move {
            let answer = handler.on_command(command).await;
            let answer = answer.and_then(|message| serde_json::to_value(message).ok());
            let _ = outbound.send(ack_frame(&envelope_id, answer));
        });
    }

    fn ack(&self, envelope_id: &str, payload: Option<Value>) {
        let _ = self.outbound.send(ack_frame(envelope_id, payload));
    }
}

fn ack_frame(envelope_id: &str, payload: Option<Value>) -> Message {
    let ack = match payload {
        Some(payload) => json!({ "envelope_id": envelope_id, "payload": payload }),
        None => json!({ "envelope_id": envelope_id }),
    };
    Message::Text(ack.to_string().into())
}

fn read_payload<T: serde::de::DeserializeOwned>(payload: Value) -> Option<T> {
    serde_json::from_value(payload)
        .map_err(|error| tracing::warn!(%error, "unreadable Slack payload"))
        .ok()
}
