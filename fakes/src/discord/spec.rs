//! Request bodies checked against Discord's OpenAPI description and the limits it cannot express.
//!
//! The whole OpenAPI document is the root schema and each check adds a `$ref` to one of its
//! component schemas, e.g. `{"$ref": "#/components/schemas/MessageCreateRequest"}`. The validators
//! are compiled once per process (the document is 1.2 MB).

use std::sync::LazyLock;

use jsonschema::Validator;

use super::limits::message_limits;
use serde_json::{Value, json};

const OPENAPI_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/discord-openapi.json"
);

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
    let normalised = normalise(kind, body);
    let mut problems: Vec<String> = validator
        .iter_errors(&normalised)
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

/// Discord's documentation types a command's `default_member_permissions` as a string bit set
/// (what serenity sends) while the OpenAPI description says integer; Discord accepts both, so a
/// numeric string is read as the number before validation.
fn normalise(kind: Body, body: &Value) -> Value {
    let mut body = body.clone();
    if let (Body::CommandsOverwrite, Some(commands)) = (kind, body.as_array_mut()) {
        for command in commands {
            let permissions = command
                .get("default_member_permissions")
                .and_then(Value::as_str)
                .and_then(|p| p.parse::<u64>().ok());
            if let Some(permissions) = permissions {
                command["default_member_permissions"] = permissions.into();
            }
        }
    }
    body
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
