//! The HTTP server on `HTTP_BIND`: `GET /healthz` and `GET /metrics` for operators, and later
//! the routes of webhook platforms (Slack's `/slack/events`, …) merged into the same router.
//!
//! [`ops_router`] holds the operator routes; the app merges other routers into it and hands the
//! result to [`serve`] with a listener it bound (or a test bound on port 0).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use xalantis_bot::telemetry::Ops;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let router = xalantis_bot::http::ops_router(Ops::default()); // .merge(slack::router(…))
//! xalantis_bot::http::serve(listener, router, std::future::pending()).await
//! # }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::telemetry::Ops;
use crate::telemetry::metrics::CONTENT_TYPE;

/// How long a stopping server waits for its open connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// `GET /healthz` and `GET /metrics`, reading `ops`.
pub fn ops_router(ops: Ops) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(ops)
}

/// Binds `address` (`HTTP_BIND`), with an error that names it.
pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on HTTP_BIND={address}"))
}

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let address = listener
        .local_addr()
        .context("the HTTP listener has no address")?;
    tracing::info!(%address, "serving /healthz and /metrics on http://{address}");
    axum::serve(listener.tap_io(no_delay), router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("the HTTP server failed")
}

/// [`serve`] in a task, stopped with [`Server::stop`].
pub fn spawn(listener: TcpListener, router: Router) -> Server {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, async {
        let _ = stopped.await;
    }));
    Server { stop, task }
}

/// A server running in a task.
#[derive(Debug)]
pub struct Server {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Stops taking connections, waits up to [`SHUTDOWN_GRACE`] for the open ones, logs failures.
    pub async fn stop(mut self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!("{error:#}"),
            Ok(Err(error)) => tracing::warn!(%error, "the HTTP server task failed"),
            Err(_) => {
                tracing::warn!(
                    "HTTP connections still open after {SHUTDOWN_GRACE:?}: closing them"
                );
                self.task.abort();
            }
        }
    }
}

/// 200 `ok` when healthy, else 503 with one problem per line.
async fn healthz(State(ops): State<Ops>) -> (StatusCode, String) {
    let problems = ops.health.problems();
    if problems.is_empty() {
        (StatusCode::OK, "ok\n".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, problems.join("\n") + "\n")
    }
}

/// Every metric, as `OpenMetrics` text.
async fn metrics(State(ops): State<Ops>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], ops.metrics.encode()).into_response()
}

/// Nagle's algorithm off: a short response is sent at once, not held for the client's ACK.
fn no_delay(stream: &mut tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
}
