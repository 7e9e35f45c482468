//! One gateway connection: HELLO, IDENTIFY or RESUME, then read and heartbeat until it ends.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::frame::{self, Hello, Incoming, Op, ReadyHead};
use super::{Events, GatewayError, Login, Shutdown, Socket, Wait, jitter};

/// Longest wait for HELLO after connecting.
const HELLO_WAIT: Duration = Duration::from_secs(20);
/// Close code the bot sends when it wants to resume (anything but 1000 and 1001 keeps the session).
const CLOSE_TO_RESUME: u16 = 4900;
/// Shortest wait before a new IDENTIFY after op 9, and the random part added (Discord asks
/// for 1–5 s).
const REIDENTIFY_WAIT: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(4));

/// The session that outlives connections.
#[derive(Debug, Default)]
pub(super) struct Session {
    id: Option<String>,
    seq: Option<u64>,
    resume_url: Option<String>,
}

impl Session {
    /// Where to connect: the resume URL while there is a session to resume.
    pub(super) fn url(&self, gateway_url: &str) -> String {
        match (&self.id, &self.resume_url) {
            (Some(_), Some(url)) => url.clone(),
            _ => gateway_url.to_owned(),
        }
    }

    /// Starts over with a new IDENTIFY next time.
    pub(super) fn forget(&mut self) {
        *self = Self::default();
    }
}

/// How a connection ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// Shutdown: closed with 1000.
    Shutdown,
    /// Reconnect and resume; `lived` when this connection had a working session (then the next
    /// attempt goes at once, else after a backoff).
    Resume { lived: bool },
    /// Reconnect with a new IDENTIFY.
    Reidentify,
    /// The connection could not be opened or was refused before HELLO.
    Failed,
    /// Stop for good.
    Fatal(GatewayError),
}

/// One open connection.
struct Connection<'a> {
    socket: Socket,
    login: &'a Login,
    events: &'a dyn Events,
    /// Whether the last heartbeat was acknowledged.
    acked: bool,
    /// Whether READY or RESUMED arrived on this connection.
    lived: bool,
    /// Heartbeat schedule (set from HELLO).
    beats: Interval,
}

/// Runs one connection until it ends.
pub(super) async fn serve(
    socket: Socket,
    login: &Login,
    session: &mut Session,
    events: &dyn Events,
    mut shutdown: Shutdown<'_>,
) -> Ended {
    let mut connection = Connection {
        socket,
        login,
        events,
        acked: true,
        lived: false,
        beats: tokio::time::interval(HELLO_WAIT),
    };
    let hello = tokio::select! {
        () = shutdown.as_mut() => None,
        hello = tokio::time::timeout(HELLO_WAIT, connection.hello()) => Some(hello),
    };
    let interval = match hello {
        None => return connection.close(1000, Ended::Shutdown).await,
        Some(Ok(Some(interval))) => interval,
        Some(_) => return Ended::Failed,
    };
    if !connection.start(session).await {
        return Ended::Failed;
    }
    let first_beat = Instant::now() + interval.mul_f64(jitter());
    connection.beats = tokio::time::interval_at(first_beat, interval);
    connection
        .beats
        .set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let woke = tokio::select! {
            biased;
            () = shutdown.as_mut() => Woke::Shutdown,
            _ = connection.beats.tick() => Woke::Beat,
            read = connection.socket.next() => Woke::Read(read),
        };
        let ended = match woke {
            Woke::Shutdown => return connection.close(1000, Ended::Shutdown).await,
            Woke::Beat => connection.beat(session).await,
            Woke::Read(read) => connection.on_read(read, session).await,
        };
        match ended {
            None => {}
            Some(Ended::Reidentify) => return reidentify_after_pause(shutdown).await,
            Some(other) => return other,
        }
    }
}

