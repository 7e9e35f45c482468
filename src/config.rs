//! Environment → [`Config`]. Every problem is reported at once; secrets are redacted in `Debug`.
//!
//! ```
//! use std::collections::HashMap;
//! use xalantis_bot::config::{Config, Purpose};
//! let vars = HashMap::from([("MAX_TICKETS_PER_MESSAGE".to_owned(), "lots".to_owned())]);
//! let err = Config::from_vars(&vars, Purpose::Run).unwrap_err();
//! assert!(err.to_string().contains("MAX_TICKETS_PER_MESSAGE"));
//! assert!(err.to_string().contains("DISCORD_TOKEN"));
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::card::{CardOptions, DEFAULT_WEB_URL, ShowRequester};
use crate::detect::{
    DEFAULT_MAX_TICKETS, DEFAULT_REFERENCE_PATTERN, DetectConfig, MAX_TICKETS_CEILING,
};
use crate::lookup::LookupConfig;
use crate::secret::Secret;
use crate::xalantis::client::ClientConfig;

/// Documented base of the Xalantis API.
pub const DEFAULT_API_URL: &str = "https://app.xalantis.com/api";
/// Default `XALANTIS_TIMEOUT_SECS`.
pub const DEFAULT_TIMEOUT_SECS: u64 = 5;
/// Default `CACHE_TTL_SECS`.
pub const DEFAULT_CACHE_TTL_SECS: u64 = 60;
/// Default `COOLDOWN_SECS`.
pub const DEFAULT_COOLDOWN_SECS: u64 = 600;
/// Default `LIVE_REFRESH_SECS`.
pub const DEFAULT_LIVE_REFRESH_SECS: u64 = 300;
/// Default `DATABASE_PATH`.
pub const DEFAULT_DATABASE_PATH: &str = "./xalantis-bot.db";

/// What the configuration is loaded for; decides which variables are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The bot itself: needs `DISCORD_TOKEN` and `XALANTIS_API_TOKEN`.
    Run,
    /// `check`: the same requirements as `Run`.
    Check,
    /// The terminal console: nothing required (without a token it serves sample tickets).
    Console,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The whole configuration of the bot.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Xalantis API client settings.
    pub xalantis: ClientConfig,
    /// Mention detection settings.
    pub detect: DetectConfig,
    /// Cache and concurrency of lookups.
    pub lookup: LookupConfig,
    /// What cards show and where they link.
    pub card: CardOptions,
    /// Discord settings, when `DISCORD_TOKEN` is set.
    pub discord: Option<DiscordConfig>,
    /// Slack settings, when `SLACK_BOT_TOKEN` is set.
    pub slack: Option<SlackConfig>,
    /// `HTTP_BIND`: address of the health and metrics endpoints.
    pub http_bind: Option<SocketAddr>,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// Cooldown and prefix filtering.
    pub noise: NoiseConfig,
    /// `DATABASE_PATH`: the SQLite file holding bindings, cooldown marks and settings.
    pub database_path: PathBuf,
}

/// Noise control.
#[derive(Debug, Clone)]
pub struct NoiseConfig {
    /// `COOLDOWN_SECS`: the same ticket in the same channel within this gets no second full card.
    pub cooldown: Duration,
    /// `LEARN_PREFIXES`: learn the reference prefixes in use from recent tickets.
    pub learn_prefixes: bool,
    /// `TICKET_PREFIXES`: pinned reference prefixes (upper case); only these are looked up.
    pub pinned_prefixes: Option<HashSet<String>>,
}

/// Discord settings.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// `DISCORD_TOKEN`.
    pub token: Secret,
    /// `DISCORD_PROXY_URL`: REST base replacing `https://discord.com` (rate limiting is then the
    /// proxy's job).
    pub proxy_url: Option<Url>,
    /// `DISCORD_CHANNELS`: when set, passive answering only in these channels.
    pub channels: Option<HashSet<u64>>,
    /// `DISCORD_GUILD_ID`: register `/ticket` in this guild only (instant while testing).
    pub guild_id: Option<u64>,
    /// `LIVE_REFRESH_SECS`: how often posted cards are checked for changes (`None`: never).
    pub live_refresh: Option<Duration>,
}

/// Slack settings.
#[derive(Debug, Clone)]
pub struct SlackConfig {
    /// `SLACK_BOT_TOKEN` (`xoxb-…`): Web API calls.
    pub bot_token: Secret,
    /// `SLACK_APP_TOKEN` (`xapp-…`): Socket Mode, the default transport.
    pub app_token: Option<Secret>,
    /// `SLACK_SIGNING_SECRET`: the HTTP Events API on `HTTP_BIND` when there is no app token.
    pub signing_secret: Option<Secret>,
    /// `SLACK_API_URL`: Web API base replacing `https://slack.com/api`.
    pub api_url: Option<Url>,
}

