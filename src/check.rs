//! `xalantis-bot check`: configuration, Xalantis and Discord access, invite URL.
//!
//! Every configuration problem is listed; with a valid configuration, Xalantis is asked once
//! (`GET /tickets?per_page=1`) and Discord once (`GET /users/@me`, then the application for the
//! invite URL). One `✓`/`✗` line per check, the reason on failure, never a token.
//!
//! ```text
//! ✓ configuration: valid
//! ✓ Xalantis: token accepted by https://app.xalantis.com/api
//! ✓ Discord: logged in as Xalantis (id 1100000000000000001)
//! ✓ invite URL: https://discord.com/oauth2/authorize?client_id=…&scope=bot+applications.commands&permissions=274877991936
//! All checks passed.
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use serenity::all::Permissions;
use serenity::http::HttpError;

use crate::config::{Config, DiscordConfig, Purpose};
use crate::xalantis::client::ClientConfig;
use crate::xalantis::{XalantisClient, XalantisError};

/// What the bot needs in a channel: see it, read it, answer there and in threads, with embeds.
pub const INVITE_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::SEND_MESSAGES_IN_THREADS)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::READ_MESSAGE_HISTORY);

/// How long each Discord call may take (serenity's client has no timeout of its own).
pub const DISCORD_TIMEOUT: Duration = Duration::from_secs(10);

/// The URL that adds the bot to a server with [`INVITE_PERMISSIONS`] and `/ticket`.
///
/// ```
/// let url = xalantis_bot::check::invite_url(42);
/// assert_eq!(url, "https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions=274877991936");
/// ```
pub fn invite_url(application_id: u64) -> String {
    let permissions = INVITE_PERMISSIONS.bits();
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot+applications.commands&permissions={permissions}"
    )
}

/// Runs every check against the variables `vars`, writing pass/fail lines to `output`.
/// Returns whether everything passed.
#[expect(
    clippy::implicit_hasher,
    reason = "Config::from_vars takes the standard HashMap"
)]
pub async fn run(vars: &HashMap<String, String>, output: &mut (dyn std::io::Write + Send)) -> bool {
    let mut report = Report {
        output,
        all_passed: true,
    };
    let config = match Config::from_vars(vars, Purpose::Check) {
        Ok(config) => config,
        Err(error) => {
            report.fail(
                "configuration",
                &format!("{} problem(s)", error.problems.len()),
            );
            error
                .problems
                .iter()
                .for_each(|problem| report.detail(problem));
            for name in ["Xalantis", "Discord", "invite URL"] {
                report.skip(name, "configuration invalid");
            }
            return report.finish();
        }
    };
    report.pass("configuration", "valid");
    let (xalantis, discord) = tokio::join!(
        check_xalantis(&config.xalantis),
        check_discord(config.discord.as_ref())
    );
    report.outcome("Xalantis", xalantis);
    report.discord(discord);
    report.finish()
}

/// The bot's identity as Discord reports it.
struct BotIdentity {
    name: String,
    user_id: u64,
    application_id: Option<u64>,
}

async fn check_xalantis(config: &ClientConfig) -> Result<String, String> {
    let base = &config.base_url;
    let client = XalantisClient::new(config.clone()).map_err(|e| xalantis_failure(&e, config))?;
    let tickets = client
        .recent_tickets(1)
        .await
        .map_err(|e| xalantis_failure(&e, config))?;
    if tickets.is_empty() {
        // A wrong base can answer 404, which the client reads as "no tickets".
        return Ok(format!(
            "{base} answered, but shows no ticket: if it should, check XALANTIS_API_URL (it ends in /api)"
        ));
    }
    Ok(format!("token accepted by {base}"))
}

fn xalantis_failure(error: &XalantisError, config: &ClientConfig) -> String {
    let base = &config.base_url;
    match error {
        XalantisError::AccessRefused { status } => format!(
            "{base} refused the token (HTTP {status}): check XALANTIS_API_TOKEN and that the key has the tickets:read scope"
        ),
        XalantisError::Timeout => format!(
            "{base} did not answer within {}s (XALANTIS_TIMEOUT_SECS)",
            config.timeout.as_secs()
        ),
        XalantisError::Unreachable(why) => {
            format!("cannot reach {base} ({why}): check XALANTIS_API_URL and the network")
        }
        XalantisError::RateLimited { .. } => {
            format!("{base} is rate-limiting this token; try again in a minute")
        }
        XalantisError::Server { status } => {
            format!("{base} answered HTTP {status}; Xalantis may be down, try again later")
        }
        XalantisError::Undecodable(why) => format!(
            "{base} did not answer like the Xalantis API ({why}): check XALANTIS_API_URL (it ends in /api)"
        ),
    }
}

