//! The database store against real files: what is written survives a reopen, bad files are clear
//! start-up errors, old rows expire, a full write queue drops instead of blocking.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use xalantis_bot::settings::{
    CardSize, ChannelSettings, Effective, RequesterVisibility, Settings, SettingsChange,
    SettingsScope,
};
use xalantis_bot::store::schema::SCHEMA_VERSION;
use xalantis_bot::store::{
    BindingRecord, CooldownRecord, PLATFORM_DISCORD, Store, StoreError, StoreOptions,
};

fn db_in(dir: &TempDir) -> PathBuf {
    dir.path().join("bot.db")
}

fn binding(source_id: &str, created_at: i64) -> BindingRecord {
    BindingRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        source_id: source_id.to_owned(),
        channel_id: "100".to_owned(),
        guild_id: Some("1".to_owned()),
        reply_id: format!("reply-{source_id}"),
        author_id: "7".to_owned(),
        tickets: vec!["be2dde82-493c-44f8-9118-e468b5c1c732".to_owned()],
        fingerprint: "in_progress|high".to_owned(),
        created_at,
        updated_at: created_at + 5,
    }
}

fn cooldown(ticket_uuid: &str, posted_at: i64) -> CooldownRecord {
    CooldownRecord {
        platform: PLATFORM_DISCORD.to_owned(),
        channel_id: "100".to_owned(),
        ticket_uuid: ticket_uuid.to_owned(),
        reply_id: "200".to_owned(),
        guild_id: None,
        posted_at,
        channel_seq: 42,
    }
}

fn assert_names_the_path(error: &StoreError, path: &Path) {
    let text = error.to_string();
    assert!(
        text.starts_with("DATABASE_PATH ") && text.contains(&path.display().to_string()),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

#[tokio::test]
async fn everything_written_is_found_after_a_reopen() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(db_in(&dir)).unwrap();
    let writer = store.writer();
    writer.put_binding(binding("10", 1_000));
    writer.put_cooldown(cooldown("uuid-a", 1_000));
    writer.flush().await;
    drop((store, writer));

    let store = Store::open(db_in(&dir)).unwrap();
    assert_eq!(store.load_bindings(0).unwrap(), vec![binding("10", 1_000)]);
    assert_eq!(
        store.load_cooldowns(0).unwrap(),
        vec![cooldown("uuid-a", 1_000)]
    );
    assert_eq!(
        store
            .binding_by_reply(PLATFORM_DISCORD, "reply-10")
            .unwrap(),
        Some(binding("10", 1_000))
    );
}

#[test]
fn reopening_migrates_nothing_twice() {
    let dir = TempDir::new().unwrap();
    for _ in 0..3 {
        let store = Store::open(db_in(&dir)).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
}

#[test]
fn a_database_from_a_newer_bot_is_refused() {
    let dir = TempDir::new().unwrap();
    let conn = rusqlite::Connection::open(db_in(&dir)).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = Store::open(db_in(&dir)).unwrap_err();
    assert!(matches!(error, StoreError::TooNew { .. }), "{error:?}");
    assert_names_the_path(&error, &db_in(&dir));
}

#[test]
fn a_text_file_or_garbage_is_reported_as_corrupt() {
    let dir = TempDir::new().unwrap();
    let garbage: Vec<u8> = (0..8192_u32)
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[2])
        .collect();
    for content in [b"DISCORD_TOKEN=not a database\n".to_vec(), garbage] {
        std::fs::write(db_in(&dir), content).unwrap();
        let error = Store::open(db_in(&dir)).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
        assert_names_the_path(&error, &db_in(&dir));
    }
}

#[test]
fn a_directory_or_a_missing_directory_is_reported_as_unwritable() {
    let dir = TempDir::new().unwrap();
    for path in [
        dir.path().to_owned(),
        dir.path().join("missing").join("bot.db"),
    ] {
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::Unwritable { .. }), "{error:?}");
        assert_names_the_path(&error, &path);
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_is_reported_as_unwritable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe_written = std::fs::write(dir.path().join("probe"), b"").is_ok();
    let opened = Store::open(db_in(&dir));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    if probe_written {
        return; // running as root: permissions are not enforced, nothing to check
    }
    let error = opened.unwrap_err();
    assert!(matches!(error, StoreError::Unwritable { .. }), "{error:?}");
    assert_names_the_path(&error, &db_in(&dir));
}

#[tokio::test]
async fn expiry_removes_old_rows_only_and_keeps_settings() {
    let store = Store::open_in_memory().unwrap();
    let writer = store.writer();
    writer.put_binding(binding("old", 100));
    writer.put_binding(binding("new", 200));
    writer.put_cooldown(cooldown("old", 100));
    writer.put_cooldown(cooldown("new", 200));
    let settings = Settings::new(Effective::default(), Vec::new()).persisting_to(writer.clone());
    settings.apply(&SettingsChange::set(
        SettingsScope::guild(PLATFORM_DISCORD, "1"),
        quiet(),
    ));
    writer.expire(200);
    writer.flush().await;
    assert_eq!(store.load_bindings(0).unwrap(), vec![binding("new", 200)]);
    assert_eq!(store.load_cooldowns(0).unwrap(), vec![cooldown("new", 200)]);
    assert_eq!(store.load_settings().unwrap().len(), 1);
}

