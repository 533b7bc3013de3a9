//! How many live streams each user holds open at once. A stream is a connection kept for
//! hours; without a cap one account (or one stolen token) could hold every connection the
//! server has. Past the cap, a new stream closes the user's oldest rather than being refused:
//! a page left behind is often still counted (the server notices a closed connection only at
//! its next write), and a user moving between pages must not be locked out by her own past.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::ids::UserId;

/// A user's open streams, oldest first: each slot's id and the signal that closes it.
type Held = VecDeque<(u64, Arc<Notify>)>;

/// Open streams per user, shared by every worker.
#[derive(Debug, Default)]
pub struct StreamSlots {
    open: Mutex<HashMap<UserId, Held>>,
    next: AtomicU64,
}

/// One user's open stream; dropping it frees the slot.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user: UserId,
    id: u64,
    closed: Arc<Notify>,
}

impl StreamSlots {
    /// A slot for `user`; when she already holds `max`, her oldest stream is told to close.
    pub fn acquire(self: &Arc<Self>, user: UserId, max: usize) -> StreamSlot {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let closed = Arc::new(Notify::new());
        let mut open = self.lock();
        let held = open.entry(user).or_default();
        held.push_back((id, Arc::clone(&closed)));
        while held.len() > max.max(1) {
            if let Some((_, oldest)) = held.pop_front() {
                // A permit is kept if the stream is not waiting at this moment.
                oldest.notify_one();
            }
        }
        StreamSlot {
            slots: Arc::clone(self),
            user,
            id,
            closed,
        }
    }

    /// Streams `user` holds now.
    pub fn held_by(&self, user: UserId) -> usize {
        self.lock().get(&user).map_or(0, VecDeque::len)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<UserId, Held>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl StreamSlot {
    /// Resolves once a newer stream of the same user has taken this one's place.
    pub async fn closed(&self) {
        self.closed.notified().await;
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.lock();
        if let Some(held) = open.get_mut(&self.user) {
            held.retain(|(id, _)| *id != self.id);
            if held.is_empty() {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_new_stream_past_the_cap_closes_the_oldest() {
        let slots = Arc::new(StreamSlots::default());
        let first = slots.acquire(UserId(1), 2);
        let second = slots.acquire(UserId(1), 2);
        let _other = slots.acquire(UserId(2), 2);
        let _third = slots.acquire(UserId(1), 2);
        assert_eq!(slots.held_by(UserId(1)), 2);
        first.closed().await;
        drop(first);
        assert_eq!(slots.held_by(UserId(1)), 2, "the oldest was already let go");
        drop(second);
        assert_eq!(slots.held_by(UserId(1)), 1);
        assert_eq!(
            slots.held_by(UserId(2)),
            1,
            "others are not counted against her"
        );
    }
}
