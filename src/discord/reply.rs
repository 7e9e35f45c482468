//! Cards → the embeds, buttons and mention rules of one Discord message.
//!
//! Every message the bot sends carries `allowed_mentions` with an empty `parse` list and
//! `replied_user: false`: ticket text can never ping anyone, and a reply never pings its author.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, Embed as ReceivedEmbed, Timestamp,
};

use super::render::{Embed, embeds_for};
use crate::card::{Card, layout_for};
use crate::detect::{Detector, TicketId};

/// `custom_id` of the Refresh button.
pub const REFRESH_ID: &str = "xalantis:refresh";
/// `custom_id` of the Details button.
pub const DETAILS_ID: &str = "xalantis:details";
/// `custom_id` prefix of the Delete button; the id of the user who may delete follows it, so the
/// permission check needs no stored state (Discord only delivers custom ids the bot set).
pub const DELETE_PREFIX: &str = "xalantis:delete:";
/// Link buttons per reply (an action row holds 5 buttons).
pub const MAX_LINK_BUTTONS: usize = 5;

/// What one card message holds, ready for any serenity builder.
pub struct CardMessage {
    /// One embed per card, within Discord's limits.
    pub embeds: Vec<CreateEmbed>,
    /// Open-in-Xalantis links and the Refresh button.
    pub components: Vec<CreateActionRow>,
}

/// The message for `cards`, in the layout their number calls for. `owner` is the user who may
/// delete it besides moderators (the author of the source message, or who ran `/ticket`);
/// `None` for ephemeral answers, which have no Delete button.
pub fn card_message(cards: &[Card], owner: Option<u64>, compact: bool) -> CardMessage {
    let embeds = embeds_for(cards, layout_for(cards.len(), compact));
    CardMessage {
        embeds: embeds.iter().map(to_serenity_embed).collect(),
        components: vec![
            CreateActionRow::Buttons(link_buttons(cards)),
            CreateActionRow::Buttons(action_buttons(owner)),
        ],
    }
}

/// The owner named by the Delete button of a card message the bot sent.
pub fn owner_in(message: &serenity::all::Message) -> Option<u64> {
    message
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            serenity::all::ActionRowComponent::Button(button) => match &button.data {
                serenity::all::ButtonKind::NonLink { custom_id, .. } => delete_owner(custom_id),
                serenity::all::ButtonKind::Link { .. }
                | serenity::all::ButtonKind::Premium { .. } => None,
            },
            _ => None,
        })
}

/// The user id a Delete button's `custom_id` names.
pub fn delete_owner(custom_id: &str) -> Option<u64> {
    custom_id.strip_prefix(DELETE_PREFIX)?.parse().ok()
}

/// Mentions allowed in every message the bot sends: none.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

fn link_buttons(cards: &[Card]) -> Vec<CreateButton> {
    cards
        .iter()
        .take(MAX_LINK_BUTTONS)
        .map(|card| {
            let label = if cards.len() == 1 {
                "Open in Xalantis".to_owned()
            } else {
                format!("Open {}", card.reference)
            };
            CreateButton::new_link(&card.url).label(super::render::truncate(&label, 80))
        })
        .collect()
}

fn action_buttons(owner: Option<u64>) -> Vec<CreateButton> {
    let mut buttons = vec![
        CreateButton::new(REFRESH_ID)
            .label("Refresh")
            .style(ButtonStyle::Secondary)
            .emoji('🔄'),
        CreateButton::new(DETAILS_ID)
            .label("Details")
            .style(ButtonStyle::Secondary),
    ];
    if let Some(owner) = owner {
        buttons.push(
            CreateButton::new(format!("{DELETE_PREFIX}{owner}"))
                .label("Delete")
                .style(ButtonStyle::Danger),
        );
    }
    buttons
}

/// Converts the pure embed into serenity's builder.
pub fn to_serenity_embed(embed: &Embed) -> CreateEmbed {
    let mut out = CreateEmbed::new()
        .title(&embed.title)
        .url(&embed.url)
        .colour(embed.color);
    if let Some(description) = &embed.description {
        out = out.description(description);
    }
    for field in &embed.fields {
        out = out.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &embed.footer {
        out = out.footer(CreateEmbedFooter::new(&footer.text));
    }
    if let Some(timestamp) = embed
        .timestamp
        .as_deref()
        .and_then(|t| Timestamp::parse(t).ok())
    {
        out = out.timestamp(timestamp);
    }
    out
}

/// The tickets a card message shows, read back from its embeds: a card's link (else the
/// reference that starts its title), or the `[REFERENCE](link)` lines of a list. Stateless, so
/// Refresh works on cards posted before a restart.
pub fn tickets_in_embeds(detector: &Detector, embeds: &[ReceivedEmbed]) -> Vec<TicketId> {
    embeds
        .iter()
        .flat_map(|embed| tickets_in_embed(detector, embed))
        .collect()
}

fn tickets_in_embed(detector: &Detector, embed: &ReceivedEmbed) -> Vec<TicketId> {
    let is_list = embed.fields.is_empty()
        && embed
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with('['));
    if is_list {
        let lines = embed.description.as_deref().unwrap_or_default().lines();
        return lines
            .filter_map(|line| detector.parse_ticket_id(line.strip_prefix('[')?.split(']').next()?))
            .collect();
    }
    let from_url = embed
        .url
        .as_deref()
        .and_then(|url| detector.parse_ticket_id(url));
    let from_title = || detector.parse_ticket_id(embed.title.as_deref()?.split(" · ").next()?);
    from_url.or_else(from_title).into_iter().collect()
}
