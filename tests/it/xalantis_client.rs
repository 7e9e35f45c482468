//! Tests of the xalantis client capability: the real client against the fake Xalantis.

use std::time::{Duration, Instant};

use url::Url;
use xalantis_bot::secret::Secret;
use xalantis_bot::xalantis::XalantisError;
use xalantis_bot::xalantis::client::{
    ClientConfig, REFERENCE_SEARCH_PAGE_SIZE, USER_AGENT, XalantisClient,
};
use xalantis_fakes::xalantis::{
    EXAMPLE_TICKET_REFERENCE, EXAMPLE_TICKET_UUID, FakeXalantis, Fault, Wrapper, sample_ticket,
};

const TOKEN: &str = "sk_test_d1stinct1ve";

/// Settings that keep the tests fast: short timeout, short backoff, 2 s rate-limit bound.
fn fast_config(base_url: &str) -> ClientConfig {
    let mut config = ClientConfig::new(Url::parse(base_url).unwrap(), Some(Secret::new(TOKEN)));
    config.timeout = Duration::from_millis(500);
    config.retry_backoff = Duration::from_millis(10);
    config.max_retry_after = Duration::from_secs(2);
    config
}

fn client_for(fake: &FakeXalantis) -> XalantisClient {
    XalantisClient::new(fast_config(&fake.base_url())).unwrap()
}

async fn fake_with_example() -> FakeXalantis {
    let fake = FakeXalantis::start().await;
    fake.insert_example_ticket();
    fake
}

async fn fetch_example(fake: &FakeXalantis) -> Result<Option<String>, XalantisError> {
    let ticket = client_for(fake).fetch_ticket(EXAMPLE_TICKET_UUID).await?;
    Ok(ticket.map(|t| t.reference))
}

#[tokio::test]
async fn fetches_the_documented_example_under_the_base_path() {
    let fake = fake_with_example().await;
    let ticket = client_for(&fake)
        .fetch_ticket(EXAMPLE_TICKET_UUID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.reference, EXAMPLE_TICKET_REFERENCE);
    assert_eq!(ticket.subject, "Problème connexion");
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("GET", "/api/tickets/be2dde82-493c-44f8-9118-e468b5c1c732")
    );
}

#[tokio::test]
async fn sends_the_bearer_token_accept_and_user_agent() {
    let fake = fake_with_example().await;
    fake.require_token(Some(TOKEN));
    assert!(fetch_example(&fake).await.unwrap().is_some());
    let call = &fake.calls()[0];
    assert_eq!(
        call.authorization.as_deref(),
        Some("Bearer sk_test_d1stinct1ve")
    );
    assert_eq!(call.accept.as_deref(), Some("application/json"));
    assert_eq!(call.user_agent.as_deref(), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with(&format!(
        "xalantis-bot/{} (+https://",
        env!("CARGO_PKG_VERSION")
    )));
}

#[tokio::test]
async fn sends_no_authorization_header_without_a_token() {
    let fake = fake_with_example().await;
    let mut config = fast_config(&fake.base_url());
    config.token = None;
    XalantisClient::new(config)
        .unwrap()
        .fetch_ticket(EXAMPLE_TICKET_UUID)
        .await
        .unwrap();
    assert_eq!(fake.calls()[0].authorization, None);
}

#[tokio::test]
async fn keeps_the_base_path_when_the_base_ends_with_a_slash() {
    let fake = fake_with_example().await;
    let client = XalantisClient::new(fast_config(&format!("{}/", fake.base_url()))).unwrap();
    assert!(
        client
            .fetch_ticket(EXAMPLE_TICKET_UUID)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        fake.calls()[0].path,
        format!("/api/tickets/{EXAMPLE_TICKET_UUID}")
    );
}

