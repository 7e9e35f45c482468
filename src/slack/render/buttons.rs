//! The buttons under a card: Open links, Refresh (its value names the tickets, or the
//! previewed link), and "Share in channel" on ephemeral answers.

use slack_morphism::prelude::{
    SlackActionBlockElement, SlackActionId, SlackActionsBlock, SlackBlock, SlackBlockButtonElement,
    SlackBlockButtonStyle, SlackBlockPlainText,
};

use super::{
    ACTION_ID_LIMIT, ACTIONS_ELEMENTS_LIMIT, BUTTON_TEXT_LIMIT, BUTTON_URL_LIMIT,
    BUTTON_VALUE_LIMIT, Buttons, MAX_OPEN_BUTTONS, OPEN_ACTION_PREFIX, REFRESH_ACTION,
    REFRESH_UNFURL_ACTION, SHARE_ACTION,
};
use crate::card::Card;
use crate::slack::mrkdwn::{neutralize_plain, slack_len, truncate};

pub(super) fn actions(cards: &[Card], buttons: Buttons<'_>) -> SlackBlock {
    let mut elements: Vec<SlackActionBlockElement> = open_buttons(cards);
    let ids = ticket_ids_value(cards);
    let refresh = match buttons {
        Buttons::Unfurl(url) => (slack_len(url) <= BUTTON_VALUE_LIMIT)
            .then(|| button(REFRESH_UNFURL_ACTION, "🔄 Refresh", url)),
        Buttons::Public | Buttons::Ephemeral => Some(button(REFRESH_ACTION, "🔄 Refresh", &ids)),
    };
    elements.extend(refresh.map(Into::into));
    if buttons == Buttons::Ephemeral {
        elements.push(
            button(SHARE_ACTION, "Share in channel", &ids)
                .with_style(SlackBlockButtonStyle::Primary)
                .into(),
        );
    }
    elements.truncate(ACTIONS_ELEMENTS_LIMIT);
    SlackActionsBlock::new(elements).into()
}

/// The Refresh and Share value: the tickets' UUIDs, space-separated (at most 10 × 36 characters).
pub fn ticket_ids_value(cards: &[Card]) -> String {
    let ids: Vec<&str> = cards.iter().map(|c| c.uuid.as_str()).collect();
    truncate(&ids.join(" "), BUTTON_VALUE_LIMIT)
}

pub(super) fn open_buttons(cards: &[Card]) -> Vec<SlackActionBlockElement> {
    let links = cards
        .iter()
        .filter_map(|card| Some((card, url::Url::parse(&card.url).ok()?)));
    links
        .filter(|(card, _)| slack_len(&card.url) <= BUTTON_URL_LIMIT)
        .take(MAX_OPEN_BUTTONS)
        .enumerate()
        .map(|(index, (card, url))| {
            let label = if cards.len() == 1 {
                "Open in Xalantis".to_owned()
            } else {
                format!("Open {}", card.reference)
            };
            let text = truncate(&neutralize_plain(&label), BUTTON_TEXT_LIMIT);
            let id = SlackActionId::new(format!("{OPEN_ACTION_PREFIX}{index}"));
            SlackBlockButtonElement::new(SlackBlockPlainText::new(text).into())
                .with_action_id(id)
                .with_url(url)
                .into()
        })
        .collect()
}

pub(super) fn button(action: &str, label: &str, value: &str) -> SlackBlockButtonElement {
    let id = SlackActionId::new(truncate(action, ACTION_ID_LIMIT));
    let text = SlackBlockPlainText::new(truncate(label, BUTTON_TEXT_LIMIT)).with_emoji(true);
    SlackBlockButtonElement::new(text.into())
        .with_action_id(id)
        .with_value(truncate(value, BUTTON_VALUE_LIMIT))
}
