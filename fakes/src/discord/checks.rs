//! Dispatches checked against serenity's own models before they are sent.
//!
//! serenity turns a malformed known event into `Event::Unknown` and logs it at DEBUG only, so a
//! wrong fixture would make the bot look deaf. `check_dispatch("MESSAGE_CREATE", &d)` fails loudly
//! instead, naming the field serde rejected.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::application::Interaction;
use serenity::model::channel::Message;
use serenity::model::event::{Event, MessageDeleteEvent, MessageUpdateEvent};

/// A dispatch that serenity 0.12.5 would not deserialize into the event it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDispatch {
    /// The event name (`t`).
    pub event: String,
    /// Why serenity rejects it.
    pub reason: String,
}

impl fmt::Display for InvalidDispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serenity 0.12.5 would drop this {} dispatch as Event::Unknown: {}",
            self.event, self.reason
        )
    }
}

impl std::error::Error for InvalidDispatch {}

/// Checks that serenity deserializes `d` as the known event `event` (not as `Event::Unknown`).
pub fn check_dispatch(event: &str, d: &Value) -> Result<(), InvalidDispatch> {
    if !is_event_name(event) {
        return Err(invalid(
            event,
            "event names are SCREAMING_SNAKE_CASE".into(),
        ));
    }
    let frame = json!({"t": event, "d": d});
    match serde_json::from_value::<Event>(frame) {
        Ok(Event::Unknown(_)) => Err(invalid(event, model_error(event, d))),
        Ok(_) => Ok(()),
        Err(error) => Err(invalid(event, error.to_string())),
    }
}

/// Whether `name` can be written into a frame unescaped.
pub(crate) fn is_event_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

fn invalid(event: &str, reason: String) -> InvalidDispatch {
    InvalidDispatch {
        event: event.to_owned(),
        reason,
    }
}

/// The precise serde error for the events the bot reads, a generic reason otherwise.
fn model_error(event: &str, d: &Value) -> String {
    let error = match event {
        "MESSAGE_CREATE" => first_error::<Message>(d),
        "MESSAGE_UPDATE" => first_error::<MessageUpdateEvent>(d),
        "MESSAGE_DELETE" => first_error::<MessageDeleteEvent>(d),
        "INTERACTION_CREATE" => first_error::<Interaction>(d),
        _ => None,
    };
    error.unwrap_or_else(|| "unknown event name or a payload of the wrong shape".to_owned())
}

fn first_error<T: DeserializeOwned>(d: &Value) -> Option<String> {
    serde_json::from_value::<T>(d.clone())
        .err()
        .map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::payloads::{self, Channel, User};

    #[test]
    fn accepts_a_built_guild_message() {
        let d = payloads::message(9, Channel::Guild(3), &User::human(5, "ann"), "hi");
        assert_eq!(check_dispatch("MESSAGE_CREATE", &d), Ok(()));
    }

    #[test]
    fn rejects_a_message_without_author_naming_the_field() {
        let mut d = payloads::message(9, Channel::Dm(3), &User::human(5, "ann"), "hi");
        d.as_object_mut().unwrap().remove("author");
        let error = check_dispatch("MESSAGE_CREATE", &d).unwrap_err();
        assert!(error.reason.contains("author"), "{error}");
    }

    #[test]
    fn rejects_an_unknown_event_name() {
        assert!(check_dispatch("NOT_AN_EVENT", &json!({})).is_err());
        assert!(check_dispatch("bad\"name", &json!({})).is_err());
    }
}
