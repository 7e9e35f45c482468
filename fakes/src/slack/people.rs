//! What people do in the fake workspace: post, reply, edit, delete, run `/ticket`, click; and
//! what Slack itself does (redeliver an event, rotate a Socket Mode connection).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::FakeSlack;
use super::delivery::Signing;
use super::payloads::{self, ClickSite};
use super::state::{HttpTarget, Kind, SharedLink, SlackMessage, Unfurl, Visibility, buttons};

/// A slash command that was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    /// Its envelope (or HTTP delivery) id.
    pub envelope_id: String,
    /// Its response URL number.
    pub hook: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl FakeSlack {
    /// `user` posts `text` in `channel`; returns the message `ts`. Links on the unfurl domain
    /// also get a `link_shared` event, as Slack sends it.
    pub fn post_message(&self, channel: &str, user: &str, text: &str) -> String {
        self.post(channel, user, text, None)
    }

    /// `user` replies `text` in the thread of `parent`; returns the reply's `ts`.
    pub fn reply_in_thread(&self, channel: &str, parent: &str, user: &str, text: &str) -> String {
        self.post(channel, user, text, Some(parent.to_owned()))
    }

    fn post(&self, channel: &str, user: &str, text: &str, thread_ts: Option<String>) -> String {
        let message = self.store_message(channel, Some(user), None, text, thread_ts);
        self.send_event(payloads::message_event(&message));
        let domain = self.shared.options.unfurl_domain.clone();
        let links = payloads::links_on(text, &domain);
        if !links.is_empty() {
            let unfurl_id = format!("U{}", message.ts.replace('.', ""));
            let mut state = self.shared.state();
            for url in &links {
                let link = SharedLink {
                    channel: channel.to_owned(),
                    ts: message.ts.clone(),
                    unfurl_id: unfurl_id.clone(),
                    url: url.clone(),
                };
                state.shared_links.push(link);
            }
            drop(state);
            self.send_event(payloads::link_shared_event(
                &message, &unfurl_id, &links, &domain,
            ));
        }
        message.ts
    }

    /// Another app posts `text` (`bot_message`, with its `bot_id`).
    pub fn post_as_other_bot(&self, channel: &str, bot_id: &str, text: &str) -> String {
        let message = self.store_message(channel, None, Some(bot_id), text, None);
        self.send_event(payloads::bot_message_event(&message));
        message.ts
    }

    /// The author edits message `ts` to `text`.
    pub fn edit_message(&self, channel: &str, ts: &str, text: &str) {
        let (before, after, event_ts) = {
            let mut state = self.shared.state();
            let event_ts = state.next_ts();
            let message = state
                .message_mut(channel, ts)
                .unwrap_or_else(|| panic!("no message {channel}/{ts} to edit"));
            let before = message.clone();
            message.text = text.to_owned();
            message.edits += 1;
            (before, message.clone(), event_ts)
        };
        self.send_event(payloads::edit_event(&before, &after, &event_ts));
    }

    /// The author deletes message `ts`.
    pub fn delete_message(&self, channel: &str, ts: &str) {
        let (before, event_ts) = {
            let mut state = self.shared.state();
            let event_ts = state.next_ts();
            let message = state
                .message_mut(channel, ts)
                .unwrap_or_else(|| panic!("no message {channel}/{ts} to delete"));
            message.deleted = true;
            (message.clone(), event_ts)
        };
        self.send_event(payloads::delete_event(&before, &event_ts));
    }

    /// `user` runs `/ticket text` in `channel`.
    pub fn run_command(&self, channel: &str, user: &str, text: &str) -> CommandRun {
        let (hook, trigger) = {
            let mut state = self.shared.state();
            (state.new_hook(channel, user, None), state.next())
        };
        let payload = payloads::command(
            channel,
            user,
            "/ticket",
            text,
            &self.hook_url(hook),
            trigger,
        );
        CommandRun {
            envelope_id: self.shared.deliver(Kind::Command, payload, Some(hook)),
            hook,
        }
    }

    /// `user` clicks the button `action_id` of `message`.
    pub fn click(&self, message: &SlackMessage, action_id: &str, user: &str) {
        let button = find_button(&message.buttons(), action_id);
        let ephemeral = matches!(message.visibility, Visibility::Ephemeral(_));
        let site = ClickSite {
            channel: &message.channel,
            message_ts: &message.ts,
            ephemeral,
            unfurl: false,
        };
        self.click_at(&site, &button, user, Some(message.ts.clone()));
    }

    /// `user` clicks the button `action_id` of a link preview.
    pub fn click_unfurl(&self, unfurl: &Unfurl, action_id: &str, user: &str) {
        let button = find_button(&buttons(&unfurl.blocks), action_id);
        let site = ClickSite {
            channel: &unfurl.channel,
            message_ts: &unfurl.ts,
            ephemeral: false,
            unfurl: true,
        };
        self.click_at(&site, &button, user, None);
    }

    fn click_at(&self, site: &ClickSite<'_>, button: &Value, user: &str, original: Option<String>) {
        let (hook, trigger) = {
            let mut state = self.shared.state();
            (state.new_hook(site.channel, user, original), state.next())
        };
        let payload = payloads::block_actions(site, button, user, &self.hook_url(hook), trigger);
        self.shared.deliver(Kind::Interactive, payload, Some(hook));
    }

    /// Delivers the last event again with the same `event_id`, as Slack retries.
    pub fn redeliver_last_event(&self) {
        let last = self
            .shared
            .state()
            .last_event
            .clone()
            .expect("an event was sent before");
        self.shared.redeliver(last);
    }

    /// Sends `disconnect` on the newest Socket Mode connection; Slack closes it after
    /// [`super::Options::disconnect_grace`]. Returns the connection's number.
    pub fn disconnect(&self) -> Option<u64> {
        self.shared.disconnect_newest()
    }

    /// Slack checking the Request URL (`url_verification`); returns the bot's status and body.
    pub async fn verify_request_url(&self, challenge: &str) -> (u16, String) {
        let body = serde_json::json!({"token": "fake-verification-token", "challenge": challenge, "type": "url_verification"});
        self.post_signed(
            "/slack/events",
            "application/json",
            body.to_string(),
            Signing::Valid,
        )
        .await
    }

    /// Posts `body` to the bot's `path`, signed as asked (see [`FakeSlack::deliver_over_http`]).
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        signing: Signing,
    ) -> (u16, String) {
        let target: HttpTarget = self
            .shared
            .state()
            .http
            .clone()
            .expect("deliver_over_http was called");
        self.shared
            .send_signed(&target, path, content_type, body, signing, 0)
            .await
    }

    /// A complete message event body for `text`, as Slack would POST it (for hand-made requests).
    pub fn message_event_body(&self, channel: &str, user: &str, text: &str) -> String {
        let message = self.store_message(channel, Some(user), None, text, None);
        let event_id = format!("Ev{:08}", self.shared.state().next());
        payloads::event_callback(payloads::message_event(&message), &event_id, now_secs())
            .to_string()
    }

    fn store_message(
        &self,
        channel: &str,
        user: Option<&str>,
        bot_id: Option<&str>,
        text: &str,
        thread_ts: Option<String>,
    ) -> SlackMessage {
        let mut state = self.shared.state();
        let message = SlackMessage {
            channel: channel.to_owned(),
            ts: state.next_ts(),
            thread_ts,
            user: user.map(str::to_owned),
            bot_id: bot_id.map(str::to_owned),
            text: text.to_owned(),
            blocks: Value::Null,
            visibility: Visibility::Public,
            deleted: false,
            edits: 0,
        };
        state.messages.push(message.clone());
        message
    }

    fn send_event(&self, event: Value) {
        let event_id = format!("Ev{:08}", self.shared.state().next());
        let payload = payloads::event_callback(event, &event_id, now_secs());
        self.shared.state().last_event = Some(payload.clone());
        self.shared.deliver(Kind::Event, payload, None);
    }

    fn hook_url(&self, hook: u64) -> String {
        format!("http://{}/hooks/{hook}", self.shared.addr)
    }
}

fn find_button(buttons: &[Value], action_id: &str) -> Value {
    let found = buttons.iter().find(|b| b["action_id"] == action_id);
    found
        .cloned()
        .unwrap_or_else(|| panic!("no button {action_id} among {buttons:?}"))
}
