//! How many live streams each user holds open at once. A stream is a connection kept for
//! hours; without a cap one account (or one stolen token) could hold every connection the
//! server has. A slot is taken when a stream opens and given back when it is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Open streams per user, shared by every worker.
#[derive(Debug, Default)]
pub struct StreamSlots {
    open: Mutex<HashMap<i64, usize>>,
}

/// One user's open stream; dropping it frees the slot.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user: i64,
}

impl StreamSlots {
    /// A slot for `user`, unless she already holds `max` streams.
    pub fn acquire(self: &Arc<Self>, user: i64, max: usize) -> Option<StreamSlot> {
        let mut open = self.lock();
        let held = open.entry(user).or_default();
        if *held >= max {
            return None;
        }
        *held += 1;
        Some(StreamSlot {
            slots: Arc::clone(self),
            user,
        })
    }

    /// Streams `user` holds now.
    pub fn held_by(&self, user: i64) -> usize {
        self.lock().get(&user).copied().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, usize>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.lock();
        if let Some(held) = open.get_mut(&self.user) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_max_slots_and_dropping_one_frees_it() {
        let slots = Arc::new(StreamSlots::default());
        let first = slots.acquire(1, 2).unwrap();
        let _second = slots.acquire(1, 2).unwrap();
        assert!(slots.acquire(1, 2).is_none());
        assert!(
            slots.acquire(2, 2).is_some(),
            "others are not counted against her"
        );
        drop(first);
        assert_eq!(slots.held_by(1), 1);
        assert!(slots.acquire(1, 2).is_some());
    }
}
