use super::*;
use crate::settings::{CardSize, ChannelSettings};

fn binding(source_id: &str, reply_id: &str, created_at: i64) -> BindingRecord {
    BindingRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        source_id: source_id.to_owned(),
        channel_id: "100".to_owned(),
        guild_id: Some("1".to_owned()),
        reply_id: reply_id.to_owned(),
        author_id: "7".to_owned(),
        tickets: vec!["uuid-a".to_owned(), "uuid-b".to_owned()],
        fingerprint: "f1".to_owned(),
        created_at,
        updated_at: created_at,
    }
}

#[tokio::test]
async fn a_binding_is_found_by_its_reply() {
    let store = Store::open_in_memory().unwrap();
    store.writer().put_binding(binding("10", "20", 1000));
    store.writer().flush().await;
    let found = store.binding_by_reply(PLATFORM_DISCORD, "20").unwrap();
    assert_eq!(found, Some(binding("10", "20", 1000)));
    assert_eq!(store.binding_by_reply(PLATFORM_SLACK, "20").unwrap(), None);
}

#[tokio::test]
async fn putting_a_binding_again_replaces_it_and_deleting_removes_it() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    writer.put_binding(binding("10", "20", 1000));
    writer.put_binding(BindingRecord {
        fingerprint: "f2".to_owned(),
        ..binding("10", "20", 1000)
    });
    writer.flush().await;
    assert_eq!(store.load_bindings(0).unwrap()[0].fingerprint, "f2");
    writer.delete_binding(PLATFORM_DISCORD, "10");
    writer.flush().await;
    assert!(store.load_bindings(0).unwrap().is_empty());
}

#[tokio::test]
async fn a_guild_default_and_a_channel_override_are_kept_apart() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    let compact = ChannelSettings {
        card_size: Some(CardSize::Compact),
        ..ChannelSettings::default()
    };
    let record = |channel_id: Option<&str>| SettingsRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        guild_id: "1".to_owned(),
        channel_id: channel_id.map(str::to_owned),
        settings: compact,
    };
    writer.put_settings(record(None));
    writer.put_settings(record(Some("100")));
    writer.delete_settings(PLATFORM_DISCORD, "1", None);
    writer.flush().await;
    assert_eq!(store.load_settings().unwrap(), vec![record(Some("100"))]);
}

#[tokio::test]
async fn a_writer_keeps_writing_after_the_store_is_dropped() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    drop(store);
    writer.put_cooldown(CooldownRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        channel_id: "1".to_owned(),
        ticket_uuid: "u".to_owned(),
        reply_id: "2".to_owned(),
        guild_id: None,
        posted_at: 5,
        channel_seq: u64::MAX,
    });
    writer.flush().await;
    assert_eq!(writer.dropped_writes(), 0);
}

#[test]
fn a_zero_capacity_queue_still_holds_one_write() {
    let store = StoreOptions { queue_capacity: 0 }.open_in_memory().unwrap();
    store.writer().expire(0);
    assert_eq!(store.writer().dropped_writes(), 0);
}

#[tokio::test]
async fn writes_after_close_are_dropped_and_counted() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    store.close().await;
    writer.expire(0);
    writer.flush().await;
    assert_eq!(writer.dropped_writes(), 1);
}

#[tokio::test]
async fn a_burst_of_writes_is_committed_in_order_in_batches() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    for n in 0..1000 {
        writer.put_binding(binding(&n.to_string(), &format!("r{n}"), 1000));
        if n % 3 == 0 {
            writer.delete_binding(PLATFORM_DISCORD, &n.to_string());
        }
    }
    writer.flush().await;
    let kept = store.load_bindings(0).unwrap();
    assert_eq!(
        kept.len(),
        1000 - 334,
        "every put, then every delete after it"
    );
    assert!(
        kept.iter()
            .all(|b| b.source_id.parse::<u32>().unwrap() % 3 != 0)
    );
    assert_eq!(writer.dropped_writes(), 0);
}

#[test]
fn writes_arriving_close_together_share_a_commit() {
    let store = Store::open_in_memory().unwrap();
    let commits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&commits);
    store
        .lock()
        .commit_hook(Some(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            false
        }))
        .unwrap();
    let writer = store.writer();
    // 50 writes, one every 100 µs or more: the writer thread would commit most of them on their
    // own if it wrote whatever had arrived at once (50 commits, measured); the bound leaves room
    // for a loaded machine stretching the sleeps.
    for n in 0..50 {
        writer.put_binding(binding(&n.to_string(), &format!("r{n}"), 1000));
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(writer.flush());
    assert_eq!(store.load_bindings(0).unwrap().len(), 50);
    let commits = commits.load(std::sync::atomic::Ordering::SeqCst);
    assert!(commits <= 10, "{commits} commits for 50 writes");
}

#[test]
fn the_page_cache_is_kept_small() {
    let store = Store::open_in_memory().unwrap();
    let cache: i64 = store
        .lock()
        .pragma_query_value(None, "cache_size", |row| row.get(0))
        .unwrap();
    assert_eq!(cache, -schema::CACHE_KIB);
}
