//! Request bodies checked against Discord's OpenAPI description and the limits it cannot express.
//!
//! The whole OpenAPI document is the root schema and each check adds a `$ref` to one of its
//! component schemas, e.g. `{"$ref": "#/components/schemas/MessageCreateRequest"}`. The validators
//! are compiled once per process (the document is 1.2 MB).

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::{Value, json};

const OPENAPI_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/discord-openapi.json"
);

/// Discord's documented limits (message resource), several stricter than the OpenAPI file.
pub mod limits {
    /// Characters of message content (the OpenAPI file says 4000; the docs say 2000).
    pub const CONTENT: usize = 2000;
    /// Embeds per message.
    pub const EMBEDS: usize = 10;
    /// Characters across all embeds of one message.
    pub const EMBEDS_TOTAL: usize = 6000;
    /// Characters of an embed title.
    pub const TITLE: usize = 256;
    /// Characters of an embed description.
    pub const DESCRIPTION: usize = 4096;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Characters of a field name.
    pub const FIELD_NAME: usize = 256;
    /// Characters of a field value.
    pub const FIELD_VALUE: usize = 1024;
    /// Characters of an embed footer text.
    pub const FOOTER: usize = 2048;
    /// Characters of an embed author name.
    pub const AUTHOR_NAME: usize = 256;
}

/// The kinds of bodies the bot sends, each with its OpenAPI schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// `POST /channels/{c}/messages`: `MessageCreateRequest`.
    MessageCreate,
    /// `PATCH /channels/{c}/messages/{m}`: `MessageEditRequestPartial`.
    MessageEdit,
    /// `POST /interactions/{id}/{token}/callback`: the spec's union of callback requests.
    InteractionCallback,
    /// `POST /webhooks/{app}/{token}` (followup): `IncomingWebhookRequestPartial`.
    WebhookExecute,
    /// `PATCH /webhooks/{app}/{token}/messages/{m}`: `IncomingWebhookUpdateRequestPartial`.
    WebhookEdit,
    /// `PUT /applications/{app}/[guilds/{g}/]commands`: array of `ApplicationCommandUpdateRequest`.
    CommandsOverwrite,
}

/// The interaction callback union of the spec (`x-discord-union: oneOf`).
const CALLBACK_SCHEMAS: [&str; 7] = [
    "ApplicationCommandAutocompleteCallbackRequest",
    "CreateMessageInteractionCallbackRequest",
    "LaunchActivityInteractionCallbackRequest",
    "ModalInteractionCallbackRequest",
    "PongInteractionCallbackRequest",
    "SocialLayerSKUPurchaseEligibilityInteractionCallbackRequest",
    "UpdateMessageInteractionCallbackRequest",
];

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

impl Body {
    /// The schema keywords added to the root document.
    fn root_keywords(self) -> Value {
        match self {
            Self::MessageCreate => schema_ref("MessageCreateRequest"),
            Self::MessageEdit => schema_ref("MessageEditRequestPartial"),
            Self::InteractionCallback => json!({"anyOf": CALLBACK_SCHEMAS.map(schema_ref)}),
            Self::WebhookExecute => schema_ref("IncomingWebhookRequestPartial"),
            Self::WebhookEdit => schema_ref("IncomingWebhookUpdateRequestPartial"),
            Self::CommandsOverwrite => json!({
                "type": "array",
                "maxItems": 130,
                "items": schema_ref("ApplicationCommandUpdateRequest"),
            }),
        }
    }

    fn validator(self) -> &'static Validator {
        static VALIDATORS: LazyLock<Vec<Validator>> =
            LazyLock::new(|| Body::ALL.map(compile).into());
        &VALIDATORS[self as usize]
    }

    const ALL: [Self; 6] = [
        Self::MessageCreate,
        Self::MessageEdit,
        Self::InteractionCallback,
        Self::WebhookExecute,
        Self::WebhookEdit,
        Self::CommandsOverwrite,
    ];
}

static OPENAPI: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(OPENAPI_PATH)
        .unwrap_or_else(|e| panic!("reading {OPENAPI_PATH}: {e}"));
    serde_json::from_str(&text).expect("the Discord OpenAPI document is JSON")
});

fn compile(body: Body) -> Validator {
    let mut root = OPENAPI.clone();
    let root_map = root
        .as_object_mut()
        .expect("the OpenAPI document is an object");
    if let Value::Object(keywords) = body.root_keywords() {
        root_map.extend(keywords);
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("compiling the {body:?} schema: {e}"))
}

/// Compiles every validator now (they are otherwise compiled on first use).
pub(crate) fn warm_up() {
    for body in Body::ALL {
        body.validator();
    }
}

/// Every problem with `body` as a request of kind `kind`; empty when Discord would accept it.
pub(crate) fn check_body(kind: Body, body: &Value) -> Vec<String> {
    let validator = kind.validator();
    let mut problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    match kind {
        Body::MessageCreate | Body::WebhookExecute => {
            problems.extend(message_limits(body));
            problems.extend(empty_message(body));
        }
        Body::MessageEdit | Body::WebhookEdit => problems.extend(message_limits(body)),
        Body::InteractionCallback => problems.extend(callback_limits(body)),
        Body::CommandsOverwrite => {}
    }
    problems
}

fn callback_limits(body: &Value) -> Vec<String> {
    let data = &body["data"];
    let mut problems = message_limits(data);
    if body["type"] == 4 {
        problems.extend(empty_message(data));
    }
    problems.iter().map(|p| format!("/data{p}")).collect()
}

