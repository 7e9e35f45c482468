//! Button clicks (`block_actions`) → what to do (pure): Refresh a card, Refresh a link preview,
//! or Share an ephemeral `/ticket` answer in the channel.
//!
//! ```
//! use xalantis_bot::slack::interactions::{Click, Interaction};
//! let payload = r#"{"type":"block_actions","response_url":"http://x/h/1",
//!     "container":{"type":"message","message_ts":"1.0","channel_id":"C1","is_ephemeral":true},
//!     "actions":[{"action_id":"xalantis_share","value":"be2dde82-493c-44f8-9118-e468b5c1c732"}]}"#;
//! let interaction: Interaction = serde_json::from_str(payload).unwrap();
//! assert!(matches!(interaction.click(), Click::Share { .. }));
//! ```

use std::sync::Arc;

use serde::Deserialize;

use super::commands::ephemeral;
use super::handler::Handler;
use super::render::{
    Buttons, REFRESH_ACTION, REFRESH_UNFURL_ACTION, SHARE_ACTION, card_blocks, notice,
};
use super::web::ResponseMessage;
use crate::card::layout_for;
use crate::detect::TicketId;
use crate::lookup::Freshness;

/// Told to the clicker when a Refresh finds fewer tickets than the card shows.
pub const REFRESH_FAILED: &str =
    "Could not refresh these tickets right now; the card is unchanged.";
/// Told to the clicker when "Share in channel" cannot look the ticket up.
pub const SHARE_FAILED: &str = "Could not share this ticket right now; try again shortly.";

/// An interaction payload (the `payload` form field over HTTP, or a Socket Mode payload).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Interaction {
    /// `block_actions` for button clicks.
    #[serde(rename = "type")]
    pub kind: String,
    /// The clicked elements (one for a button).
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Where answers go: replaces, deletes or adds to the message the button was on.
    pub response_url: Option<String>,
    /// The message the button was on.
    pub container: Option<Container>,
}

/// One clicked element.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Action {
    /// Which button.
    pub action_id: String,
    /// The value the bot gave it.
    pub value: Option<String>,
}

/// The message holding the clicked button.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Container {
    /// Its `ts` (for a link preview: the message holding the link).
    pub message_ts: Option<String>,
    /// Its channel.
    pub channel_id: Option<String>,
    /// Only the clicker sees it (a `/ticket` answer).
    #[serde(default)]
    pub is_ephemeral: bool,
}

/// What a click asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Click {
    /// Look the tickets up again and replace the card; `ephemeral` keeps the Share button.
    Refresh {
        /// The tickets, in card order.
        ids: Vec<TicketId>,
        /// Whether the card is an ephemeral `/ticket` answer.
        ephemeral: bool,
    },
    /// Look the linked ticket up again and update the preview of `url` on message `ts`.
    RefreshUnfurl {
        /// The unfurled link.
        url: String,
        /// The channel of the message holding it.
        channel: String,
        /// That message.
        ts: String,
    },
    /// Post the card publicly and remove the ephemeral answer.
    Share {
        /// The tickets.
        ids: Vec<TicketId>,
    },
    /// Nothing to do (an Open link button, an unknown action).
    Nothing,
}

impl Interaction {
    /// What the first clicked button asks for.
    pub fn click(&self) -> Click {
        let Some(action) = self
            .actions
            .first()
            .filter(|_| self.kind == "block_actions")
        else {
            return Click::Nothing;
        };
        let value = action.value.as_deref().unwrap_or_default();
        let container = self.container.clone().unwrap_or_default();
        match action.action_id.as_str() {
            REFRESH_ACTION => Click::Refresh {
                ids: ticket_ids(value),
                ephemeral: container.is_ephemeral,
            },
            SHARE_ACTION => Click::Share {
                ids: ticket_ids(value),
            },
            REFRESH_UNFURL_ACTION => match (container.channel_id, container.message_ts) {
                (Some(channel), Some(ts)) => Click::RefreshUnfurl {
                    url: value.to_owned(),
                    channel,
                    ts,
                },
                _ => Click::Nothing,
            },
            _ => Click::Nothing,
        }
    }

    /// Reads the `payload` field of a form-encoded HTTP interaction request.
    pub fn from_form(body: &[u8]) -> Option<Self> {
        let (_, payload) = url::form_urlencoded::parse(body).find(|(key, _)| key == "payload")?;
        serde_json::from_str(&payload).ok()
    }
}

