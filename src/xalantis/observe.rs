//! A hook that sees every HTTP request the Xalantis client sends: how long it took and how it
//! ended. The client knows nothing of metrics or health; the bot plugs them in here, and tests
//! can plug in a recorder.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use xalantis_bot::xalantis::{RequestObserver, XalantisError};
//!
//! #[derive(Debug)]
//! struct Print;
//!
//! impl RequestObserver for Print {
//!     fn request_finished(&self, elapsed: Duration, outcome: Result<(), &XalantisError>) {
//!         println!("{elapsed:?}: {:?}", outcome.err().map(XalantisError::kind));
//!     }
//! }
//! let observer: Arc<dyn RequestObserver> = Arc::new(Print);
//! observer.request_finished(Duration::from_millis(3), Ok(()));
//! ```

use std::fmt;
use std::time::Duration;

use super::XalantisError;

/// Told about every HTTP request a [`super::XalantisClient`] sends, retries included.
pub trait RequestObserver: Send + Sync + fmt::Debug {
    /// One request ended after `elapsed` (body read included): `Ok` for a usable answer, "not
    /// found" included, or the error it failed with.
    fn request_finished(&self, elapsed: Duration, outcome: Result<(), &XalantisError>);
}