/// What woke the connection's loop.
enum Woke {
    Shutdown,
    Beat,
    Read(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
}

/// After op 9 `false`: waits 1–5 s as Discord asks, unless shutdown comes first.
async fn reidentify_after_pause(shutdown: Shutdown<'_>) -> Ended {
    let (shortest, spread) = REIDENTIFY_WAIT;
    let wait = shortest + spread.mul_f64(jitter());
    tokio::select! {
        () = shutdown => Ended::Shutdown,
        () = tokio::time::sleep(wait) => Ended::Reidentify,
    }
}

impl Connection<'_> {
    /// Waits for HELLO; its heartbeat interval.
    async fn hello(&mut self) -> Option<Duration> {
        while let Some(Ok(message)) = self.socket.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let frame = Incoming::parse(text.as_str()).ok()?;
            if frame.op == Op::HELLO {
                let hello: Hello = frame.payload()?;
                return Some(Duration::from_millis(hello.heartbeat_interval.max(1)));
            }
        }
        None
    }

    /// Sends RESUME when there is a session, else IDENTIFY; false when the send failed.
    async fn start(&mut self, session: &Session) -> bool {
        let token = self.login.token.expose();
        let text = match &session.id {
            Some(id) => frame::resume(token, id, session.seq),
            None => frame::identify(token, self.login.intents),
        };
        self.send(text).await
    }

    /// A heartbeat is due: send it, or end a connection whose last one was never acknowledged.
    async fn beat(&mut self, session: &Session) -> Option<Ended> {
        if !self.acked {
            tracing::warn!("the Discord gateway stopped acknowledging heartbeats; reconnecting");
            let lived = self.lived;
            return Some(self.close(CLOSE_TO_RESUME, Ended::Resume { lived }).await);
        }
        self.acked = false;
        if self.send(frame::heartbeat(session.seq)).await {
            None
        } else {
            Some(Ended::Resume { lived: self.lived })
        }
    }

    /// What the socket gave: a frame, Discord's close, or the end of the connection.
    async fn on_read(
        &mut self,
        read: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
        session: &mut Session,
    ) -> Option<Ended> {
        match read {
            Some(Ok(Message::Text(text))) => self.on_text(text.as_str(), session).await,
            Some(Ok(Message::Close(frame))) => Some(closed_by_discord(frame.as_ref())),
            Some(Ok(_)) => None,
            Some(Err(error)) => {
                tracing::info!(%error, "the Discord gateway connection broke; resuming");
                Some(Ended::Resume { lived: self.lived })
            }
            None => Some(Ended::Resume { lived: self.lived }),
        }
    }

    /// One text frame.
    async fn on_text(&mut self, text: &str, session: &mut Session) -> Option<Ended> {
        let frame = match Incoming::parse(text) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::warn!(%error, bytes = text.len(), "skipped a gateway frame that is not valid JSON");
                return None;
            }
        };
        match frame.op {
            Op::DISPATCH => {
                self.on_dispatch(frame, session).await;
                None
            }
            Op::HEARTBEAT => (!self.send(frame::heartbeat(session.seq)).await)
                .then_some(Ended::Resume { lived: self.lived }),
            Op::HEARTBEAT_ACK => {
                self.acked = true;
                None
            }
            Op::RECONNECT => {
                tracing::info!("Discord asked for a reconnection; resuming");
                let lived = self.lived;
                Some(self.close(CLOSE_TO_RESUME, Ended::Resume { lived }).await)
            }
            Op::INVALID_SESSION => Some(self.on_invalid_session(&frame, session).await),
            _ => None,
        }
    }

    /// A dispatch: the sequence number, the session from READY, then the bot's handler.
    async fn on_dispatch(&mut self, frame: Incoming<'_>, session: &mut Session) {
        if let Some(seq) = frame.s {
            session.seq = Some(seq);
        }
        let Some(event) = frame.t.as_deref() else {
            return;
        };
        match event {
            "READY" => {
                if let Some(ready) = frame.payload::<ReadyHead>() {
                    session.id = Some(ready.session_id);
                    session.resume_url = ready.resume_gateway_url;
                }
                self.lived = true;
            }
            "RESUMED" => self.lived = true,
            _ => {}
        }
        let wait = match (frame.message, frame.d) {
            (Some(message), _) => self.events.on_message_create(message),
            (None, Some(d)) => self.events.on_dispatch(event, d),
            (None, None) => None,
        };
        if let Some(wait) = wait {
            self.wait_beating(wait, session.seq).await;
        }
    }

    /// Awaits the bot's backpressure, still sending heartbeats when they are due. Their ACKs
    /// wait unread in the socket meanwhile, so a heartbeat sent here is not held against the
    /// connection: without this, a wait of a second under a 1 s heartbeat would look like a
    /// zombie connection and force a reconnection.
    async fn wait_beating(&mut self, mut wait: Wait<'_>, seq: Option<u64>) {
        loop {
            tokio::select! {
                () = &mut wait => return,
                _ = self.beats.tick() => {
                    if self.send(frame::heartbeat(seq)).await {
                        self.acked = true;
                    }
                }
            }
        }
    }

    /// Op 9: resume when Discord says the session may be resumed, else identify anew.
    async fn on_invalid_session(&mut self, frame: &Incoming<'_>, session: &mut Session) -> Ended {
        let resumable = frame.payload::<bool>().unwrap_or(false) && session.id.is_some();
        tracing::info!(resumable, "Discord invalidated the gateway session");
        if resumable {
            let lived = self.lived;
            return self.close(CLOSE_TO_RESUME, Ended::Resume { lived }).await;
        }
        session.forget();
        self.close(CLOSE_TO_RESUME, Ended::Reidentify).await
    }

    async fn send(&mut self, text: String) -> bool {
        self.socket.send(Message::Text(text.into())).await.is_ok()
    }

    /// Sends a close frame with `code` (briefly waiting for Discord's answer), then `ended`.
    async fn close(&mut self, code: u16, ended: Ended) -> Ended {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = self.socket.next().await {}
        })
        .await;
        ended
    }
}