/// The UUIDs of a button value (the renderer writes them space-separated); anything else is
/// dropped, so a forged value cannot make the bot look up arbitrary text.
pub fn ticket_ids(value: &str) -> Vec<TicketId> {
    value
        .split_whitespace()
        .filter(|id| id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .map(|id| TicketId::Uuid(id.to_ascii_lowercase()))
        .take(crate::detect::MAX_TICKETS_CEILING)
        .collect()
}

impl Handler {
    /// Takes a click; the work runs in the background (the caller acknowledges at once).
    pub fn on_interaction(self: &Arc<Self>, interaction: Interaction) {
        let click = interaction.click();
        if click == Click::Nothing {
            return;
        }
        let handler = Arc::clone(self);
        self.spawn(async move {
            handler
                .on_click(click, interaction.response_url.as_deref())
                .await;
        });
    }

    async fn on_click(&self, click: Click, response_url: Option<&str>) {
        match click {
            Click::Refresh { ids, ephemeral } => self.refresh(ids, ephemeral, response_url).await,
            Click::RefreshUnfurl { url, channel, ts } => {
                self.refresh_unfurl(&url, &channel, &ts).await;
            }
            Click::Share { ids } => self.share(ids, response_url).await,
            Click::Nothing => {}
        }
    }

    /// Replaces the card with fresh data, or tells the clicker (only) that it could not.
    async fn refresh(&self, ids: Vec<TicketId>, ephemeral_card: bool, response_url: Option<&str>) {
        let wanted = ids.len();
        let cards = self.bot.cards_for_ids(ids, Freshness::Fresh).await;
        if cards.is_empty() || cards.len() != wanted {
            let note = ResponseMessage {
                replace_original: Some(false),
                ..ephemeral(&notice(REFRESH_FAILED))
            };
            return self.respond(response_url, &note).await;
        }
        let buttons = if ephemeral_card {
            Buttons::Ephemeral
        } else {
            Buttons::Public
        };
        let fresh = card_blocks(&cards, layout_for(cards.len(), false), buttons);
        let message = ResponseMessage {
            replace_original: Some(true),
            text: Some(fresh.text),
            blocks: Some(fresh.blocks),
            ..ResponseMessage::default()
        };
        self.respond(response_url, &message).await;
    }

    /// Posts the card for everyone in the channel, then removes the ephemeral answer.
    async fn share(&self, ids: Vec<TicketId>, response_url: Option<&str>) {
        let cards = self.bot.cards_for_ids(ids, Freshness::Cached).await;
        if cards.is_empty() {
            let note = ResponseMessage {
                replace_original: Some(false),
                ..ephemeral(&notice(SHARE_FAILED))
            };
            return self.respond(response_url, &note).await;
        }
        let public = card_blocks(&cards, layout_for(cards.len(), false), Buttons::Public);
        let message = ResponseMessage {
            response_type: Some("in_channel"),
            replace_original: Some(false),
            text: Some(public.text),
            blocks: Some(public.blocks),
            ..ResponseMessage::default()
        };
        self.respond(response_url, &message).await;
        self.respond(
            response_url,
            &ResponseMessage {
                delete_original: Some(true),
                ..ResponseMessage::default()
            },
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interaction(action_id: &str, value: &str, ephemeral: bool) -> Interaction {
        let json = serde_json::json!({"type": "block_actions", "response_url": "http://x/h/1",
            "container": {"type": "message", "message_ts": "1.0", "channel_id": "C1", "is_ephemeral": ephemeral},
            "actions": [{"type": "button", "action_id": action_id, "value": value}]});
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn refresh_reads_the_tickets_from_the_button_value() {
        let uuid = "be2dde82-493c-44f8-9118-e468b5c1c732";
        let click = interaction(
            REFRESH_ACTION,
            &format!("{} junk", uuid.to_uppercase()),
            true,
        )
        .click();
        assert_eq!(
            click,
            Click::Refresh {
                ids: vec![TicketId::Uuid(uuid.into())],
                ephemeral: true
            }
        );
    }

    #[test]
    fn a_preview_refresh_names_the_link_and_its_message() {
        let click = interaction(
            REFRESH_UNFURL_ACTION,
            "https://app.xalantis.com/tickets/x",
            false,
        )
        .click();
        assert_eq!(
            click,
            Click::RefreshUnfurl {
                url: "https://app.xalantis.com/tickets/x".into(),
                channel: "C1".into(),
                ts: "1.0".into()
            }
        );
    }

    #[test]
    fn link_buttons_and_form_bodies_are_understood() {
        assert_eq!(
            interaction("xalantis_open_0", "", false).click(),
            Click::Nothing
        );
        let body = format!(
            "payload={}",
            url::form_urlencoded::byte_serialize(br#"{"type":"block_actions","actions":[]}"#)
                .collect::<String>()
        );
        assert_eq!(
            Interaction::from_form(body.as_bytes()).unwrap().kind,
            "block_actions"
        );
    }
}
