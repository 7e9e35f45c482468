//! Graceful shutdown: stop taking events, let the work in flight finish.
//!
//! ```
//! # tokio_test_block_on(async {
//! use std::sync::Arc;
//! let gate = Arc::new(xalantis_bot::gate::Gate::default());
//! let pass = gate.enter().expect("open");
//! gate.close();
//! assert!(gate.enter().is_none());
//! drop(pass);
//! gate.wait_idle(std::time::Duration::from_secs(1)).await;
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! # }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Counts event handlers in flight and refuses new ones once closed.
#[derive(Debug, Default)]
pub struct Gate {
    closed: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// Held while one event is handled.
#[derive(Debug)]
pub struct Pass(Arc<Gate>);

impl Gate {
    /// A pass for one event, or `None` once shutting down.
    pub fn enter(self: &Arc<Self>) -> Option<Pass> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            self.leave();
            return None;
        }
        Some(Pass(Arc::clone(self)))
    }

    /// Stops handing out passes.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Whether [`Gate::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits until no pass is held, or `limit` passes.
    pub async fn wait_idle(&self, limit: Duration) {
        let drained = async {
            loop {
                let notified = self.idle.notified();
                if self.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(limit, drained).await.is_err() {
            tracing::warn!(
                in_flight = self.in_flight.load(Ordering::SeqCst),
                "shutdown: gave up waiting for replies in flight"
            );
        }
    }

    fn leave(&self) {
        if self.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        self.0.leave();
    }
}
