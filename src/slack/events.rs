//! Events API payloads → what happened (pure).
//!
//! Inbound payloads are read into small tolerant types of our own rather than
//! slack-morphism's: its model of an edited message (`message_changed`) drops `thread_ts`, and
//! an event it cannot read silently becomes `Unknown`. Here every field is optional, so any
//! message event is read, and [`classify`] decides what the bot does with it.
//!
//! ```
//! use xalantis_bot::slack::events::{Delivery, Event, MessageAction, classify};
//! let body = r#"{"type":"event_callback","event_id":"Ev1","event":
//!     {"type":"message","channel":"C1","user":"U1","text":"see VEN1-000079","ts":"1.2"}}"#;
//! let Ok(Delivery::EventCallback(callback)) = serde_json::from_str(body) else { panic!() };
//! let Event::Message(message) = &callback.event else { panic!() };
//! assert!(matches!(classify(message, "UBOT"), MessageAction::New(_)));
//! ```

use serde::Deserialize;

use super::bindings::MessageKey;

/// An Events API delivery: the HTTP request body, or a Socket Mode `events_api` payload.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delivery {
    /// Slack checking the Request URL: answer with the challenge.
    UrlVerification {
        /// Echoed back.
        challenge: String,
    },
    /// An event.
    EventCallback(Box<EventCallback>),
    /// Anything else (`app_rate_limited`, …): acknowledged and ignored.
    #[serde(other)]
    Other,
}

/// One event with its delivery id.
#[derive(Debug, Clone, Deserialize)]
pub struct EventCallback {
    /// Unique per event; the same on every retry of it.
    pub event_id: String,
    /// The event.
    pub event: Event,
}

/// The events the bot subscribes to.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A message was posted, edited (`message_changed`) or deleted (`message_deleted`).
    Message(MessageEvent),
    /// Links on an unfurl domain were posted.
    LinkShared(LinkSharedEvent),
    /// Any other event.
    #[serde(other)]
    Other,
}

/// A `message` event, or the `message`/`previous_message` inside a `message_changed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MessageEvent {
    /// `None` for a plain message; `message_changed`, `message_deleted`, `bot_message`, …
    pub subtype: Option<String>,
    /// Channel id.
    pub channel: Option<String>,
    /// Author.
    pub user: Option<String>,
    /// Set when a bot (any app) posted it.
    pub bot_id: Option<String>,
    /// Text, in Slack's markup (`<https://…|label>`, `&lt;`).
    pub text: Option<String>,
    /// The message id.
    pub ts: Option<String>,
    /// The thread's parent, when the message is in a thread.
    pub thread_ts: Option<String>,
    /// The message after an edit (`message_changed`).
    pub message: Option<Box<MessageEvent>>,
    /// The message before an edit (`message_changed`).
    pub previous_message: Option<Box<MessageEvent>>,
    /// The deleted message (`message_deleted`).
    pub deleted_ts: Option<String>,
}

/// `link_shared`: links on one of the app's unfurl domains.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkSharedEvent {
    /// Channel of the message (`COMPOSER` while it is still being written).
    pub channel: String,
    /// The message holding the links.
    pub message_ts: String,
    /// Id of this unfurl, with `source`: answers `chat.unfurl` for composer previews too.
    pub unfurl_id: Option<String>,
    /// `composer` or `conversations_history`.
    pub source: Option<String>,
    /// The links.
    #[serde(default)]
    pub links: Vec<SharedLink>,
}

/// One shared link.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedLink {
    /// The URL as posted (the key of its unfurl).
    pub url: String,
}

/// A message the bot may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The message.
    pub key: MessageKey,
    /// Its thread's parent, when it is a thread reply.
    pub thread_ts: Option<String>,
    /// Its text.
    pub text: String,
}

impl Source {
    /// Where the card goes: the message's thread (a reply in a thread answers in that thread).
    pub fn thread(&self) -> &str {
        self.thread_ts.as_deref().unwrap_or(&self.key.ts)
    }
}

/// What the bot does with a message event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageAction {
    /// A new message from a person: look for tickets.
    New(Source),
    /// A person edited a message: follow it.
    Edited(Source),
    /// A message was deleted: delete its card.
    Deleted(MessageKey),
    /// Not for the bot: bots (itself included), joins, unchanged edits, …
    Ignore,
}