#[tokio::test]
async fn reads_the_ticket_in_every_wrapper() {
    let fake = fake_with_example().await;
    for wrapper in [Wrapper::Ticket, Wrapper::Data, Wrapper::Bare] {
        fake.set_wrapper(wrapper);
        assert_eq!(
            fetch_example(&fake).await,
            Ok(Some(EXAMPLE_TICKET_REFERENCE.to_owned())),
            "{wrapper:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_ticket_is_none() {
    let fake = FakeXalantis::start().await;
    assert_eq!(fetch_example(&fake).await, Ok(None));
    assert_eq!(fake.call_count(), 1);
}

#[tokio::test]
async fn a_not_found_envelope_with_status_200_is_none() {
    let fake = fake_with_example().await;
    fake.inject(Fault::not_found_with_200(), 1);
    assert_eq!(fetch_example(&fake).await, Ok(None));
}

#[tokio::test]
async fn an_upper_case_uuid_is_sent_in_lower_case() {
    let fake = fake_with_example().await;
    let upper = EXAMPLE_TICKET_UUID.to_uppercase();
    assert!(
        client_for(&fake)
            .fetch_ticket(&upper)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        fake.calls()[0].path,
        format!("/api/tickets/{EXAMPLE_TICKET_UUID}")
    );
}

#[tokio::test]
async fn path_injection_inputs_never_reach_the_server() {
    let fake = fake_with_example().await;
    let client = client_for(&fake);
    let attacks = [
        "../admin",
        "..%2F..%2Fadmin",
        "%2e%2e",
        "%2E%2E%2Fusers",
        "be2dde82-493c-44f8-9118-e468b5c1c732/../../users",
        "be2dde82-493c-44f8-9118-e468b5c1c73%2F",
        "be2dde82-493c-44f8-9118-e468b5c1c732?x=1",
        "be2dde82-493c-44f8-9118-e468b5c1c732#frag",
        " be2dde82-493c-44f8-9118-e468b5c1c732",
        "be2dde82\u{2011}493c-44f8-9118-e468b5c1c732",
        "be2dde82-493c-44f8-9118-e468b5c1c7３２",
        "",
    ];
    for attack in attacks {
        assert_eq!(client.fetch_ticket(attack).await, Ok(None), "{attack}");
    }
    assert_eq!(fake.call_count(), 0);
}

#[tokio::test]
async fn finds_a_reference_by_exact_match_among_partial_results() {
    let fake = fake_with_example().await;
    for (n, reference, subject) in [
        (1, "VEN1-0000790", "Other"),
        (2, "VEN1-000080", "About VEN1-000079"),
    ] {
        let mut ticket = sample_ticket(n);
        ticket["reference"] = reference.into();
        ticket["subject"] = subject.into();
        fake.insert_ticket(ticket);
    }
    let ticket = client_for(&fake)
        .find_ticket_by_reference("ven1-000079")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.uuid, EXAMPLE_TICKET_UUID);
    let calls = fake.calls();
    assert_eq!(
        calls.len(),
        1,
        "the list item is the ticket: no second call"
    );
    assert_eq!(calls[0].path, "/api/tickets");
    assert_eq!(calls[0].param("search"), Some("ven1-000079"));
    assert_eq!(
        calls[0].param("per_page"),
        Some(REFERENCE_SEARCH_PAGE_SIZE.to_string().as_str())
    );
}

#[tokio::test]
async fn a_reference_with_only_partial_matches_is_none() {
    let fake = fake_with_example().await;
    let found = client_for(&fake)
        .find_ticket_by_reference("VEN1-00007")
        .await;
    assert_eq!(found, Ok(None));
}

#[tokio::test]
async fn query_values_are_percent_encoded() {
    let fake = fake_with_example().await;
    let reference = "A&per_page=1 #x/../y";
    assert_eq!(
        client_for(&fake).find_ticket_by_reference(reference).await,
        Ok(None)
    );
    let call = &fake.calls()[0];
    assert_eq!(call.param("search"), Some(reference));
    assert_eq!(call.params.len(), 2, "{:?}", call.query);
}

#[tokio::test]
async fn recent_tickets_asks_for_the_newest_page() {
    let fake = fake_with_example().await;
    (1..=7).for_each(|n| fake.insert_ticket(sample_ticket(n)));
    let tickets = client_for(&fake).recent_tickets(5).await.unwrap();
    assert_eq!(tickets.len(), 5);
    let call = &fake.calls()[0];
    assert_eq!(
        (call.param("per_page"), call.param("sort_by")),
        (Some("5"), Some("created_at"))
    );
}

#[tokio::test]
async fn unauthorized_and_forbidden_are_access_refused_without_retries() {
    let fake = fake_with_example().await;
    for status in [401, 403] {
        fake.clear_calls();
        fake.inject(Fault::Status(status), 1);
        assert_eq!(
            fetch_example(&fake).await,
            Err(XalantisError::AccessRefused { status })
        );
        assert_eq!(fake.call_count(), 1);
    }
}

#[tokio::test]
async fn a_wrong_token_is_access_refused() {
    let fake = fake_with_example().await;
    fake.require_token(Some("sk_test_other"));
    assert_eq!(
        fetch_example(&fake).await,
        Err(XalantisError::AccessRefused { status: 401 })
    );
}

#[tokio::test]
async fn an_unauthorized_envelope_with_status_200_is_access_refused() {
    let fake = fake_with_example().await;
    fake.inject(
        Fault::Envelope {
            status: 200,
            code: "UNAUTHORIZED".into(),
        },
        1,
    );
    assert_eq!(
        fetch_example(&fake).await,
        Err(XalantisError::AccessRefused { status: 401 })
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_xalantis_recovers() {
    let fake = fake_with_example().await;
    fake.inject(Fault::Status(500), 1);
    fake.inject(Fault::Status(502), 1);
    assert!(fetch_example(&fake).await.unwrap().is_some());
    assert_eq!(fake.call_count(), 3);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_bounded_retries() {
    let fake = fake_with_example().await;
    fake.inject(Fault::Status(503), 100);
    assert_eq!(
        fetch_example(&fake).await,
        Err(XalantisError::Server { status: 503 })
    );
    assert_eq!(fake.call_count(), 3, "one call and two retries");
}

#[tokio::test]
async fn a_rate_limit_within_the_bound_is_waited_out() {
    let fake = fake_with_example().await;
    fake.inject(
        Fault::RateLimited {
            retry_after: Some("1".into()),
        },
        1,
    );
    let started = Instant::now();
    assert!(fetch_example(&fake).await.unwrap().is_some());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.call_count(), 2);
}

#[tokio::test]
async fn a_rate_limit_beyond_the_bound_fails_at_once_and_silences_every_clone() {
    let fake = fake_with_example().await;
    fake.inject(
        Fault::RateLimited {
            retry_after: Some("120".into()),
        },
        1,
    );
    let client = client_for(&fake);
    let started = Instant::now();
    let first = client.fetch_ticket(EXAMPLE_TICKET_UUID).await;
    assert_eq!(
        first,
        Err(XalantisError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        })
    );
    let clones = (0..20).map(|_| {
        let client = client.clone();
        async move { client.fetch_ticket(EXAMPLE_TICKET_UUID).await }
    });
    let later = futures::future::join_all(clones).await;
    assert!(
        later
            .iter()
            .all(|r| matches!(r, Err(XalantisError::RateLimited { .. })))
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(fake.call_count(), 1, "no request while the window is open");
}

#[tokio::test]
async fn callers_wait_for_an_open_rate_limit_window_instead_of_hammering() {
    let fake = fake_with_example().await;
    fake.inject(
        Fault::RateLimited {
            retry_after: Some("1".into()),
        },
        1,
    );
    let client = client_for(&fake);
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.fetch_ticket(EXAMPLE_TICKET_UUID).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let others: Vec<_> = (1..=20)
        .map(|n| {
            fake.insert_ticket(sample_ticket(n));
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .fetch_ticket(&format!("00000000-0000-4000-8000-{n:012}"))
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.call_count(),
        1,
        "nobody called while the window was open"
    );
    assert!(first.await.unwrap().unwrap().is_some());
    for other in others {
        assert!(other.await.unwrap().unwrap().is_some());
    }
    assert_eq!(fake.call_count(), 22);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let fake = fake_with_example().await;
    fake.inject(Fault::Slow(Duration::from_secs(3)), 1);
    let started = Instant::now();
    assert_eq!(fetch_example(&fake).await, Err(XalantisError::Timeout));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let client = XalantisClient::new(fast_config(&base)).unwrap();
    let error = client.fetch_ticket(EXAMPLE_TICKET_UUID).await.unwrap_err();
    assert!(
        matches!(&error, XalantisError::Unreachable(why) if !why.contains(TOKEN)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_unreachable_and_retried() {
    let fake = fake_with_example().await;
    fake.inject(Fault::ResetMidBody, 100);
    let error = fetch_example(&fake).await.unwrap_err();
    assert!(matches!(error, XalantisError::Unreachable(_)), "{error:?}");
    assert_eq!(fake.call_count(), 3);
    fake.clear_faults();
    assert!(fetch_example(&fake).await.unwrap().is_some());
}

#[tokio::test]
async fn bodies_that_are_not_a_ticket_are_undecodable() {
    let fake = fake_with_example().await;
    for fault in [Fault::NotJson, Fault::TruncatedJson, Fault::WrongShape] {
        fake.inject(fault.clone(), 1);
        let error = fetch_example(&fake).await.unwrap_err();
        assert!(
            matches!(error, XalantisError::Undecodable(_)),
            "{fault:?}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_list_of_the_wrong_shape_is_undecodable() {
    let fake = fake_with_example().await;
    fake.inject(Fault::WrongShape, 1);
    let error = client_for(&fake)
        .find_ticket_by_reference(EXAMPLE_TICKET_REFERENCE)
        .await
        .unwrap_err();
    assert!(matches!(error, XalantisError::Undecodable(_)), "{error:?}");
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it_all() {
    let fake = fake_with_example().await;
    for declare_length in [false, true] {
        fake.inject(
            Fault::HugeBody {
                bytes: 50_000_000,
                declare_length,
            },
            1,
        );
        let started = Instant::now();
        let error = fetch_example(&fake).await.unwrap_err();
        assert_eq!(error, XalantisError::Undecodable("body too large".into()));
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let fake = fake_with_example().await;
    fake.inject(
        Fault::HugeBody {
            bytes: 1_000_000,
            declare_length: false,
        },
        1,
    );
    let ticket = client_for(&fake)
        .fetch_ticket(EXAMPLE_TICKET_UUID)
        .await
        .unwrap()
        .unwrap();
    assert!(ticket.description.is_some_and(|d| d.len() > 999_000));
}

#[tokio::test]
async fn a_base_url_that_is_not_http_is_refused() {
    let error = XalantisClient::new(fast_config("mailto:ops@example.com")).unwrap_err();
    assert!(matches!(error, XalantisError::Unreachable(_)));
}

#[tokio::test]
async fn many_endless_bodies_at_once_are_refused_without_holding_up_good_answers() {
    let fake = FakeXalantis::start().await;
    (1..=24).for_each(|n| fake.insert_ticket(sample_ticket(n)));
    // The first 12 requests get a body of 50 MB without a length: each reserves the whole
    // body limit from the client's body budget, so only a few are read at once; the others,
    // and the good answers behind them, wait for room instead of piling up buffers.
    fake.inject(Fault::huge_body(), 12);
    let mut config = fast_config(&fake.base_url());
    config.timeout = Duration::from_secs(5);
    config.server_retries = 0;
    let client = XalantisClient::new(config).unwrap();
    let started = Instant::now();
    let calls = (1..=24_u64).map(|n| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .fetch_ticket(&format!("00000000-0000-4000-8000-{n:012}"))
                .await
        })
    });
    let mut refused = 0;
    let mut found = 0;
    for call in calls.collect::<Vec<_>>() {
        match call.await.unwrap() {
            Err(XalantisError::Undecodable(why)) => {
                assert_eq!(why, "body too large");
                refused += 1;
            }
            Ok(Some(_)) => found += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((refused, found), (12, 12));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
