//! What an operator sees: logs, [`metrics`] and [`health`].
//!
//! Logs are `tracing` events filtered by `RUST_LOG` (default: the bot at info, its libraries at
//! warn), written to stderr as text or, with `LOG_FORMAT=json`, one JSON object per line. Even
//! at `RUST_LOG=trace` no secret is written: tokens are [`crate::secret::Secret`]s, serenity and
//! reqwest redact their own, and [`safe_to_log`] drops the rest: the trace events of the one
//! library that dumps raw WebSocket frames (tungstenite; the gateway's IDENTIFY frame holds the
//! Discord token, hex-encoded), and serenity's HTTP spans, whose fields name the route with its
//! interaction or webhook token. `tests/it/logs.rs` runs the binary at trace to prove it.
//! [`Ops`] bundles the metrics and the health flags that the bot, its platforms and the HTTP
//! endpoints share.

pub mod health;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::LogFormat;
use crate::xalantis::{RequestObserver, XalantisError};

use self::health::Health;
use self::metrics::Metrics;

/// The metrics and health of one process; cheap to clone, clones share everything.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    /// Counters and histograms for `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Flags for `GET /healthz`.
    pub health: Arc<Health>,
}

impl RequestObserver for Ops {
    fn request_finished(&self, elapsed: Duration, outcome: Result<(), &XalantisError>) {
        self.metrics.xalantis_request(elapsed, outcome);
        let refused = matches!(outcome, Err(XalantisError::AccessRefused { .. }));
        self.health.xalantis_answered(refused);
    }
}

/// Default filter when `RUST_LOG` is unset: the bot at info, its libraries at warn.
pub const DEFAULT_FILTER: &str = "warn,xalantis_bot=info";

/// Libraries whose trace events print raw protocol payloads, secrets included.
pub const PAYLOAD_DUMPING_TARGETS: [&str; 1] = ["tungstenite"];
/// Modules whose spans record request routes, interaction and webhook tokens included.
pub const ROUTE_RECORDING_SPANS: [&str; 1] = ["serenity::http"];

/// Installs the global subscriber writing to stderr. Call once, early in `main`.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    install(filter, format);
}

fn install(filter: EnvFilter, format: LogFormat) {
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(filter_fn(safe_to_log));
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => subscriber.with(output).try_init(),
        LogFormat::Json => subscriber
            .with(output.json().flatten_event(true))
            .try_init(),
    };
    if let Err(error) = result {
        eprintln!("logging was already initialised: {error}");
    }
}

/// Whether an event or span may be logged, whatever `RUST_LOG` says: not the trace events of
/// [`PAYLOAD_DUMPING_TARGETS`], not the spans of [`ROUTE_RECORDING_SPANS`] (the events inside
/// them still are).
pub fn safe_to_log(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let dumps_payloads =
        *metadata.level() == Level::TRACE && in_modules(target, &PAYLOAD_DUMPING_TARGETS);
    let records_routes = metadata.is_span() && in_modules(target, &ROUTE_RECORDING_SPANS);
    !(dumps_payloads || records_routes)
}

/// Whether `target` is one of `modules` or inside one.
fn in_modules(target: &str, modules: &[&str]) -> bool {
    modules.iter().any(|m| {
        target
            .strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// Like [`init`], but only warnings and errors unless `RUST_LOG` says otherwise (for the
/// console and `check`, whose output is the point).
pub fn init_quiet(format: LogFormat) {
    if std::env::var_os("RUST_LOG").is_none() {
        install(EnvFilter::new("warn"), format);
        return;
    }
    init(format);
}
