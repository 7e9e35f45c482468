//! The Slack Web API calls the bot makes, through slack-morphism's hyper client.
//!
//! Every call is bounded by [`REQUEST_TIMEOUT`] and honours a 429's `Retry-After` (at most
//! [`MAX_RATE_LIMIT_RETRIES`] waits of at most [`MAX_RETRY_AFTER`] each). `SLACK_API_URL`
//! replaces `https://slack.com/api`; plain `http://` is allowed for a local proxy or a test fake.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::{
    SlackApiAppsConnectionOpenRequest, SlackApiChatDeleteRequest, SlackApiChatPostMessageRequest,
    SlackApiChatUnfurlRequestV3, SlackApiChatUpdateRequest, SlackApiToken, SlackApiTokenValue,
    SlackBlock, SlackClientHyperConnector, SlackClientHyperHttpsConnector, SlackHyperClient,
    SlackTs,
};
use slack_morphism::{
    ClientResult, SlackClient, SlackClientApiCallContext, SlackClientHttpConnector,
};
use url::Url;

use crate::secret::Secret;

/// Longest wait for one Web API call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Rate-limited calls are tried again this many times.
pub const MAX_RATE_LIMIT_RETRIES: usize = 3;
/// Longest `Retry-After` honoured; longer ones are cut to it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Wait after a 429 without `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A failed Web API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// Slack answered `ok: false` with this error code (`invalid_auth`, `channel_not_found`, …).
    #[error("Slack refused the call: {0}")]
    Api(String),
    /// Still rate-limited after the retries.
    #[error("Slack is rate-limiting the bot")]
    RateLimited,
    /// No answer within [`REQUEST_TIMEOUT`].
    #[error("Slack did not answer in time")]
    Timeout,
    /// Anything else: HTTP status, connection, undecodable answer.
    #[error("the Slack call failed: {0}")]
    Transport(String),
}

impl WebError {
    /// True when the token itself is refused: retrying cannot help, the operator must act.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Api(code) if matches!(code.as_str(), "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked" | "token_expired" | "not_allowed_token_type"))
    }
}

impl From<SlackClientError> for WebError {
    fn from(error: SlackClientError) -> Self {
        match error {
            SlackClientError::ApiError(api) => Self::Api(api.code),
            SlackClientError::RateLimitError(_) => Self::RateLimited,
            SlackClientError::HttpError(http) => {
                Self::Transport(format!("HTTP {}", http.status_code))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

/// Who the bot is in the workspace (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The bot user's id (`U…`).
    pub user_id: String,
    /// The bot's id (`B…`), carried by the messages it posts.
    pub bot_id: Option<String>,
    /// The workspace name.
    pub team: String,
}

/// A message posted to a `response_url` (slash commands, buttons) or returned as the immediate
/// answer to a slash command.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ResponseMessage {
    /// `ephemeral` (only the asker sees it) or `in_channel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type: Option<&'static str>,
    /// Notification and fallback text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Block Kit blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<SlackBlock>>,
    /// Replace the message the button was on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_original: Option<bool>,
    /// Delete the message the button was on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_original: Option<bool>,
}

/// The bot's Web API client: one bot token, one HTTP connection pool.
#[derive(Clone)]
pub struct WebApi {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
}

impl std::fmt::Debug for WebApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebApi")
    }
}

impl WebApi {
    /// A client calling `api_url` (default `https://slack.com/api`) with `bot_token`.
    pub fn new(api_url: Option<&Url>, bot_token: &Secret) -> anyhow::Result<Self> {
        let client = Arc::new(SlackClient::new(connector(api_url)?));
        Ok(Self {
            client,
            token: token(bot_token),
        })
    }

    /// `auth.test`: checks the bot token and tells who the bot is.
    pub async fn auth_test(&self) -> Result<Identity, WebError> {
        let session = self.client.open_session(&self.token);
        let identity = retrying("auth.test", || session.auth_test()).await?;
        Ok(Identity {
            user_id: identity.user_id.0,
            bot_id: identity.bot_id.map(|id| id.0),
            team: identity.team,
        })
    }

