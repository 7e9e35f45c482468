//! The Xalantis REST API: tolerant wire model, typed errors and the HTTP client.

pub mod client;
pub mod error;
pub mod model;
pub mod observe;
mod retry;

pub use client::XalantisClient;
pub use error::XalantisError;
pub use model::Ticket;
pub use observe::RequestObserver;
