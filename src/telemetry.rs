//! Logging: `tracing` filtered by `RUST_LOG` (default `info`), as text or one JSON object per line.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

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
