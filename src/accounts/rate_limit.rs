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

    /// `Err(wait)` when either the account or the address is over its limit.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.lock();
        let wait_account = Self::wait(
            &mut failures,
            &account_key(email),
            self.per_account,
            self.window,
            now,
        );
        let wait_ip = Self::wait(&mut failures, &ip_key(ip), self.per_ip, self.window, now);
        match wait_account.max(wait_ip) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Records a failed sign-in for both keys.
    pub fn record_failure(&self, email: &str, ip: &str) {
        let now = Instant::now();
        let mut failures = self.lock();
        for key in [account_key(email), ip_key(ip)] {
            failures.entry(key).or_default().push_back(now);
        }
        if failures.len() > 100_000 {
            // Bound memory under a spray of distinct keys: forget windows that have passed.
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
    }

    /// Forgets the account's failures after a successful sign-in.
    pub fn record_success(&self, email: &str) {
        self.lock().remove(&account_key(email));
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
        limiter.record_failure("Ana@x.com", "1.1.1.1");
        assert!(limiter.check("ana@x.com", "2.2.2.2").is_ok());
        limiter.record_failure("ana@x.com", "2.2.2.2");
        let wait = limiter.check("ana@x.com", "3.3.3.3").unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1));
        limiter.record_success("ana@x.com");
        assert!(limiter.check("ana@x.com", "3.3.3.3").is_ok());
    }

    #[test]
    fn the_address_limit_applies_across_accounts() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 100, 3);
        for n in 0..3 {
            limiter.record_failure(&format!("user{n}@x.com"), "9.9.9.9");
        }
        assert!(limiter.check("someone@x.com", "9.9.9.9").is_err());
        assert!(limiter.check("someone@x.com", "8.8.8.8").is_ok());
    }
}
