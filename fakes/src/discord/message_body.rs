//! How Discord turns a message body the bot sent into the stored message: create copies the
//! fields, an edit replaces present fields and clears `null` ones, embeds gain `"type": "rich"`.
//! Pure functions over JSON.

use serde_json::{Value, json};

use super::payloads;

/// The message fields a create or edit body may set.
const MESSAGE_BODY_FIELDS: [&str; 7] = [
    "content",
    "embeds",
    "components",
    "flags",
    "tts",
    "attachments",
    "message_reference",
];

/// Message flag: only the interaction's user sees the message.
pub(crate) const EPHEMERAL: u64 = 1 << 6;
/// Message flag: a deferred interaction reply still "thinking".
pub(crate) const LOADING: u64 = 1 << 7;

pub(crate) fn has_flag(message: &Value, flag: u64) -> bool {
    message["flags"].as_u64().unwrap_or_default() & flag != 0
}

/// The numeric id of a message object.
pub(crate) fn id_of(message: &Value) -> u64 {
    message["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_default()
}

/// Copies the fields of a create body into a message.
pub(crate) fn apply_body(message: &mut Value, body: &Value) {
    for field in MESSAGE_BODY_FIELDS {
        if let Some(value) = body.get(field).filter(|v| !v.is_null()) {
            message[field] = stored_field(field, value);
        }
    }
}

/// Applies an edit: present fields replace, `null` clears.
pub(crate) fn apply_edit(message: &mut Value, body: &Value) {
    for field in MESSAGE_BODY_FIELDS {
        match body.get(field) {
            Some(Value::Null) => message[field] = cleared(field),
            Some(value) => message[field] = stored_field(field, value),
            None => {}
        }
    }
    message["edited_timestamp"] = json!(payloads::now());
}

fn cleared(field: &str) -> Value {
    match field {
        "content" => json!(""),
        "flags" => json!(0),
        "tts" => json!(false),
        "message_reference" => Value::Null,
        _ => json!([]),
    }
}

/// A body field as Discord stores it: embeds get their `type`.
fn stored_field(field: &str, value: &Value) -> Value {
    let mut value = value.clone();
    if field == "embeds" {
        for embed in value.as_array_mut().into_iter().flatten() {
            embed
                .as_object_mut()
                .map(|e| e.entry("type").or_insert(json!("rich")));
        }
    }
    value
}

/// A command as Discord answers a bulk overwrite.
pub(crate) fn registered_command(id: u64, guild: Option<u64>, body: &Value) -> Value {
    let mut command = body.clone();
    command["id"] = json!(id.to_string());
    command["application_id"] = json!(super::APPLICATION_ID.to_string());
    command["version"] = json!(id.to_string());
    command["type"] = body.get("type").cloned().unwrap_or(json!(1));
    command["description"] = body.get("description").cloned().unwrap_or(json!(""));
    if let Some(guild) = guild {
        command["guild_id"] = json!(guild.to_string());
    }
    command
}
