//! Link previews: `link_shared` → `chat.unfurl` with a card per ticket link on the
//! `XALANTIS_WEB_URL` host, keyed by the URL as posted. The preview is the card: the message
//! gets no thread card for these links.
//!
//! ```
//! use xalantis_bot::detect::{DetectConfig, Detector, TicketId};
//! use xalantis_bot::slack::unfurl::ticket_links;
//! let config = DetectConfig { reference_pattern: xalantis_bot::detect::DEFAULT_REFERENCE_PATTERN.into(),
//!     web_url: "https://app.xalantis.com".parse().unwrap(), max_tickets: 5 };
//! let detector = Detector::new(&config).unwrap();
//! let links = ticket_links(&detector, ["https://app.xalantis.com/tickets/VEN1-000079", "https://example.com/x"]);
//! assert_eq!(links, [("https://app.xalantis.com/tickets/VEN1-000079".to_owned(), TicketId::Reference("VEN1-000079".into()))]);
//! ```

use std::collections::HashMap;

use futures::future::join_all;
use slack_morphism::prelude::{
    SlackApiChatUnfurlMapItemV2, SlackApiChatUnfurlRequestV3, SlackChannelTs, SlackTs,
    SlackUnfurlId, SlackUnfurlIdSource, SlackUnfurlRequestId,
};

use super::events::LinkSharedEvent;
use super::handler::Handler;
use super::render::{Buttons, card_blocks};
use crate::card::{Card, Layout};
use crate::detect::{Detector, MAX_TICKETS_CEILING, TicketId};
use crate::lookup::Freshness;
use crate::telemetry::metrics::ReplyKind;

/// The ticket links among `urls`, each with its ticket, at most [`MAX_TICKETS_CEILING`].
pub fn ticket_links<'a>(
    detector: &Detector,
    urls: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, TicketId)> {
    let links = urls
        .into_iter()
        .filter_map(|url| Some((url.to_owned(), detector.parse_ticket_id(url)?)));
    links.take(MAX_TICKETS_CEILING).collect()
}

/// Where `chat.unfurl` attaches the previews: the unfurl id when Slack gave one (it also works
/// while the message is still being composed), else the message.
pub fn unfurl_target(event: &LinkSharedEvent) -> SlackUnfurlRequestId {
    match (&event.unfurl_id, &event.source) {
        (Some(id), Some(source)) => SlackUnfurlRequestId::UnfurlIdSource(SlackUnfurlIdSource::new(
            source.clone(),
            SlackUnfurlId::new(id.clone()),
        )),
        _ => message_target(&event.channel, &event.message_ts),
    }
}

fn message_target(channel: &str, ts: &str) -> SlackUnfurlRequestId {
    SlackUnfurlRequestId::ChannelTs(SlackChannelTs::new(
        channel.to_owned().into(),
        SlackTs::new(ts.to_owned()),
    ))
}

/// The `unfurls` map: each URL → its card with Open and a Refresh that names the URL.
pub fn unfurl_map(previews: &[(String, Card)]) -> HashMap<String, SlackApiChatUnfurlMapItemV2> {
    previews
        .iter()
        .map(|(url, card)| {
            let blocks = card_blocks(
                std::slice::from_ref(card),
                Layout::Full,
                Buttons::Unfurl(url),
            )
            .blocks;
            (url.clone(), SlackApiChatUnfurlMapItemV2::new(blocks))
        })
        .collect()
}

impl Handler {
    /// Unfurls the ticket links of a `link_shared` event.
    pub(super) async fn on_link_shared(&self, event: LinkSharedEvent) {
        let links = ticket_links(
            self.bot.detector(),
            event.links.iter().map(|link| link.url.as_str()),
        );
        if links.is_empty() {
            return;
        }
        let previews = self.previews(links, Freshness::Cached).await;
        self.send_unfurl(unfurl_target(&event), &previews).await;
    }

    /// Refreshes the preview of `url` on message `ts` (the preview's Refresh button).
    pub(super) async fn refresh_unfurl(&self, url: &str, channel: &str, ts: &str) {
        let links = ticket_links(self.bot.detector(), [url]);
        let previews = self.previews(links, Freshness::Fresh).await;
        self.send_unfurl(message_target(channel, ts), &previews)
            .await;
    }

    /// The card of each link's ticket; links whose ticket is missing or failed are left out.
    async fn previews(
        &self,
        links: Vec<(String, TicketId)>,
        freshness: Freshness,
    ) -> Vec<(String, Card)> {
        let lookups = links.into_iter().map(|(url, id)| async move {
            let card = self
                .bot
                .cards_for_ids(vec![id], freshness)
                .await
                .into_iter()
                .next();
            card.map(|card| (url, card))
        });
        join_all(lookups).await.into_iter().flatten().collect()
    }

    async fn send_unfurl(&self, target: SlackUnfurlRequestId, previews: &[(String, Card)]) {
        if previews.is_empty() {
            return;
        }
        let request = SlackApiChatUnfurlRequestV3::new(target, unfurl_map(previews));
        let sent = self.web.unfurl(&request).await;
        self.count(ReplyKind::Message, sent.as_ref());
        if let Err(error) = sent {
            tracing::warn!(%error, "could not unfurl ticket links");
        }
    }
}
