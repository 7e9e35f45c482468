//! Slash commands: one file per command, each with `register()` and pure response builders;
//! the handler makes the Discord calls.

pub mod settings;
pub mod ticket;