#[tokio::test]
async fn loads_skip_rows_older_than_asked() {
    let store = Store::open_in_memory().unwrap();
    store.writer().put_binding(binding("old", 100));
    store.writer().put_cooldown(cooldown("old", 100));
    store.writer().flush().await;
    assert!(store.load_bindings(101).unwrap().is_empty());
    assert!(store.load_cooldowns(101).unwrap().is_empty());
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_writes_instead_of_blocking() {
    let dir = TempDir::new().unwrap();
    let store = StoreOptions { queue_capacity: 2 }
        .open(db_in(&dir))
        .unwrap();
    // Another connection holds the write lock, so the writer thread stalls and the queue fills.
    let blocker = rusqlite::Connection::open(db_in(&dir)).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // One write first, so the writer thread takes it and stalls on the lock before the burst:
    // then what the burst finds is a stalled writer and a queue of two.
    store.writer().put_binding(binding("first", 1_000));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    for i in 0..10 {
        store.writer().put_binding(binding(&i.to_string(), 1_000));
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "enqueuing blocked for {:?}",
        started.elapsed()
    );
    blocker.execute_batch("COMMIT").unwrap();
    store.writer().flush().await;
    let dropped = store.writer().dropped_writes();
    // The queue holds two of the burst; the rest are dropped (nine if the writer had not yet
    // taken the first write when the burst came).
    assert!((8..=9).contains(&dropped), "{dropped} dropped");
    assert_eq!(store.load_bindings(0).unwrap().len() as u64, 11 - dropped);
}

fn quiet() -> ChannelSettings {
    ChannelSettings {
        passive: Some(false),
        ..ChannelSettings::default()
    }
}

#[tokio::test]
async fn settings_layer_channel_over_guild_over_configuration_and_survive_a_reopen() {
    let dir = TempDir::new().unwrap();
    let defaults = Effective {
        cooldown: Duration::from_secs(600),
        ..Effective::default()
    };
    let store = Store::open(db_in(&dir)).unwrap();
    let settings =
        Settings::new(defaults, store.load_settings().unwrap()).persisting_to(store.writer());
    let compact_names = ChannelSettings {
        card_size: Some(CardSize::Compact),
        requester: Some(RequesterVisibility::Name),
        ..ChannelSettings::default()
    };
    settings.apply(&SettingsChange::set(
        SettingsScope::guild(PLATFORM_DISCORD, "1"),
        quiet(),
    ));
    settings.apply(&SettingsChange::set(
        SettingsScope::channel(PLATFORM_DISCORD, "1", "100"),
        compact_names,
    ));
    store.close().await;
    drop(settings);

    let store = Store::open(db_in(&dir)).unwrap();
    let settings = Settings::new(defaults, store.load_settings().unwrap());
    let here = settings.effective(PLATFORM_DISCORD, Some("1"), "100");
    assert!(!here.passive && here.compact, "{here:?}");
    assert_eq!(here.cooldown, Duration::from_secs(600));
    let elsewhere = settings.effective(PLATFORM_DISCORD, Some("1"), "200");
    assert!(!elsewhere.passive && !elsewhere.compact, "{elsewhere:?}");
    assert!(
        settings
            .effective(PLATFORM_DISCORD, Some("2"), "300")
            .passive
    );
}

#[tokio::test]
async fn a_reset_channel_is_deleted_from_the_database() {
    let store = Store::open_in_memory().unwrap();
    let settings = Settings::new(Effective::default(), Vec::new()).persisting_to(store.writer());
    let scope = SettingsScope::channel(PLATFORM_DISCORD, "1", "100");
    settings.apply(&SettingsChange::set(scope.clone(), quiet()));
    settings.apply(&SettingsChange::reset(scope));
    store.writer().flush().await;
    assert!(store.load_settings().unwrap().is_empty());
}

#[tokio::test]
async fn a_damaged_database_fails_the_integrity_check() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(db_in(&dir)).unwrap();
    for i in 0..200 {
        store
            .writer()
            .put_binding(binding(&format!("{i:04}"), 1_000));
    }
    store.close().await;
    let mut bytes = std::fs::read(db_in(&dir)).unwrap();
    assert!(bytes.len() > 4 * 4096, "{} bytes", bytes.len());
    bytes[2 * 4096..4 * 4096].fill(0xA5);
    std::fs::write(db_in(&dir), bytes).unwrap();
    let error = Store::open(db_in(&dir)).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert_names_the_path(&error, &db_in(&dir));
}
