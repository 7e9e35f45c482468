//! Discord: gateway events → core calls, core cards → embeds and components.
//!
//! [`run`] reads the gateway with our own lean reader ([`gateway`]; serenity's costs about 44 µs
//! per event, see BENCHMARKS.md) and answers through serenity's REST client and builders until
//! `shutdown` resolves; everything it needs
//! (tokens, the REST proxy base) comes from [`DiscordConfig`], so tests run the real thing against
//! a fake Discord by setting `DISCORD_PROXY_URL`.

pub mod admission;
pub mod bindings;
pub mod commands;
pub mod cooldown;
pub mod events;
pub mod gateway;
pub mod interactions;
pub mod live;
pub mod messages;
pub mod render;
pub mod reply;
pub mod rest;
pub mod retry;
pub mod shared;

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{GatewayIntents, HttpBuilder};

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
    let http = Arc::new(http_client(config));
    let shared = Arc::new(shared::Shared::new(bot, config, state));
    let events = events::Dispatcher::new(
        Arc::clone(&shared),
        Arc::clone(&http),
        Arc::clone(&gate),
        config.guild_id,
    );
    let live = config
        .live_refresh
        .map(|every| tokio::spawn(live::keep_cards_live(shared, Arc::clone(&http), every)));
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let drain = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing replies in flight");
        gate.close();
        gate.wait_idle(SHUTDOWN_GRACE).await;
        let _ = stopped_tx.send(());
    });
    let login = gateway::Login {
        token: config.token.clone(),
        intents: intents().bits(),
    };
    let stopped = async move {
        let _ = stopped_rx.await;
    };
    let result = gateway::run(&http, &login, &events, std::pin::pin!(stopped)).await;
    drain.abort();
    if let Some(live) = live {
        live.abort();
    }
    result.map_err(explain)
}

/// Turns the gateway errors an operator must act on into instructions.
fn explain(error: gateway::GatewayError) -> anyhow::Error {
    let gateway::GatewayError::Fatal { code, .. } = &error;
    match code {
        4004 => anyhow::anyhow!(
            "Discord rejected DISCORD_TOKEN (gateway close code 4004): copy a fresh token from the \
             developer portal (Bot → Reset Token)"
        ),
        4014 => anyhow::anyhow!(
            "Discord refused the Message Content intent (close code 4014): switch it on in the \
             developer portal (Bot → Privileged Gateway Intents → Message Content Intent)"
        ),
        _ => anyhow::Error::new(error).context("the Discord connection failed"),
    }
}
