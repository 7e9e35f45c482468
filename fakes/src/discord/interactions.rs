//! REST routes of interactions: the callback (the first answer, exactly once), then followups and
//! edits or deletes of `@original` through the interaction's webhook token.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::post;
use serde_json::{Value, json};

use super::Shared;
use super::message_body::LOADING;
use super::rest::{RestError, RestResult, unknown_message};
use super::spec::Body;
use super::store::{InteractionSite, Store};

/// The interaction routes, merged into the REST router.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/v10/interactions/{id}/{token}/callback",
            post(callback),
        )
        .route("/api/v10/webhooks/{app}/{token}", post(followup))
        .route(
            "/api/v10/webhooks/{app}/{token}/messages/{message}",
            axum::routing::get(get_webhook_message)
                .patch(edit_webhook_message)
                .delete(delete_webhook_message),
        )
}

fn unknown_interaction() -> RestError {
    RestError::not_found("Unknown interaction", 10062)
}

fn unknown_webhook() -> RestError {
    RestError::not_found("Unknown Webhook", 10015)
}

async fn callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult<StatusCode> {
    let body = shared.checked_body(Body::InteractionCallback, &uri, &bytes)?;
    let message_id = shared.next_id();
    let mut store = shared.store();
    let site = store
        .interaction(id, &token)
        .ok_or_else(unknown_interaction)?;
    if store.is_acknowledged(id) {
        drop(store);
        shared.reject(
            &uri,
            &[": a second callback for one interaction (40060)".to_owned()],
        );
        return Err(RestError::bad_request(
            "Interaction has already been acknowledged.",
            40060,
        ));
    }
    let original = answer(&mut store, site, message_id, &body);
    store.acknowledge(id, body, original);
    Ok(StatusCode::NO_CONTENT)
}

/// Applies a callback to the store; returns the message that is now `@original`.
fn answer(store: &mut Store, site: InteractionSite, message_id: u64, body: &Value) -> Option<u64> {
    let data = &body["data"];
    match body["type"].as_u64()? {
        4 => Some(store_reply(store, site, message_id, data)),
        5 => {
            let flags = data["flags"].as_u64().unwrap_or_default() | LOADING;
            Some(store_reply(
                store,
                site,
                message_id,
                &json!({"flags": flags}),
            ))
        }
        6 => site.message_id,
        7 => store
            .edit_message(site.message_id?, data)
            .and(site.message_id),
        _ => None,
    }
}

fn store_reply(store: &mut Store, site: InteractionSite, message_id: u64, data: &Value) -> u64 {
    store.create_bot_message(message_id, site.channel, data);
    message_id
}

async fn followup(
    State(shared): State<Arc<Shared>>,
    Path((app, token)): Path<(u64, String)>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    shared.check_application(&uri, app)?;
    let body = shared.checked_body(Body::WebhookExecute, &uri, &bytes)?;
    let message_id = shared.next_id();
    let mut store = shared.store();
    let (id, site) = store
        .interaction_by_token(&token)
        .ok_or_else(unknown_webhook)?;
    if !store.is_acknowledged(id) {
        drop(store);
        shared.reject(
            &uri,
            &[": a followup before the interaction was acknowledged".to_owned()],
        );
        return Err(unknown_webhook());
    }
    let message = store.create_bot_message(message_id, site.channel, &body);
    store.add_followup(id, message_id);
    Ok(Json(message))
}

/// The message behind `@original` or a followup id for a webhook token.
fn webhook_message(store: &Store, token: &str, message: &str) -> RestResult<u64> {
    let (id, _) = store
        .interaction_by_token(token)
        .ok_or_else(unknown_webhook)?;
    store
        .webhook_message(id, message)
        .ok_or_else(unknown_message)
}

async fn get_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((_, token, message)): Path<(u64, String, String)>,
) -> RestResult {
    let store = shared.store();
    let message_id = webhook_message(&store, &token, &message)?;
    store
        .message(message_id)
        .cloned()
        .map(Json)
        .ok_or_else(unknown_message)
}

async fn edit_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((app, token, message)): Path<(u64, String, String)>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    shared.check_application(&uri, app)?;
    let body = shared.checked_body(Body::WebhookEdit, &uri, &bytes)?;
    let mut store = shared.store();
    let message_id = webhook_message(&store, &token, &message)?;
    store
        .edit_message(message_id, &body)
        .map(Json)
        .ok_or_else(unknown_message)
}

async fn delete_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((_, token, message)): Path<(u64, String, String)>,
) -> RestResult<StatusCode> {
    let mut store = shared.store();
    let message_id = webhook_message(&store, &token, &message)?;
    if store.delete_message(message_id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_message())
    }
}
