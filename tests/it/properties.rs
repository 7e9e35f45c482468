//! Property tests (proptest) of the pure core: detection, the tolerant ticket model, cards and
//! their Discord rendering. Any input → no panic, Discord's limits always kept, ticket text never
//! able to ping, link or format. Regressions (of these properties, and any crash the fuzzers in
//! `fuzz/` find) are kept at the end.

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use url::Url;
use xalantis_bot::card::{CardOptions, Layout, ShowRequester, ticket_card, ticket_details};
use xalantis_bot::detect::{
    DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector, MAX_TICKETS_CEILING,
};
use xalantis_bot::discord::render::{
    Embed, embeds_for, escape_markdown, fit_embeds, to_details_embed,
};
use xalantis_bot::xalantis::Ticket;
use xalantis_bot::xalantis::model::Person;

use crate::render::assert_within_limits;

const WEB_URL: &str = "https://app.xalantis.com";

/// Pieces of hostile chat text and ticket text, put together at random.
const PIECES: &[&str] = &[
    "VEN1-000079",
    "ven1-000079",
    "TCK-2026-0001",
    "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e",
    "https://app.xalantis.com/tickets/",
    "<https://app.xalantis.com/tickets/VEN1-000080|label>",
    "https://evil.example/",
    "UTF-8",
    "@everyone",
    "@here",
    "<@&123>",
    "<@456>",
    "<#789>",
    "[click](http://evil.example)",
    "||spoiler||",
    "`",
    "```",
    "**",
    "__",
    "~~",
    "> ",
    "# ",
    "-# ",
    "\\",
    "\n",
    " ",
    "-",
    "0",
    "A",
    "é",
    "e\u{0301}",
    "\u{200B}",
    "\u{200F}",
    "\u{202E}",
    "🙂",
    "👩‍💻",
    "\u{0}",
];

/// Any text: arbitrary Unicode, hostile pieces, or one character repeated thousands of times.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(select(PIECES), 0..24).prop_map(|pieces| pieces.concat()),
        (any::<char>(), 0..4_100_usize).prop_map(|(c, n)| c.to_string().repeat(n)),
        (select(PIECES), 0..200_usize).prop_map(|(piece, n)| piece.repeat(n)),
    ]
}

fn detector(pattern: &str, max_tickets: usize) -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: pattern.to_owned(),
        web_url: Url::parse(WEB_URL).unwrap(),
        max_tickets,
    })
    .unwrap()
}

// ---- detection ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn detection_never_panics_and_returns_at_most_the_cap_deduplicated(
        text in text(),
        max in 1..=MAX_TICKETS_CEILING,
        custom in any::<bool>(),
    ) {
        let pattern = if custom { "[A-Z]+[0-9]+" } else { DEFAULT_REFERENCE_PATTERN };
        let mentions = detector(pattern, max).find_ticket_mentions(&text);
        prop_assert!(mentions.len() <= max);
        let distinct: HashSet<_> = mentions.iter().map(|m| &m.id).collect();
        prop_assert_eq!(distinct.len(), mentions.len(), "deduplicated");
    }

    #[test]
    fn explicit_input_never_panics(input in text()) {
        let _ = detector(DEFAULT_REFERENCE_PATTERN, 5).parse_ticket_id(&input);
    }
}

// ---- the ticket model ----

/// Keys the model reads, so that generated objects often hit its code paths.
const KEYS: &[&str] = &[
    "ticket",
    "data",
    "tickets",
    "uuid",
    "reference",
    "subject",
    "description",
    "status",
    "priority",
    "type",
    "severity",
    "channel",
    "category",
    "name",
    "slug",
    "tags",
    "assignee",
    "requester",
    "email",
    "phone",
    "custom_fields",
    "due_at",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "sla_breached_at",
    "first_response_sla_breached_at",
    "every_response_sla_breached_at",
    "sla_paused_at",
    "satisfaction_score",
    "success",
    "error",
    "code",
];

/// Strings the model parses (instants, UUIDs), and any text.
fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "be2dde82-493c-44f8-9118-e468b5c1c732",
                "2026-01-14T10:00:00.000000Z",
                "2026-01-14",
                "9999-12-31T23:59:59Z",
                "-9999-01-01",
                "open",
                "urgent",
                "",
                " ",
            ][..]
        )
        .prop_map(str::to_owned),
        text(),
    ]
}

