//! `/ticket <reference|uuid|link>`: one ticket's card, shown only to the asker, with a
//! "Share in channel" button. Pure: what the answer says; the handler sends it.
//!
//! ```
//! use xalantis_bot::bot::TicketAnswer;
//! use xalantis_bot::slack::commands::answer_message;
//! let answer = answer_message(&TicketAnswer::NotFound("VEN1-999999".into()));
//! assert_eq!(answer.response_type, Some("ephemeral"));
//! assert_eq!(answer.text.as_deref(), Some("No ticket VEN1-999999 found."));
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::handler::Handler;
use super::mrkdwn::{escape_mrkdwn, truncate};
use super::render::{Buttons, SlackCards, card_blocks, notice};
use super::web::ResponseMessage;
use crate::bot::TicketAnswer;
use crate::card::Layout;
use crate::telemetry::metrics::ReplyKind;

/// The command, as configured in the app manifest.
pub const COMMAND: &str = "/ticket";
/// A lookup still running after this long is answered through `response_url` instead (Slack
/// wants the acknowledgement within 3 seconds).
pub const ACK_BUDGET: Duration = Duration::from_secs(2);
/// Longest input echoed back in a message.
const ECHO_LIMIT: usize = 100;

/// A slash command invocation (form fields over HTTP, a JSON payload over Socket Mode).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlashCommand {
    /// `/ticket`.
    pub command: String,
    /// What follows the command.
    #[serde(default)]
    pub text: String,
    /// Where later answers go (up to 5 within 30 minutes).
    pub response_url: Option<String>,
    /// Who ran it.
    pub user_id: Option<String>,
    /// Where.
    pub channel_id: Option<String>,
}

impl SlashCommand {
    /// Reads the form-encoded body of an HTTP slash command request.
    pub fn from_form(body: &[u8]) -> Option<Self> {
        let fields: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned().into()))
            .collect();
        serde_json::from_value(fields.into()).ok()
    }
}

/// The answer to `/ticket` with no input.
pub fn usage_message() -> ResponseMessage {
    ephemeral(&notice(
        "Usage: `/ticket VEN1-000079`, with a ticket reference, UUID or link.",
    ))
}

/// The ephemeral answer to a lookup: the card with Open, Refresh and "Share in channel", or a
/// short, honest sentence.
pub fn answer_message(answer: &TicketAnswer) -> ResponseMessage {
    match answer {
        TicketAnswer::Found(card) => ephemeral(&card_blocks(
            std::slice::from_ref(card.as_ref()),
            Layout::Full,
            Buttons::Ephemeral,
        )),
        _ => ephemeral(&notice(&problem_text(answer).unwrap_or_default())),
    }
}

/// The sentence for an answer without a card (mrkdwn, escaped).
pub fn problem_text(answer: &TicketAnswer) -> Option<String> {
    match answer {
        TicketAnswer::Found(_) => None,
        TicketAnswer::NotATicket => Some(
            "That doesn't look like a ticket. Give a reference such as `VEN1-000079`, a ticket UUID, or a ticket link."
                .to_owned(),
        ),
        TicketAnswer::NotFound(id) => Some(format!("No ticket {} found.", escape_mrkdwn(&truncate(id, ECHO_LIMIT)))),
        TicketAnswer::Failed(error) => Some(error.user_message().to_owned()),
    }
}

/// An answer only the asker sees.
pub fn ephemeral(cards: &SlackCards) -> ResponseMessage {
    ResponseMessage {
        response_type: Some("ephemeral"),
        text: Some(cards.text.clone()),
        blocks: Some(cards.blocks.clone()),
        ..ResponseMessage::default()
    }
}

impl Handler {
    /// Answers a slash command. Returns the immediate answer (the HTTP response body or the
    /// Socket Mode acknowledgement payload) when it is ready within [`ACK_BUDGET`]; otherwise
    /// returns `None` at once and posts the answer to the command's `response_url` later.
    pub async fn on_command(self: &Arc<Self>, command: SlashCommand) -> Option<ResponseMessage> {
        if command.text.trim().is_empty() {
            return Some(usage_message());
        }
        let handler = Arc::clone(self);
        let text = command.text.clone();
        let mut lookup = tokio::spawn(async move { handler.bot.answer(&text).await });
        if let Ok(answer) = tokio::time::timeout(ACK_BUDGET, &mut lookup).await {
            return Some(
                answer.map_or_else(|_| lookup_crashed(), |answer| answer_message(&answer)),
            );
        }
        let handler = Arc::clone(self);
        self.spawn(async move {
            let message = lookup
                .await
                .map_or_else(|_| lookup_crashed(), |answer| answer_message(&answer));
            handler
                .respond(command.response_url.as_deref(), &message)
                .await;
        });
        None
    }

    /// Posts `message` to a `response_url`, counting and logging the outcome.
    pub(super) async fn respond(&self, response_url: Option<&str>, message: &ResponseMessage) {
        let Some(url) = response_url.and_then(|url| Url::parse(url).ok()) else {
            tracing::warn!("a Slack interaction came without a usable response_url");
            return;
        };
        let sent = self.web.respond(&url, message).await;
        self.count(ReplyKind::Interaction, sent.as_ref());
        if let Err(error) = sent {
            tracing::warn!(%error, "could not answer through a Slack response_url");
        }
    }
}

fn lookup_crashed() -> ResponseMessage {
    ephemeral(&notice(
        "Something went wrong looking that ticket up; try again shortly.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xalantis::XalantisError;

    #[test]
    fn a_form_body_is_read_as_a_command() {
        let command = SlashCommand::from_form(
            b"command=%2Fticket&text=VEN1-000079&response_url=http%3A%2F%2Fx%2Fh%2F1&user_id=U1",
        )
        .unwrap();
        assert_eq!(
            (command.command.as_str(), command.text.as_str()),
            ("/ticket", "VEN1-000079")
        );
        assert_eq!(command.response_url.as_deref(), Some("http://x/h/1"));
    }

    #[test]
    fn problems_are_told_honestly_and_safely() {
        let failed = answer_message(&TicketAnswer::Failed(XalantisError::Timeout));
        assert_eq!(
            failed.text.as_deref(),
            Some("Xalantis did not answer in time; try again shortly.")
        );
        let hostile = answer_message(&TicketAnswer::NotFound("<!channel>".into()));
        assert_eq!(
            hostile.text.as_deref(),
            Some("No ticket &lt;!channel&gt; found.")
        );
        assert_eq!(
            answer_message(&TicketAnswer::NotATicket).response_type,
            Some("ephemeral")
        );
    }
}
