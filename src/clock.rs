//! The time at which people's actions are written down.
//!
//! Posts, comments, likes, follows, groups, accounts and the events they append take their
//! time from [`now`], which is the wall clock except inside [`travel`]: the demo writes three
//! months of history through the very actions the app uses, each at its moment in the story.
//! Machinery (sessions, tokens, the outbox, workers, guest expiry) keeps the wall clock.

use std::cell::Cell;

use chrono::{NaiveDateTime, Utc};

thread_local! {
    static TRAVELLED: Cell<Option<NaiveDateTime>> = const { Cell::new(None) };
}

/// The time of an action taken now on this thread.
pub fn now() -> NaiveDateTime {
    TRAVELLED
        .with(Cell::get)
        .unwrap_or_else(|| Utc::now().naive_utc())
}

/// Runs `f` with [`now`] reading `at` on this thread, then restores the clock (also when `f`
/// panics).
pub fn travel<T>(at: NaiveDateTime, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<NaiveDateTime>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TRAVELLED.with(|t| t.set(self.0));
        }
    }
    let _restore = Restore(TRAVELLED.with(|t| t.replace(Some(at))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travel_sets_the_clock_for_its_closure_only() {
        let at = NaiveDateTime::parse_from_str("2025-03-01 09:30:00", "%Y-%m-%d %H:%M:%S")
            .expect("a valid time");
        let inner = travel(at, || (now(), travel(at + chrono::Duration::hours(1), now)));
        assert_eq!(inner, (at, at + chrono::Duration::hours(1)));
        assert!(now() > at, "the wall clock is back");
        let elsewhere = travel(at, || std::thread::spawn(now).join().expect("thread"));
        assert!(elsewhere > at, "other threads keep the wall clock");
    }
}
