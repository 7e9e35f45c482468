//! The gateway protocol frame by frame, with a raw WebSocket client.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use xalantis_fakes::discord::{Channel, FakeDiscord, User};

const CHANNEL: Channel = Channel::Guild(900);

struct RawClient(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl RawClient {
    /// Connects as serenity does and reads HELLO.
    async fn connect(fake: &FakeDiscord) -> Self {
        let url = format!("{}?v=10", fake.gateway_url());
        let mut client = Self(connect_async(url).await.expect("gateway connection").0);
        assert_eq!(client.next().await.expect("HELLO")["op"], 10);
        client
    }

    /// The next frame: a JSON text, or `None` when the connection closed or stayed silent.
    async fn next(&mut self) -> Option<Value> {
        let message = tokio::time::timeout(Duration::from_secs(2), self.0.next())
            .await
            .ok()??
            .ok()?;
        serde_json::from_str(message.to_text().ok()?).ok()
    }

    /// The close code the server sent next, if it sent a close frame.
    async fn close_code(&mut self) -> Option<u16> {
        match self.0.next().await? {
            Ok(Message::Close(frame)) => frame.map(|f| f.code.into()),
            _ => None,
        }
    }

    async fn send(&mut self, frame: Value) {
        self.0
            .send(Message::text(frame.to_string()))
            .await
            .expect("sent");
    }

    /// IDENTIFYs and returns the session id from READY.
    async fn identify(&mut self) -> String {
        self.send(json!({"op": 2, "d": {"token": "Bot t", "intents": 0, "properties": {}}}))
            .await;
        let ready = self.next().await.expect("READY");
        assert_eq!(
            (ready["t"].as_str(), ready["s"].as_u64()),
            (Some("READY"), Some(1))
        );
        ready["d"]["session_id"]
            .as_str()
            .expect("a session id")
            .to_owned()
    }
}

/// `(s, t, content)` of a dispatch.
fn summary(frame: &Value) -> (u64, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        frame["s"].as_u64().unwrap_or_default(),
        text(&frame["t"]),
        text(&frame["d"]["content"]),
    )
}

fn expected(s: u64, t: &str, content: &str) -> (u64, String, String) {
    (s, t.to_owned(), content.to_owned())
}

#[tokio::test]
async fn resume_replays_events_after_the_clients_seq_then_resumed_then_queued_events() {
    let fake = FakeDiscord::start().await;
    let mut client = RawClient::connect(&fake).await;
    let session = client.identify().await;
    for n in 0..3 {
        fake.message_create(CHANNEL, &User::human(1, "ann"), &format!("m{n}"));
    }
    assert_eq!(
        summary(&client.next().await.unwrap()),
        expected(2, "MESSAGE_CREATE", "m0")
    );
    fake.drop_gateway(Some(4000));
    fake.message_create(CHANNEL, &User::human(1, "ann"), "while away");
    let mut client = RawClient::connect(&fake).await;
    client
        .send(json!({"op": 6, "d": {"token": "Bot t", "session_id": session, "seq": 2}}))
        .await;
    let mut frames = Vec::new();
    while let Some(frame) = client.next().await {
        frames.push(summary(&frame));
    }
    let replayed = [
        expected(3, "MESSAGE_CREATE", "m1"),
        expected(4, "MESSAGE_CREATE", "m2"),
        expected(5, "RESUMED", ""),
        expected(6, "MESSAGE_CREATE", "while away"),
    ];
    assert_eq!(frames, replayed);
}

#[tokio::test]
async fn resuming_an_unknown_session_gets_op_9_false() {
    let fake = FakeDiscord::start().await;
    let mut client = RawClient::connect(&fake).await;
    client
        .send(json!({"op": 6, "d": {"token": "Bot t", "session_id": "nope", "seq": 0}}))
        .await;
    assert_eq!(client.next().await, Some(json!({"op": 9, "d": false})));
}

#[tokio::test]
async fn heartbeats_get_acks_until_switched_off() {
    let fake = FakeDiscord::start().await;
    let mut client = RawClient::connect(&fake).await;
    client.send(json!({"op": 1, "d": null})).await;
    assert_eq!(client.next().await, Some(json!({"op": 11})));
    fake.set_heartbeat_acks(false);
    client.send(json!({"op": 1, "d": null})).await;
    assert_eq!(client.next().await, None);
    assert_eq!((fake.heartbeat_count(), fake.heartbeat_ack_count()), (2, 1));
}

#[tokio::test]
async fn drop_gateway_closes_with_the_code_or_without_a_close_frame() {
    let fake = FakeDiscord::start().await;
    let mut client = RawClient::connect(&fake).await;
    fake.drop_gateway(Some(4004));
    assert_eq!(client.close_code().await, Some(4004));
    let mut client = RawClient::connect(&fake).await;
    fake.drop_gateway(None);
    assert_eq!(client.close_code().await, None);
}