/// Discord refuses a message with nothing to show (error 50006).
fn empty_message(body: &Value) -> Option<String> {
    let has = |key: &str| match &body[key] {
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Null => false,
        _ => true,
    };
    let shows_something = [
        "content",
        "embeds",
        "components",
        "sticker_ids",
        "attachments",
        "poll",
    ]
    .iter()
    .any(|key| has(key));
    (!shows_something).then(|| ": cannot send an empty message (50006)".to_owned())
}

/// The limits of the Discord docs that the OpenAPI file does not express.
pub(crate) fn message_limits(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let content = chars(&body["content"]);
    if content > limits::CONTENT {
        problems.push(format!(
            "/content: {content} characters, more than {}",
            limits::CONTENT
        ));
    }
    let embeds = body["embeds"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if embeds.len() > limits::EMBEDS {
        problems.push(format!(
            "/embeds: {} embeds, more than {}",
            embeds.len(),
            limits::EMBEDS
        ));
    }
    let total: usize = embeds.iter().map(embed_characters).sum();
    if total > limits::EMBEDS_TOTAL {
        problems.push(format!(
            "/embeds: {total} characters across embeds, more than {}",
            limits::EMBEDS_TOTAL
        ));
    }
    for (index, embed) in embeds.iter().enumerate() {
        problems.extend(
            embed_limits(embed)
                .into_iter()
                .map(|p| format!("/embeds/{index}{p}")),
        );
    }
    problems
}

fn embed_limits(embed: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |path: String, value: &Value, limit: usize| {
        let count = chars(value);
        if count > limit {
            problems.push(format!("{path}: {count} characters, more than {limit}"));
        }
    };
    check("/title".into(), &embed["title"], limits::TITLE);
    check(
        "/description".into(),
        &embed["description"],
        limits::DESCRIPTION,
    );
    check(
        "/footer/text".into(),
        &embed["footer"]["text"],
        limits::FOOTER,
    );
    check(
        "/author/name".into(),
        &embed["author"]["name"],
        limits::AUTHOR_NAME,
    );
    let fields = embed["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, field) in fields.iter().enumerate() {
        check(
            format!("/fields/{index}/name"),
            &field["name"],
            limits::FIELD_NAME,
        );
        check(
            format!("/fields/{index}/value"),
            &field["value"],
            limits::FIELD_VALUE,
        );
    }
    if fields.len() > limits::FIELDS {
        problems.push(format!(
            "/fields: {} fields, more than {}",
            fields.len(),
            limits::FIELDS
        ));
    }
    problems
}

/// The characters Discord counts toward the 6000 of a message's embeds.
fn embed_characters(embed: &Value) -> usize {
    let fields = embed["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let field_chars: usize = fields
        .iter()
        .map(|f| chars(&f["name"]) + chars(&f["value"]))
        .sum();
    chars(&embed["title"])
        + chars(&embed["description"])
        + chars(&embed["footer"]["text"])
        + chars(&embed["author"]["name"])
        + field_chars
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embeds(count: usize) -> Value {
        json!(
            (0..count)
                .map(|i| json!({"title": format!("T{i}")}))
                .collect::<Vec<_>>()
        )
    }

    #[test]
    fn accepts_a_plain_reply() {
        let body = json!({"content": "hi", "embeds": embeds(1), "allowed_mentions": {"parse": []}});
        assert_eq!(check_body(Body::MessageCreate, &body), Vec::<String>::new());
    }

    #[test]
    fn rejects_eleven_embeds() {
        let problems = check_body(Body::MessageCreate, &json!({"embeds": embeds(11)}));
        assert!(
            problems.iter().any(|p| p.contains("11 embeds")),
            "{problems:?}"
        );
    }

    #[test]
    fn counts_characters_across_all_embeds() {
        let big = json!({"description": "é".repeat(4000)});
        let problems = message_limits(&json!({"embeds": [big, big]}));
        assert_eq!(
            problems,
            ["/embeds: 8000 characters across embeds, more than 6000"]
        );
    }

    #[test]
    fn reports_field_and_content_limits() {
        let field = json!({"name": "n".repeat(257), "value": "v"});
        let body = json!({"content": "c".repeat(2001), "embeds": [{"fields": [field]}]});
        let problems = message_limits(&body);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].starts_with("/embeds/0/fields/0/name"));
    }

    #[test]
    fn rejects_a_wrong_type_through_the_spec() {
        let problems = check_body(Body::MessageEdit, &json!({"content": 5}));
        assert!(
            problems.iter().any(|p| p.starts_with("/content")),
            "{problems:?}"
        );
    }

    #[test]
    fn accepts_callbacks_of_each_kind_the_bot_sends() {
        let reply = json!({"type": 4, "data": {"content": "x", "flags": 64}});
        for body in [
            reply,
            json!({"type": 5}),
            json!({"type": 6}),
            json!({"type": 7, "data": {"content": "y"}}),
        ] {
            assert_eq!(
                check_body(Body::InteractionCallback, &body),
                Vec::<String>::new(),
                "{body}"
            );
        }
        assert!(!check_body(Body::InteractionCallback, &json!({"type": 4, "data": {}})).is_empty());
    }

    #[test]
    fn accepts_a_slash_command_registration() {
        let option = json!({"type": 3, "name": "id", "description": "Ticket", "required": true});
        let body = json!([{"name": "ticket", "description": "Show a ticket", "type": 1, "options": [option]}]);
        assert_eq!(
            check_body(Body::CommandsOverwrite, &body),
            Vec::<String>::new()
        );
    }
}
