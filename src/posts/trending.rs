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
//!
//! The recommendations rail's "active this week in your department" is counted here too: each
//! department's posts of the week per group, once a minute per department for all its readers
//! (an aggregate over a week of posts, 22–30 ms at the benchmark's full size, made per
//! reader before). It counts every group; a reader is told only of the groups she may read.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::broadcast::{self, error::RecvError};

use super::access::readable_places;
use super::queries::{self, DepartmentTagUses, TagUses};
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

/// Uses per place and tag.
type Uses = HashMap<Place, HashMap<String, i64>>;

/// What an answer depends on: the readable groups (sorted), whether the company feed is
/// readable, and how many tags were asked for.
type Key = (Vec<GroupId>, bool, i64);

/// The week's tag uses per place, and the answers summed from them.
#[derive(Debug)]
struct Week {
    counted: Instant,
    /// The newest use counted: later ones are added at the next read.
    newest: NaiveDateTime,
    /// Bodies (posts and comments) per place and tag.
    bodies: Uses,
    /// Posts (not comments) per place and tag.
    posts: Uses,
    /// Posts per department of their authors, place and tag.
    departments: HashMap<String, Uses>,
    answers: HashMap<Key, Arc<Vec<(String, i64)>>>,
}

impl Week {
    /// Nothing counted yet, from `since` on.
    fn since(since: NaiveDateTime) -> Week {
        Week {
            counted: Instant::now(),
            newest: since,
            bodies: HashMap::new(),
            posts: HashMap::new(),
            departments: HashMap::new(),
            answers: HashMap::new(),
        }
    }

    /// Adds the uses recorded since the newest counted.
    fn catch_up(&mut self, conn: &mut DbConnection) -> Result<()> {
        // Usually nothing is new: asked by a statement without parameters, which PostgreSQL
        // plans once per connection, where the range below is planned for each bound.
        let Some(newest) = queries::newest_tag_use(conn)?.filter(|newest| *newest > self.newest)
        else {
            return Ok(());
        };
        let bodies = queries::tag_uses_by_place(conn, self.newest, newest)?;
        // The posts are read up to the newest body read, so none is counted twice later.
        let Some(upto) = bodies.iter().map(|(.., newest)| *newest).max() else {
            return Ok(());
        };
        let posts = queries::post_tag_uses_by_department(conn, self.newest, upto)?;
        self.add(bodies, posts);
        Ok(())
    }

    /// Adds uses, as `queries` reads them.
    fn add(&mut self, bodies: Vec<TagUses>, posts: Vec<DepartmentTagUses>) {
        for (place, tag, uses, newest) in bodies {
            *self
                .bodies
                .entry(place)
                .or_default()
                .entry(tag)
                .or_default() += uses;
            self.newest = self.newest.max(newest);
        }
        for (department, place, tag, uses) in posts {
            *self
                .posts
                .entry(place)
                .or_default()
                .entry(tag.clone())
                .or_default() += uses;
            let places = self.departments.entry(department).or_default();
            *places.entry(place).or_default().entry(tag).or_default() += uses;
        }
        self.answers.clear();
    }
}

/// The `limit` tags most used in `places`, but for those `skipped`, most used first, then by
/// name.
fn most_used(
    uses: &Uses,
    places: impl Iterator<Item = Place>,
    skipped: impl Fn(&str) -> bool,
    limit: i64,
) -> Vec<(String, i64)> {
    let mut sums: HashMap<&str, i64> = HashMap::new();
    for tags in places.filter_map(|place| uses.get(&place)) {
        for (tag, n) in tags.iter().filter(|(tag, _)| !skipped(tag)) {
            *sums.entry(tag).or_default() += n;
        }
    }
    let mut tags: Vec<(&str, i64)> = sums.into_iter().collect();
    tags.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    tags.truncate(usize::try_from(limit).unwrap_or(0));
    tags.into_iter()
        .map(|(tag, n)| (tag.to_string(), n))
        .collect()
}