/// Any JSON value, objects keyed mostly by the model's own keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        json_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![select(KEYS).prop_map(str::to_owned), any::<String>()];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every card layout and the Details view of `tickets`, each checked against Discord's limits
/// and for injected markup.
fn render_everything(tickets: &[Ticket], options: &CardOptions, now: OffsetDateTime) {
    let cards: Vec<_> = tickets
        .iter()
        .map(|t| ticket_card(t, options, now))
        .collect();
    for layout in [Layout::Full, Layout::Compact, Layout::List] {
        let embeds = embeds_for(&cards, layout);
        assert_within_limits(&embeds);
        assert_no_injected_markup(&embeds);
    }
    for ticket in tickets {
        let details = to_details_embed(&ticket_details(ticket, options, now));
        let embeds = fit_embeds(vec![details]);
        assert_within_limits(&embeds);
        assert_no_injected_markup(&embeds);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_json_value_reads_without_panicking_and_renders_within_limits(body in json_value()) {
        let mut tickets: Vec<Ticket> = Ticket::from_response(&body).into_iter().collect();
        tickets.extend(Ticket::list_from_response(&body));
        let options = CardOptions { show_requester: ShowRequester::Full, ..CardOptions::default() };
        render_everything(&tickets, &options, OffsetDateTime::UNIX_EPOCH);
    }

    #[test]
    fn any_ticket_object_reads_without_panicking(
        fields in proptest::collection::vec((select(KEYS), json_value()), 0..24),
    ) {
        let object: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let mut object = object;
        object.insert("uuid".to_owned(), json!("be2dde82-493c-44f8-9118-e468b5c1c732"));
        let ticket = Ticket::from_response(&json!({ "ticket": object }));
        prop_assert!(ticket.is_some(), "an object with a string uuid is a ticket");
        render_everything(&[ticket.unwrap()], &CardOptions::default(), OffsetDateTime::UNIX_EPOCH);
    }
}

// ---- rendering ----

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn instant() -> impl Strategy<Value = Option<OffsetDateTime>> {
    // The whole range `time` can represent, and around now.
    let seconds = prop_oneof![
        -377_705_116_800_i64..253_402_300_799,
        1_700_000_000_i64..1_900_000_000
    ];
    proptest::option::of(seconds.prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap()))
}

fn person() -> impl Strategy<Value = Option<Person>> {
    proptest::option::of(
        (optional_text(), optional_text(), optional_text())
            .prop_map(|(name, email, phone)| Person { name, email, phone }),
    )
}

prop_compose! {
    /// A ticket whose every text field is arbitrary.
    fn ticket()(
        (uuid, reference, subject, description, status) in
            (text(), text(), text(), optional_text(), text()),
        (priority, kind, severity, channel, category) in
            (optional_text(), optional_text(), optional_text(), optional_text(), optional_text()),
        tags in proptest::collection::vec(text(), 0..12),
        (assignee, requester) in (person(), person()),
        custom_fields in proptest::collection::vec((text(), text()), 0..12),
        (due_at, created_at, updated_at, sla_breached_at, sla_paused_at) in
            (instant(), instant(), instant(), instant(), instant()),
        satisfaction_score in proptest::option::of(any::<i64>()),
    ) -> Ticket {
        Ticket {
            uuid, reference, subject, description, status, priority, kind, severity, channel,
            category, tags, assignee, requester, custom_fields, due_at, created_at, updated_at,
            resolved_at: None, closed_at: None, sla_breached_at,
            first_response_sla_breached_at: None, every_response_sla_breached_at: None,
            sla_paused_at, satisfaction_score,
        }
    }
}

