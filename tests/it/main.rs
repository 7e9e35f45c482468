//! One integration-test binary: each module drives the real code through real sockets
//! (fake Xalantis, fake Discord on 127.0.0.1 port 0).

mod adversarial;
mod check;
mod cli;
mod console;
mod detect;
mod discord;
mod discord_rest;
mod faults;
mod load;
mod logs;
mod lookup;
mod noise;
mod ops;
mod properties;
mod render;
mod security;
mod slack;
mod soak;
mod store;
mod support;
mod xalantis_client;