async fn check_discord(config: Option<&DiscordConfig>) -> Result<BotIdentity, String> {
    let config = config.ok_or("DISCORD_TOKEN is not set")?;
    let http = crate::discord::http_client(config);
    let user = tokio::time::timeout(DISCORD_TIMEOUT, http.get_current_user())
        .await
        .map_err(|_| {
            format!(
                "Discord did not answer within {}s",
                DISCORD_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| discord_failure(&e))?;
    let application =
        tokio::time::timeout(DISCORD_TIMEOUT, http.get_current_application_info()).await;
    let application_id = application
        .ok()
        .and_then(Result::ok)
        .map(|app| app.id.get());
    Ok(BotIdentity {
        name: user.name.clone(),
        user_id: user.id.get(),
        application_id,
    })
}

fn discord_failure(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => match response
            .status_code
            .as_u16()
        {
            401 => {
                "Discord refused the token (HTTP 401): copy a fresh one from the developer portal \
                    (Bot → Reset Token) into DISCORD_TOKEN"
                    .to_owned()
            }
            status => format!("Discord answered HTTP {status}: {}", response.error.message),
        },
        serenity::Error::Http(HttpError::Request(request)) => {
            format!(
                "cannot reach Discord ({}): check DISCORD_PROXY_URL and the network",
                with_causes(request)
            )
        }
        other => format!("the Discord call failed: {other}"),
    }
}

/// An error and its causes on one line.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Writes the check lines and remembers whether one failed.
struct Report<'a> {
    output: &'a mut (dyn Write + Send),
    all_passed: bool,
}

impl Report<'_> {
    fn pass(&mut self, name: &str, detail: &str) {
        self.write(&format!("✓ {name}: {detail}"));
    }

    fn fail(&mut self, name: &str, detail: &str) {
        self.all_passed = false;
        self.write(&format!("✗ {name}: {detail}"));
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.all_passed = false;
        self.write(&format!("– {name}: skipped ({why})"));
    }

    fn detail(&mut self, text: &str) {
        self.write(&format!("    - {text}"));
    }

    fn outcome(&mut self, name: &str, outcome: Result<String, String>) {
        match outcome {
            Ok(detail) => self.pass(name, &detail),
            Err(why) => self.fail(name, &why),
        }
    }

    fn discord(&mut self, outcome: Result<BotIdentity, String>) {
        let bot = match outcome {
            Ok(bot) => bot,
            Err(why) => {
                self.fail("Discord", &why);
                return self.skip("invite URL", "the Discord check failed");
            }
        };
        self.pass(
            "Discord",
            &format!("logged in as {} (id {})", bot.name, bot.user_id),
        );
        let url = invite_url(bot.application_id.unwrap_or(bot.user_id));
        let note = if bot.application_id.is_some() {
            ""
        } else {
            " (application id unknown: used the bot's user id)"
        };
        self.pass("invite URL", &format!("{url}{note}"));
    }

    fn finish(mut self) -> bool {
        let summary = if self.all_passed {
            "All checks passed."
        } else {
            "Some checks failed."
        };
        self.write(summary);
        self.all_passed
    }

    fn write(&mut self, line: &str) {
        // The report is best effort: a closed stdout must not turn into a different failure.
        let _ = writeln!(self.output, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_asks_for_exactly_the_five_permissions() {
        let expected = (1 << 10) | (1 << 11) | (1 << 38) | (1 << 14) | (1 << 16);
        assert_eq!(INVITE_PERMISSIONS.bits(), expected);
        assert!(invite_url(7).ends_with(&format!("permissions={expected}")));
    }

    #[test]
    fn refused_xalantis_access_points_at_the_token_and_scope() {
        let config = ClientConfig::new("http://127.0.0.1:9/api".parse().unwrap(), None);
        let text = xalantis_failure(&XalantisError::AccessRefused { status: 403 }, &config);
        assert!(
            text.contains("XALANTIS_API_TOKEN") && text.contains("tickets:read"),
            "{text}"
        );
    }
}
