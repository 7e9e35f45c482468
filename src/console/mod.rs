//! `xalantis-bot console`: type chat text, see exactly the cards the bot would post.
//!
//! Each line goes through the bot's real path (detection, lookup through the HTTP client, card,
//! Discord embeds and components) and comes out as a readable terminal rendering of the Discord
//! message, or with `--json` as the message payload itself, one JSON document per input line
//! (`null` where the bot would stay silent). Without `XALANTIS_API_TOKEN` the lookups go to a
//! local server of bundled sample tickets ([`crate::demo`]), labelled as such.
//!
//! ```text
//! $ echo "see VEN1-000079" | xalantis-bot console
//! Sample data — no XALANTIS_API_TOKEN set; try: VEN1-000079, TCK-2026-0001, …
//! ┃ VEN1-000079 · Problème connexion
//! …
//! ```

pub mod markup;
pub mod terminal;

use std::io::{IsTerminal as _, Write};
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::Value;
use serenity::all::CreateMessage;
use time::OffsetDateTime;
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _};
use url::Url;

use crate::bot::{Bot, display_id};
use crate::card::Card;
use crate::config::Config;
use crate::demo::{SampleXalantis, sample_references};
use crate::detect::{Mention, TicketId};
use crate::discord::reply::{card_message, no_pings};
use crate::lookup::Freshness;

pub use terminal::render_message;

/// Options of the console.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleOptions {
    /// Print the raw platform payloads (JSON) instead of the terminal rendering.
    pub json: bool,
}

/// How the process is attached to a terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminal {
    /// Input comes from a person: show a prompt and hints.
    pub interactive: bool,
    /// Output goes to a terminal that wants colours (`NO_COLOR` unset).
    pub color: bool,
}

impl Terminal {
    /// Looks at the process's stdin and stdout.
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            interactive: std::io::stdin().is_terminal(),
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }
}

/// What the bot does with one line of chat.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    /// No ticket mention: the bot stays silent.
    NoMention,
    /// Mentions, none of which is a ticket: the bot stays silent. The ids as written.
    NotFound(Vec<String>),
    /// The message the bot posts, and the mentioned ids that gave no card.
    Message {
        /// The Discord message payload.
        payload: Value,
        /// Mentions without a card (unknown, or the lookup failed).
        unresolved: Vec<String>,
    },
}

/// Reads chat text line by line from `input` until EOF, writing each line's cards to `output`.
pub async fn run(
    config: Config,
    options: ConsoleOptions,
    input: impl AsyncBufRead + Unpin,
    output: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<()> {
    let mut notes = std::io::stderr();
    run_with(
        config,
        options,
        Terminal::detect(),
        input,
        output,
        &mut notes,
    )
    .await
}

/// [`run`] with the terminal given: text mode writes everything to `output`; `--json` writes only
/// JSON there and the banner, prompts and hints to `notes`.
pub async fn run_with(
    config: Config,
    options: ConsoleOptions,
    terminal: Terminal,
    input: impl AsyncBufRead + Unpin,
    output: &mut (dyn Write + Send),
    notes: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let session = Session::start(config).await?;
    let mut printer = Printer {
        json: options.json,
        terminal,
        output,
        notes,
    };
    printer.greet(&session)?;
    let mut lines = input.lines();
    loop {
        printer.prompt()?;
        let Some(line) = lines.next_line().await.context("cannot read the input")? else {
            break;
        };
        let reply = session.reply_to(&line).await;
        printer.print(&line, &reply)?;
    }
    printer.goodbye()
}

/// The message payload the bot posts for `cards` (serenity's `CreateMessage`, as sent), without
/// the reference to the message it answers.
pub fn discord_payload(cards: &[Card]) -> Value {
    let body = card_message(cards, None, false);
    let message = CreateMessage::new()
        .embeds(body.embeds)
        .components(body.components)
        .allowed_mentions(no_pings());
    serde_json::to_value(message).expect("serenity's message builder serializes to JSON")
}

/// The bot, and the sample server when there is no token.
struct Session {
    bot: Arc<Bot>,
    api: Url,
    sample: Option<SampleXalantis>,
}

impl Session {
    async fn start(mut config: Config) -> anyhow::Result<Self> {
        let sample = match config.xalantis.token {
            Some(_) => None,
            None => Some(SampleXalantis::start().await?),
        };
        if let Some(server) = &sample {
            config.xalantis.base_url = server.base_url().clone();
        }
        let bot = Bot::new(&config).context("cannot build the bot")?;
        Ok(Self {
            bot,
            api: config.xalantis.base_url,
            sample,
        })
    }

    async fn reply_to(&self, text: &str) -> Reply {
        let mentions = self.bot.mentions(text);
        if mentions.is_empty() {
            return Reply::NoMention;
        }
        let cards = self.bot.cards_for(&mentions, Freshness::Cached).await;
        let unresolved = unresolved(&mentions, &cards);
        if cards.is_empty() {
            return Reply::NotFound(unresolved);
        }
        Reply::Message {
            payload: discord_payload(&cards),
            unresolved,
        }
    }
}

/// The mentions no card answers, as written.
fn unresolved(mentions: &[Mention], cards: &[Card]) -> Vec<String> {
    let answered = |id: &TicketId| match id {
        TicketId::Uuid(uuid) => cards.iter().any(|c| c.uuid.eq_ignore_ascii_case(uuid)),
        TicketId::Reference(reference) => cards
            .iter()
            .any(|c| c.reference.eq_ignore_ascii_case(reference)),
    };
    mentions
        .iter()
        .filter(|m| !answered(&m.id))
        .map(|m| display_id(&m.id))
        .collect()
}

/// Writes replies in the chosen mode.
struct Printer<'a> {
    json: bool,
    terminal: Terminal,
    output: &'a mut (dyn Write + Send),
    notes: &'a mut (dyn Write + Send),
}

