//! What the reply bindings cost in memory when full: 10,000 cards, the most kept.
//!
//! A test binary of its own: the counting allocator (`dhat`, testing mode) is global and sees
//! every thread, so it must not share a process with other tests.

use xalantis_bot::discord::bindings::{Binding, Bindings, MAX_BINDINGS, now_unix};
use xalantis_bot::discord::live::Fingerprint;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Most heap bytes one binding (and its reverse index) may cost: 297 measured. A card naming one
/// ticket holds about 170 bytes of its own on the heap (the binding, the ticket's UUID); the map,
/// its insertion queue and the reverse index cost the rest. Before, the fingerprint was kept as
/// text and the reverse index in a second `Recent`: 514 bytes. In the general cache used first
/// (moka), a binding cost 756 bytes by this count (without the re-binds).
const MOST_BYTES_PER_BINDING: usize = 350;

fn binding(n: u64) -> Binding {
    let uuid = format!("00000000-0000-4000-8000-{n:012}");
    Binding {
        channel_id: 1_200_000_000_000_000_000 + n % 20,
        guild_id: Some(1_100_000_000_000_000_003),
        reply_id: Some(1_300_000_000_000_000_000 + n),
        owner: 1_400_000_000_000_000_000,
        fingerprint: Fingerprint::from_stored(&format!("{uuid}|open|high|Alice Martin|1764288000")),
        tickets: vec![uuid],
        created_at: now_unix(),
    }
}

/// One test only: a `dhat` profiler is process-wide, and tests run on parallel threads.
#[test]
fn ten_thousand_bindings_cost_at_most_350_bytes_each() {
    // On failure dhat saves its profile: keep it out of the source tree.
    let _profiler = dhat::Profiler::builder()
        .testing()
        .file_name(std::env::temp_dir().join("bindings-memory-dhat-heap.json"))
        .build();
    let bindings = Bindings::new(None);
    let before = dhat::HeapStats::get();
    // Twice the bound: the older half must be forgotten, and their memory with them. Then the
    // newest fifth is bound again, as live cards and edits do, which leaves stale entries in
    // the insertion queues.
    let max = u64::try_from(MAX_BINDINGS).unwrap();
    let cards = 2 * max;
    for n in (0..cards).chain(cards - max / 5..cards) {
        bindings.bind(1_000_000 + n, binding(n));
    }
    let after = dhat::HeapStats::get();
    let first_kept = cards - max;
    assert!(
        bindings.get(1_000_000 + first_kept - 1).is_none(),
        "older ones forgotten"
    );
    for n in [first_kept, first_kept + max / 2, cards - 1] {
        assert_eq!(
            bindings.get(1_000_000 + n).and_then(|b| b.reply_id),
            Some(1_300_000_000_000_000_000 + n),
            "binding {n} kept"
        );
        assert_eq!(
            bindings.source_of(1_300_000_000_000_000_000 + n),
            Some(1_000_000 + n),
            "reply {n} kept"
        );
    }
    assert_eq!(bindings.live().len(), MAX_BINDINGS);
    let per_binding = (after.curr_bytes - before.curr_bytes) / MAX_BINDINGS;
    println!(
        "{per_binding} bytes per binding ({} bytes for {MAX_BINDINGS})",
        after.curr_bytes - before.curr_bytes
    );
    dhat::assert!(
        per_binding <= MOST_BYTES_PER_BINDING,
        "{per_binding} bytes per binding"
    );
}
