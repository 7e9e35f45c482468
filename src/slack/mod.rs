//! Slack: events → core calls, core cards → Block Kit, over Socket Mode or the HTTP Events API.
//!
//! [`Slack::connect`] checks the bot token (`auth.test`); [`Slack::router`] gives the HTTP
//! routes to merge into the `HTTP_BIND` server when `SLACK_SIGNING_SECRET` is set;
//! [`Slack::run`] runs Socket Mode when `SLACK_APP_TOKEN` is set, until shutdown. Everything it
//! needs comes from [`SlackConfig`], so tests run the real thing against a fake Slack by setting
//! `SLACK_API_URL`.
//!
//! # Layout
//! - [`render`]: card → blocks (pure), every Block Kit limit a constant; [`mrkdwn`]: escaping
//!   and truncation of text (pure).
//! - [`events`]: event payloads → what happened (pure); [`handler`]: messages → thread cards,
//!   edits and deletes followed ([`bindings`]); [`unfurl`]: `link_shared` → `chat.unfurl`.
//! - [`commands`]: `/ticket`; [`interactions`]: Refresh and "Share in channel".
//! - [`socket`]: the Socket Mode client; [`http`]: the Events API routes; [`verify`]: request
//!   signatures.
//! - [`web`]: the Web API calls (slack-morphism), 429 `Retry-After` honoured.

pub mod bindings;
pub mod commands;
pub mod events;
pub mod handler;
pub mod http;
pub mod interactions;
pub mod mrkdwn;
pub mod render;
pub mod socket;
pub mod unfurl;
pub mod verify;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::bot::Bot;
use crate::config::SlackConfig;
use crate::gate::Gate;
use crate::secret::Secret;
use handler::Handler;
use verify::Verifier;
use web::{WebApi, WebError};

/// How long shutdown waits for replies in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The Slack side of the bot, connected and ready to run.
#[derive(Debug)]
pub struct Slack {
    handler: Arc<Handler>,
    gate: Arc<Gate>,
    web: WebApi,
    app_token: Option<Secret>,
    signing_secret: Option<Secret>,
}

impl Slack {
    /// Checks the bot token with `auth.test` and prepares the event handler.
    pub async fn connect(config: &SlackConfig, bot: Arc<Bot>) -> anyhow::Result<Self> {
        let web = WebApi::new(config.api_url.as_ref(), &config.bot_token)?;
        let me = web
            .auth_test()
            .await
            .map_err(explain)
            .context("could not start the Slack bot")?;
        tracing::info!(team = %me.team, user = %me.user_id, "connected to Slack");
        let gate = Arc::new(Gate::default());
        let handler = Handler::new(bot, web.clone(), me, Arc::clone(&gate));
        Ok(Self {
            handler,
            gate,
            web,
            app_token: config.app_token.clone(),
            signing_secret: config.signing_secret.clone(),
        })
    }

    /// The HTTP Events API routes, when `SLACK_SIGNING_SECRET` is set.
    pub fn router(&self) -> Option<axum::Router> {
        let secret = self.signing_secret.clone()?;
        Some(http::router(
            Arc::clone(&self.handler),
            Verifier::new(secret),
        ))
    }

    /// Runs until `shutdown` (Socket Mode when `SLACK_APP_TOKEN` is set; otherwise the HTTP
    /// routes do the work), then stops taking events and lets replies in flight finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let result = if let Some(app_token) = &self.app_token {
            socket::run(
                self.web.clone(),
                app_token.clone(),
                Arc::clone(&self.handler),
                shutdown,
            )
            .await
        } else {
            shutdown.await;
            Ok(())
        };
        tracing::info!("Slack: finishing replies in flight");
        self.gate.close();
        self.gate.wait_idle(SHUTDOWN_GRACE).await;
        result
    }
}

/// Turns a refused bot token into an instruction.
fn explain(error: WebError) -> anyhow::Error {
    if error.is_auth() {
        anyhow::anyhow!(
            "Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page"
        )
    } else {
        anyhow::Error::new(error)
    }
}
