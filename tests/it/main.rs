//! One integration-test binary: each module drives the real code through real sockets
//! (fake Xalantis, fake Discord on 127.0.0.1 port 0).

mod detect;
mod lookup;
mod render;
mod xalantis_client;
