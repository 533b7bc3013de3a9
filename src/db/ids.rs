//! Time-ordered 64-bit ids made by the app (Snowflake-like): 41 bits of milliseconds since
//! 2024-01-01, 10 bits of node, 12 bits of sequence. Ids from one process are strictly
//! increasing; the node keeps several processes on one database apart.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

const EPOCH_MS: u64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const SEQUENCE_BITS: u32 = 12;

/// Hands out ids for one process.
#[derive(Debug)]
pub struct IdGenerator {
    node: u64,
    /// The last (millisecond, sequence) handed out.
    last: Mutex<(u64, u64)>,
}

impl IdGenerator {
    /// A generator for `node` (taken modulo 1024).
    pub fn new(node: u16) -> IdGenerator {
        IdGenerator {
            node: u64::from(node) & ((1 << NODE_BITS) - 1),
            last: Mutex::new((0, 0)),
        }
    }

    /// The next id: never smaller than the previous one, even if the clock steps back.
    pub fn next(&self) -> i64 {
        let now = now_ms();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (mut ms, mut seq) = *last;
        if now > ms {
            (ms, seq) = (now, 0);
        } else {
            seq += 1;
            if seq >> SEQUENCE_BITS != 0 {
                // Sequence exhausted within this millisecond: borrow the next one.
                (ms, seq) = (ms + 1, 0);
            }
        }
        *last = (ms, seq);
        let id = (ms << (NODE_BITS + SEQUENCE_BITS)) | (self.node << SEQUENCE_BITS) | seq;
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

/// The process-wide generator, with a node drawn at random at start so that several processes
/// sharing one database do not collide.
pub fn new_id() -> i64 {
    use std::sync::OnceLock;
    static GENERATOR: OnceLock<IdGenerator> = OnceLock::new();
    GENERATOR
        .get_or_init(|| IdGenerator::new(rand::random()))
        .next()
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

    #[test]
    fn node_is_encoded_between_time_and_sequence() {
        let id = IdGenerator::new(5).next() as u64;
        assert_eq!((id >> SEQUENCE_BITS) & 0x3ff, 5);
    }
}