impl Printer<'_> {
    /// Where text for people goes: the output, unless it must stay pure JSON.
    fn chat(&mut self) -> &mut (dyn Write + Send) {
        if self.json {
            &mut *self.notes
        } else {
            &mut *self.output
        }
    }

    fn greet(&mut self, session: &Session) -> anyhow::Result<()> {
        if session.sample.is_some() {
            let references = sample_references().join(", ");
            writeln!(
                self.chat(),
                "Sample data — no XALANTIS_API_TOKEN set; try: {references}"
            )?;
        } else if self.terminal.interactive {
            writeln!(self.chat(), "Looking tickets up at {}", session.api)?;
        }
        if self.terminal.interactive {
            writeln!(
                self.chat(),
                "Type chat text that mentions tickets; Ctrl-D quits."
            )?;
        }
        Ok(())
    }

    fn prompt(&mut self) -> anyhow::Result<()> {
        if self.terminal.interactive {
            write!(self.chat(), "> ")?;
            self.chat().flush()?;
        }
        Ok(())
    }

    fn print(&mut self, line: &str, reply: &Reply) -> anyhow::Result<()> {
        if self.json {
            let payload = match reply {
                Reply::Message { payload, .. } => payload,
                Reply::NoMention | Reply::NotFound(_) => &Value::Null,
            };
            writeln!(self.output, "{payload}")?;
        } else if let Reply::Message { payload, .. } = reply {
            let text = render_message(payload, self.terminal.color, OffsetDateTime::now_utc());
            writeln!(self.output, "{text}")?;
        }
        self.hint(line, reply)?;
        self.output.flush().context("cannot write the output")
    }

    fn hint(&mut self, line: &str, reply: &Reply) -> anyhow::Result<()> {
        match reply {
            Reply::NoMention if self.terminal.interactive && !line.trim().is_empty() => {
                writeln!(
                    self.chat(),
                    "(no ticket mention in that line: the bot would stay silent)"
                )?;
            }
            Reply::NotFound(ids)
            | Reply::Message {
                unresolved: ids, ..
            } if !ids.is_empty() => {
                writeln!(self.chat(), "no ticket found for {}", ids.join(", "))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn goodbye(&mut self) -> anyhow::Result<()> {
        if self.terminal.interactive {
            writeln!(self.chat())?;
        }
        Ok(())
    }
}
