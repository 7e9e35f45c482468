//! Complete gateway payloads and REST objects, built as JSON (pure, no I/O).
//!
//! Every builder produces what Discord would send, with the fields serenity 0.12.5 requires, e.g.
//! `message(id, Channel::Guild(7), &User::human(5, "ann"), "VEN1-1")` is a full `Message`.

use serde_json::{Value, json};

use super::{APPLICATION_ID, BOT_USER_ID, GUILD_ID};

/// Where an event happens: a guild text channel (with member data) or a DM channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A text channel of the fake guild [`GUILD_ID`].
    Guild(u64),
    /// A direct-message channel: no guild id, no member.
    Dm(u64),
}

impl Channel {
    /// The channel id.
    pub fn id(self) -> u64 {
        match self {
            Self::Guild(id) | Self::Dm(id) => id,
        }
    }

    /// The guild id, for guild channels.
    pub fn guild_id(self) -> Option<u64> {
        match self {
            Self::Guild(_) => Some(GUILD_ID),
            Self::Dm(_) => None,
        }
    }
}

/// A Discord user that authors messages or clicks buttons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Snowflake id.
    pub id: u64,
    /// Username.
    pub name: String,
    /// Whether the account is a bot.
    pub bot: bool,
    /// The member's permissions in the channel (a Discord permission bit set), sent as
    /// `member.permissions` in guild interactions.
    pub permissions: u64,
}

impl User {
    /// A human account.
    pub fn human(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bot: false,
            permissions: 0,
        }
    }

    /// Another bot account (the bot under test must ignore it).
    pub fn bot(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bot: true,
            permissions: 0,
        }
    }

    /// The same user with these channel permissions (e.g. `1 << 13` Manage Messages,
    /// `1 << 5` Manage Server).
    #[must_use]
    pub fn with_permissions(self, permissions: u64) -> Self {
        Self {
            permissions,
            ..self
        }
    }

    /// The bot under test itself ([`BOT_USER_ID`]).
    pub fn this_bot() -> Self {
        Self::bot(BOT_USER_ID, "xalantis-bot")
    }

    /// The user as a Discord user object.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": null,
            "bot": self.bot,
        })
    }
}

/// The current time as Discord writes timestamps (RFC 3339).
pub fn now() -> String {
    serenity::model::Timestamp::now().to_string()
}

/// A full message object, as in MESSAGE_CREATE or a REST answer.
pub fn message(id: u64, channel: Channel, author: &User, content: &str) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel.id().to_string(),
        "author": author.to_json(),
        "content": content,
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(guild_id) = channel.guild_id() {
        message["guild_id"] = json!(guild_id.to_string());
        message["member"] = partial_member();
    }
    message
}

fn partial_member() -> Value {
    json!({"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0})
}

/// A full guild member (with its user), as in an interaction.
pub fn member(user: &User) -> Value {
    let mut member = partial_member();
    member["user"] = user.to_json();
    member["permissions"] = json!(user.permissions.to_string());
    member
}

/// The `d` of MESSAGE_DELETE.
pub fn message_delete(channel: Channel, message_id: u64) -> Value {
    let mut d = json!({"id": message_id.to_string(), "channel_id": channel.id().to_string()});
    if let Some(guild_id) = channel.guild_id() {
        d["guild_id"] = json!(guild_id.to_string());
    }
    d
}

/// What identifies an interaction the fake created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionRef {
    /// Interaction id (the first segment of the callback path).
    pub id: u64,
    /// Interaction token (callback and webhook paths).
    pub token: String,
}

/// An interaction envelope: the fields shared by slash commands and button clicks.
pub fn interaction(
    at: &InteractionRef,
    kind: u8,
    channel: Channel,
    user: &User,
    data: Value,
) -> Value {
    let mut d = json!({
        "id": at.id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "channel_id": channel.id().to_string(),
        "token": at.token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 26_214_400,
    });
    d["data"] = data;
    add_invoker(&mut d, channel, user);
    d
}

/// A guild interaction carries the member, a DM interaction the user.
fn add_invoker(d: &mut Value, channel: Channel, user: &User) {
    if let Some(guild_id) = channel.guild_id() {
        d["guild_id"] = json!(guild_id.to_string());
        d["guild_locale"] = json!("en-US");
        d["member"] = member(user);
        d["context"] = json!(0);
    } else {
        d["user"] = user.to_json();
        d["context"] = json!(1);
    }
}

/// The `data` of a chat-input (slash) command.
pub fn slash_command_data(command_id: u64, name: &str, options: Value) -> Value {
    let mut data = json!({"id": command_id.to_string(), "name": name, "type": 1});
    data["options"] = options;
    data
}

/// The `data` of a button click.
pub fn button_data(custom_id: &str) -> Value {
    json!({"custom_id": custom_id, "component_type": 2})
}

/// The bot's own user object (`GET /users/@me`, READY).
pub fn bot_user() -> Value {
    let mut user = User::this_bot().to_json();
    user["verified"] = json!(true);
    user["mfa_enabled"] = json!(false);
    user["flags"] = json!(0);
    user
}

/// The application object (`GET /oauth2/applications/@me`).
pub fn application() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": "Xalantis (fake)",
        "icon": null,
        "description": "",
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "0".repeat(64),
        "flags": 0,
        "bot": bot_user(),
        "owner": User::human(1, "owner").to_json(),
        "team": null,
    })
}

/// The READY dispatch data.
pub fn ready(session_id: &str, gateway_url: &str) -> Value {
    json!({
        "v": 10,
        "user": bot_user(),
        "guilds": [],
        "session_id": session_id,
        "resume_gateway_url": gateway_url,
        "shard": [0, 1],
        "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
    })
}

/// A dispatch frame (op 0) with its sequence number; `d` is already JSON text.
pub fn dispatch_frame(seq: u64, event: &str, d: &str) -> String {
    format!(r#"{{"op":0,"s":{seq},"t":"{event}","d":{d}}}"#)
}

/// The HELLO frame (op 10).
pub fn hello_frame(heartbeat_interval_ms: u64) -> String {
    json!({"op": 10, "d": {"heartbeat_interval": heartbeat_interval_ms}}).to_string()
}

/// The INVALID SESSION frame (op 9).
pub fn invalid_session_frame(resumable: bool) -> String {
    json!({"op": 9, "d": resumable}).to_string()
}

/// The heartbeat ACK frame (op 11).
pub const HEARTBEAT_ACK_FRAME: &str = r#"{"op":11}"#;

/// The RECONNECT frame (op 7).
pub const RECONNECT_FRAME: &str = r#"{"op":7,"d":null}"#;
