//! Getting payloads to the bot: envelopes routed to a Socket Mode connection (queued while
//! there is none, delivered again when theirs closed unacknowledged), or signed HTTP requests
//! to its Request URLs. Acknowledgements are recorded here, and a slash command's immediate
//! answer becomes an ephemeral message.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use super::Shared;
use super::checks::check_own_payload;
use super::hooks::answer_command;
use super::payloads;
use super::state::{Ack, Envelope, HttpTarget, Kind, Outbound, State};

/// How a request to the bot is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Correctly, now.
    Valid,
    /// With another secret.
    WrongSecret,
    /// Correctly, but ten minutes ago (a replay).
    Stale,
    /// Not at all.
    Unsigned,
}

/// A Socket Mode acknowledgement.
#[derive(Deserialize)]
struct AckFrame {
    envelope_id: String,
    payload: Option<Value>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{body}`)).
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

impl Shared {
    /// Sends `payload` to the bot; returns the envelope id.
    pub(super) fn deliver(
        self: &Arc<Self>,
        kind: Kind,
        payload: Value,
        hook: Option<u64>,
    ) -> String {
        check_own_payload(kind, &payload);
        let mut state = self.state();
        let id = format!("env-{:06}", state.next());
        state.envelopes.push(Envelope {
            id: id.clone(),
            kind,
            payload: payload.clone(),
            hook,
            sent_on: Vec::new(),
            sent_at: None,
            ack: None,
        });
        match state.http.clone() {
            Some(target) => {
                drop(state);
                tokio::spawn(Arc::clone(self).post_envelope(target, id.clone(), kind, payload, 0));
            }
            None => Self::route(&mut state, &id),
        }
        id
    }

    /// Sends envelope `id` on the newest open connection (one not told to go away, if any).
    fn route(state: &mut State, id: &str) {
        let mut open = state.connections.iter().filter(|c| c.open);
        let Some(connection) = open
            .clone()
            .rfind(|c| !c.closing)
            .or_else(|| open.next_back())
            .cloned()
        else {
            return;
        };
        let Some(envelope) = state.envelopes.iter_mut().find(|e| e.id == id) else {
            return;
        };
        let frame = envelope_frame(envelope);
        if connection.outbound.send(Outbound::Text(frame)).is_ok() {
            envelope.sent_on.push(connection.id);
            envelope.sent_at.get_or_insert_with(Instant::now);
        }
    }

    /// Sends every unacknowledged envelope that is on no open connection.
    pub(super) fn flush(state: &mut State) {
        let open: Vec<u64> = state
            .connections
            .iter()
            .filter(|c| c.open)
            .map(|c| c.id)
            .collect();
        let waiting: Vec<(String, bool)> = state
            .envelopes
            .iter()
            .filter(|e| e.ack.is_none() && e.sent_on.last().is_none_or(|c| !open.contains(c)))
            .map(|e| (e.id.clone(), !e.sent_on.is_empty()))
            .collect();
        for (id, again) in waiting {
            state.redeliveries += usize::from(again);
            Self::route(state, &id);
        }
    }

    /// Records a Socket Mode acknowledgement from connection `connection`.
    pub(super) fn on_ack(&self, connection: u64, text: &str) {
        let Ok(ack) = serde_json::from_str::<AckFrame>(text) else {
            return self.state().violation(format!(
                "connection {connection} sent a frame that is no acknowledgement: {text}"
            ));
        };
        self.record_ack(&ack.envelope_id, ack.payload);
    }

    fn record_ack(&self, id: &str, payload: Option<Value>) {
        let mut state = self.state();
        let Some(envelope) = state.envelopes.iter_mut().find(|e| e.id == id) else {
            return state.violation(format!("acknowledged an unknown envelope {id}"));
        };
        let after = envelope.sent_at.map(|at| at.elapsed()).unwrap_or_default();
        let first = envelope.ack.is_none();
        envelope.ack.get_or_insert(Ack {
            payload: payload.clone(),
            after,
        });
        let (kind, hook) = (envelope.kind, envelope.hook);
        if after > self.options.ack_deadline {
            state.violation(format!("envelope {id} acknowledged after {after:?}"));
        }
        match (kind, payload, hook) {
            (Kind::Command, Some(answer), Some(hook)) if first => {
                answer_command(&mut state, hook, answer)
            }
            (Kind::Event | Kind::Interactive, Some(_), _) => {
                state.violation(format!(
                    "envelope {id}: only slash commands take an answer in the acknowledgement"
                ));
            }
            _ => {}
        }
    }

    /// Posts an envelope to the bot's Request URL and records the answer as its acknowledgement.
    async fn post_envelope(
        self: Arc<Self>,
        target: HttpTarget,
        id: String,
        kind: Kind,
        payload: Value,
        retry: usize,
    ) {
        let (path, content_type, body) = http_body(kind, &payload);
        if let Some(envelope) = self.state().envelopes.iter_mut().find(|e| e.id == id) {
            envelope.sent_at.get_or_insert_with(Instant::now);
        }
        let (status, answer) = self
            .send_signed(&target, path, content_type, body, Signing::Valid, retry)
            .await;
        if status == 200 {
            self.record_ack(&id, serde_json::from_str(&answer).ok());
        } else {
            self.state().violation(format!(
                "the bot answered {path} with HTTP {status}: {answer}"
            ));
        }
    }

    /// Posts `body` to `path` of the bot, signed as asked; returns the status and body.
    pub(super) async fn send_signed(
        &self,
        target: &HttpTarget,
        path: &str,
        content_type: &str,
        body: String,
        signing: Signing,
        retry: usize,
    ) -> (u16, String) {
        let now = unix_now();
        let timestamp = if signing == Signing::Stale {
            now - 600
        } else {
            now
        }
        .to_string();
        let secret = if signing == Signing::WrongSecret {
            "not-the-signing-secret"
        } else {
            &target.secret
        };
        let mut request = self
            .client
            .post(format!("{}{path}", target.base_url))
            .header("content-type", content_type);
        if signing != Signing::Unsigned {
            request = request
                .header("x-slack-request-timestamp", &timestamp)
                .header("x-slack-signature", signature(secret, &timestamp, &body));
        }
        if retry > 0 {
            request = request
                .header("x-slack-retry-num", retry.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        match request.body(body).send().await {
            Ok(response) => (
                response.status().as_u16(),
                response.text().await.unwrap_or_default(),
            ),
            Err(error) => (0, error.to_string()),
        }
    }

    /// Delivers event `payload` again with the same `event_id` (Slack's retry).
    pub(super) fn redeliver(self: &Arc<Self>, payload: Value) {
        let target = self.state().http.clone();
        match target {
            Some(target) => {
                let id = format!("env-{:06}", self.state().next());
                let envelope = Envelope {
                    id: id.clone(),
                    kind: Kind::Event,
                    payload: payload.clone(),
                    hook: None,
                    sent_on: Vec::new(),
                    sent_at: None,
                    ack: None,
                };
                self.state().envelopes.push(envelope);
                tokio::spawn(Arc::clone(self).post_envelope(target, id, Kind::Event, payload, 1));
            }
            None => {
                self.deliver(Kind::Event, payload, None);
            }
        }
    }
}

fn envelope_frame(sent: &Envelope) -> String {
    let frame = payloads::envelope(
        sent.kind.socket_type(),
        &sent.id,
        &sent.payload,
        sent.sent_on.len(),
    );
    super::checks::check_own_frame(&frame);
    frame.to_string()
}

/// The Request URL path, content type and body of a payload.
fn http_body(kind: Kind, payload: &Value) -> (&'static str, &'static str, String) {
    const FORM: &str = "application/x-www-form-urlencoded";
    match kind {
        Kind::Event => ("/slack/events", "application/json", payload.to_string()),
        Kind::Command => {
            let fields = payload.as_object().cloned().unwrap_or_default();
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (key, value) in &fields {
                form.append_pair(key, value.as_str().unwrap_or_default());
            }
            ("/slack/commands", FORM, form.finish())
        }
        Kind::Interactive => {
            let form = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("payload", &payload.to_string())
                .finish();
            ("/slack/interactions", FORM, form)
        }
    }
}
