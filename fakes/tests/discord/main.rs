//! The fake Discord driven by a real serenity 0.12.5 client.

mod gateway;
mod protocol;
mod rest;
mod support;
