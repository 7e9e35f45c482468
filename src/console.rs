//! `xalantis-bot console`: type chat text, see the cards the bot would post.
//!
//! STUB: the console helper implements this module.

use tokio::io::AsyncBufRead;

use crate::config::Config;

/// Options of the console.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleOptions {
    /// Print the raw platform payloads (JSON) instead of the terminal rendering.
    pub json: bool,
}

/// Reads chat text line by line from `input` until EOF, writing each line's cards to `output`.
pub async fn run(
    config: Config,
    options: ConsoleOptions,
    input: impl AsyncBufRead + Unpin,
    output: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<()> {
    let _ = (config, options, input, output);
    Ok(())
}
