//! Trending tags: the week's tag uses counted once a minute per place (the company feed and
//! each group), and summed for each reader over the places she may read.
//!
//! A body is in exactly one place, so a reader's sum is what counting her places directly
//! would give, and one count serves every reader: a home page no longer pays an aggregate over
//! a week of tags per set of readable places. Uses recorded since the count are added at the
//! next read (one range of the `created_at` index), so a new tag trends at once. What takes a
//! tag away (a post or comment edited or deleted, by anyone, in any process) drops the count as
//! soon as the live hub publishes it, so a removed tag never lingers; the next read counts
//! again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::broadcast::{self, error::RecvError};

use super::queries::TagUses;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::GroupId;
use crate::live::Signal;

/// How long a count serves before the week is counted again (uses recorded since are added
/// at each read; what falls out of the week leaves at the next count).
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Answers kept per count at most; past it, they are dropped at once (a cache, not a store).
const MOST_ANSWERS: usize = 20_000;

/// The event kinds after which a tag may be gone.
const REMOVING: [&str; 4] = [
    "post.edited",
    "post.deleted",
    "comment.edited",
    "comment.deleted",
];

/// A place: a group, or the company feed (`None`).
type Place = Option<GroupId>;

/// What an answer depends on: the readable groups (sorted), whether the company feed is
/// readable, and how many tags were asked for.
type Key = (Vec<GroupId>, bool, i64);

/// The week's tag uses per place, and the answers summed from them.
#[derive(Debug)]
struct Week {
    counted: Instant,
    /// The newest use counted: later ones are added at the next read.
    newest: NaiveDateTime,
    uses: HashMap<Place, HashMap<String, i64>>,
    answers: HashMap<Key, Arc<Vec<(String, i64)>>>,
}

impl Week {
    /// Adds uses, as `queries::tag_uses_by_place` reads them.
    fn add(&mut self, rows: Vec<TagUses>) {
        if rows.is_empty() {
            return;
        }
        for (place, tag, uses, newest) in rows {
            *self.uses.entry(place).or_default().entry(tag).or_default() += uses;
            self.newest = self.newest.max(newest);
        }
        self.answers.clear();
    }

    /// The `limit` tags most used in `places`, most used first, then by name.
    fn most_used(&self, places: impl Iterator<Item = Place>, limit: i64) -> Vec<(String, i64)> {
        let mut sums: HashMap<&str, i64> = HashMap::new();
        for tags in places.filter_map(|place| self.uses.get(&place)) {
            for (tag, uses) in tags {
                *sums.entry(tag).or_default() += uses;
            }
        }
        let mut tags: Vec<(&str, i64)> = sums.into_iter().collect();
        tags.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        tags.truncate(usize::try_from(limit).unwrap_or(0));
        tags.into_iter()
            .map(|(tag, uses)| (tag.to_string(), uses))
            .collect()
    }
}

/// Trending tags, counted for every reader at once.
#[derive(Debug, Default)]
pub struct Trending {
    week: Mutex<Option<Week>>,
}

impl Trending {
    /// The `limit` tags most used over the last 7 days in what the viewer may read (posts and
    /// comments in her readable groups, and in the company feed if she reads it), with their
    /// counts.
    pub fn tags(
        &self,
        conn: &mut DbConnection,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        scope.viewer().require_user()?;
        // Held while counting: one count at a time, which every waiting reader then shares.
        let mut week = self.lock();
        let week = match week.take() {
            Some(mut kept) if kept.counted.elapsed() < FRESH_FOR => {
                kept.add(super::queries::tag_uses_by_place(conn, kept.newest)?);
                week.insert(kept)
            }
            _ => week.insert(count(conn)?),
        };
        // The scope keeps its readable groups sorted: equal sets make equal keys.
        let key = (
            scope.readable_groups().to_vec(),
            scope.reads_company(),
            limit,
        );
        if let Some(answer) = week.answers.get(&key) {
            return Ok(answer.as_ref().clone());
        }
        let answer = week.most_used(super::access::readable_places(scope), limit);
        if week.answers.len() >= MOST_ANSWERS {
            week.answers.clear();
        }
        week.answers.insert(key, Arc::new(answer.clone()));
        Ok(answer)
    }

    /// Drops the count: the next read counts the week again.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    /// Drops the count whenever the hub publishes an event that may take a tag away, or when
    /// signals were missed; ends with the hub.
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

    fn lock(&self) -> MutexGuard<'_, Option<Week>> {
        self.week
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The last 7 days' tag uses, per place.
fn count(conn: &mut DbConnection) -> Result<Week> {
    let since = chrono::Utc::now().naive_utc() - chrono::Duration::days(7);
    let mut week = Week {
        counted: Instant::now(),
        newest: since,
        uses: HashMap::new(),
        answers: HashMap::new(),
    };
    week.add(super::queries::tag_uses_by_place(conn, since)?);
    Ok(week)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(seconds, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn a_readers_tags_are_the_sums_over_her_places_most_used_first_then_by_name() {
        let (company, team, other) = (None, Some(GroupId(1)), Some(GroupId(2)));
        let mut week = Week {
            counted: Instant::now(),
            newest: at(0),
            uses: HashMap::new(),
            answers: HashMap::new(),
        };
        week.add(vec![
            (company, "rust".into(), 2, at(10)),
            (team, "rust".into(), 1, at(30)),
            (team, "go".into(), 3, at(20)),
            (other, "zig".into(), 9, at(40)),
        ]);
        assert_eq!(week.newest, at(40));
        let tags = week.most_used([company, team].into_iter(), 10);
        assert_eq!(tags, [("go".to_string(), 3), ("rust".to_string(), 3)]);
        assert_eq!(
            week.most_used([company].into_iter(), 10),
            [("rust".into(), 2)]
        );
        assert_eq!(
            week.most_used([other, team].into_iter(), 1),
            [("zig".into(), 9)]
        );
        week.answers
            .insert((Vec::new(), true, 1), Arc::new(Vec::new()));
        week.add(vec![(company, "go".into(), 1, at(50))]);
        assert!(week.answers.is_empty(), "what was summed before is dropped");
        assert_eq!(
            week.most_used([company].into_iter(), 1),
            [("rust".into(), 2)]
        );
    }
}
