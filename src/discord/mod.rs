//! Discord: serenity events → core calls, core cards → embeds and components.
//!
//! [`run`] connects with serenity and answers until `shutdown` resolves; everything it needs
//! (tokens, the REST proxy base) comes from [`DiscordConfig`], so tests run the real thing against
//! a fake Discord by setting `DISCORD_PROXY_URL`.

pub mod admission;
pub mod backlog;
pub mod bindings;
pub mod commands;
pub mod cooldown;
pub mod handler;
pub mod interactions;
pub mod live;
pub mod messages;
pub mod render;
pub mod reply;
pub mod retry;
pub mod shared;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder};

use crate::bot::Bot;
use crate::config::DiscordConfig;
use crate::gate::Gate;
use crate::state::State;

/// How long shutdown waits for replies in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Guilds (channel metadata), guild and direct messages, and message content (privileged: the
/// bot must read the text to find ticket references).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// serenity's HTTP client. With a proxy, serenity's own rate limiter is off: the proxy
/// (twilight-http-proxy, nirn-proxy) limits for every process of a sharded bot.
pub fn http_client(config: &DiscordConfig) -> serenity::http::Http {
    let builder = HttpBuilder::new(config.token.expose());
    match &config.proxy_url {
        Some(proxy) => builder
            .proxy(proxy.as_str().trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// Runs the Discord bot until `shutdown` resolves, then stops taking events, lets replies in
/// flight finish and closes the gateway with code 1000.
pub async fn run(
    config: &DiscordConfig,
    bot: Arc<Bot>,
    state: &State,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bot.ops()
        .health
        .expect(crate::telemetry::metrics::Platform::Discord);
    let gate = Arc::new(Gate::default());
    let shared = Arc::new(shared::Shared::new(bot, config, state));
    let handler = handler::Handler::new(Arc::clone(&shared), config.guild_id, Arc::clone(&gate));
    let mut client = ClientBuilder::new_with_http(http_client(config), intents())
        .event_handler(handler)
        .await
        .context("could not build the Discord client")?;
    let backpressure = tokio::spawn(backlog::keep_reader_bounded(
        Arc::clone(&client.shard_manager),
        Arc::clone(&shared.backlog),
        Arc::clone(&gate),
    ));
    let live = config.live_refresh.map(|every| {
        tokio::spawn(live::keep_cards_live(
            shared,
            Arc::clone(&client.http),
            every,
        ))
    });
    let shards = Arc::clone(&client.shard_manager);
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing replies in flight");
        gate.close();
        gate.wait_idle(SHUTDOWN_GRACE).await;
        shards.shutdown_all().await;
        let _ = stopped_tx.send(());
    });
    let result = run_until_stopped(client.start(), stopped_rx).await;
    backpressure.abort();
    if let Some(live) = live {
        live.abort();
    }
    result
}

/// Runs the client; once shutdown has closed the shards, waits at most [`SHUTDOWN_GRACE`] more
/// (serenity can keep retrying a shard that never connected).
async fn run_until_stopped(
    client: impl Future<Output = serenity::Result<()>>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) -> anyhow::Result<()> {
    tokio::pin!(client);
    tokio::select! {
        result = &mut client => return result.map_err(explain),
        _ = stopped => {}
    }
    if let Ok(result) = tokio::time::timeout(SHUTDOWN_GRACE, client).await {
        result.map_err(explain)
    } else {
        tracing::warn!("the Discord client did not stop in time; leaving anyway");
        Ok(())
    }
}

/// Turns the gateway errors an operator must act on into instructions.
fn explain(error: serenity::Error) -> anyhow::Error {
    use serenity::gateway::GatewayError;
    match error {
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => anyhow::anyhow!(
            "Discord rejected DISCORD_TOKEN (gateway close code 4004): copy a fresh token from the \
             developer portal (Bot → Reset Token)"
        ),
        serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents) => anyhow::anyhow!(
            "Discord refused the Message Content intent (close code 4014): switch it on in the \
             developer portal (Bot → Privileged Gateway Intents → Message Content Intent)"
        ),
        other => anyhow::Error::new(other).context("the Discord connection failed"),
    }
}
