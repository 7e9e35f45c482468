//! [`FakeDiscord`] methods that steer the gateway, inject REST faults and report what happened.

use std::sync::atomic::Ordering;

use serde_json::Value;
use tokio::sync::mpsc;

use super::payloads;
use super::recorder::{Fault, FaultRule, RecordedRequest};
use super::store::InteractionResponses;
use super::{BOT_USER_ID, FakeDiscord};

/// Gateway control and counters.
impl FakeDiscord {
    /// Whether a connection has received READY or RESUMED and takes events now.
    pub fn is_connected(&self) -> bool {
        self.shared.gateway().is_live()
    }

    /// Closes the gateway: with a close code (4000 resumable, 4004 authentication failed, …) or,
    /// with `None`, by dropping the TCP connection (the client sees 1006). The session stays
    /// resumable; events dispatched meanwhile are queued.
    pub fn drop_gateway(&self, close_code: Option<u16>) {
        self.shared.gateway().drop_all(close_code);
    }

    /// Sends op 9 INVALID SESSION. With `resumable == false` the session is forgotten, so the bot
    /// must IDENTIFY again; events sent but unprocessed in the old session are lost, as on Discord.
    pub fn force_invalid_session(&self, resumable: bool) {
        let mut gateway = self.shared.gateway();
        gateway.detach_live(&payloads::invalid_session_frame(resumable));
        if !resumable {
            gateway.end_session();
        }
    }

    /// Sends op 7 RECONNECT: the bot should reconnect and resume.
    pub fn request_reconnect(&self) {
        self.shared.gateway().detach_live(payloads::RECONNECT_FRAME);
    }

    /// Switches heartbeat ACKs on or off (off: the bot should reconnect after a missed ACK).
    pub fn set_heartbeat_acks(&self, on: bool) {
        self.shared.acks.store(on, Ordering::Relaxed);
    }

    /// WebSocket connections opened so far.
    pub fn connection_count(&self) -> usize {
        self.shared.counters.connections.load(Ordering::Relaxed)
    }

    /// IDENTIFY (op 2) frames received.
    pub fn identify_count(&self) -> usize {
        self.shared.counters.identifies.load(Ordering::Relaxed)
    }

    /// RESUME (op 6) frames received.
    pub fn resume_count(&self) -> usize {
        self.shared.counters.resumes.load(Ordering::Relaxed)
    }

    /// Heartbeats (op 1) received.
    pub fn heartbeat_count(&self) -> usize {
        self.shared.counters.heartbeats.load(Ordering::Relaxed)
    }

    /// Heartbeat ACKs (op 11) sent.
    pub fn heartbeat_ack_count(&self) -> usize {
        self.shared.counters.acks.load(Ordering::Relaxed)
    }

    /// Events waiting for the bot to identify or resume.
    pub fn queued_events(&self) -> usize {
        self.shared.gateway().pending_len()
    }

    /// The `d` of every IDENTIFY, in order (token, intents, properties, presence).
    pub fn identifies(&self) -> Vec<Value> {
        self.shared
            .identifies
            .lock()
            .expect("identifies lock")
            .clone()
    }

    /// How each gateway connection ended from the client's side: its close code, or `None` for
    /// no close frame. Connections the fake closed are not listed.
    pub fn client_close_codes(&self) -> Vec<Option<u16>> {
        self.shared
            .client_closes
            .lock()
            .expect("closes lock")
            .clone()
    }
}

/// REST faults, requests and what the bot created.
impl FakeDiscord {
    /// Answers the next matching requests with `fault` instead of running the route. `method` is
    /// e.g. `"POST"` (or `"*"`), `path_prefix` e.g. `"/api/v10/channels/"`.
    pub fn fail_next_rest(&self, method: &str, path_prefix: &str, fault: Fault) {
        let rule = FaultRule {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            fault,
        };
        self.shared.faults.lock().expect("faults lock").push(rule);
    }

    /// Every REST request so far (unless [`super::Options::keep_requests`] is off).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().expect("requests lock").clone()
    }

    /// Recorded requests of `method` whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        let requests = self.shared.requests.lock().expect("requests lock");
        requests
            .iter()
            .filter(|r| r.is(method, path_prefix))
            .cloned()
            .collect()
    }

    /// How many recorded requests match `predicate` (without copying them: cheap enough to
    /// re-check after every request while a thousand replies arrive).
    pub fn count_requests(&self, predicate: impl Fn(&RecordedRequest) -> bool) -> usize {
        let requests = self.shared.requests.lock().expect("requests lock");
        requests.iter().filter(|r| predicate(r)).count()
    }

    /// A feed of every later request, as it is answered (for load drivers measuring latency).
    pub fn request_feed(&self) -> mpsc::UnboundedReceiver<RecordedRequest> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.shared.feeds.lock().expect("feeds lock").push(sender);
        receiver
    }

    /// Every problem found in a body the bot sent (OpenAPI schema or Discord limit), prefixed by
    /// the request path. Tests assert it is empty.
    pub fn violations(&self) -> Vec<String> {
        self.shared
            .violations
            .lock()
            .expect("violations lock")
            .clone()
    }

    /// The messages of a channel that everyone sees (injected and created by the bot, edits
    /// applied, deleted ones gone, ephemeral ones left out), oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        self.shared.store().messages_in(channel_id)
    }

    /// The messages of a channel authored by the bot.
    pub fn bot_messages_in(&self, channel_id: u64) -> Vec<Value> {
        let bot = BOT_USER_ID.to_string();
        let mut messages = self.messages_in(channel_id);
        messages.retain(|m| m["author"]["id"] == *bot);
        messages
    }

    /// A message by id, as it stands now.
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.store().message(id).cloned()
    }

    /// What the bot answered to the interaction `id` (empty if it has not answered).
    pub fn interaction_responses(&self, id: u64) -> InteractionResponses {
        self.shared.store().responses(id).unwrap_or_default()
    }

    /// The commands registered globally (`None`) or in a guild.
    pub fn commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.shared.store().commands(guild_id)
    }
}