/// Of each of `groups` the viewer may read, its tags in `uses` but for those `skipped`: the
/// `limit` most used (group, tag, uses) in all, most used first.
fn most_used_per_group(
    uses: &Uses,
    scope: &Scope,
    groups: &[GroupId],
    skipped: &HashSet<String>,
    limit: i64,
) -> Vec<(GroupId, String, i64)> {
    let mut found: Vec<(GroupId, &str, i64)> = groups
        .iter()
        .filter(|group| scope.reads_posts_in(Some(**group)))
        .filter_map(|group| Some((*group, uses.get(&Some(*group))?)))
        .flat_map(|(group, tags)| tags.iter().map(move |(tag, n)| (group, tag, *n)))
        .filter(|(_, tag, _)| !skipped.contains(*tag))
        .map(|(group, tag, n)| (group, tag.as_str(), n))
        .collect();
    found.sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(b.1)).then(a.0.cmp(&b.0)));
    found.truncate(usize::try_from(limit).unwrap_or(0));
    found
        .into_iter()
        .map(|(group, tag, n)| (group, tag.to_string(), n))
        .collect()
}

/// The recommendations rail's tags, from one read of the week.
#[derive(Debug, Default)]
pub struct RailTags {
    /// Trending in her department: (tag, posts).
    pub department: Vec<(String, i64)>,
    /// Trending in her groups: (group, tag, posts).
    pub groups: Vec<(GroupId, String, i64)>,
}

/// One department's posts of the week per group, and when they were counted.
#[derive(Debug)]
struct DepartmentPosts {
    counted: Instant,
    groups: Arc<HashMap<GroupId, i64>>,
}

/// Where a department's count is kept: locked while counting, so that its readers wait for
/// one count and share it, while other departments' readers go on.
type DepartmentSlot = Arc<Mutex<Option<DepartmentPosts>>>;

/// Trending tags, and each department's busy groups, counted for every reader at once.
#[derive(Debug, Default)]
pub struct Trending {
    week: Mutex<Option<Week>>,
    departments: Mutex<HashMap<String, DepartmentSlot>>,
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
        self.with_week(conn, |week| {
            // The scope keeps its readable groups sorted: equal sets make equal keys.
            let key = (
                scope.readable_groups().to_vec(),
                scope.reads_company(),
                limit,
            );
            if let Some(answer) = week.answers.get(&key) {
                return answer.as_ref().clone();
            }
            let answer = most_used(&week.bodies, readable_places(scope), |_| false, limit);
            if week.answers.len() >= MOST_ANSWERS {
                week.answers.clear();
            }
            week.answers.insert(key, Arc::new(answer.clone()));
            answer
        })
    }

    /// For the recommendations rail, in one read of the week, each but for the tags `skipped`:
    /// the `limit` tags most used over the last 7 days in posts by people of `department` (if
    /// any) that the viewer may read, with how many posts; and of the posts of each of
    /// `groups` she may read, the `limit` most used (group, tag, posts) in all.
    pub fn for_rail(
        &self,
        conn: &mut DbConnection,
        scope: &Scope,
        (department, groups): (Option<&str>, &[GroupId]),
        skipped: &HashSet<String>,
        limit: i64,
    ) -> Result<RailTags> {
        scope.viewer().require_user()?;
        self.with_week(conn, |week| RailTags {
            department: department
                .and_then(|department| week.departments.get(department))
                .map(|uses| {
                    most_used(
                        uses,
                        readable_places(scope),
                        |tag| skipped.contains(tag),
                        limit,
                    )
                })
                .unwrap_or_default(),
            groups: most_used_per_group(&week.posts, scope, groups, skipped, limit),
        })
    }

    /// Posts of the last 7 days by people of `department`, per group, counted at most a
    /// minute ago. Every group is counted: the caller tells a reader only of groups she may
    /// read. A count that found nothing is not kept, so the first posts show at once.
    pub fn department_posts(
        &self,
        conn: &mut DbConnection,
        department: &str,
    ) -> Result<Arc<HashMap<GroupId, i64>>> {
        let slot = Arc::clone(
            locked(&self.departments)
                .entry(department.to_string())
                .or_default(),
        );
        let mut kept = locked(&slot);
        if let Some(fresh) = kept.as_ref().filter(|k| k.counted.elapsed() < FRESH_FOR) {
            return Ok(Arc::clone(&fresh.groups));
        }
        let groups: Arc<HashMap<GroupId, i64>> = Arc::new(
            queries::department_posts_per_group(conn, department, week_start_id())?
                .into_iter()
                .collect(),
        );
        *kept = (!groups.is_empty()).then(|| DepartmentPosts {
            counted: Instant::now(),
            groups: Arc::clone(&groups),
        });
        Ok(groups)
    }

    /// Runs `read` on the week, counted at most a minute ago and caught up.
    fn with_week<T>(
        &self,
        conn: &mut DbConnection,
        read: impl FnOnce(&mut Week) -> T,
    ) -> Result<T> {
        // Held while counting: one count at a time, which every waiting reader then shares.
        let mut kept = locked(&self.week);
        let week = match kept.take() {
            Some(week) if week.counted.elapsed() < FRESH_FOR => kept.insert(week),
            _ => kept.insert(Week::since(
                chrono::Utc::now().naive_utc() - chrono::Duration::days(7),
            )),
        };
        week.catch_up(conn)?;
        Ok(read(week))
    }

    /// Drops the counts: the next read counts the week again.
    pub fn forget(&self) {
        *locked(&self.week) = None;
        locked(&self.departments).clear();
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
}

