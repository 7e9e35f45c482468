//! The fields of a MESSAGE_CREATE the bot reads, and Discord ids.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

/// The fields of a MESSAGE_CREATE the bot reads; the rest of the payload is skipped unparsed.
#[derive(Debug, Deserialize)]
pub struct MessageHead<'a> {
    /// The message.
    pub id: Snowflake,
    /// Its channel.
    pub channel_id: Snowflake,
    /// Its guild (`None` in direct messages).
    #[serde(default)]
    pub guild_id: Option<Snowflake>,
    /// Its author.
    pub author: AuthorHead,
    /// Set when a webhook posted it.
    #[serde(default)]
    pub webhook_id: Option<Snowflake>,
    /// Its text, borrowed from the frame unless it has escapes.
    #[serde(borrow)]
    pub content: Cow<'a, str>,
}

/// The author fields of a [`MessageHead`].
#[derive(Debug, Deserialize)]
pub struct AuthorHead {
    /// The user.
    pub id: Snowflake,
    /// Whether the user is a bot.
    #[serde(default)]
    pub bot: bool,
}

/// A Discord id: a string of digits (or, leniently, a number), never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snowflake(pub u64);

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Snowflake;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a Discord id")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Snowflake, E> {
                text.parse()
                    .map_err(E::custom)
                    .and_then(|n| self.visit_u64(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Snowflake, E> {
                (n != 0)
                    .then_some(Snowflake(n))
                    .ok_or_else(|| E::custom("id 0"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_head_reads_ids_as_strings_or_numbers_and_borrows_plain_text() {
        let d = r#"{"id":"11","channel_id":22,"guild_id":null,"author":{"id":"33","username":"a"},
                    "content":"VEN1-000079 please","embeds":[],"tts":false}"#;
        let head: MessageHead<'_> = serde_json::from_str(d).unwrap();
        assert_eq!(
            (head.id, head.channel_id, head.author.id),
            (Snowflake(11), Snowflake(22), Snowflake(33))
        );
        assert!(head.guild_id.is_none() && !head.author.bot && head.webhook_id.is_none());
        assert!(matches!(head.content, Cow::Borrowed("VEN1-000079 please")));
    }

    #[test]
    fn escaped_text_is_unescaped_and_bad_ids_are_refused() {
        let d =
            r#"{"id":"1","channel_id":"2","author":{"id":"3","bot":true},"content":"a\"b\u00e9"}"#;
        let head: MessageHead<'_> = serde_json::from_str(d).unwrap();
        assert_eq!(head.content, "a\"bé");
        assert!(head.author.bot);
        for bad in [r#""0""#, r#""x1""#, "-1", "null"] {
            assert!(serde_json::from_str::<Snowflake>(bad).is_err(), "{bad}");
        }
    }
}