/// Decides what `event` asks of the bot, whose own user id is `me`.
pub fn classify(event: &MessageEvent, me: &str) -> MessageAction {
    let Some(channel) = event.channel.as_deref() else {
        return MessageAction::Ignore;
    };
    match event.subtype.as_deref() {
        None | Some("thread_broadcast" | "file_share" | "me_message") => {
            source(channel, event, me).map_or(MessageAction::Ignore, MessageAction::New)
        }
        Some("message_changed") => edited(channel, event, me),
        Some("message_deleted") => {
            let ts = event
                .deleted_ts
                .clone()
                .or_else(|| event.previous_message.as_ref()?.ts.clone());
            ts.map_or(MessageAction::Ignore, |ts| {
                MessageAction::Deleted(MessageKey {
                    channel: channel.to_owned(),
                    ts,
                })
            })
        }
        Some(_) => MessageAction::Ignore,
    }
}

fn edited(channel: &str, event: &MessageEvent, me: &str) -> MessageAction {
    let Some(after) = event.message.as_deref() else {
        return MessageAction::Ignore;
    };
    // Slack also reports unfurls and reply counts as edits: only a new text is an edit.
    let before = event
        .previous_message
        .as_deref()
        .and_then(|m| m.text.as_deref());
    if before == after.text.as_deref() {
        return MessageAction::Ignore;
    }
    source(channel, after, me).map_or(MessageAction::Ignore, MessageAction::Edited)
}

/// The message as a [`Source`], unless a bot wrote it.
fn source(channel: &str, message: &MessageEvent, me: &str) -> Option<Source> {
    let author = message.user.as_deref()?;
    if message.bot_id.is_some() || author == me {
        return None;
    }
    let ts = message.ts.clone()?;
    let thread_ts = message.thread_ts.clone().filter(|parent| *parent != ts);
    Some(Source {
        key: MessageKey {
            channel: channel.to_owned(),
            ts,
        },
        thread_ts,
        text: message.text.clone().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> MessageEvent {
        match serde_json::from_str::<Event>(json).unwrap() {
            Event::Message(message) => message,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn a_person_s_thread_reply_is_answered_in_the_same_thread() {
        let reply = event(
            r#"{"type":"message","channel":"C1","user":"U1","text":"VEN1-1","ts":"2.0","thread_ts":"1.0"}"#,
        );
        let MessageAction::New(source) = classify(&reply, "UBOT") else {
            panic!()
        };
        assert_eq!((source.thread(), source.key.ts.as_str()), ("1.0", "2.0"));
    }

    #[test]
    fn bots_the_bot_itself_and_joins_are_ignored() {
        for json in [
            r#"{"type":"message","subtype":"bot_message","channel":"C1","bot_id":"B1","text":"VEN1-1","ts":"1.0"}"#,
            r#"{"type":"message","channel":"C1","user":"U2","bot_id":"B2","text":"VEN1-1","ts":"1.0"}"#,
            r#"{"type":"message","channel":"C1","user":"UBOT","text":"VEN1-1","ts":"1.0"}"#,
            r#"{"type":"message","subtype":"channel_join","channel":"C1","user":"U1","text":"joined","ts":"1.0"}"#,
        ] {
            assert_eq!(
                classify(&event(json), "UBOT"),
                MessageAction::Ignore,
                "{json}"
            );
        }
    }

    #[test]
    fn an_edit_with_new_text_is_followed_and_an_unfurl_only_edit_is_not() {
        let edit = r#"{"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0",
            "message":{"user":"U1","text":"VEN1-2","ts":"1.0","thread_ts":"0.5"},
            "previous_message":{"user":"U1","text":"VEN1-1","ts":"1.0"}}"#;
        let MessageAction::Edited(source) = classify(&event(edit), "UBOT") else {
            panic!()
        };
        assert_eq!(
            (
                source.key.ts.as_str(),
                source.thread(),
                source.text.as_str()
            ),
            ("1.0", "0.5", "VEN1-2")
        );
        let unfurl = edit.replace("VEN1-1", "VEN1-2");
        assert_eq!(classify(&event(&unfurl), "UBOT"), MessageAction::Ignore);
    }

    #[test]
    fn a_deleted_message_names_its_ts() {
        let deleted = event(
            r#"{"type":"message","subtype":"message_deleted","channel":"C1","ts":"9.0","deleted_ts":"1.0"}"#,
        );
        assert_eq!(
            classify(&deleted, "UBOT"),
            MessageAction::Deleted(MessageKey {
                channel: "C1".into(),
                ts: "1.0".into()
            })
        );
    }

    #[test]
    fn unknown_events_and_deliveries_are_read_without_error() {
        let other: Delivery =
            serde_json::from_str(r#"{"type":"app_rate_limited","team_id":"T1"}"#).unwrap();
        assert!(matches!(other, Delivery::Other));
        let callback: Delivery = serde_json::from_str(
            r#"{"type":"event_callback","event_id":"Ev","event":{"type":"reaction_added"}}"#,
        )
        .unwrap();
        let Delivery::EventCallback(callback) = callback else {
            panic!("not a callback")
        };
        assert!(matches!(callback.event, Event::Other));
    }
}
