//! What the bot created through REST: messages (with edits applied, deletes removing them),
//! interaction responses and registered commands. Plain data, no I/O.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::message_body::{EPHEMERAL, LOADING, apply_body, apply_edit, has_flag, id_of};
use super::payloads::{self, Channel, User};

/// Everything the bot did in answer to one interaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InteractionResponses {
    /// Bodies of `POST /interactions/{id}/{token}/callback`, in order.
    pub callbacks: Vec<Value>,
    /// The `@original` response message as it stands after edits (`None` before any reply or
    /// after a delete). For a button click answered with type 6 or 7 it is the clicked message.
    pub original: Option<Value>,
    /// Messages created by followups (`POST /webhooks/{app}/{token}`), edits applied, deletes
    /// left out.
    pub followups: Vec<Value>,
}

/// An interaction the fake dispatched: where it happened.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InteractionSite {
    pub(crate) channel: Channel,
    /// The message a clicked component belongs to.
    pub(crate) message_id: Option<u64>,
}

/// The responses of one interaction, as message ids into the store.
#[derive(Default)]
struct InteractionLog {
    token: String,
    site: Option<InteractionSite>,
    callbacks: Vec<Value>,
    original: Option<u64>,
    followups: Vec<u64>,
}

#[derive(Default)]
pub(crate) struct Store {
    messages: BTreeMap<u64, Value>,
    channels: HashMap<u64, Channel>,
    interactions: HashMap<u64, InteractionLog>,
    tokens: HashMap<String, u64>,
    commands: HashMap<Option<u64>, Vec<Value>>,
}

impl Store {
    /// Remembers a message (injected or created) by id.
    pub(crate) fn put_message(&mut self, channel: Channel, message: Value) {
        self.channels.insert(channel.id(), channel);
        self.messages.insert(id_of(&message), message);
    }

    /// A message by id.
    pub(crate) fn message(&self, id: u64) -> Option<&Value> {
        self.messages.get(&id)
    }

