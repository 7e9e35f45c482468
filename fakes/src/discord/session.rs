//! Gateway session bookkeeping: sequence numbers, the replay log and the queue of events that
//! arrive while no connection is live. No I/O: frames go to each connection's channel.
//!
//! Invariant (under one lock): an event is either in `pending` (never sent) or in the session log
//! with its sequence number (sent to the live connection). A RESUME replays the log after the
//! client's `seq`, then flushes `pending`; so an event is never lost and never sent twice.

use std::collections::{HashMap, VecDeque};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc::UnboundedSender;

use super::payloads;

/// What a connection task is told to write.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A text frame.
    Frame(Utf8Bytes),
    /// A close frame with this code, or an abrupt drop of the TCP connection.
    Close(Option<u16>),
}

/// An event waiting for a live connection.
struct Pending {
    event: String,
    d: String,
}

/// One IDENTIFYed session.
struct Session {
    id: String,
    seq: u64,
    /// Frames sent, kept until a heartbeat shows the client has them.
    log: VecDeque<(u64, Utf8Bytes)>,
}

impl Session {
    fn frame(&mut self, event: &str, d: &str) -> Utf8Bytes {
        self.seq += 1;
        let frame = Utf8Bytes::from(payloads::dispatch_frame(self.seq, event, d));
        self.log.push_back((self.seq, frame.clone()));
        frame
    }
}

/// All gateway state of the fake.
#[derive(Default)]
pub(crate) struct Gateway {
    session: Option<Session>,
    connections: HashMap<u64, UnboundedSender<Outgoing>>,
    live: Option<u64>,
    pending: VecDeque<Pending>,
    next_connection: u64,
    sessions_started: u64,
}

impl Gateway {
    /// Registers a new WebSocket connection and returns its id.
    pub(crate) fn connect(&mut self, sender: UnboundedSender<Outgoing>) -> u64 {
        self.next_connection += 1;
        self.connections.insert(self.next_connection, sender);
        self.next_connection
    }

    /// Forgets a closed connection.
    pub(crate) fn disconnect(&mut self, connection: u64) {
        self.connections.remove(&connection);
        if self.live == Some(connection) {
            self.live = None;
        }
    }

    /// Whether a connection has received READY or RESUMED and takes events.
    pub(crate) fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Sends `event` now if a connection is live, or queues it.
    pub(crate) fn dispatch(&mut self, event: &str, d: String) {
        match (self.live, self.session.as_mut()) {
            (Some(connection), Some(session)) => {
                let frame = session.frame(event, &d);
                send(&self.connections, connection, Outgoing::Frame(frame));
            }
            _ => self.pending.push_back(Pending {
                event: event.to_owned(),
                d,
            }),
        }
    }

    /// Starts a new session on `connection`: READY, then every queued event.
    pub(crate) fn identify(&mut self, connection: u64, gateway_url: &str) {
        self.sessions_started += 1;
        let id = format!("fake-session-{}", self.sessions_started);
        let ready = payloads::ready(&id, gateway_url).to_string();
        self.session = Some(Session {
            id,
            seq: 0,
            log: VecDeque::new(),
        });
        self.go_live(connection, "READY", ready);
    }

    /// Resumes the session after `seq`: replay, RESUMED, queued events. Returns false (and
    /// sends op 9 `false`) when the session is unknown.
    pub(crate) fn resume(&mut self, connection: u64, session_id: &str, seq: u64) -> bool {
        let Some(session) = self.session.as_ref().filter(|s| s.id == session_id) else {
            let frame = payloads::invalid_session_frame(false).into();
            send(&self.connections, connection, Outgoing::Frame(frame));
            return false;
        };
        for (_, frame) in session.log.iter().filter(|(s, _)| *s > seq) {
            send(
                &self.connections,
                connection,
                Outgoing::Frame(frame.clone()),
            );
        }
        self.go_live(connection, "RESUMED", "{}".to_owned());
        true
    }

    fn go_live(&mut self, connection: u64, event: &str, d: String) {
        self.live = Some(connection);
        self.dispatch(event, d);
        while let Some(Pending { event, d }) = self.pending.pop_front() {
            self.dispatch(&event, d);
        }
    }

