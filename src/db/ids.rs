//! Time-ordered 64-bit ids made by the app (Snowflake-like): 41 bits of milliseconds since
//! 2024-01-01, 10 bits of node, 12 bits of sequence. Ids from one process are strictly
//! increasing; the node keeps several processes on one database apart. A serving process
//! leases its node from the database ([`super::node_lease`]) and uses it only while the lease
//! surely holds; otherwise (a one-off command, a lease run out) it uses a node drawn at random
//! from the upper half, which leases never hand out.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const EPOCH_MS: u64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const SEQUENCE_BITS: u32 = 12;
/// Nodes below this are leased; the rest are drawn at random.
pub const LEASED_NODES: u16 = 512;

/// Hands out ids for one process.
#[derive(Debug)]
pub struct IdGenerator {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The node used without a lease.
    unleased: u64,
    /// The leased node and the moment it must stop being used.
    lease: Option<(u64, Instant)>,
    /// The last (millisecond, node, sequence) handed out.
    last: (u64, u64, u64),
}

impl IdGenerator {
    /// A generator for `node` (taken modulo 1024), until it is given a lease.
    pub fn new(node: u16) -> IdGenerator {
        IdGenerator {
            state: Mutex::new(State {
                unleased: u64::from(node) & ((1 << NODE_BITS) - 1),
                lease: None,
                last: (0, 0, 0),
            }),
        }
    }

    /// Uses `node` until `until`, then the unleased node again unless renewed before.
    pub fn lease(&self, node: u16, until: Instant) {
        self.lock().lease = Some((u64::from(node) & ((1 << NODE_BITS) - 1), until));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next id: never smaller than the previous one, even if the clock steps back or the
    /// node changes.
    pub fn next(&self) -> i64 {
        let now = now_ms();
        let mut state = self.lock();
        let node = match state.lease {
            Some((node, until)) if Instant::now() < until => node,
            _ => state.unleased,
        };
        let (mut ms, last_node, mut seq) = state.last;
        if now > ms {
            (ms, seq) = (now, 0);
        } else if node != last_node {
            // A smaller node within the same millisecond would make a smaller id.
            (ms, seq) = (ms + 1, 0);
        } else {
            seq += 1;
            if seq >> SEQUENCE_BITS != 0 {
                // Sequence exhausted within this millisecond: borrow the next one.
                (ms, seq) = (ms + 1, 0);
            }
        }
        state.last = (ms, node, seq);
        let id = (ms << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | seq;
        i64::try_from(id).unwrap_or(i64::MAX)
    }
}

/// The id a generator on node 0 would give at `unix_ms` with `sequence`: for loading data
/// with past timestamps (the benchmark's seeder) so ids stay time-ordered.
pub fn id_at(unix_ms: u64, sequence: u16) -> i64 {
    let ms = unix_ms.saturating_sub(EPOCH_MS);
    let id =
        (ms << (NODE_BITS + SEQUENCE_BITS)) | (u64::from(sequence) & ((1 << SEQUENCE_BITS) - 1));
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn now_ms() -> u64 {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since_unix.as_millis())
        .unwrap_or(u64::MAX)
        .saturating_sub(EPOCH_MS)
}

/// The process-wide generator: its unleased node is drawn at random from the upper half.
pub fn generator() -> &'static IdGenerator {
    use std::sync::OnceLock;
    static GENERATOR: OnceLock<IdGenerator> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        IdGenerator::new(rand::Rng::gen_range(
            &mut rand::thread_rng(),
            LEASED_NODES..1 << NODE_BITS,
        ))
    })
}

/// The next id of the process-wide generator.
pub fn new_id() -> i64 {
    generator().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_strictly_increase_within_one_millisecond_burst() {
        let ids = IdGenerator::new(7);
        let drawn: Vec<i64> = (0..10_000).map(|_| ids.next()).collect();
        assert!(drawn.windows(2).all(|w| w[0] < w[1]));
        assert!(drawn[0] > 0);
    }

    fn node_of(id: i64) -> u64 {
        (id as u64 >> SEQUENCE_BITS) & 0x3ff
    }

    #[test]
    fn node_is_encoded_between_time_and_sequence() {
        assert_eq!(node_of(IdGenerator::new(5).next()), 5);
    }

    #[test]
    fn a_lease_is_used_until_it_runs_out_and_ids_keep_increasing() {
        let ids = IdGenerator::new(700);
        let before = ids.next();
        ids.lease(3, Instant::now() + std::time::Duration::from_millis(50));
        let leased = ids.next();
        assert_eq!((node_of(before), node_of(leased)), (700, 3));
        // The smaller node moved to a later millisecond rather than make a smaller id.
        assert!(leased > before);
        std::thread::sleep(std::time::Duration::from_millis(60));
        let after = ids.next();
        assert_eq!(node_of(after), 700);
        assert!(after > leased);
    }
}
