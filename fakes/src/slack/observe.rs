//! What tests read from the fake Slack, and wait for.

use std::time::Duration;

use serde_json::Value;

use super::state::{RecordedRequest, SlackMessage, Unfurl, Visibility};
use super::{CommandRun, FakeSlack, Timeout};

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(20);

impl FakeSlack {
    /// Every request the bot made so far (Web API and response URLs), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// The bot's calls of Web API `method` (`chat.postMessage`, …).
    pub fn calls(&self, method: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.is_call(method))
            .collect()
    }

    /// Every rule the bot broke, as sentences.
    pub fn violations(&self) -> Vec<String> {
        self.shared.state().violations.clone()
    }

    /// Every live message (people's and the bot's), in order.
    pub fn messages(&self) -> Vec<SlackMessage> {
        self.shared
            .state()
            .messages
            .iter()
            .filter(|m| !m.deleted)
            .cloned()
            .collect()
    }

    /// The bot's live messages in the thread of `parent`.
    pub fn thread(&self, channel: &str, parent: &str) -> Vec<SlackMessage> {
        let messages = self
            .messages()
            .into_iter()
            .filter(|m| m.by_bot() && m.channel == channel);
        messages
            .filter(|m| m.thread_ts.as_deref() == Some(parent))
            .collect()
    }

    /// The bot's live messages that everyone in `channel` sees, outside threads.
    pub fn public_bot_messages(&self, channel: &str) -> Vec<SlackMessage> {
        let messages = self
            .messages()
            .into_iter()
            .filter(|m| m.by_bot() && m.channel == channel);
        messages
            .filter(|m| m.visibility == Visibility::Public && m.thread_ts.is_none())
            .collect()
    }

    /// The bot's live ephemeral messages to `user`.
    pub fn ephemerals_to(&self, user: &str) -> Vec<SlackMessage> {
        let wanted = Visibility::Ephemeral(user.to_owned());
        self.messages()
            .into_iter()
            .filter(|m| m.by_bot() && m.visibility == wanted)
            .collect()
    }

    /// Every link preview the bot attached.
    pub fn unfurls(&self) -> Vec<Unfurl> {
        self.shared.state().unfurls.clone()
    }

    /// The immediate answer to a slash command (its acknowledgement payload or HTTP body).
    pub fn command_answer(&self, run: &CommandRun) -> Option<Value> {
        let state = self.shared.state();
        let envelope = state.envelopes.iter().find(|e| e.id == run.envelope_id)?;
        envelope.ack.as_ref()?.payload.clone()
    }

    /// Whether the command's envelope was acknowledged, and after how long.
    pub fn command_acked_after(&self, run: &CommandRun) -> Option<Duration> {
        let state = self.shared.state();
        let envelope = state.envelopes.iter().find(|e| e.id == run.envelope_id)?;
        envelope.ack.as_ref().map(|ack| ack.after)
    }

    /// Everything posted to response URL `hook` (a command's immediate answer first).
    pub fn hook_posts(&self, hook: u64) -> Vec<Value> {
        self.shared
            .state()
            .hooks
            .iter()
            .find(|h| h.id == hook)
            .map(|h| h.posts.clone())
            .unwrap_or_default()
    }

    /// Envelope ids not (yet) acknowledged.
    pub fn unacked(&self) -> Vec<String> {
        self.shared
            .state()
            .envelopes
            .iter()
            .filter(|e| e.ack.is_none())
            .map(|e| e.id.clone())
            .collect()
    }

    /// How many envelopes had to be sent again because their connection closed unacknowledged.
    pub fn redeliveries(&self) -> usize {
        self.shared.state().redeliveries
    }

    /// Socket Mode connections opened so far.
    pub fn connections_opened(&self) -> usize {
        self.shared.state().connections.len()
    }

    /// Socket Mode connections open now.
    pub fn connections_open(&self) -> usize {
        self.shared
            .state()
            .connections
            .iter()
            .filter(|c| c.open)
            .count()
    }

    /// Waits until `condition` holds.
    pub async fn wait_for(
        &self,
        condition: impl Fn(&Self) -> bool,
        timeout: Duration,
    ) -> Result<(), Timeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !condition(self) {
            if tokio::time::Instant::now() >= deadline {
                return Err(Timeout {
                    waiting_for: "a condition on the fake Slack",
                    after: timeout,
                });
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    /// Waits until `count` Socket Mode connections were opened and the newest is open.
    pub async fn wait_connected(&self, count: usize, timeout: Duration) -> Result<(), Timeout> {
        let connected = |s: &Self| {
            s.shared
                .state()
                .connections
                .get(count.wrapping_sub(1))
                .is_some_and(|c| c.open)
        };
        self.wait_for(connected, timeout)
            .await
            .map_err(|e| Timeout {
                waiting_for: "a Socket Mode connection",
                ..e
            })
    }
}
