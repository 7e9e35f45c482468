//! The fake Discord driven by a real serenity 0.12.5 client.

mod ceiling_tmp;
mod gateway;
mod protocol;
mod rest;
mod support;