/// Discord closed the connection: fatal codes stop the bot, 4007 and 4009 need a new session,
/// anything else is resumed.
fn closed_by_discord(frame: Option<&CloseFrame>) -> Ended {
    let code = frame.map(|f| u16::from(f.code));
    tracing::info!(?code, "the Discord gateway closed the connection");
    let fatal = |code, reason| Ended::Fatal(GatewayError::Fatal { code, reason });
    match code {
        Some(4004) => fatal(4004, "authentication failed"),
        Some(4010) => fatal(4010, "invalid shard"),
        Some(4011) => fatal(4011, "sharding required"),
        Some(4012) => fatal(4012, "invalid API version"),
        Some(4013) => fatal(4013, "invalid intents"),
        Some(4014) => fatal(4014, "disallowed intents"),
        Some(4007 | 4009) => Ended::Reidentify,
        _ => Ended::Resume { lived: true },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(code: u16) -> Ended {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        };
        closed_by_discord(Some(&frame))
    }

    #[test]
    fn close_codes_map_to_what_the_bot_does_next() {
        assert!(matches!(
            close(4004),
            Ended::Fatal(GatewayError::Fatal { code: 4004, .. })
        ));
        assert!(matches!(close(4014), Ended::Fatal(_)));
        assert!(matches!(close(4009), Ended::Reidentify));
        assert!(matches!(close(4000), Ended::Resume { .. }));
        assert!(matches!(close(1001), Ended::Resume { .. }));
        assert!(matches!(closed_by_discord(None), Ended::Resume { .. }));
    }

    #[test]
    fn a_session_reconnects_to_its_resume_url_until_forgotten() {
        let mut session = Session {
            id: Some("s".into()),
            seq: Some(3),
            resume_url: Some("ws://resume".into()),
        };
        assert_eq!(session.url("ws://gateway"), "ws://resume");
        session.forget();
        assert_eq!(session.url("ws://gateway"), "ws://gateway");
    }
}
