//! Builders of complete Slack payloads as Slack sends them (events, slash commands, button
//! clicks, Socket Mode frames). Pure; [`super::checks::check_own_payload`] checks them.

use serde_json::{Value, json};

use super::state::SlackMessage;
use super::{APP_ID, BOT_USER_ID, TEAM_ID};

/// An Events API `event_callback` around `event`.
pub fn event_callback(event: Value, event_id: &str, event_time: u64) -> Value {
    json!({
        "token": "fake-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false,
        "event_context": format!("4-{event_id}"),
    })
}

/// A person's new message (a thread reply when `thread_ts` is given).
pub fn message_event(message: &SlackMessage) -> Value {
    let mut event = json!({
        "type": "message",
        "channel": message.channel,
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "channel_type": "channel",
        "client_msg_id": format!("msg-{}", message.ts),
    });
    if let Some(thread_ts) = &message.thread_ts {
        event["thread_ts"] = json!(thread_ts);
    }
    event
}

/// Another app's message.
pub fn bot_message_event(message: &SlackMessage) -> Value {
    json!({
        "type": "message",
        "subtype": "bot_message",
        "channel": message.channel,
        "bot_id": message.bot_id,
        "username": "other-bot",
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "channel_type": "channel",
    })
}

fn inner(message: &SlackMessage) -> Value {
    let mut inner =
        json!({"type": "message", "user": message.user, "text": message.text, "ts": message.ts});
    if let Some(thread_ts) = &message.thread_ts {
        inner["thread_ts"] = json!(thread_ts);
    }
    inner
}

/// `message_changed`: `before` became `after`.
pub fn edit_event(before: &SlackMessage, after: &SlackMessage, event_ts: &str) -> Value {
    let mut edited = inner(after);
    edited["edited"] = json!({"user": after.user, "ts": event_ts});
    json!({
        "type": "message",
        "subtype": "message_changed",
        "hidden": true,
        "channel": before.channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": "channel",
        "message": edited,
        "previous_message": inner(before),
    })
}

/// `message_deleted` of `before`.
pub fn delete_event(before: &SlackMessage, event_ts: &str) -> Value {
    json!({
        "type": "message",
        "subtype": "message_deleted",
        "hidden": true,
        "channel": before.channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "deleted_ts": before.ts,
        "channel_type": "channel",
        "previous_message": inner(before),
    })
}

/// `link_shared` for `links` of `message`.
pub fn link_shared_event(
    message: &SlackMessage,
    unfurl_id: &str,
    links: &[String],
    domain: &str,
) -> Value {
    let links: Vec<Value> = links
        .iter()
        .map(|url| json!({"domain": domain, "url": url}))
        .collect();
    json!({
        "type": "link_shared",
        "channel": message.channel,
        "is_bot_user_member": true,
        "user": message.user,
        "message_ts": message.ts,
        "unfurl_id": unfurl_id,
        "source": "conversations_history",
        "links": links,
        "event_ts": message.ts,
    })
}

/// A slash command payload (the form fields as JSON).
pub fn command(
    channel: &str,
    user: &str,
    command: &str,
    text: &str,
    response_url: &str,
    trigger: u64,
) -> Value {
    json!({
        "token": "fake-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "support",
        "user_id": user,
        "user_name": "alice",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": format!("{trigger}.1.fake"),
    })
}

/// Where a clicked button is.
pub struct ClickSite<'a> {
    /// Channel of the message.
    pub channel: &'a str,
    /// The message (for a preview: the message holding the link).
    pub message_ts: &'a str,
    /// The message is an ephemeral answer.
    pub ephemeral: bool,
    /// The message is a link preview.
    pub unfurl: bool,
}

/// `block_actions` for a click on `button` at `site` by `user`.
pub fn block_actions(
    site: &ClickSite<'_>,
    button: &Value,
    user: &str,
    response_url: &str,
    trigger: u64,
) -> Value {
    let mut action = json!({
        "type": "button",
        "action_id": button["action_id"],
        "block_id": "fake-block",
        "text": button["text"],
        "action_ts": format!("{trigger}.000001"),
    });
    if let Some(value) = button["value"].as_str() {
        action["value"] = json!(value);
    }
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {"type": "message", "message_ts": site.message_ts, "channel_id": site.channel,
            "is_ephemeral": site.ephemeral, "is_app_unfurl": site.unfurl},
        "trigger_id": format!("{trigger}.2.fake"),
        "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": site.channel, "name": "support"},
        "response_url": response_url,
        "actions": [action],
    })
}

/// The Socket Mode `hello`.
pub fn hello(connections: usize) -> Value {
    json!({"type": "hello", "num_connections": connections,
        "debug_info": {"host": "fake-slack", "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": APP_ID}})
}

/// The Socket Mode `disconnect` sent before a connection is rotated.
pub fn disconnect() -> Value {
    json!({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "fake-slack"}})
}

/// A Socket Mode envelope.
pub fn envelope(kind: &str, envelope_id: &str, payload: &Value, retry_attempt: usize) -> Value {
    json!({"envelope_id": envelope_id, "type": kind, "payload": payload,
        "accepts_response_payload": kind == "slash_commands", "retry_attempt": retry_attempt, "retry_reason": ""})
}

/// The links of `text` (Slack writes them `<https://…>` or `<https://…|label>`) on `domain`.
pub fn links_on(text: &str, domain: &str) -> Vec<String> {
    let mut links = Vec::new();
    for piece in text.split('<').skip(1) {
        let Some(inside) = piece.split('>').next() else {
            continue;
        };
        let url = inside.split('|').next().unwrap_or_default();
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', '?', '#']).next());
        if host.is_some_and(|h| h.eq_ignore_ascii_case(domain)) && !links.contains(&url.to_owned())
        {
            links.push(url.to_owned());
        }
    }
    links
}
