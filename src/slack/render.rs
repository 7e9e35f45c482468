//! Card → Slack Block Kit (pure). Every Block Kit limit is a named constant, enforced by
//! truncation; ticket text is escaped for mrkdwn so it can never form links, mentions or
//! broadcasts (`<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>`).
//!
//! ```
//! # use xalantis_bot::slack::render::{Buttons, card_blocks};
//! # use xalantis_bot::card::{Layout, ticket_card, CardOptions};
//! # use xalantis_bot::xalantis::Ticket;
//! let ticket = Ticket::from_response(&serde_json::json!({"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732",
//!     "reference": "VEN1-000079", "subject": "<!channel> help", "status": "open"})).unwrap();
//! let card = ticket_card(&ticket, &CardOptions::default(), time::OffsetDateTime::now_utc());
//! let message = card_blocks(&[card], Layout::Full, Buttons::Public);
//! let json = serde_json::to_string(&message.blocks).unwrap();
//! assert!(json.contains("VEN1-000079") && !json.contains("<!channel>"));
//! ```
//!
//! Each part of a card is capped well below its own limit (a field value at
//! [`VALUE_CHARS`], tags at [`TAGS_CHARS`], list subjects at [`LIST_SUBJECT_CHARS`]), so a whole
//! message stays under [`MESSAGE_TEXT_BUDGET`] by construction; the tests check the worst case.

mod buttons;
mod facts;

use slack_morphism::prelude::{
    SlackBlock, SlackBlockMarkDownText, SlackBlockPlainText, SlackBlockText,
    SlackContextBlockElement, SlackDividerBlock, SlackHeaderBlock, SlackSectionBlock,
};

pub use buttons::ticket_ids_value;
pub use facts::due_value;

use super::mrkdwn::{escape_mrkdwn, neutralize_plain, slack_len, truncate};
use crate::card::{Card, Layout, truncate_chars};
use buttons::actions;
use facts::{context, description, full_fields, list_line, main_fields, reference_link};

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Text of a section block.
pub const SECTION_TEXT_LIMIT: usize = 3000;
/// Fields per section block.
pub const SECTION_FIELDS_LIMIT: usize = 10;
/// Text of one section field.
pub const FIELD_TEXT_LIMIT: usize = 2000;
/// Text of a header block.
pub const HEADER_TEXT_LIMIT: usize = 150;
/// Elements per context block.
pub const CONTEXT_ELEMENTS_LIMIT: usize = 10;
/// Text of one text object (a context element).
pub const TEXT_OBJECT_LIMIT: usize = 3000;
/// Elements per actions block.
pub const ACTIONS_ELEMENTS_LIMIT: usize = 25;
/// Button label.
pub const BUTTON_TEXT_LIMIT: usize = 75;
/// Button value.
pub const BUTTON_VALUE_LIMIT: usize = 2000;
/// Button URL.
pub const BUTTON_URL_LIMIT: usize = 3000;
/// `action_id` of an element.
pub const ACTION_ID_LIMIT: usize = 255;
/// `block_id` of a block.
pub const BLOCK_ID_LIMIT: usize = 255;
/// All block text of one message: messages around 13 000 characters have been seen failing with
/// `msg_blocks_too_long`, so the bot stays well below.
pub const MESSAGE_TEXT_BUDGET: usize = 12_000;
/// The notification text (`text`) shown where blocks are not (push notifications, search).
pub const FALLBACK_TEXT_LIMIT: usize = 300;

/// Longest value of one field taken from ticket data (status, assignee, requester, …).
pub const VALUE_CHARS: usize = 500;
/// Longest tags line.
pub const TAGS_CHARS: usize = 1000;
/// Longest subject on a compact card or list line.
pub const LIST_SUBJECT_CHARS: usize = 80;
/// Longest link target put inside mrkdwn (`<url|label>`); longer links are left out.
pub const LINK_URL_CHARS: usize = 1000;

/// `action_id` of the Refresh button; its value is the ticket UUIDs, space-separated.
pub const REFRESH_ACTION: &str = "xalantis_refresh";
/// `action_id` of the Refresh button of a link preview; its value is the unfurled URL.
pub const REFRESH_UNFURL_ACTION: &str = "xalantis_refresh_unfurl";
/// `action_id` of the "Share in channel" button; its value is the ticket UUIDs.
pub const SHARE_ACTION: &str = "xalantis_share";
/// `action_id` prefix of the Open buttons (link buttons: Slack still reports the click).
pub const OPEN_ACTION_PREFIX: &str = "xalantis_open_";
/// Open buttons per message.
pub const MAX_OPEN_BUTTONS: usize = 5;

/// The buttons under a card, by where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buttons<'a> {
    /// A card posted in a channel or thread: Open and Refresh.
    Public,
    /// A `/ticket` answer only its asker sees: Open, Refresh and "Share in channel".
    Ephemeral,
    /// A link preview (`chat.unfurl`) of the URL given: Open and Refresh.
    Unfurl(&'a str),
}