fn card_options() -> impl Strategy<Value = CardOptions> {
    let show = select(
        &[
            ShowRequester::None,
            ShowRequester::Name,
            ShowRequester::Full,
        ][..],
    );
    let template = proptest::option::of(prop_oneof![
        Just("https://support.example.com/t/{reference}".to_owned()),
        Just("https://support.example.com/t/{uuid}?r={reference}".to_owned()),
    ]);
    (show, template).prop_map(|(show_requester, link_template)| CardOptions {
        show_requester,
        link_template,
        ..CardOptions::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_tickets_render_within_every_discord_limit_in_every_layout(
        tickets in proptest::collection::vec(ticket(), 1..=12),
        options in card_options(),
        now in instant(),
    ) {
        render_everything(&tickets, &options, now.unwrap_or(OffsetDateTime::UNIX_EPOCH));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn escaped_text_can_never_ping_link_or_format(text in text()) {
        let escaped = escape_markdown(&text);
        prop_assert_eq!(unescaped_markup(&escaped, ""), None::<String>, "{:?} → {:?}", text, escaped);
    }
}

// ---- what "no injected markup" means ----

/// Markup the renderer writes itself: bold labels, Discord timestamps, list links to the web app
/// (or to the test template's host).
const OWN_BOLD: [&str; 2] = ["**SLA breached**", "**Overdue**"];
const OWN_LINK_TARGETS: [&str; 2] = [
    "](https://app.xalantis.com/",
    "](https://support.example.com/",
];

fn assert_no_injected_markup(embeds: &[Embed]) {
    for embed in embeds {
        let mut texts = vec![embed.title.as_str()];
        texts.extend(embed.description.as_deref());
        texts.extend(embed.footer.as_ref().map(|f| f.text.as_str()));
        for field in &embed.fields {
            texts.extend([field.name.as_str(), field.value.as_str()]);
        }
        for text in texts {
            let own = if embed.fields.is_empty() { "list" } else { "" };
            if let Some(problem) = unescaped_markup(text, own) {
                panic!("{problem} in {text:?}\n{embed:#?}");
            }
        }
    }
}

/// The first piece of live markup in `text` that ticket text could have put there: a mass ping,
/// an unescaped `<` other than a `<t:…>` timestamp, a masked link other than the renderer's own
/// list links (`own == "list"`), spoiler, code, strike or underline markers, bold other than the
/// renderer's labels. Escaping is read as Discord reads it: `\` escapes the next character.
fn unescaped_markup(text: &str, own: &str) -> Option<String> {
    for ping in ["@everyone", "@here"] {
        if text.contains(ping) {
            return Some(format!("a live {ping}"));
        }
    }
    let mut text = text.to_owned();
    for bold in OWN_BOLD {
        text = text.replace(bold, "");
    }
    let chars: Vec<char> = text.chars().collect();
    let mut escaped = false;
    for (at, &c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        let rest: String = chars[at..].iter().take(40).collect();
        let problem = match c {
            '\\' => {
                escaped = true;
                None
            }
            '<' if !is_timestamp(&rest) => Some("an unescaped <"),
            '[' if own != "list" || !starts_line(&chars, at) => Some("an unescaped ["),
            ']' if own != "list" || !is_own_link(&rest) => Some("an unescaped ]"),
            '|' | '`' | '~' | '_' | '*' => Some("an unescaped formatting character"),
            _ => None,
        };
        if let Some(problem) = problem {
            return Some(format!("{problem} at {rest:?}"));
        }
    }
    None
}

/// `](` and a link to the web app (or the test template's host), possibly cut by truncation.
fn is_own_link(rest: &str) -> bool {
    let kept = rest.split('…').next().unwrap_or(rest);
    OWN_LINK_TARGETS
        .iter()
        .any(|target| rest.starts_with(target) || (rest.contains('…') && target.starts_with(kept)))
}

fn starts_line(chars: &[char], at: usize) -> bool {
    at == 0 || chars[at - 1] == '\n'
}

/// `<t:UNIX:STYLE>` as the renderer writes due dates, or its start cut by truncation.
fn is_timestamp(rest: &str) -> bool {
    let Some(inner) = rest.strip_prefix("<t:") else {
        return false;
    };
    let end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | ':')));
    let (body, after) = inner.split_at(end.unwrap_or(inner.len()));
    match after.chars().next() {
        Some('>') => body.split_once(':').is_some_and(|(unix, style)| {
            let unix = unix.strip_prefix('-').unwrap_or(unix);
            !unix.is_empty() && unix.bytes().all(|b| b.is_ascii_digit()) && style.len() == 1
        }),
        Some('…') | None => true,
        Some(_) => false,
    }
}

#[test]
fn the_markup_checker_sees_what_it_must() {
    assert!(unescaped_markup("[click](http://evil.example)", "").is_some());
    assert!(unescaped_markup("hi @everyone", "").is_some());
    assert!(unescaped_markup("<@&123>", "").is_some());
    assert!(unescaped_markup("||spoiler||", "").is_some());
    assert!(unescaped_markup(r"\[click\](x) \<@1> \|\| due <t:17:R> **Overdue**", "").is_none());
    let list =
        "[VEN1-1](https://app.xalantis.com/tickets/x) a\n[B-2](https://app.xalantis.com/t) b";
    assert!(unescaped_markup(list, "list").is_none());
    assert!(unescaped_markup("[VEN1-1](https://evil.example/)", "list").is_some());
}

// ---- regressions: what the properties above found (the fuzzers, `fuzz/`, found nothing yet) ----

fn example_ticket() -> Ticket {
    let json = serde_json::from_str(include_str!("../fixtures/get-ticket-example.json")).unwrap();
    Ticket::from_response(&json).unwrap()
}

#[test]
fn a_ticket_uuid_from_the_api_cannot_break_out_of_its_link() {
    let mut ticket = example_ticket();
    ticket.uuid = "x) @everyone [click](http://evil.example) <@1>".into();
    let card = ticket_card(&ticket, &CardOptions::default(), OffsetDateTime::UNIX_EPOCH);
    let list = embeds_for(&[card.clone(), card], Layout::List);
    assert_no_injected_markup(&list);
    assert!(
        list[0]
            .url
            .starts_with("https://app.xalantis.com/tickets/x%29%20%40everyone")
    );
}

#[test]
fn a_custom_field_without_a_key_is_left_out() {
    let mut ticket = example_ticket();
    ticket.custom_fields = vec![(String::new(), "value".into()), (" ".into(), "v".into())];
    let details = to_details_embed(&ticket_details(
        &ticket,
        &CardOptions::default(),
        OffsetDateTime::UNIX_EPOCH,
    ));
    assert_within_limits(&[details]);
}

#[test]
fn ten_cards_of_huge_values_fit_the_message_total() {
    let mut ticket = example_ticket();
    ticket.status = "s".repeat(1_500);
    ticket.priority = Some("p".repeat(1_500));
    ticket.assignee = Some(Person {
        name: Some("a".repeat(1_500)),
        ..Person::default()
    });
    let cards = vec![ticket_card(&ticket, &CardOptions::default(), OffsetDateTime::UNIX_EPOCH); 10];
    for layout in [Layout::Full, Layout::Compact] {
        let embeds = embeds_for(&cards, layout);
        assert_eq!(embeds.len(), 10);
        assert_within_limits(&embeds);
    }
}
