//! The Socket Mode WebSocket: `hello` on connect, envelopes out, acknowledgements in, and
//! `disconnect` followed by a close after the grace period.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Shared;
use super::checks::check_own_frame;
use super::payloads::{disconnect, hello};
use super::state::{Connection, Outbound};

/// `GET /socket?ticket=N`: upgrades a connection whose URL `apps.connections.open` handed out.
pub(super) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = params.get("ticket").and_then(|t| t.parse::<u64>().ok());
    let valid = ticket.is_some_and(|ticket| shared.take_ticket(ticket));
    if !valid {
        shared
            .state()
            .violation("connected to a Socket Mode URL that was not handed out, or twice");
        return StatusCode::FORBIDDEN.into_response();
    }
    upgrade.on_upgrade(move |socket| serve(shared, socket))
}

async fn serve(shared: Arc<Shared>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (outbound, mut queue) = unbounded_channel();
    let writer = tokio::spawn(async move {
        while let Some(frame) = queue.recv().await {
            let (message, last) = match frame {
                Outbound::Text(text) => (Message::Text(text.into()), false),
                Outbound::Close => (Message::Close(None), true),
            };
            if sink.send(message).await.is_err() || last {
                break;
            }
        }
    });
    let id = shared.open_connection(outbound);
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(text) => shared.on_ack(id, text.as_str()),
            Message::Close(_) => break,
            _ => {}
        }
    }
    shared.close_connection(id);
    writer.abort();
}

fn frame(value: &Value) -> Outbound {
    check_own_frame(value);
    Outbound::Text(value.to_string())
}

impl Shared {
    /// Issues a single-use Socket Mode URL.
    pub(super) fn socket_url(&self) -> String {
        let mut state = self.state();
        let ticket = state.next();
        state.tickets.push(ticket);
        format!("ws://{}/socket?ticket={ticket}", self.addr)
    }

    fn take_ticket(&self, ticket: u64) -> bool {
        let mut state = self.state();
        let before = state.tickets.len();
        state.tickets.retain(|t| *t != ticket);
        state.tickets.len() < before
    }

    /// Registers a connection, says hello and sends what is waiting.
    fn open_connection(&self, outbound: UnboundedSender<Outbound>) -> u64 {
        let mut state = self.state();
        let id = u64::try_from(state.connections.len()).unwrap_or(u64::MAX);
        let open = state.connections.iter().filter(|c| c.open).count() + 1;
        let _ = outbound.send(frame(&hello(open)));
        state.connections.push(Connection {
            id,
            outbound,
            open: true,
            closing: false,
        });
        Self::flush(&mut state);
        id
    }

    /// Marks a connection closed; what it left unacknowledged goes out again elsewhere.
    fn close_connection(&self, id: u64) {
        let mut state = self.state();
        if let Some(connection) = state.connections.iter_mut().find(|c| c.id == id) {
            connection.open = false;
        }
        Self::flush(&mut state);
    }

    /// Sends `disconnect` on the newest connection and closes it after the grace period.
    pub(super) fn disconnect_newest(&self) -> Option<u64> {
        let connection = {
            let mut state = self.state();
            let connection = state
                .connections
                .iter_mut()
                .rfind(|c| c.open && !c.closing)?;
            connection.closing = true;
            connection.clone()
        };
        let _ = connection.outbound.send(frame(&disconnect()));
        let grace = self.options.disconnect_grace;
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let _ = connection.outbound.send(Outbound::Close);
        });
        Some(connection.id)
    }
}
