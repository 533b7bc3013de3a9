//! Trending tags, counted at most a minute ago: the count is an aggregate over a week of tags,
//! milliseconds per home page, and changes little from one minute to the next.
//!
//! An entry serves exactly the readers it was counted for: those who may read the same groups
//! and the company feed or not (what the count reads), so no count crosses from one set of
//! readable places to another, and losing a group changes the key. What takes a tag away (a
//! post or comment edited or deleted, by anyone, in any process) empties the cache as soon as
//! the live hub publishes it, so a removed tag never lingers for the minute. Nothing is kept
//! while nothing trends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast::{self, error::RecvError};

use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::GroupId;
use crate::live::Signal;

/// How long an entry serves.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Entries kept at most; past it, all are dropped at once (a cache, not a store).
const MOST: usize = 20_000;

/// The event kinds after which a tag may be gone.
const REMOVING: [&str; 4] = [
    "post.edited",
    "post.deleted",
    "comment.edited",
    "comment.deleted",
];

/// What a count depends on: the readable groups (sorted), whether the company feed is
/// readable, and how many tags were asked for.
type Key = (Vec<GroupId>, bool, i64);

/// Each entry: when it was counted, and the tags with their counts.
type Entries = HashMap<Key, (Instant, Arc<Vec<(String, i64)>>)>;

/// Counted trending tags per set of readable places.
#[derive(Debug, Default)]
pub struct Trending {
    entries: Mutex<Entries>,
}

impl Trending {
    /// The `limit` tags most used over the last 7 days in what the viewer may read, with their
    /// counts: as `access::trending_tags` counts them, at most a minute ago.
    pub fn tags(
        &self,
        conn: &mut DbConnection,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        scope.viewer().require_user()?;
        // The scope keeps its readable groups sorted: equal sets make equal keys.
        let key = (
            scope.readable_groups().to_vec(),
            scope.reads_company(),
            limit,
        );
        if let Some((made, tags)) = self.lock().get(&key)
            && made.elapsed() < FRESH_FOR
        {
            return Ok(tags.as_ref().clone());
        }
        let tags = super::access::trending_tags(conn, scope, limit)?;
        // Nothing is kept while nothing trends, so a new network's first tags show at once.
        if tags.is_empty() {
            return Ok(tags);
        }
        let mut entries = self.lock();
        if entries.len() >= MOST {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), Arc::new(tags.clone())));
        Ok(tags)
    }

    /// Drops every entry.
    pub fn forget(&self) {
        self.lock().clear();
    }

    /// Empties the cache whenever the hub publishes an event that may take a tag away, or
    /// when signals were missed; ends with the hub.
    pub async fn forget_on_removals(self: Arc<Self>, mut signals: broadcast::Receiver<Signal>) {
        loop {
            match signals.recv().await {
                Ok(Signal::Event(event)) if REMOVING.contains(&event.meta.kind.as_str()) => {
                    self.forget()
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.forget(),
                Err(RecvError::Closed) => return,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
