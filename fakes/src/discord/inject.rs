//! [`FakeDiscord`] methods that dispatch gateway events. Each helper builds a complete payload and
//! checks it against serenity's models before it is sent or queued; `dispatch_raw_many` skips the
//! check for load generation (check one template with [`check_dispatch`] instead).

use serde_json::{Value, json};

use super::checks::{self, InvalidDispatch, check_dispatch};
use super::payloads::{self, Channel, InteractionRef, User};
use super::store::InteractionSite;
use super::{APPLICATION_ID, FakeDiscord};

impl FakeDiscord {
    /// Dispatches `event` with data `d` after checking serenity would deserialize it. The event
    /// is sent now if the bot is connected, otherwise queued until it identifies or resumes.
    ///
    /// A MESSAGE_CREATE is remembered (for [`FakeDiscord::message_update`]) and an
    /// INTERACTION_CREATE registered (so its callback and webhook routes answer).
    pub fn dispatch(&self, event: &str, d: &Value) -> Result<(), InvalidDispatch> {
        check_dispatch(event, d)?;
        self.remember(event, d);
        self.shared.gateway().dispatch(event, d.to_string());
        Ok(())
    }

    fn remember(&self, event: &str, d: &Value) {
        let id = |value: &Value| value.as_str().and_then(|id| id.parse::<u64>().ok());
        let channel_id = id(&d["channel_id"]).unwrap_or_default();
        let channel = if d["guild_id"].is_null() {
            Channel::Dm(channel_id)
        } else {
            Channel::Guild(channel_id)
        };
        let mut store = self.shared.store();
        match event {
            "MESSAGE_CREATE" => store.put_message(channel, d.clone()),
            "INTERACTION_CREATE" => {
                let (Some(interaction_id), Some(token)) = (id(&d["id"]), d["token"].as_str())
                else {
                    return;
                };
                let site = InteractionSite {
                    channel,
                    message_id: id(&d["message"]["id"]),
                };
                store.add_interaction(interaction_id, token, site);
            }
            _ => {}
        }
    }

    /// Dispatches without any check (for unknown or deliberately malformed events).
    pub fn dispatch_unchecked(&self, event: &str, d: String) {
        assert!(
            checks::is_event_name(event),
            "event names are SCREAMING_SNAKE_CASE, got {event:?}"
        );
        self.shared.gateway().dispatch(event, d);
    }

    /// Dispatches many events of one kind under one lock, unchecked: `ds` are JSON texts. This is
    /// the load generator's path; check one payload of the batch with [`check_dispatch`] first.
    pub fn dispatch_raw_many(&self, event: &str, ds: impl IntoIterator<Item = String>) {
        assert!(
            checks::is_event_name(event),
            "event names are SCREAMING_SNAKE_CASE, got {event:?}"
        );
        let mut gateway = self.shared.gateway();
        for d in ds {
            gateway.dispatch(event, d);
        }
    }

    /// A fresh snowflake id (messages, interactions, users for fixtures).
    pub fn next_id(&self) -> u64 {
        self.shared.next_id()
    }

    /// Dispatches MESSAGE_CREATE for a new message and returns its id. A guild channel carries
    /// `guild_id` and `member`; a DM channel neither.
    pub fn message_create(&self, channel: Channel, author: &User, content: &str) -> u64 {
        let id = self.next_id();
        self.must_dispatch(
            "MESSAGE_CREATE",
            &payloads::message(id, channel, author, content),
        );
        id
    }

    /// Dispatches MESSAGE_UPDATE with the full message (as Discord does) and the new content.
    ///
    /// # Panics
    /// When `message_id` was not created through this fake.
    pub fn message_update(&self, message_id: u64, content: &str) {
        let edit = json!({"content": content});
        let message = self.shared.store().edit_message(message_id, &edit);
        let message = message
            .unwrap_or_else(|| panic!("message_update: no message {message_id} in the fake"));
        self.must_dispatch("MESSAGE_UPDATE", &message);
    }

    /// Dispatches MESSAGE_DELETE and forgets the message.
    pub fn message_delete(&self, channel: Channel, message_id: u64) {
        self.must_dispatch(
            "MESSAGE_DELETE",
            &payloads::message_delete(channel, message_id),
        );
        self.shared.store().delete_message(message_id);
    }

    /// Dispatches a slash command (type 2) named `name` with `options` (a JSON array of
    /// `{name, type, value}`); the command id is the registered one when the bot registered it.
    pub fn slash_command(
        &self,
        name: &str,
        options: Value,
        channel: Channel,
        user: &User,
    ) -> InteractionRef {
        let command_id = self
            .shared
            .store()
            .command_id(name)
            .unwrap_or_else(|| self.next_id());
        let data = payloads::slash_command_data(command_id, name, options);
        self.interaction(2, channel, None, user, data)
    }

    /// Dispatches a click (type 3) on the button `custom_id` of `message`, a full message object
    /// such as [`FakeDiscord::message`] returns. Its channel decides guild or DM.
    pub fn button_click(&self, message: &Value, custom_id: &str, user: &User) -> InteractionRef {
        let id_of = |key: &str| message[key].as_str().and_then(|id| id.parse::<u64>().ok());
        let channel = self
            .shared
            .store()
            .channel(id_of("channel_id").unwrap_or_default());
        self.interaction(
            3,
            channel,
            Some(message),
            user,
            payloads::button_data(custom_id),
        )
    }

    fn interaction(
        &self,
        kind: u8,
        channel: Channel,
        message: Option<&Value>,
        user: &User,
        data: Value,
    ) -> InteractionRef {
        let at = InteractionRef {
            id: self.next_id(),
            token: format!("fake-token-{}", self.next_id()),
        };
        let mut d = payloads::interaction(&at, kind, channel, user, data);
        if let Some(message) = message {
            d["message"] = message.clone();
        }
        self.must_dispatch("INTERACTION_CREATE", &d);
        at
    }

    /// Dispatches a payload the fake built itself; a failure is a bug of the fake.
    fn must_dispatch(&self, event: &str, d: &Value) {
        if let Err(error) = self.dispatch(event, d) {
            panic!(
                "the fake Discord built an invalid {event} (application {APPLICATION_ID}): {error}\n{d:#}"
            );
        }
    }
}
