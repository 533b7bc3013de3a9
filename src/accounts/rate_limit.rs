//! Sign-in failure limits per account and per client address, kept in memory: a sliding
//! window of failure times per key. Each process counts its own; behind a load balancer the
//! effective limit is the configured one times the number of processes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failed sign-ins.
#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    per_account: u32,
    per_ip: u32,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Allows `per_account` and `per_ip` failures within `window`.
    pub fn new(window: Duration, per_account: u32, per_ip: u32) -> LoginLimiter {
        LoginLimiter {
            window,
            per_account,
            per_ip,
            failures: Mutex::default(),
        }
    }

    /// Starts a sign-in attempt: `Err(wait)` when the account or the address is over its
    /// limit; otherwise the attempt is counted as a failure at once, under the same lock as
    /// the check, so parallel attempts cannot all pass before any of them is counted. A
    /// successful attempt takes its count back ([`Attempt::succeeded`]).
    pub fn begin(&self, email: &str, ip: &str) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let mut failures = self.lock();
        let (account, ip) = (account_key(email), ip_key(ip));
        let wait_account = Self::wait(&mut failures, &account, self.per_account, self.window, now);
        let wait_ip = Self::wait(&mut failures, &ip, self.per_ip, self.window, now);
        if let Some(wait) = wait_account.max(wait_ip) {
            return Err(wait);
        }
        for key in [&account, &ip] {
            failures.entry(key.clone()).or_default().push_back(now);
        }
        self.forget_passed_windows(&mut failures, now);
        Ok(Attempt {
            limiter: self,
            account,
            ip,
            at: now,
        })
    }

    /// Bounds memory under a spray of distinct keys: forgets windows that have passed.
    fn forget_passed_windows(
        &self,
        failures: &mut HashMap<String, VecDeque<Instant>>,
        now: Instant,
    ) {
        if failures.len() > 100_000 {
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
    }

    fn wait(
        failures: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Option<Duration> {
        let times = failures.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.len() < limit as usize {
            return None;
        }
        let oldest = *times.front()?;
        Some(
            window
                .saturating_sub(now.duration_since(oldest))
                .max(Duration::from_secs(1)),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A sign-in attempt in progress, already counted as a failure.
#[derive(Debug)]
#[must_use = "an attempt that is dropped stays counted as a failure"]
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    account: String,
    ip: String,
    at: Instant,
}

impl Attempt<'_> {
    /// The password was right: the account's failures are forgotten, and this attempt no
    /// longer counts against the address.
    pub fn succeeded(self) {
        let mut failures = self.limiter.lock();
        failures.remove(&self.account);
        if let Some(times) = failures.get_mut(&self.ip)
            && let Some(index) = times.iter().position(|t| *t == self.at)
        {
            times.remove(index);
        }
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_limit_applies_across_addresses_and_clears_on_success() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 2, 100);
        let _failed = limiter.begin("Ana@x.com", "1.1.1.1").unwrap();
        let _failed = limiter.begin("ana@x.com", "2.2.2.2").unwrap();
        let wait = limiter.begin("ana@x.com", "3.3.3.3").unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1));
        limiter.lock().clear();
        limiter.begin("ana@x.com", "3.3.3.3").unwrap().succeeded();
        limiter.begin("ana@x.com", "3.3.3.3").unwrap().succeeded();
        limiter.begin("ana@x.com", "3.3.3.3").unwrap().succeeded();
        assert!(
            limiter.lock().values().all(VecDeque::is_empty),
            "successes count nowhere"
        );
    }

    #[test]
    fn the_address_limit_applies_across_accounts() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 100, 3);
        for n in 0..3 {
            let _failed = limiter.begin(&format!("user{n}@x.com"), "9.9.9.9").unwrap();
        }
        assert!(limiter.begin("someone@x.com", "9.9.9.9").is_err());
        assert!(limiter.begin("someone@x.com", "8.8.8.8").is_ok());
    }

    #[test]
    fn parallel_attempts_are_counted_before_any_password_is_checked() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 5, 100);
        let started: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..30)
                .map(|_| s.spawn(|| limiter.begin("ana@x.com", "1.1.1.1").is_ok()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(started.iter().filter(|ok| **ok).count(), 5);
    }
}
