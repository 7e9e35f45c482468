//! Tests of the lookup capability: cache, coalescing and bounded concurrency against the fake
//! Xalantis.

use std::time::Duration;

use url::Url;
use xalantis_bot::detect::{Mention, TicketId};
use xalantis_bot::lookup::{Freshness, Lookup, LookupConfig, LookupCounts, LookupService};
use xalantis_bot::secret::Secret;
use xalantis_bot::xalantis::XalantisError;
use xalantis_bot::xalantis::client::{ClientConfig, XalantisClient};
use xalantis_fakes::xalantis::{
    EXAMPLE_TICKET_REFERENCE, EXAMPLE_TICKET_UUID, FakeXalantis, Fault, sample_ticket,
};

fn service_for(fake: &FakeXalantis, config: LookupConfig) -> LookupService {
    let mut client = ClientConfig::new(
        Url::parse(&fake.base_url()).unwrap(),
        Some(Secret::new("sk_test")),
    );
    client.timeout = Duration::from_millis(500);
    client.retry_backoff = Duration::from_millis(10);
    client.max_retry_after = Duration::from_secs(2);
    LookupService::new(XalantisClient::new(client).unwrap(), config)
}

async fn example_service() -> (FakeXalantis, LookupService) {
    let fake = FakeXalantis::start().await;
    fake.insert_example_ticket();
    let service = service_for(&fake, LookupConfig::default());
    (fake, service)
}

fn uuid(id: &str) -> TicketId {
    TicketId::Uuid(id.to_owned())
}

fn reference(id: &str) -> TicketId {
    TicketId::Reference(id.to_owned())
}

fn sample_uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn mention(id: TicketId, via_link: bool) -> Mention {
    Mention { id, via_link }
}

fn subject(lookup: &Lookup) -> &str {
    match lookup {
        Lookup::Found(ticket) => &ticket.subject,
        other => panic!("expected a ticket, got {other:?}"),
    }
}

#[tokio::test]
async fn a_second_lookup_is_answered_from_the_cache() {
    let (fake, service) = example_service().await;
    for _ in 0..2 {
        let found = service
            .lookup(&uuid(EXAMPLE_TICKET_UUID), Freshness::Cached)
            .await;
        assert_eq!(subject(&found), "Problème connexion");
    }
    assert_eq!(fake.call_count(), 1);
    let counts = service.stats().snapshot();
    let expected = LookupCounts {
        cache_hits: 1,
        cache_misses: 1,
        api_calls: 1,
        api_failures: 0,
        calls_in_flight: 0,
        calls_waiting: 0,
    };
    assert_eq!(counts, expected);
    assert_eq!(service.client().requests_sent(), 1);
}

#[tokio::test]
async fn fifty_concurrent_lookups_of_one_ticket_make_one_upstream_call() {
    let (fake, service) = example_service().await;
    fake.set_delay(Duration::from_millis(100));
    let id = uuid(EXAMPLE_TICKET_UUID);
    let lookups = (0..50).map(|_| service.lookup(&id, Freshness::Cached));
    let results = futures::future::join_all(lookups).await;
    assert!(results.iter().all(|r| matches!(r, Lookup::Found(_))));
    assert_eq!(fake.call_count(), 1);
    assert_eq!(service.stats().snapshot().api_calls, 1);
}

#[tokio::test]
async fn fifty_concurrent_lookups_of_one_reference_make_one_upstream_call() {
    let (fake, service) = example_service().await;
    fake.set_delay(Duration::from_millis(100));
    let id = reference(EXAMPLE_TICKET_REFERENCE);
    let results =
        futures::future::join_all((0..50).map(|_| service.lookup(&id, Freshness::Cached))).await;
    assert!(results.iter().all(|r| matches!(r, Lookup::Found(_))));
    assert_eq!(fake.call_count(), 1);
}

#[tokio::test]
async fn a_reference_is_looked_up_by_search_and_fills_the_ticket_cache() {
    let (fake, service) = example_service().await;
    let by_reference = service
        .lookup(&reference("ven1-000079"), Freshness::Cached)
        .await;
    let by_uuid = service
        .lookup(&uuid(EXAMPLE_TICKET_UUID), Freshness::Cached)
        .await;
    assert_eq!(subject(&by_reference), subject(&by_uuid));
    assert_eq!(fake.call_count(), 1);
    assert_eq!(fake.calls()[0].path, "/api/tickets");
}

