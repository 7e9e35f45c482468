//! `discord::rest::create_message`, the call behind every passive answer: the body serenity
//! would send, the id read back from Discord's answer and nothing else, serenity's errors.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::json;
use serenity::all::{ChannelId, CreateEmbed, CreateMessage, HttpBuilder, Nonce};
use tokio::net::TcpListener;
use xalantis_bot::discord::reply::no_pings;
use xalantis_bot::discord::rest::{MessageBody, create_message};
use xalantis_bot::discord::retry::status_of;
use xalantis_fakes::discord::FakeDiscord;

use crate::faults::serenity_http;
use crate::support::{CHANNEL, DISCORD_TOKEN};

#[tokio::test]
async fn the_body_is_the_one_serenity_sends_and_the_id_is_discord_s() {
    let discord = FakeDiscord::start().await;
    let http = serenity_http(&discord);
    let message = CreateMessage::new()
        .content("VEN1-000079 was shown recently")
        .embed(CreateEmbed::new().title("VEN1-000079 · Problème connexion"))
        .nonce(Nonce::String("42".to_owned()))
        .enforce_nonce(true)
        .allowed_mentions(no_pings());
    let body = MessageBody::new(&message).unwrap();
    let id = create_message(&http, ChannelId::new(CHANNEL.id()), &body)
        .await
        .expect("the fake Discord takes the body (it checks it against Discord's OpenAPI)");
    let stored = discord.bot_messages_in(CHANNEL.id());
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id.get().to_string());
    let path = format!("/api/v10/channels/{}/messages", CHANNEL.id());
    let sent = discord.requests_to("POST", &path);
    assert_eq!(sent[0].body, Some(serde_json::to_value(&message).unwrap()));
}

/// A Discord that answers every create with the next of `answers`.
async fn scripted_discord(answers: Vec<(StatusCode, String)>) -> serenity::http::Http {
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let app = Router::new().route(
        "/api/v10/channels/{channel}/messages",
        post(move || {
            let next = answers.lock().unwrap().next();
            async move { next.unwrap_or((StatusCode::GONE, String::new())) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    HttpBuilder::new(DISCORD_TOKEN)
        .proxy(base)
        .ratelimiter_disabled(true)
        .build()
}

#[tokio::test]
async fn only_the_id_is_read_and_an_answer_without_one_is_an_error() {
    // The id last, after nested embeds, components and an author whose own id comes first.
    let full = json!({
        "author": {"id": "1", "username": "bot", "bot": true},
        "embeds": [{"title": "x", "fields": [{"name": "id", "value": "\"id\": 5", "inline": true}]}],
        "components": [{"type": 1, "components": [{"type": 2, "style": 5, "url": "https://x"}]}],
        "mentions": [], "attachments": [], "pinned": false, "tts": false,
        "id": "1234567890123456789"
    });
    let http = scripted_discord(vec![
        (StatusCode::OK, full.to_string()),
        (StatusCode::OK, r#"{"content": "no id"}"#.to_owned()),
        (StatusCode::OK, "<html>proxy error</html>".to_owned()),
        (
            StatusCode::FORBIDDEN,
            r#"{"message": "Missing Permissions", "code": 50013}"#.to_owned(),
        ),
    ])
    .await;
    let body = MessageBody::new(&CreateMessage::new().content("card")).unwrap();
    let channel = ChannelId::new(CHANNEL.id());
    let created = create_message(&http, channel, &body).await.unwrap();
    assert_eq!(created.get(), 1_234_567_890_123_456_789);
    for unreadable in ["no id", "not JSON"] {
        let answer = create_message(&http, channel, &body).await;
        assert!(
            matches!(answer, Err(serenity::Error::Json(_))),
            "{unreadable}: {answer:?}"
        );
    }
    let refused = create_message(&http, channel, &body).await.unwrap_err();
    assert_eq!(status_of(&refused), Some(403));
}
