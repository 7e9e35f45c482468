//! Gateway frames: what the bot reads (parsed without copying the payload) and what it sends.
//!
//! ```
//! use xalantis_bot::discord::gateway::frame::{Incoming, Op};
//! let text = r#"{"op":0,"s":7,"t":"TYPING_START","d":{"channel_id":"1"}}"#;
//! let frame = Incoming::parse(text).unwrap();
//! assert_eq!(frame.op, Op::DISPATCH);
//! assert_eq!((frame.s, frame.t.as_deref()), (Some(7), Some("TYPING_START")));
//! assert_eq!(frame.d.unwrap().get(), r#"{"channel_id":"1"}"#);
//!
//! let text = r#"{"t":"MESSAGE_CREATE","s":8,"op":0,"d":{"id":"5","channel_id":"1",
//!     "author":{"id":"2"},"content":"VEN1-000079","embeds":[]}}"#;
//! let message = Incoming::parse(text).unwrap().message.unwrap();
//! assert_eq!(message.content, "VEN1-000079");
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::json;
use serde_json::value::RawValue;

use super::head::MessageHead;

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

/// A frame from Discord, read in one pass. A MESSAGE_CREATE whose `t` comes before its `d` (the
/// order Discord sends) has its payload read straight into [`MessageHead`]; any other payload is
/// left as raw JSON borrowed from the frame's text, so an event the bot does not use costs one
/// scan of the text and no allocation.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// Opcode.
    pub op: Op,
    /// Sequence number (dispatches only).
    pub s: Option<u64>,
    /// Event name (dispatches only).
    pub t: Option<Cow<'a, str>>,
    /// Payload, unparsed (`None` when [`Incoming::message`] holds it).
    pub d: Option<&'a RawValue>,
    /// A MESSAGE_CREATE's payload, read in the same pass as the frame.
    pub message: Option<MessageHead<'a>>,
}

impl<'a> Incoming<'a> {
    /// Parses a text frame. A MESSAGE_CREATE payload without the fields of [`MessageHead`] is
    /// left raw instead (a second pass), so its sequence number is never lost.
    pub fn parse(text: &'a str) -> serde_json::Result<Self> {
        serde_json::from_str(text).or_else(|_| {
            let raw: RawFrame<'a> = serde_json::from_str(text)?;
            Ok(Self {
                op: raw.op,
                s: raw.s,
                t: raw.t,
                d: raw.d,
                message: None,
            })
        })
    }

    /// The payload parsed as `T`, if there is one and it fits.
    pub fn payload<T: Deserialize<'a>>(&self) -> Option<T> {
        serde_json::from_str(self.d?.get()).ok()
    }
}

/// The frame with its payload left raw whatever the event.
#[derive(Deserialize)]
struct RawFrame<'a> {
    op: Op,
    #[serde(default)]
    s: Option<u64>,
    #[serde(default, borrow)]
    t: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    d: Option<&'a RawValue>,
}

/// An event name, borrowed from the frame unless it has escapes.
#[derive(Deserialize)]
struct Name<'a>(#[serde(borrow)] Cow<'a, str>);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Op,
    S,
    T,
    D,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Incoming<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FrameVisitor)
    }
}

struct FrameVisitor;

impl<'de> Visitor<'de> for FrameVisitor {
    type Value = Incoming<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a gateway frame")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Incoming<'de>, A::Error> {
        let (mut op, mut s, mut t, mut d, mut message) = (None, None, None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Op => op = Some(map.next_value::<Op>()?),
                Field::S => s = map.next_value::<Option<u64>>()?,
                Field::T => t = map.next_value::<Option<Name<'de>>>()?.map(|name| name.0),
                Field::D if t.as_deref() == Some("MESSAGE_CREATE") => {
                    message = Some(map.next_value::<MessageHead<'de>>()?);
                }
                Field::D => d = map.next_value::<Option<&'de RawValue>>()?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Incoming {
            op: op.ok_or_else(|| serde::de::Error::missing_field("op"))?,
            s,
            t,
            d,
            message,
        })
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

    const HEAD: &str = r#"{"id":"1","channel_id":"2","author":{"id":"3"},"content":"VEN1-1"}"#;

    #[test]
    fn a_message_create_is_read_in_one_pass_when_its_name_comes_first() {
        let text = format!(r#"{{"t":"MESSAGE_CREATE","s":5,"op":0,"d":{HEAD}}}"#);
        let frame = Incoming::parse(&text).unwrap();
        assert_eq!((frame.op, frame.s), (Op::DISPATCH, Some(5)));
        assert!(frame.d.is_none());
        let head = frame.message.expect("read with the frame");
        assert_eq!(head.id.0, 1);
        assert!(matches!(head.content, Cow::Borrowed("VEN1-1")));
    }

    #[test]
    fn a_message_create_named_after_its_payload_or_missing_fields_stays_raw() {
        let late_name = format!(r#"{{"op":0,"s":6,"d":{HEAD},"t":"MESSAGE_CREATE"}}"#);
        let no_author = r#"{"op":0,"s":7,"t":"MESSAGE_CREATE","d":{"id":"1","content":"x"}}"#;
        for (text, seq) in [(late_name.as_str(), 6), (no_author, 7)] {
            let frame = Incoming::parse(text).unwrap();
            assert!(frame.message.is_none(), "{text}");
            assert_eq!(frame.s, Some(seq), "the sequence number is kept: {text}");
            assert!(frame.d.is_some(), "{text}");
        }
        let other = Incoming::parse(r#"{"t":"TYPING_START","op":0,"d":{"x":1}}"#).unwrap();
        assert!(other.message.is_none());
        assert_eq!(other.d.unwrap().get(), r#"{"x":1}"#);
        assert!(
            Incoming::parse(r#"{"t":"MESSAGE_CREATE","d":{}}"#).is_err(),
            "no op"
        );
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
