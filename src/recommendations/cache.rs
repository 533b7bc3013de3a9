//! The home rail's suggestions, kept per reader for a few minutes: they cost a dozen reads,
//! and a reader opens her home page far more often than what she would be told changes.
//!
//! An entry serves only the reader it was computed for as she still is (her readable groups
//! and her department), so losing access to a group never shows a suggestion found through
//! it; what she did since (followed, joined, dismissed) is taken out at every read
//! (`access::without_done`); and nothing is kept while there is nothing to suggest, so a new
//! network or a new person sees suggestions as soon as there are some.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Limits, Recommendations, access};
use crate::access::Scope;
use crate::accounts;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::{GroupId, UserId};
use crate::posts::trending::Trending;

/// How long an entry serves.
const FRESH_FOR: Duration = Duration::from_secs(300);
/// Entries kept at most; past it, all are dropped at once (a cache, not a store).
const MOST: usize = 20_000;

/// Who suggestions were computed for: her readable groups and her department.
type Reader = (Vec<GroupId>, String);

/// Suggestions per reader.
#[derive(Debug, Default)]
pub struct RailCache {
    entries: Mutex<HashMap<UserId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    made: Instant,
    reader: Reader,
    suggestions: Recommendations,
}

impl RailCache {
    /// The viewer's suggestions: kept ones if fresh and made for her as she is, else new.
    pub fn recommend(
        &self,
        conn: &mut DbConnection,
        scope: &Scope,
        trending: &Trending,
        limits: Limits,
    ) -> Result<Recommendations> {
        let me = accounts::access::current_user(conn, scope.viewer())?;
        let reader = (scope.readable_groups().to_vec(), me.department.clone());
        if let Some(kept) = self.kept(me.id, &reader) {
            return access::without_done(conn, scope, kept);
        }
        let made = access::recommend(conn, scope, trending, limits)?;
        if made.is_empty() {
            return Ok(made);
        }
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MOST {
            entries.clear();
        }
        let entry = Entry {
            made: Instant::now(),
            reader,
            suggestions: made.clone(),
        };
        entries.insert(me.id, entry);
        Ok(made)
    }

    fn kept(&self, me: UserId, reader: &Reader) -> Option<Recommendations> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(&me)
            .filter(|e| e.made.elapsed() < FRESH_FOR && &e.reader == reader)
            .map(|e| e.suggestions.clone())
    }
}
