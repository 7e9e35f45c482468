//! What an operator sees: logs, [`metrics`] and [`health`].
//!
//! Logs are `tracing` events filtered by `RUST_LOG` (default: the bot at info, its libraries at
//! warn), written to stderr as text or, with `LOG_FORMAT=json`, one JSON object per line.
//! [`Ops`] bundles the metrics and the health flags that the bot, its platforms and the HTTP
//! endpoints share.

pub mod health;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

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

/// Installs the global subscriber writing to stderr. Call once, early in `main`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Err(error) = result {
        eprintln!("logging was already initialised: {error}");
    }
}

/// Like [`init`], but only warnings and errors unless `RUST_LOG` says otherwise (for the
/// console and `check`, whose output is the point).
pub fn init_quiet(format: LogFormat) {
    if std::env::var_os("RUST_LOG").is_none() {
        let filter = EnvFilter::new("warn");
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
        return;
    }
    init(format);
}
