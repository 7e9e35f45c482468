//! Wires the configured platforms to one [`Bot`] and runs them until shutdown.
//!
//! Dependencies come in as arguments (configuration, HTTP listener, shutdown future), so tests
//! start the real bot in-process against fakes on 127.0.0.1, port 0.
//!
//! The HTTP endpoints (`HTTP_BIND`) start before the platforms and stop after them, so
//! `/metrics` stays readable while replies in flight finish.

use std::sync::Arc;

use anyhow::bail;
use tokio::net::TcpListener;

use crate::bot::Bot;
use crate::config::Config;
use crate::http;
use crate::state::State;

/// Runs every configured platform until `shutdown` resolves, with the HTTP endpoints on
/// `HTTP_BIND` when it is set.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(config, None, shutdown).await
}

/// Like [`run`], but serves the HTTP endpoints on `http_listener` when one is given (a test binds
/// 127.0.0.1:0 and reads the port) instead of binding `HTTP_BIND`.
pub async fn run_with(
    config: Config,
    http_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let bot = Bot::new(&config)?;
    if config.discord.is_none() && config.slack.is_none() {
        bail!("no chat platform is configured: set DISCORD_TOKEN or SLACK_BOT_TOKEN");
    }
    let state = State::open(&config)?;
    let expiry = state.keep_expiring();
    let slack = match &config.slack {
        Some(slack) => Some(crate::slack::Slack::connect(slack, Arc::clone(&bot)).await?),
        None => None,
    };
    let http_listener = match (http_listener, config.http_bind) {
        (Some(listener), _) => Some(listener),
        (None, Some(address)) => Some(http::bind(address).await?),
        (None, None) => None,
    };
    tracing::info!(api = %config.xalantis.base_url, "starting xalantis-bot {}", env!("CARGO_PKG_VERSION"));
    let slack_routes = slack
        .as_ref()
        .and_then(crate::slack::Slack::router)
        .unwrap_or_default();
    let server = http_listener.map(|listener| {
        http::spawn(
            listener,
            http::ops_router(bot.ops().clone()).merge(slack_routes),
        )
    });
    let learning = config
        .noise
        .learn_prefixes
        .then(|| start_learning_prefixes(&config, &bot));
    // Boxed: the platforms' futures (serenity's client above all) are large.
    let result = Box::pin(run_platforms(
        config.discord.as_ref(),
        slack,
        &bot,
        &state,
        shutdown,
    ))
    .await;
    if let Some(task) = learning {
        task.abort();
    }
    expiry.abort();
    state.close().await;
    if let Some(server) = server {
        server.stop().await;
    }
    result
}

/// Runs Discord and Slack side by side until `shutdown`; the first to fail stops the other.
async fn run_platforms(
    discord: Option<&crate::config::DiscordConfig>,
    slack: Option<crate::slack::Slack>,
    bot: &Arc<Bot>,
    state: &State,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let external = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move {
            shutdown.await;
            stop.send_replace(true);
        }
    });
    let signal = || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let stop_on_error = |result: anyhow::Result<()>| {
        if result.is_err() {
            stop.send_replace(true);
        }
        result
    };
    let discord = async {
        let Some(config) = discord else { return Ok(()) };
        stop_on_error(crate::discord::run(config, Arc::clone(bot), state, signal()).await)
    };
    let slack = async {
        let Some(slack) = slack else { return Ok(()) };
        stop_on_error(slack.run(signal()).await)
    };
    let (discord, slack) = tokio::join!(discord, slack);
    external.abort();
    discord.and(slack)
}

/// Learns the organisation's reference prefixes in the background (unless they are pinned).
fn start_learning_prefixes(config: &Config, bot: &Arc<Bot>) -> tokio::task::JoinHandle<()> {
    if config.noise.pinned_prefixes.is_some() {
        return tokio::spawn(async {});
    }
    let client = bot.lookup_service().client().clone();
    tokio::spawn(crate::prefixes::keep_learning(
        Arc::clone(bot.prefixes()),
        client,
    ))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