    /// Every stored message of a channel that everyone sees (not ephemeral), oldest first.
    pub(crate) fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        let channel_id = channel_id.to_string();
        let visible = |m: &&Value| m["channel_id"] == *channel_id && !has_flag(m, EPHEMERAL);
        self.messages.values().filter(visible).cloned().collect()
    }

    /// Removes a message; false when there was none.
    pub(crate) fn delete_message(&mut self, id: u64) -> bool {
        self.messages.remove(&id).is_some()
    }

    /// Applies an edit body to a stored message and returns the new message. Discord clears the
    /// "loading" flag of a deferred reply when it is edited.
    pub(crate) fn edit_message(&mut self, id: u64, body: &Value) -> Option<Value> {
        let message = self.messages.get_mut(&id)?;
        apply_edit(message, body);
        let flags = message["flags"].as_u64().unwrap_or_default();
        message["flags"] = json!(flags & !LOADING);
        Some(message.clone())
    }

    /// How a channel id was first seen (a guild channel unless seen as a DM).
    pub(crate) fn channel(&self, channel_id: u64) -> Channel {
        self.channels
            .get(&channel_id)
            .copied()
            .unwrap_or(Channel::Guild(channel_id))
    }

    /// Creates a message authored by the bot from a create body.
    pub(crate) fn create_bot_message(&mut self, id: u64, channel: Channel, body: &Value) -> Value {
        let mut message = payloads::message(id, channel, &User::this_bot(), "");
        message
            .as_object_mut()
            .expect("a message is an object")
            .remove("member");
        apply_body(&mut message, body);
        if let Some(reference) = message["message_reference"].as_object_mut() {
            // Discord fills in the channel of a reply's reference; serenity requires it.
            reference
                .entry("channel_id")
                .or_insert(json!(channel.id().to_string()));
        }
        self.put_message(channel, message.clone());
        message
    }

    /// Remembers an interaction so callbacks and webhooks can find it.
    pub(crate) fn add_interaction(&mut self, id: u64, token: &str, site: InteractionSite) {
        self.tokens.insert(token.to_owned(), id);
        let log = InteractionLog {
            token: token.to_owned(),
            site: Some(site),
            ..InteractionLog::default()
        };
        self.interactions.insert(id, log);
    }

    /// Where the interaction `id` with `token` happened.
    pub(crate) fn interaction(&self, id: u64, token: &str) -> Option<InteractionSite> {
        self.interactions
            .get(&id)
            .filter(|log| log.token == token)?
            .site
    }

    /// The interaction id and site for a webhook token.
    pub(crate) fn interaction_by_token(&self, token: &str) -> Option<(u64, InteractionSite)> {
        let id = *self.tokens.get(token)?;
        Some((id, self.interactions.get(&id)?.site?))
    }

    /// Whether the interaction has had its (single) callback.
    pub(crate) fn is_acknowledged(&self, id: u64) -> bool {
        self.interactions
            .get(&id)
            .is_some_and(|log| !log.callbacks.is_empty())
    }

    /// Records a callback and the message that became `@original`.
    pub(crate) fn acknowledge(&mut self, id: u64, callback: Value, original: Option<u64>) {
        let log = self.interactions.entry(id).or_default();
        log.callbacks.push(callback);
        log.original = original.or(log.original);
    }

    /// Records a followup message.
    pub(crate) fn add_followup(&mut self, id: u64, message_id: u64) {
        self.interactions
            .entry(id)
            .or_default()
            .followups
            .push(message_id);
    }

    /// The message id behind `@original` or a followup id of an interaction.
    pub(crate) fn webhook_message(&self, id: u64, message: &str) -> Option<u64> {
        let log = self.interactions.get(&id)?;
        if message == "@original" {
            return log.original;
        }
        let message = message.parse().ok()?;
        (log.original == Some(message) || log.followups.contains(&message)).then_some(message)
    }

    /// The responses recorded for an interaction, messages as they stand now.
    pub(crate) fn responses(&self, id: u64) -> Option<InteractionResponses> {
        let log = self.interactions.get(&id)?;
        Some(InteractionResponses {
            callbacks: log.callbacks.clone(),
            original: log.original.and_then(|m| self.messages.get(&m)).cloned(),
            followups: log
                .followups
                .iter()
                .filter_map(|m| self.messages.get(m))
                .cloned()
                .collect(),
        })
    }

    /// Replaces the commands of the application (`None`) or of a guild and returns them.
    pub(crate) fn set_commands(&mut self, guild: Option<u64>, commands: Vec<Value>) -> Vec<Value> {
        self.commands.insert(guild, commands.clone());
        commands
    }

    /// Registered commands, global (`None`) or of a guild.
    pub(crate) fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        self.commands.get(&guild).cloned().unwrap_or_default()
    }

    /// The id of a registered command named `name`, in any scope.
    pub(crate) fn command_id(&self, name: &str) -> Option<u64> {
        let command = self
            .commands
            .values()
            .flatten()
            .find(|c| c["name"] == name)?;
        command["id"].as_str()?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::model::channel::Message;

    fn reply_body() -> Value {
        let button = json!({"type": 2, "style": 1, "label": "Refresh", "custom_id": "refresh"});
        let link = json!({"type": 2, "style": 5, "label": "Open", "url": "https://x.example/t/1"});
        json!({
            "content": "",
            "embeds": [{"title": "VEN1-1", "fields": [{"name": "Status", "value": "Open", "inline": true}]}],
            "components": [{"type": 1, "components": [button, link]}],
            "allowed_mentions": {"parse": []},
            "message_reference": {"message_id": "5", "fail_if_not_exists": false},
        })
    }

    #[test]
    fn a_created_message_deserializes_as_serenity_message() {
        let mut store = Store::default();
        let message = store.create_bot_message(10, Channel::Guild(3), &reply_body());
        let parsed: Message = serde_json::from_value(message).unwrap();
        assert_eq!(parsed.embeds[0].title.as_deref(), Some("VEN1-1"));
        assert_eq!(parsed.components[0].components.len(), 2);
    }

    #[test]
    fn edits_replace_fields_and_null_clears_them() {
        let mut store = Store::default();
        store.create_bot_message(10, Channel::Dm(3), &reply_body());
        let edited = store
            .edit_message(10, &json!({"content": "new", "embeds": null}))
            .unwrap();
        assert_eq!(
            (
                edited["content"].as_str(),
                edited["embeds"].as_array().map(Vec::len)
            ),
            (Some("new"), Some(0))
        );
        assert!(edited["edited_timestamp"].is_string());
        assert_eq!(store.messages_in(3).len(), 1);
    }
}
