//! Discord REST calls the bot makes often enough that serenity's way costs more than they need.
//!
//! A passive answer only keeps the id of the message it posted, but serenity's
//! `ChannelId::send_message` parses Discord's whole answer (the message with its embeds, buttons
//! and author) into its `Message` model, after cloning the builder for each attempt. Here the
//! body is serialized once, sent through serenity's own client (its rate limiter, proxy and
//! errors are the same), and only the `id` is read back: the rest of the answer is skipped over.

use serde::Deserialize;
use serenity::all::{ChannelId, CreateMessage, Http, MessageId};
use serenity::http::{HttpError, LightMethod, Request, Route};

/// A create-message body, serialized once for every attempt.
#[derive(Debug, Clone)]
pub struct MessageBody(Vec<u8>);

impl MessageBody {
    /// Serializes `message` (the same JSON serenity would send).
    pub fn new(message: &CreateMessage) -> serde_json::Result<Self> {
        Ok(Self(serde_json::to_vec(message)?))
    }
}

/// Posts `body` in `channel`; the id of the message Discord created. Errors are serenity's:
/// [`super::retry::status_of`] reads their status, so [`super::retry::with_retry`] applies.
pub async fn create_message(
    http: &Http,
    channel: ChannelId,
    body: &MessageBody,
) -> serenity::Result<MessageId> {
    let request = Request::new(
        Route::ChannelMessages {
            channel_id: channel,
        },
        LightMethod::Post,
    )
    .body(Some(body.0.clone()));
    let response = http.request(request).await?;
    let bytes = response.bytes().await.map_err(HttpError::Request)?;
    Ok(serde_json::from_slice::<Created>(&bytes)?.id)
}

/// The one field of a created message the bot keeps.
#[derive(Deserialize)]
struct Created {
    id: MessageId,
}
