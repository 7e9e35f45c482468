//! Gateway frames: what the bot reads (parsed without copying the payload) and what it sends.
//!
//! ```
//! use xalantis_bot::discord::gateway::frame::{Incoming, Op};
//! let text = r#"{"op":0,"s":7,"t":"MESSAGE_CREATE","d":{"content":"hi"}}"#;
//! let frame = Incoming::parse(text).unwrap();
//! assert_eq!(frame.op, Op::DISPATCH);
//! assert_eq!((frame.s, frame.t.as_deref()), (Some(7), Some("MESSAGE_CREATE")));
//! assert_eq!(frame.d.unwrap().get(), r#"{"content":"hi"}"#);
//! ```

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

/// Gateway opcodes (Discord's "Gateway Opcodes" table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Op(pub u8);

impl Op {
    /// An event (`t`, `s`, `d`).
    pub const DISPATCH: Self = Self(0);
    /// Heartbeat: sent by the bot, or asked for by Discord.
    pub const HEARTBEAT: Self = Self(1);
    /// Start a session.
    pub const IDENTIFY: Self = Self(2);
    /// Continue a session after a reconnect.
    pub const RESUME: Self = Self(6);
    /// Discord asks for a reconnect (and resume).
    pub const RECONNECT: Self = Self(7);
    /// The session is invalid; `d` says whether it can be resumed.
    pub const INVALID_SESSION: Self = Self(9);
    /// First frame of a connection, with the heartbeat interval.
    pub const HELLO: Self = Self(10);
    /// Discord received a heartbeat.
    pub const HEARTBEAT_ACK: Self = Self(11);
}

/// A frame from Discord. `d` is left as raw JSON (borrowed from the frame's text), so an event
/// the bot does not use costs one scan of the text and no allocation.
#[derive(Debug, Deserialize)]
pub struct Incoming<'a> {
    /// Opcode.
    pub op: Op,
    /// Sequence number (dispatches only).
    #[serde(default)]
    pub s: Option<u64>,
    /// Event name (dispatches only).
    #[serde(default, borrow)]
    pub t: Option<Cow<'a, str>>,
    /// Payload, unparsed.
    #[serde(default, borrow)]
    pub d: Option<&'a RawValue>,
}

impl<'a> Incoming<'a> {
    /// Parses a text frame.
    pub fn parse(text: &'a str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    /// The payload parsed as `T`, if there is one and it fits.
    pub fn payload<T: Deserialize<'a>>(&self) -> Option<T> {
        serde_json::from_str(self.d?.get()).ok()
    }
}

/// HELLO's payload.
#[derive(Debug, Deserialize)]
pub struct Hello {
    /// Milliseconds between heartbeats.
    pub heartbeat_interval: u64,
}

/// The parts of READY the connection keeps.
#[derive(Debug, Deserialize)]
pub struct ReadyHead {
    /// The session to resume.
    pub session_id: String,
    /// Where to reconnect for a resume.
    #[serde(default)]
    pub resume_gateway_url: Option<String>,
}

/// IDENTIFY: `token` and `intents`; no compression, so every frame is plain JSON text.
pub fn identify(token: &str, intents: u64) -> String {
    json!({
        "op": Op::IDENTIFY.0,
        "d": {
            "token": token,
            "intents": intents,
            "properties": {"os": std::env::consts::OS, "browser": "xalantis-bot", "device": "xalantis-bot"},
            "compress": false,
            "large_threshold": 50,
        }
    })
    .to_string()
}

/// RESUME of `session_id` after `seq`.
pub fn resume(token: &str, session_id: &str, seq: Option<u64>) -> String {
    json!({
        "op": Op::RESUME.0,
        "d": {"token": token, "session_id": session_id, "seq": seq.unwrap_or(0)}
    })
    .to_string()
}

/// A heartbeat carrying the last sequence number seen.
pub fn heartbeat(seq: Option<u64>) -> String {
    json!({"op": Op::HEARTBEAT.0, "d": seq}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_without_payload_or_with_null_fields_parse() {
        let ack = Incoming::parse(r#"{"op":11}"#).unwrap();
        assert_eq!(ack.op, Op::HEARTBEAT_ACK);
        assert!(ack.d.is_none());
        let invalid = Incoming::parse(r#"{"op":9,"d":false,"s":null,"t":null}"#).unwrap();
        assert_eq!(invalid.payload::<bool>(), Some(false));
    }

    #[test]
    fn an_escaped_event_name_is_unescaped_and_garbage_is_an_error() {
        let frame = Incoming::parse(r#"{"op":0,"s":1,"t":"A\u0042","d":{}}"#).unwrap();
        assert_eq!(frame.t.as_deref(), Some("AB"));
        assert!(Incoming::parse("not json").is_err());
    }

    #[test]
    fn outgoing_frames_carry_what_discord_expects() {
        let identify: serde_json::Value = serde_json::from_str(&identify("t0k", 33281)).unwrap();
        assert_eq!(identify["op"], 2);
        assert_eq!(identify["d"]["intents"], 33281);
        assert_eq!(identify["d"]["token"], "t0k");
        let resume: serde_json::Value =
            serde_json::from_str(&resume("t0k", "s-1", Some(42))).unwrap();
        assert_eq!(resume["d"]["seq"], 42);
        assert_eq!(heartbeat(None), r#"{"d":null,"op":1}"#);
    }
}