/// One Slack message: blocks plus the notification text.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackCards {
    /// Notification and fallback text (mrkdwn, escaped).
    pub text: String,
    /// The Block Kit blocks.
    pub blocks: Vec<SlackBlock>,
}

/// The message showing `cards` in `layout` with `buttons`, within every Block Kit limit.
pub fn card_blocks(cards: &[Card], layout: Layout, buttons: Buttons<'_>) -> SlackCards {
    let mut blocks = match layout {
        Layout::Full => cards.iter().flat_map(full_card).collect(),
        Layout::Compact => compact_cards(cards),
        Layout::List => list_card(cards),
    };
    blocks.truncate(MAX_BLOCKS - 1);
    blocks.push(actions(cards, buttons));
    SlackCards {
        text: fallback_text(cards),
        blocks,
    }
}

/// A short text message (an answer with no card), as blocks with the same text.
pub fn notice(text: &str) -> SlackCards {
    let text = truncate(text, SECTION_TEXT_LIMIT);
    SlackCards {
        blocks: vec![section(&text)],
        text,
    }
}

/// `VEN1-000079 · Subject (Open)`, or `4 tickets: VEN1-1, VEN1-2, …`.
pub fn fallback_text(cards: &[Card]) -> String {
    let text = if let [card] = cards {
        format!(
            "{} ({})",
            escape_mrkdwn(&card.title),
            escape_mrkdwn(&card.status)
        )
    } else {
        let refs: Vec<String> = cards.iter().map(|c| escape_mrkdwn(&c.reference)).collect();
        format!("{} tickets: {}", cards.len(), refs.join(", "))
    };
    truncate(&text, FALLBACK_TEXT_LIMIT)
}

fn full_card(card: &Card) -> Vec<SlackBlock> {
    let mut blocks = vec![header(&card.title)];
    blocks.extend(description(card).map(|text| section(&text)));
    blocks.push(
        SlackSectionBlock::new()
            .with_fields(full_fields(card))
            .into(),
    );
    blocks.extend(context(card));
    blocks
}

fn compact_cards(cards: &[Card]) -> Vec<SlackBlock> {
    let mut blocks = Vec::new();
    for (index, card) in cards.iter().enumerate() {
        if index > 0 {
            blocks.push(SlackDividerBlock::new().into());
        }
        let title = format!(
            "*{}* · {}",
            reference_link(card),
            escape_mrkdwn(&truncate_chars(&card.subject, LIST_SUBJECT_CHARS))
        );
        let fields = main_fields(card);
        blocks.push(
            SlackSectionBlock::new()
                .with_text(mrkdwn(&title))
                .with_fields(fields)
                .into(),
        );
    }
    blocks
}

fn list_card(cards: &[Card]) -> Vec<SlackBlock> {
    let mut blocks = vec![header(&format!("{} tickets", cards.len()))];
    let mut text = String::new();
    for line in cards.iter().map(list_line) {
        if !text.is_empty() && slack_len(&text) + 1 + slack_len(&line) > SECTION_TEXT_LIMIT {
            blocks.push(section(&std::mem::take(&mut text)));
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&truncate(&line, SECTION_TEXT_LIMIT));
    }
    if !text.is_empty() {
        blocks.push(section(&text));
    }
    blocks
}

fn header(text: &str) -> SlackBlock {
    let text = truncate(&neutralize_plain(text), HEADER_TEXT_LIMIT);
    SlackHeaderBlock::new(SlackBlockPlainText::new(text).with_emoji(true).into()).into()
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(mrkdwn(&truncate(text, SECTION_TEXT_LIMIT)))
        .into()
}

fn field(name: &str, value: &str) -> SlackBlockText {
    mrkdwn(&truncate(&format!("*{name}*\n{value}"), FIELD_TEXT_LIMIT))
}

fn mrkdwn(text: &str) -> SlackBlockText {
    SlackBlockMarkDownText::new(text.to_owned()).into()
}

fn mrkdwn_element(text: &str) -> SlackContextBlockElement {
    SlackBlockMarkDownText::new(truncate(text, TEXT_OBJECT_LIMIT)).into()
}

/// All text of `blocks` as Slack counts it toward a message (every `text` string).
pub fn block_text_len(blocks: &[SlackBlock]) -> usize {
    fn walk(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(key, v)| {
                    if key == "text" {
                        v.as_str().map_or_else(|| walk(v), slack_len)
                    } else {
                        walk(v)
                    }
                })
                .sum(),
            serde_json::Value::Array(items) => items.iter().map(walk).sum(),
            _ => 0,
        }
    }
    serde_json::to_value(blocks).map_or(0, |v| walk(&v))
}

#[cfg(test)]
mod tests;
