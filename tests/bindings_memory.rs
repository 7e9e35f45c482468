//! What the reply bindings cost in memory when full: 10,000 cards, the most kept.
//!
//! A test binary of its own: the counting allocator (`dhat`, testing mode) is global and sees
//! every thread, so it must not share a process with other tests.

use xalantis_bot::discord::bindings::{Binding, Bindings, MAX_BINDINGS, now_unix};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Most heap bytes one binding (and its reverse index) may cost: 552 measured. A card naming one
/// ticket holds about 130 bytes of its own on the heap (the ticket's UUID, the fingerprint of
/// what it shows); the two maps and their insertion queues cost the rest. In the general cache
/// used before (moka), a binding cost 756 bytes by this count.
const MOST_BYTES_PER_BINDING: usize = 600;

fn binding(n: u64) -> Binding {
    let uuid = format!("00000000-0000-4000-8000-{n:012}");
    Binding {
        channel_id: 1_200_000_000_000_000_000 + n % 20,
        guild_id: Some(1_100_000_000_000_000_003),
        reply_id: Some(1_300_000_000_000_000_000 + n),
        owner: 1_400_000_000_000_000_000,
        fingerprint: format!("{uuid}|open|high|Alice Martin|1764288000"),
        tickets: vec![uuid],
        created_at: now_unix(),
    }
}

/// One test only: a `dhat` profiler is process-wide, and tests run on parallel threads.
#[test]
fn ten_thousand_bindings_cost_at_most_600_bytes_each() {
    // On failure dhat saves its profile: keep it out of the source tree.
    let _profiler = dhat::Profiler::builder()
        .testing()
        .file_name(std::env::temp_dir().join("bindings-memory-dhat-heap.json"))
        .build();
    let bindings = Bindings::new(None);
    let before = dhat::HeapStats::get();
    // Twice the bound: the older half must be forgotten, and their memory with them.
    let cards = 2 * u64::try_from(MAX_BINDINGS).unwrap();
    for n in 0..cards {
        bindings.bind(1_000_000 + n, binding(n));
    }
    let after = dhat::HeapStats::get();
    assert!(bindings.get(1_000_000).is_none(), "the oldest is forgotten");
    assert_eq!(
        bindings.get(1_000_000 + cards - 1).map(|b| b.reply_id),
        Some(Some(1_300_000_000_000_000_000 + cards - 1))
    );
    let per_binding = (after.curr_bytes - before.curr_bytes) / 10_000;
    println!(
        "{per_binding} bytes per binding ({} bytes for {MAX_BINDINGS})",
        after.curr_bytes - before.curr_bytes
    );
    dhat::assert!(
        per_binding <= MOST_BYTES_PER_BINDING,
        "{per_binding} bytes per binding"
    );
}
