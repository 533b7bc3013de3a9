//! At most `per_host` requests in flight to any one host, so a page full of links to one site
//! cannot turn us into a flood against it. A host's counter lives only while someone uses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Hosts = Arc<Mutex<HashMap<String, Arc<Semaphore>>>>;

#[derive(Debug)]
pub struct Slots {
    per_host: usize,
    hosts: Hosts,
}

/// A request's place; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    semaphore: Arc<Semaphore>,
    host: String,
    hosts: Hosts,
}

impl Slots {
    pub fn new(per_host: usize) -> Slots {
        Slots {
            per_host,
            hosts: Hosts::default(),
        }
    }

    /// Waits for a place among the requests to `host`.
    pub async fn take(&self, host: &str) -> Slot {
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        // Never closed, so acquiring fails only in theory; a slot without a permit is then
        // merely one request over the limit.
        let permit = semaphore.clone().acquire_owned().await.ok();
        Slot {
            permit,
            semaphore,
            host: host.to_string(),
            hosts: self.hosts.clone(),
        }
    }

    #[cfg(test)]
    fn hosts(&self) -> usize {
        self.hosts.lock().map(|h| h.len()).unwrap_or_default()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.permit.take();
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        // Held by the map and by us alone: nobody else waits on this host.
        if Arc::strong_count(&self.semaphore) == 2 {
            hosts.remove(&self.host);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_takes_as_many_places_as_allowed_and_is_forgotten_after() {
        let slots = Slots::new(2);
        let first = slots.take("a.example").await;
        let second = slots.take("a.example").await;
        assert_eq!(first.semaphore.available_permits(), 0);
        let other = slots.take("b.example").await;
        assert_eq!(other.semaphore.available_permits(), 1);
        assert_eq!(slots.hosts(), 2);
        drop((first, second, other));
        assert_eq!(slots.hosts(), 0);
    }
}