/// Every problem found in the configuration, as one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// One line per problem, each naming its variable.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid configuration ({} problem(s)):",
            self.problems.len()
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment (after `.env`, which `main` loads with dotenvy).
    pub fn from_env(purpose: Purpose) -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect(), purpose)
    }

    /// Reads a set of variables; empty values count as unset.
    pub fn from_vars(
        vars: &HashMap<String, String>,
        purpose: Purpose,
    ) -> Result<Self, ConfigError> {
        let mut reader = Reader {
            vars,
            problems: Vec::new(),
        };
        let config = reader.config(purpose);
        if reader.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError {
                problems: reader.problems,
            })
        }
    }
}

/// Reads variables, collecting problems instead of stopping at the first.
struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    problems: Vec<String>,
}

impl<'a> Reader<'a> {
    fn config(&mut self, purpose: Purpose) -> Config {
        let web_url = self.url("XALANTIS_WEB_URL", DEFAULT_WEB_URL);
        let http_bind = self.parsed("HTTP_BIND", "an address such as 0.0.0.0:8080");
        let discord = self.discord();
        let slack = self.slack(http_bind);
        self.require_platform(purpose, discord.as_ref(), slack.as_ref());
        Config {
            xalantis: self.xalantis(purpose),
            detect: self.detect(&web_url),
            lookup: self.lookup(),
            card: self.card(web_url),
            discord,
            slack,
            http_bind,
            log_format: self.log_format(),
            noise: self.noise(),
            database_path: PathBuf::from(
                self.get("DATABASE_PATH").unwrap_or(DEFAULT_DATABASE_PATH),
            ),
        }
    }

    fn noise(&mut self) -> NoiseConfig {
        let cooldown_secs: u64 = self
            .parsed(
                "COOLDOWN_SECS",
                "a whole number of seconds (0 turns the cooldown off)",
            )
            .unwrap_or(DEFAULT_COOLDOWN_SECS);
        let pinned_prefixes = self.get("TICKET_PREFIXES").map(|raw| {
            raw.split(',')
                .map(|p| p.trim().to_ascii_uppercase())
                .filter(|p| !p.is_empty())
                .collect()
        });
        NoiseConfig {
            cooldown: Duration::from_secs(cooldown_secs),
            learn_prefixes: self.flag("LEARN_PREFIXES", true),
            pinned_prefixes,
        }
    }

    fn live_refresh(&mut self) -> Option<Duration> {
        let secs: u64 = self
            .parsed(
                "LIVE_REFRESH_SECS",
                "a whole number of seconds (0 turns live cards off)",
            )
            .unwrap_or(DEFAULT_LIVE_REFRESH_SECS);
        (secs > 0).then(|| Duration::from_secs(secs))
    }

    fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => default,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                self.problem(&format!("{name} must be true or false, got {other:?}"));
                default
            }
        }
    }

    fn xalantis(&mut self, purpose: Purpose) -> ClientConfig {
        let token = self.get("XALANTIS_API_TOKEN").map(Secret::new);
        if token.is_none() && purpose != Purpose::Console {
            self.problem(
                "XALANTIS_API_TOKEN is not set: create an API key in Xalantis (scope tickets:read)",
            );
        }
        let timeout = self.seconds("XALANTIS_TIMEOUT_SECS", DEFAULT_TIMEOUT_SECS);
        let mut client = ClientConfig::new(self.url("XALANTIS_API_URL", DEFAULT_API_URL), token);
        client.timeout = timeout;
        client
    }

    fn detect(&mut self, web_url: &Url) -> DetectConfig {
        let pattern = self
            .get("TICKET_REFERENCE_PATTERN")
            .unwrap_or(DEFAULT_REFERENCE_PATTERN);
        if let Err(e) = regex::Regex::new(pattern) {
            let first_line = e.to_string().lines().last().unwrap_or_default().to_owned();
            self.problem(&format!(
                "TICKET_REFERENCE_PATTERN is not a valid regex: {first_line}"
            ));
        }
        DetectConfig {
            reference_pattern: pattern.to_owned(),
            web_url: web_url.clone(),
            max_tickets: self.max_tickets(),
        }
    }

    fn max_tickets(&mut self) -> usize {
        let n: usize = self
            .parsed("MAX_TICKETS_PER_MESSAGE", "a whole number from 1 to 10")
            .unwrap_or(DEFAULT_MAX_TICKETS);
        if (1..=MAX_TICKETS_CEILING).contains(&n) {
            n
        } else {
            self.problem(&format!(
                "MAX_TICKETS_PER_MESSAGE must be from 1 to {MAX_TICKETS_CEILING}, got {n}"
            ));
            DEFAULT_MAX_TICKETS
        }
    }

    fn lookup(&mut self) -> LookupConfig {
        LookupConfig {
            cache_ttl: self.seconds("CACHE_TTL_SECS", DEFAULT_CACHE_TTL_SECS),
            ..LookupConfig::default()
        }
    }

    fn card(&mut self, web_url: Url) -> CardOptions {
        let show_requester = match self
            .get("SHOW_REQUESTER")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("none") => ShowRequester::None,
            Some("name") => ShowRequester::Name,
            Some("full") => ShowRequester::Full,
            Some(other) => {
                self.problem(&format!(
                    "SHOW_REQUESTER must be none, name or full, got {other:?}"
                ));
                ShowRequester::None
            }
        };
        let link_template = self.get("TICKET_URL_TEMPLATE").map(str::to_owned);
        if let Some(t) = &link_template
            && !t.contains("{uuid}")
            && !t.contains("{reference}")
        {
            self.problem("TICKET_URL_TEMPLATE must contain {uuid} or {reference}");
        }
        CardOptions {
            web_url,
            link_template,
            show_requester,
        }
    }

    fn discord(&mut self) -> Option<DiscordConfig> {
        let token = self.get("DISCORD_TOKEN").map(Secret::new);
        let proxy_url = self
            .get("DISCORD_PROXY_URL")
            .map(|_| self.url("DISCORD_PROXY_URL", ""));
        let channels = self.id_list("DISCORD_CHANNELS");
        let guild_id = self.parsed::<u64>("DISCORD_GUILD_ID", "a Discord guild id (a number)");
        let live_refresh = self.live_refresh();
        Some(DiscordConfig {
            token: token?,
            proxy_url,
            channels,
            guild_id,
            live_refresh,
        })
    }

    fn slack(&mut self, http_bind: Option<SocketAddr>) -> Option<SlackConfig> {
        let bot_token = self.token("SLACK_BOT_TOKEN", "xoxb-");
        let app_token = self.token("SLACK_APP_TOKEN", "xapp-");
        let signing_secret = self.get("SLACK_SIGNING_SECRET").map(Secret::new);
        let api_url = self
            .get("SLACK_API_URL")
            .map(|_| self.url("SLACK_API_URL", ""));
        let Some(bot_token) = bot_token else {
            if app_token.is_some() || signing_secret.is_some() {
                self.problem("SLACK_BOT_TOKEN is not set, but other SLACK_ variables are: copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page");
            }
            return None;
        };
        if app_token.is_none() && signing_secret.is_none() {
            self.problem("SLACK_APP_TOKEN (Socket Mode, xapp-…) or SLACK_SIGNING_SECRET (HTTP Events API) must be set with SLACK_BOT_TOKEN");
        }
        if app_token.is_none() && signing_secret.is_some() && http_bind.is_none() {
            self.problem("HTTP_BIND must be set for the Slack HTTP Events API (SLACK_SIGNING_SECRET without SLACK_APP_TOKEN)");
        }
        Some(SlackConfig {
            bot_token,
            app_token,
            signing_secret,
            api_url,
        })
    }

    /// A token that must start with `prefix` (Slack's token kinds are told apart that way).
    fn token(&mut self, name: &str, prefix: &str) -> Option<Secret> {
        let value = self.get(name)?;
        if !value.starts_with(prefix) {
            self.problem(&format!("{name} must start with {prefix}"));
        }
        Some(Secret::new(value))
    }

    fn require_platform(
        &mut self,
        purpose: Purpose,
        discord: Option<&DiscordConfig>,
        slack: Option<&SlackConfig>,
    ) {
        if purpose != Purpose::Console && discord.is_none() && slack.is_none() {
            self.problem("DISCORD_TOKEN is not set (and no Slack app either): copy the bot token from the Discord developer portal (Bot → Reset Token), or set SLACK_BOT_TOKEN for Slack");
        }
    }

    fn log_format(&mut self) -> LogFormat {
        match self
            .get("LOG_FORMAT")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.problem(&format!("LOG_FORMAT must be text or json, got {other:?}"));
                LogFormat::Text
            }
        }
    }

    fn id_list(&mut self, name: &str) -> Option<HashSet<u64>> {
        let raw = self.get(name)?;
        let mut ids = HashSet::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.parse::<u64>() {
                Ok(id) if id > 0 => {
                    ids.insert(id);
                }
                _ => self.problem(&format!(
                    "{name} must be comma-separated Discord ids, {item:?} is not one"
                )),
            }
        }
        Some(ids)
    }

    fn url(&mut self, name: &str, default: &str) -> Url {
        let raw = self
            .get(name)
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_owned();
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
            _ => {
                self.problem(&format!("{name} must be an http(s) URL, got {raw:?}"));
                Url::parse(DEFAULT_WEB_URL).expect("the default URL is valid")
            }
        }
    }

    fn seconds(&mut self, name: &str, default: u64) -> Duration {
        let secs = self
            .parsed(name, "a whole number of seconds above 0")
            .unwrap_or(default);
        if secs == 0 {
            self.problem(&format!("{name} must be above 0"));
        }
        Duration::from_secs(secs.max(1))
    }

    fn parsed<T: FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let raw = self.get(name)?;
        let parsed = raw.trim().parse().ok();
        if parsed.is_none() {
            self.problem(&format!("{name} must be {expected}, got {raw:?}"));
        }
        parsed
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn problem(&mut self, text: &str) {
        self.problems.push(text.to_owned());
    }
}

#[cfg(test)]
mod tests;
