//! Any bytes read as a Xalantis response → tickets → cards → Discord embeds in every layout and
//! the Details view: no panic, every Discord limit kept, no mass ping.

#![no_main]

use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use xalantis_bot::card::{CardOptions, Layout, ShowRequester, ticket_card, ticket_details};
use xalantis_bot::discord::render::{
    DESCRIPTION_LIMIT, EMBEDS_PER_MESSAGE, Embed, FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT,
    FIELDS_LIMIT, FOOTER_LIMIT, MESSAGE_EMBEDS_TOTAL_LIMIT, TITLE_LIMIT, discord_len, embeds_for,
    fit_embeds, to_details_embed,
};
use xalantis_bot::xalantis::Ticket;

fn check(embeds: &[Embed]) {
    assert!(embeds.len() <= EMBEDS_PER_MESSAGE);
    let total: usize = embeds.iter().map(Embed::counted_len).sum();
    assert!(total <= MESSAGE_EMBEDS_TOTAL_LIMIT, "{total} characters");
    for embed in embeds {
        assert!(discord_len(&embed.title) <= TITLE_LIMIT);
        assert!(embed.description.as_deref().map_or(0, discord_len) <= DESCRIPTION_LIMIT);
        assert!(embed.footer.as_ref().map_or(0, |f| discord_len(&f.text)) <= FOOTER_LIMIT);
        assert!(embed.fields.len() <= FIELDS_LIMIT);
        for field in &embed.fields {
            assert!(!field.name.trim().is_empty() && discord_len(&field.name) <= FIELD_NAME_LIMIT);
            assert!(
                !field.value.trim().is_empty() && discord_len(&field.value) <= FIELD_VALUE_LIMIT
            );
        }
        let texts = embed.fields.iter().flat_map(|f| [&f.name, &f.value]);
        for text in texts.chain([&embed.title]).chain(&embed.description) {
            assert!(
                !text.contains("@everyone") && !text.contains("@here"),
                "{text:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut tickets: Vec<Ticket> = Ticket::from_response(&body).into_iter().collect();
    tickets.extend(Ticket::list_from_response(&body));
    let now = OffsetDateTime::UNIX_EPOCH;
    for show_requester in [
        ShowRequester::None,
        ShowRequester::Name,
        ShowRequester::Full,
    ] {
        let options = CardOptions {
            show_requester,
            ..CardOptions::default()
        };
        let cards: Vec<_> = tickets
            .iter()
            .map(|t| ticket_card(t, &options, now))
            .collect();
        for layout in [Layout::Full, Layout::Compact, Layout::List] {
            check(&embeds_for(&cards, layout));
        }
        for ticket in &tickets {
            check(&fit_embeds(vec![to_details_embed(&ticket_details(
                ticket, &options, now,
            ))]));
        }
    }
});
