//! What the fake Slack holds and was sent: messages, previews, response URLs, envelopes,
//! Socket Mode connections, requests and violations. No I/O.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

/// One HTTP request the bot made to the fake (Web API or a response URL).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path: `/api/chat.postMessage`, `/hooks/3`, …
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The body as JSON (form bodies are turned into an object).
    pub body: Value,
    /// The body as received.
    pub body_text: String,
    /// The status the fake answered.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

impl RecordedRequest {
    /// True for a Web API call of `method` (`chat.postMessage`, …).
    pub fn is_call(&self, method: &str) -> bool {
        self.path == format!("/api/{method}")
    }
}

/// Who sees a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel.
    Public,
    /// Only this user (an ephemeral answer).
    Ephemeral(String),
}

/// A message in a channel, by a person or by the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackMessage {
    /// Channel id.
    pub channel: String,
    /// Message id.
    pub ts: String,
    /// Thread parent, for a reply in a thread.
    pub thread_ts: Option<String>,
    /// Author (a person, or the bot user).
    pub user: Option<String>,
    /// Set on messages of bots (the bot's own carry [`super::BOT_ID`]).
    pub bot_id: Option<String>,
    /// Text (mrkdwn).
    pub text: String,
    /// Block Kit blocks (`Null` when none).
    pub blocks: Value,
    /// Who sees it.
    pub visibility: Visibility,
    /// Deleted since.
    pub deleted: bool,
    /// How often it was replaced (`chat.update`, `replace_original`).
    pub edits: usize,
}

impl SlackMessage {
    /// True when the bot posted it.
    pub fn by_bot(&self) -> bool {
        self.bot_id.as_deref() == Some(super::BOT_ID)
    }

    /// The buttons of its actions blocks.
    pub fn buttons(&self) -> Vec<Value> {
        buttons(&self.blocks)
    }
}

/// The buttons in `blocks`.
pub fn buttons(blocks: &Value) -> Vec<Value> {
    let blocks = blocks.as_array().cloned().unwrap_or_default();
    let actions = blocks.into_iter().filter(|b| b["type"] == "actions");
    actions
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A link preview the bot attached with `chat.unfurl`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfurl {
    /// Channel of the message, when addressed by channel and ts (or known from the unfurl id).
    pub channel: String,
    /// The message holding the link.
    pub ts: String,
    /// The link (the key of the `unfurls` map).
    pub url: String,
    /// The preview's blocks.
    pub blocks: Value,
    /// How often the bot sent it (a Refresh sends it again).
    pub sends: usize,
}

/// A link the fake told the bot about in a `link_shared` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLink {
    /// Channel of the message.
    pub channel: String,
    /// The message.
    pub ts: String,
    /// The unfurl id given.
    pub unfurl_id: String,
    /// The link.
    pub url: String,
}

/// A response URL handed out with a slash command or a button click.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// Its number (`/hooks/{id}`).
    pub id: u64,
    /// Channel of the command or click.
    pub channel: String,
    /// Who ran the command or clicked.
    pub user: String,
    /// The message it replaces or deletes (`ts`), once there is one.
    pub message: Option<String>,
    /// Every body posted to it, and the immediate command answer first when there was one.
    pub posts: Vec<Value>,
}

/// The kinds of envelope, by transport name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An Events API event.
    Event,
    /// A slash command.
    Command,
    /// A button click.
    Interactive,
}

impl Kind {
    /// The Socket Mode envelope `type`.
    pub fn socket_type(self) -> &'static str {
        match self {
            Self::Event => "events_api",
            Self::Command => "slash_commands",
            Self::Interactive => "interactive",
        }
    }
}

/// One delivery to the bot and whether it was acknowledged.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Envelope id (Socket Mode) or a delivery id (HTTP).
    pub id: String,
    /// What it carries.
    pub kind: Kind,
    /// The payload.
    pub payload: Value,
    /// The response URL it carries, if any.
    pub hook: Option<u64>,
    /// Connections it was sent on (more than one: redelivered after a connection closed).
    pub sent_on: Vec<u64>,
    /// When it was first sent.
    pub sent_at: Option<Instant>,
    /// The acknowledgement, when it came.
    pub ack: Option<Ack>,
}

/// An acknowledgement.
#[derive(Debug, Clone)]
pub struct Ack {
    /// The payload it carried (a slash command's immediate answer).
    pub payload: Option<Value>,
    /// How long after sending it came.
    pub after: Duration,
}

/// A frame for a Socket Mode connection's writer.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A JSON text frame.
    Text(String),
    /// Close the connection.
    Close,
}

/// One Socket Mode connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its number, in order of opening.
    pub id: u64,
    /// Its writer.
    pub outbound: UnboundedSender<Outbound>,
    /// Still open.
    pub open: bool,
    /// Told to go away (`disconnect` sent); still open for a grace period.
    pub closing: bool,
}

/// A rate limit waiting to be applied to calls of one method.
#[derive(Debug, Clone)]
pub struct RateLimit {
    /// The Web API method.
    pub method: String,
    /// `Retry-After`, in seconds.
    pub retry_after_secs: u64,
    /// Calls still to refuse.
    pub remaining: usize,
}

/// Where events go when the bot uses the HTTP Events API.
#[derive(Debug, Clone)]
pub struct HttpTarget {
    /// The bot's base URL (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The signing secret.
    pub secret: String,
}

/// Everything the fake holds.
#[derive(Debug, Default)]
pub struct State {
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<String>,
    pub messages: Vec<SlackMessage>,
    pub unfurls: Vec<Unfurl>,
    pub shared_links: Vec<SharedLink>,
    pub hooks: Vec<Hook>,
    pub envelopes: Vec<Envelope>,
    pub connections: Vec<Connection>,
    pub tickets: Vec<u64>,
    pub rate_limits: Vec<RateLimit>,
    pub http: Option<HttpTarget>,
    pub last_event: Option<Value>,
    pub redeliveries: usize,
    counter: u64,
}

impl State {
    /// A fresh number.
    pub fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A fresh message timestamp.
    pub fn next_ts(&mut self) -> String {
        format!("1767225600.{:06}", self.next())
    }

    /// Records that the bot broke a rule.
    pub fn violation(&mut self, text: impl Into<String>) {
        self.violations.push(text.into());
    }

    /// The live message `ts` of `channel`.
    pub fn message_mut(&mut self, channel: &str, ts: &str) -> Option<&mut SlackMessage> {
        self.messages
            .iter_mut()
            .find(|m| m.channel == channel && m.ts == ts && !m.deleted)
    }

    /// Response URL `id`.
    pub fn hook_mut(&mut self, id: u64) -> Option<&mut Hook> {
        self.hooks.iter_mut().find(|h| h.id == id)
    }

    /// Hands out a response URL for `user` in `channel`, answering `message` if given.
    pub fn new_hook(&mut self, channel: &str, user: &str, message: Option<String>) -> u64 {
        let id = self.next();
        self.hooks.push(Hook {
            id,
            channel: channel.to_owned(),
            user: user.to_owned(),
            message,
            posts: Vec::new(),
        });
        id
    }

    /// Rate-limits this call of `method` when a rule says so; returns `Retry-After`.
    pub fn take_rate_limit(&mut self, method: &str) -> Option<u64> {
        let index = self.rate_limits.iter().position(|r| r.method == method)?;
        let rule = &mut self.rate_limits[index];
        rule.remaining -= 1;
        let retry_after = rule.retry_after_secs;
        if rule.remaining == 0 {
            self.rate_limits.remove(index);
        }
        Some(retry_after)
    }
}
