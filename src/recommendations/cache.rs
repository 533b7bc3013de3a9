//! The home rail's suggestions, kept per reader for a few minutes: they cost a dozen reads,
//! and a reader opens her home page far more often than what she would be told changes.
//!
//! An entry serves only the scope it was computed for (her readable groups), so losing access
//! to a group never shows a suggestion found through it; and what she did since (followed,
//! joined, dismissed) is taken out at every read (`access::without_done`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Limits, Recommendations, access};
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::{GroupId, UserId};

/// How long an entry serves.
const FRESH_FOR: Duration = Duration::from_secs(300);
/// Entries kept at most; past it, all are dropped at once (a cache, not a store).
const MOST: usize = 20_000;

/// Suggestions per reader.
#[derive(Debug, Default)]
pub struct RailCache {
    entries: Mutex<HashMap<UserId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    made: Instant,
    /// The readable groups of the scope they were computed for.
    readable: Vec<GroupId>,
    suggestions: Recommendations,
}

impl RailCache {
    /// The viewer's suggestions: kept ones if fresh and of her scope as it is, else new.
    pub fn recommend(
        &self,
        conn: &mut DbConnection,
        scope: &Scope,
        limits: Limits,
    ) -> Result<Recommendations> {
        let me = scope.viewer().require_user()?.id;
        if let Some(kept) = self.kept(me, scope.readable_groups()) {
            return access::without_done(conn, scope, kept);
        }
        let made = access::recommend(conn, scope, limits)?;
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MOST {
            entries.clear();
        }
        let entry = Entry {
            made: Instant::now(),
            readable: scope.readable_groups().to_vec(),
            suggestions: made.clone(),
        };
        entries.insert(me, entry);
        Ok(made)
    }

    fn kept(&self, me: UserId, readable: &[GroupId]) -> Option<Recommendations> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(&me)
            .filter(|e| e.made.elapsed() < FRESH_FOR && e.readable == readable)
            .map(|e| e.suggestions.clone())
    }
}