    /// `chat.postMessage`; returns the new message's `ts`.
    pub async fn post_message(
        &self,
        request: &SlackApiChatPostMessageRequest,
    ) -> Result<SlackTs, WebError> {
        let session = self.client.open_session(&self.token);
        Ok(
            retrying("chat.postMessage", || session.chat_post_message(request))
                .await?
                .ts,
        )
    }

    /// `chat.update`.
    pub async fn update(&self, request: &SlackApiChatUpdateRequest) -> Result<(), WebError> {
        let session = self.client.open_session(&self.token);
        retrying("chat.update", || session.chat_update(request))
            .await
            .map(drop)
    }

    /// `chat.delete`.
    pub async fn delete(&self, request: &SlackApiChatDeleteRequest) -> Result<(), WebError> {
        let session = self.client.open_session(&self.token);
        retrying("chat.delete", || session.chat_delete(request))
            .await
            .map(drop)
    }

    /// `chat.unfurl` with blocks.
    pub async fn unfurl(&self, request: &SlackApiChatUnfurlRequestV3) -> Result<(), WebError> {
        let session = self.client.open_session(&self.token);
        retrying("chat.unfurl", || session.chat_unfurl_v3(request))
            .await
            .map(drop)
    }

    /// Posts `message` to a `response_url` Slack handed out (no token: the URL is the credential).
    pub async fn respond(
        &self,
        response_url: &Url,
        message: &ResponseMessage,
    ) -> Result<(), WebError> {
        let span = tracing::debug_span!("slack response_url");
        let connector = &self.client.http_api.connector;
        let post = || {
            let context = SlackClientApiCallContext {
                rate_control_params: None,
                token: None,
                tracing_span: &span,
                is_sensitive_url: true,
            };
            connector.http_post_uri::<_, serde_json::Value>(response_url.clone(), message, context)
        };
        retrying("response_url", post).await.map(drop)
    }

    /// `apps.connections.open` with the app-level token: a single-use Socket Mode URL.
    pub async fn open_socket(&self, app_token: &Secret) -> Result<Url, WebError> {
        let app_token = token(app_token);
        let session = self.client.open_session(&app_token);
        let request = SlackApiAppsConnectionOpenRequest::new();
        Ok(retrying("apps.connections.open", || {
            session.apps_connections_open(&request)
        })
        .await?
        .url
        .0)
    }
}

fn token(secret: &Secret) -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue::new(secret.expose().to_owned()))
}

/// HTTPS with the system's CA certificates, and plain HTTP for a local `SLACK_API_URL`.
fn connector(api_url: Option<&Url>) -> anyhow::Result<SlackClientHyperHttpsConnector> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .context(
            "no CA certificates found for HTTPS to Slack: install the ca-certificates package",
        )?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https);
    Ok(match api_url {
        Some(url) => connector.with_slack_api_url(url.as_str().trim_end_matches('/')),
        None => connector,
    })
}

/// Runs `call` until it is not rate-limited, waiting each `Retry-After` in between.
async fn retrying<T, F, Fut>(method: &'static str, call: F) -> Result<T, WebError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ClientResult<T>>,
{
    for attempt in 0..=MAX_RATE_LIMIT_RETRIES {
        match tokio::time::timeout(REQUEST_TIMEOUT, call()).await {
            Err(_) => return Err(WebError::Timeout),
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(SlackClientError::RateLimitError(limit)))
                if attempt < MAX_RATE_LIMIT_RETRIES =>
            {
                let wait = limit
                    .retry_after
                    .unwrap_or(DEFAULT_RETRY_AFTER)
                    .min(MAX_RETRY_AFTER);
                tracing::warn!(
                    method,
                    wait_secs = wait.as_secs_f64(),
                    "Slack rate limit: waiting for Retry-After"
                );
                tokio::time::sleep(wait).await;
            }
            Ok(Err(error)) => return Err(error.into()),
        }
    }
    Err(WebError::RateLimited)
}