#[tokio::test]
async fn a_known_reference_is_refetched_by_uuid_after_the_ttl() {
    let fake = FakeXalantis::start().await;
    fake.insert_example_ticket();
    let ttl = Duration::from_millis(150);
    let service = service_for(
        &fake,
        LookupConfig {
            cache_ttl: ttl,
            ..LookupConfig::default()
        },
    );
    service
        .lookup(&reference(EXAMPLE_TICKET_REFERENCE), Freshness::Cached)
        .await;
    tokio::time::sleep(ttl * 2).await;
    assert!(matches!(
        service
            .lookup(&reference(EXAMPLE_TICKET_REFERENCE), Freshness::Cached)
            .await,
        Lookup::Found(_)
    ));
    let paths: Vec<String> = fake.calls().into_iter().map(|c| c.path).collect();
    assert_eq!(
        paths,
        [
            "/api/tickets".to_owned(),
            format!("/api/tickets/{EXAMPLE_TICKET_UUID}")
        ]
    );
}

#[tokio::test]
async fn not_found_answers_are_cached_for_the_ttl() {
    let fake = FakeXalantis::start().await;
    let ttl = Duration::from_millis(150);
    let service = service_for(
        &fake,
        LookupConfig {
            cache_ttl: ttl,
            ..LookupConfig::default()
        },
    );
    for id in [reference("ISO-8601"), uuid(EXAMPLE_TICKET_UUID)] {
        for _ in 0..3 {
            assert!(matches!(
                service.lookup(&id, Freshness::Cached).await,
                Lookup::NotFound
            ));
        }
    }
    assert_eq!(fake.call_count(), 2, "one call per unknown ticket");
    tokio::time::sleep(ttl * 2).await;
    service
        .lookup(&reference("ISO-8601"), Freshness::Cached)
        .await;
    assert_eq!(fake.call_count(), 3, "asked again once the TTL is over");
}

#[tokio::test]
async fn a_fresh_lookup_fetches_again_and_replaces_the_cached_ticket() {
    let (fake, service) = example_service().await;
    let id = uuid(EXAMPLE_TICKET_UUID);
    service.lookup(&id, Freshness::Cached).await;
    let mut changed = xalantis_fakes::xalantis::example_ticket();
    changed["subject"] = "Connexion rétablie".into();
    fake.insert_ticket(changed);
    assert_eq!(
        subject(&service.lookup(&id, Freshness::Cached).await),
        "Problème connexion"
    );
    assert_eq!(
        subject(&service.lookup(&id, Freshness::Fresh).await),
        "Connexion rétablie"
    );
    assert_eq!(
        subject(&service.lookup(&id, Freshness::Cached).await),
        "Connexion rétablie"
    );
    assert_eq!(fake.call_count(), 2);
}

#[tokio::test]
async fn a_fresh_lookup_of_a_known_reference_makes_one_call() {
    let (fake, service) = example_service().await;
    let id = reference(EXAMPLE_TICKET_REFERENCE);
    service.lookup(&id, Freshness::Cached).await;
    assert!(matches!(
        service.lookup(&id, Freshness::Fresh).await,
        Lookup::Found(_)
    ));
    assert_eq!(fake.call_count(), 2);
    assert_eq!(
        fake.calls()[1].path,
        format!("/api/tickets/{EXAMPLE_TICKET_UUID}")
    );
}

#[tokio::test]
async fn errors_are_not_cached() {
    let (fake, service) = example_service().await;
    fake.inject(Fault::Status(500), 3);
    let id = uuid(EXAMPLE_TICKET_UUID);
    let failed = service.lookup(&id, Freshness::Cached).await;
    assert!(
        matches!(
            failed,
            Lookup::Failed(XalantisError::Server { status: 500 })
        ),
        "{failed:?}"
    );
    assert!(matches!(
        service.lookup(&id, Freshness::Cached).await,
        Lookup::Found(_)
    ));
    assert_eq!(service.stats().snapshot().api_failures, 1);
}

#[tokio::test]
async fn an_invalid_uuid_is_not_found_without_a_call() {
    let (fake, service) = example_service().await;
    for bad in [
        "../admin",
        "%2e%2e",
        "be2dde82-493c-44f8-9118-e468b5c1c732/..",
    ] {
        assert!(matches!(
            service.lookup(&uuid(bad), Freshness::Cached).await,
            Lookup::NotFound
        ));
    }
    assert_eq!(fake.call_count(), 0);
}