/// The first post id of the last 7 days: ids are time-ordered.
fn week_start_id() -> i64 {
    let since = crate::clock::now() - chrono::Duration::days(7);
    let since_ms = u64::try_from(since.and_utc().timestamp_millis()).unwrap_or_default();
    crate::db::ids::id_at(since_ms, 0)
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let mut week = Week::since(at(0));
        week.add(
            vec![
                (company, "rust".into(), 2, at(10)),
                (team, "rust".into(), 1, at(30)),
                (team, "go".into(), 3, at(20)),
                (other, "zig".into(), 9, at(40)),
            ],
            vec![
                ("Sales".into(), team, "go".into(), 2),
                ("Sales".into(), other, "zig".into(), 1),
            ],
        );
        assert_eq!(week.newest, at(40));
        let none = |_: &str| false;
        let bodies = &week.bodies;
        let tags = most_used(bodies, [company, team].into_iter(), none, 10);
        assert_eq!(tags, [("go".to_string(), 3), ("rust".to_string(), 3)]);
        assert_eq!(
            most_used(bodies, [company].into_iter(), none, 10),
            [("rust".into(), 2)]
        );
        assert_eq!(
            most_used(bodies, [other, team].into_iter(), none, 1),
            [("zig".into(), 9)]
        );
        assert_eq!(
            most_used(bodies, [other, team].into_iter(), |t| t == "zig", 1),
            [("go".into(), 3)]
        );
        assert_eq!(week.posts[&team]["go"], 2, "posts of every department");
        let sales = &week.departments["Sales"];
        assert_eq!(
            most_used(sales, [company, team].into_iter(), none, 5),
            [("go".into(), 2)]
        );
        week.answers
            .insert((Vec::new(), true, 1), Arc::new(Vec::new()));
        week.add(vec![(company, "go".into(), 1, at(50))], Vec::new());
        assert!(week.answers.is_empty(), "what was summed before is dropped");
        assert_eq!(
            most_used(&week.bodies, [company].into_iter(), none, 1),
            [("rust".into(), 2)]
        );
    }
}