    /// Drops log entries the client acknowledged with a heartbeat carrying `seq`.
    pub(crate) fn acknowledge(&mut self, seq: u64) {
        if let Some(session) = self.session.as_mut() {
            while session.log.front().is_some_and(|(s, _)| *s <= seq) {
                session.log.pop_front();
            }
        }
    }

    /// Sends a frame on a connection (e.g. a heartbeat ACK), keeping the frame order.
    pub(crate) fn send_to(&self, connection: u64, frame: &str) {
        send(
            &self.connections,
            connection,
            Outgoing::Frame(frame.to_owned().into()),
        );
    }

    /// Closes every connection (code or abrupt); the session stays resumable.
    pub(crate) fn drop_all(&mut self, close_code: Option<u16>) {
        self.live = None;
        for sender in self.connections.values() {
            let _ = sender.send(Outgoing::Close(close_code));
        }
    }

    /// Sends `frame` (op 7 or op 9) on the live connection and stops sending events to it.
    pub(crate) fn detach_live(&mut self, frame: &str) {
        if let Some(connection) = self.live.take() {
            self.send_to(connection, frame);
        }
    }

    /// Forgets the session: a later RESUME gets op 9 `false`.
    pub(crate) fn end_session(&mut self) {
        self.session = None;
    }

    /// Number of events queued for the next live connection.
    pub(crate) fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

fn send(connections: &HashMap<u64, UnboundedSender<Outgoing>>, id: u64, message: Outgoing) {
    // A connection that just closed has no receiver left; its frames stay in the replay log.
    if let Some(sender) = connections.get(&id) {
        let _ = sender.send(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

    fn connected(gateway: &mut Gateway) -> (u64, UnboundedReceiver<Outgoing>) {
        let (sender, receiver) = unbounded_channel();
        (gateway.connect(sender), receiver)
    }

    /// The frames sent so far, as `(op, s, t)`.
    fn sent(receiver: &mut UnboundedReceiver<Outgoing>) -> Vec<(u64, Option<u64>, String)> {
        let mut out = Vec::new();
        while let Ok(Outgoing::Frame(frame)) = receiver.try_recv() {
            let frame: serde_json::Value = serde_json::from_str(frame.as_str()).unwrap();
            let t = frame["t"].as_str().unwrap_or_default().to_owned();
            out.push((frame["op"].as_u64().unwrap(), frame["s"].as_u64(), t));
        }
        out
    }

    fn dispatched(seq: u64, event: &str) -> (u64, Option<u64>, String) {
        (0, Some(seq), event.to_owned())
    }

    #[test]
    fn queues_events_until_ready_then_sends_them_in_order() {
        let mut gateway = Gateway::default();
        gateway.dispatch("TYPING_START", "1".into());
        let (connection, mut frames) = connected(&mut gateway);
        gateway.identify(connection, "ws://x");
        let expected = [dispatched(1, "READY"), dispatched(2, "TYPING_START")];
        assert_eq!(sent(&mut frames), expected);
    }

    #[test]
    fn resume_replays_after_the_clients_seq_exactly_once() {
        let mut gateway = Gateway::default();
        let (first, _old) = connected(&mut gateway);
        gateway.identify(first, "ws://x");
        gateway.dispatch("A", "1".into());
        gateway.dispatch("B", "2".into());
        gateway.drop_all(Some(4000));
        gateway.dispatch("C", "3".into());
        let (second, mut frames) = connected(&mut gateway);
        assert!(gateway.resume(second, "fake-session-1", 2));
        let expected = [
            dispatched(3, "B"),
            dispatched(4, "RESUMED"),
            dispatched(5, "C"),
        ];
        assert_eq!(sent(&mut frames), expected);
    }

    #[test]
    fn resume_of_an_unknown_session_is_refused() {
        let mut gateway = Gateway::default();
        let (connection, mut frames) = connected(&mut gateway);
        assert!(!gateway.resume(connection, "nope", 0));
        assert_eq!(sent(&mut frames), [(9, None, String::new())]);
    }

    #[test]
    fn heartbeat_trims_the_replay_log() {
        let mut gateway = Gateway::default();
        let (connection, _frames) = connected(&mut gateway);
        gateway.identify(connection, "ws://x");
        gateway.dispatch("A", "1".into());
        gateway.acknowledge(2);
        assert!(gateway.session.as_ref().unwrap().log.is_empty());
    }
}