#[tokio::test]
async fn a_failing_lookup_does_not_hide_the_others() {
    let (fake, service) = example_service().await;
    fake.insert_ticket(sample_ticket(1));
    fake.inject_on(EXAMPLE_TICKET_UUID, Fault::Status(403), 1);
    let mentions = [
        mention(uuid(EXAMPLE_TICKET_UUID), false),
        mention(uuid(&sample_uuid(1)), false),
    ];
    let results = service.lookup_mentions(&mentions, Freshness::Cached).await;
    assert_eq!(results.len(), 2);
    assert!(matches!(
        results[0].1,
        Lookup::Failed(XalantisError::AccessRefused { status: 403 })
    ));
    assert_eq!(subject(&results[1].1), "Sample ticket 1");
}

#[tokio::test]
async fn a_reference_and_a_link_to_the_same_ticket_give_one_entry() {
    let (_fake, service) = example_service().await;
    let mentions = [
        mention(reference(EXAMPLE_TICKET_REFERENCE), false),
        mention(uuid(EXAMPLE_TICKET_UUID), true),
        mention(reference("ISO-8601"), false),
    ];
    let results = service.lookup_mentions(&mentions, Freshness::Cached).await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0, mentions[0]);
    assert!(matches!(results[1], (ref m, Lookup::NotFound) if *m == mentions[2]));
}

#[tokio::test]
async fn lookup_mentions_keeps_the_order_of_the_message() {
    let fake = FakeXalantis::start().await;
    (1..=5).for_each(|n| fake.insert_ticket(sample_ticket(n)));
    fake.inject_on(&sample_uuid(1), Fault::Slow(Duration::from_millis(200)), 1);
    let service = service_for(&fake, LookupConfig::default());
    let mentions: Vec<Mention> = (1..=5)
        .map(|n| mention(uuid(&sample_uuid(n)), false))
        .collect();
    let results = service.lookup_mentions(&mentions, Freshness::Cached).await;
    let subjects: Vec<&str> = results.iter().map(|(_, lookup)| subject(lookup)).collect();
    assert_eq!(
        subjects,
        (1..=5)
            .map(|n| format!("Sample ticket {n}"))
            .collect::<Vec<_>>()
    );
    assert!(fake.max_in_flight() > 1, "looked up concurrently");
}

#[tokio::test]
async fn calls_in_flight_never_exceed_the_global_bound() {
    let fake = FakeXalantis::start().await;
    (1..=12).for_each(|n| fake.insert_ticket(sample_ticket(n)));
    fake.set_delay(Duration::from_millis(50));
    let service = service_for(
        &fake,
        LookupConfig {
            max_concurrent_calls: 3,
            ..LookupConfig::default()
        },
    );
    let ids: Vec<TicketId> = (1..=12).map(|n| uuid(&sample_uuid(n))).collect();
    let results =
        futures::future::join_all(ids.iter().map(|id| service.lookup(id, Freshness::Cached))).await;
    assert!(results.iter().all(|r| matches!(r, Lookup::Found(_))));
    assert_eq!(fake.max_in_flight(), 3);
}

#[tokio::test]
async fn a_long_rate_limit_fails_every_lookup_without_a_storm() {
    let fake = FakeXalantis::start().await;
    (1..=20).for_each(|n| fake.insert_ticket(sample_ticket(n)));
    fake.inject(
        Fault::RateLimited {
            retry_after: Some("120".into()),
        },
        1,
    );
    let service = service_for(
        &fake,
        LookupConfig {
            max_concurrent_calls: 1,
            ..LookupConfig::default()
        },
    );
    let ids: Vec<TicketId> = (1..=20).map(|n| uuid(&sample_uuid(n))).collect();
    let results =
        futures::future::join_all(ids.iter().map(|id| service.lookup(id, Freshness::Cached))).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Lookup::Failed(XalantisError::RateLimited { .. })))
    );
    assert_eq!(fake.call_count(), 1);
}

/// A lookup waiting on another's fetch of its ticket holds its own future only: the HTTP
/// call's state (about 7 KB) is boxed when the fetch runs, so a thousand answers waiting on a
/// slow Xalantis do not hold a thousand of them.
#[tokio::test]
async fn a_lookup_future_does_not_hold_the_http_call() {
    let (_fake, service) = example_service().await;
    for id in [
        uuid(EXAMPLE_TICKET_UUID),
        reference(EXAMPLE_TICKET_REFERENCE),
    ] {
        let lookup = service.lookup(&id, Freshness::Cached);
        let size = std::mem::size_of_val(&lookup);
        println!("a lookup of {id:?}: {size} bytes");
        assert!(size <= 2048, "{size} bytes");
    }
}
