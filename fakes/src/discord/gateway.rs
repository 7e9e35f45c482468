//! The gateway WebSocket: HELLO on connect, then IDENTIFY → READY, RESUME → replay + RESUMED,
//! heartbeat → ACK (unless switched off). Frames for a connection are queued by `session` and
//! written here in batches, so injecting thousands of events costs one lock and a channel send each.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::SinkExt;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::Shared;
use super::payloads;
use super::session::Outgoing;

/// Frames written per flush.
const BATCH: usize = 512;

/// `GET /gateway`: upgrades to the gateway WebSocket.
pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(1 << 20)
        .on_upgrade(move |socket| serve(shared, socket))
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let (sender, mut outgoing) = unbounded_channel();
    let connection = shared.gateway().connect(sender);
    shared.counters.connections.fetch_add(1, Ordering::Relaxed);
    let hello = payloads::hello_frame(shared.options.heartbeat_interval_ms());
    if socket.send(Message::Text(hello.into())).await.is_ok() {
        pump(&shared, connection, &mut socket, &mut outgoing).await;
    }
    shared.gateway().disconnect(connection);
    shared.changed();
}

/// Reads client frames and writes queued frames until either side closes.
async fn pump(
    shared: &Shared,
    connection: u64,
    socket: &mut WebSocket,
    outgoing: &mut UnboundedReceiver<Outgoing>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => handle_frame(shared, connection, text.as_str()),
                Some(Ok(Message::Close(frame))) => return shared.record_client_close(frame.map(|f| f.code)),
                None | Some(Err(_)) => return shared.record_client_close(None),
                Some(Ok(_)) => {}
            },
            count = outgoing.recv_many(&mut batch, BATCH) => {
                if count == 0 || !write_batch(socket, &mut batch).await {
                    return;
                }
            }
        }
    }
}

/// Writes a batch and flushes; false when the connection is to end.
async fn write_batch(socket: &mut WebSocket, batch: &mut Vec<Outgoing>) -> bool {
    for item in batch.drain(..) {
        match item {
            Outgoing::Frame(frame) => {
                if socket.feed(Message::Text(frame)).await.is_err() {
                    return false;
                }
            }
            Outgoing::Close(code) => {
                close(socket, code).await;
                return false;
            }
        }
    }
    socket.flush().await.is_ok()
}

/// Sends a close frame with `code`; with no code the TCP connection is just dropped (the client
/// sees 1006). Either way the frames dispatched before are delivered first: they are in the
/// session's log, and losing them unsent would make a drop look like a lost READY.
async fn close(socket: &mut WebSocket, code: Option<u16>) {
    match code {
        Some(code) => {
            let frame = CloseFrame {
                code,
                reason: "closed by the fake Discord".into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
        None => {
            let _ = socket.flush().await;
        }
    }
}

/// A frame from the client: only `op` and `d` matter here.
#[derive(Deserialize)]
struct ClientFrame {
    op: u8,
    #[serde(default)]
    d: Value,
}

fn handle_frame(shared: &Shared, connection: u64, text: &str) {
    let Ok(frame) = serde_json::from_str::<ClientFrame>(text) else {
        return;
    };
    match frame.op {
        1 => heartbeat(shared, connection, &frame.d),
        2 => identify(shared, connection, frame.d),
        6 => resume(shared, connection, &frame.d),
        _ => return,
    }
    shared.changed();
}

fn heartbeat(shared: &Shared, connection: u64, d: &Value) {
    shared.counters.heartbeats.fetch_add(1, Ordering::Relaxed);
    let mut gateway = shared.gateway();
    if let Some(seq) = d.as_u64() {
        gateway.acknowledge(seq);
    }
    if shared.acks.load(Ordering::Relaxed) {
        gateway.send_to(connection, payloads::HEARTBEAT_ACK_FRAME);
        shared.counters.acks.fetch_add(1, Ordering::Relaxed);
    }
}

fn identify(shared: &Shared, connection: u64, d: Value) {
    shared.counters.identifies.fetch_add(1, Ordering::Relaxed);
    shared.identifies.lock().expect("identifies lock").push(d);
    shared.gateway().identify(connection, &shared.gateway_url);
}

fn resume(shared: &Shared, connection: u64, d: &Value) {
    shared.counters.resumes.fetch_add(1, Ordering::Relaxed);
    let session_id = d["session_id"].as_str().unwrap_or_default();
    let seq = d["seq"].as_u64().unwrap_or_default();
    shared.gateway().resume(connection, session_id, seq);
}
