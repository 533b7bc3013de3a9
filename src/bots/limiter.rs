//! How often an incoming webhook may post: a sliding window of accepted posts per hook, in
//! memory. Each process counts its own, like the sign-in limits; behind a load balancer the
//! effective limit is the configured one times the number of processes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Posts an incoming webhook may make per window.
pub const POSTS_PER_WINDOW: usize = 30;
/// The window: a minute.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Counts each hook's recent posts.
#[derive(Debug, Default)]
pub struct HookLimiter {
    posts: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

impl HookLimiter {
    /// Takes a place for a post by hook `id`: `Err(wait)` when it posted its fill within the
    /// window. The place is taken under the same lock as the check, so a burst of parallel
    /// posts cannot all pass; [`HookLimiter::give_back`] returns it when the post failed.
    pub fn take(&self, id: i64) -> Result<Instant, Duration> {
        let now = Instant::now();
        let mut posts = self.posts.lock().unwrap_or_else(|e| e.into_inner());
        if posts.len() > 10_000 {
            posts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let times = posts.entry(id).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= POSTS_PER_WINDOW {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(now)
    }

    /// Returns the place taken at `at` by hook `id`: its post was refused, so it does not count.
    pub fn give_back(&self, id: i64, at: Instant) {
        let mut posts = self.posts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(times) = posts.get_mut(&id)
            && let Some(index) = times.iter().rposition(|t| *t == at)
        {
            times.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_posts_its_fill_then_waits_and_others_are_not_slowed() {
        let limiter = HookLimiter::default();
        for _ in 0..POSTS_PER_WINDOW {
            assert!(limiter.take(1).is_ok());
        }
        let wait = limiter.take(1).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= WINDOW);
        assert!(limiter.take(2).is_ok());
    }

    #[test]
    fn a_refused_post_gives_its_place_back() {
        let limiter = HookLimiter::default();
        for _ in 0..POSTS_PER_WINDOW {
            let at = limiter.take(1).unwrap();
            limiter.give_back(1, at);
        }
        assert!(limiter.take(1).is_ok());
    }
}
