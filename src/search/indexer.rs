//! Keeps the index current: reads the events log after the id stored in the index's last
//! commit, re-reads what those events touched, and commits the new documents together with
//! the id of the last event, so a crash at any point resumes exactly where the index is.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;

use super::documents::{self, Change};
use super::index::{Generation, SearchIndex};
use crate::db::schema::{post_tags, tags};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events::{self, Event, Wakeup};

/// Most events applied in one commit.
const BATCH: i64 = 1000;

/// The objects a run of events changed.
#[derive(Debug, Default)]
struct Touched {
    posts: BTreeSet<i64>,
    people: BTreeSet<i64>,
    groups: BTreeSet<i64>,
}

impl Touched {
    fn of(events: &[Event]) -> Touched {
        let mut touched = Touched::default();
        for event in events {
            let subject = event.subject_id;
            let post_of_comment = || {
                serde_json::from_str::<serde_json::Value>(&event.payload)
                    .ok()
                    .and_then(|p| p["post_id"].as_i64())
            };
            let (set, id) = match event.kind.as_str() {
                "post.created" | "post.edited" | "post.deleted" | "post.liked" | "post.unliked" => {
                    (&mut touched.posts, subject)
                }
                "comment.created" | "comment.edited" | "comment.deleted" => {
                    (&mut touched.posts, post_of_comment())
                }
                "user.created" | "user.updated" | "user.deactivated" => {
                    (&mut touched.people, subject)
                }
                kind if kind.starts_with("group.") => (&mut touched.groups, subject),
                _ => continue,
            };
            set.extend(id);
        }
        touched
    }

    /// The documents to put or delete for everything touched.
    fn changes(&self, conn: &mut DbConnection, generation: &Generation) -> Result<Vec<Change>> {
        let fields = &generation.fields;
        let posts: Vec<i64> = self.posts.iter().copied().collect();
        let people: Vec<i64> = self.people.iter().copied().collect();
        let groups: Vec<i64> = self.groups.iter().copied().collect();
        let mut changes = Vec::new();
        if !posts.is_empty() {
            changes.extend(documents::posts(conn, fields, &posts)?);
            // A post may bring new tags; tags are never removed.
            let names: Vec<String> = post_tags::table
                .inner_join(tags::table.on(tags::id.eq(post_tags::tag_id)))
                .filter(post_tags::post_id.eq_any(posts))
                .select(tags::name)
                .distinct()
                .load(conn)?;
            changes.extend(documents::tags(conn, fields, Some(&names))?);
        }
        if !people.is_empty() {
            changes.extend(documents::people(conn, fields, Some(&people))?);
        }
        if !groups.is_empty() {
            changes.extend(documents::groups(conn, fields, Some(&groups))?);
        }
        Ok(changes)
    }
}

/// Writes `changes` to `generation` in one commit that records `applied_event`.
pub fn commit(
    generation: &Generation,
    threads: usize,
    applied_event: i64,
    changes: Vec<Change>,
) -> Result<()> {
    generation.write(threads, applied_event, |writer, fields| {
        for change in changes {
            match change {
                Change::Put(kind, id, doc) => Generation::put(writer, fields, kind, id, doc)?,
                Change::Delete(kind, id) => {
                    writer.delete_term(fields.key_term(kind, id));
                }
            }
        }
        Ok(())
    })
}

/// Applies the next batch of events, if any; returns how many.
pub fn apply_next(db: &Db, search: &SearchIndex) -> Result<usize> {
    search.follow_swap()?;
    let generation = search.current();
    let after = generation.applied_event()?;
    let (count, last, changes) = db.read(|conn| {
        let batch = events::read_after(conn, after, BATCH)?;
        let Some(last) = batch.last().map(|e| e.id) else {
            return Ok((0, after, Vec::new()));
        };
        let touched = Touched::of(&batch);
        // Before the new documents are visible, so no result shows a name older than them.
        generation.authors.forget(touched.people.iter().copied());
        let changes = touched.changes(conn, &generation)?;
        Ok((batch.len(), last, changes))
    })?;
    if count > 0 {
        commit(&generation, 1, last, changes)?;
    }
    Ok(count)
}

/// Applies events until the sender of `stopped` is dropped: batches as long as there are
/// events, then sleeps until a commit in this process wakes it, or `poll` passes (for other
/// processes, and for a rebuilt index to be picked up).
pub async fn run(
    db: Db,
    search: Arc<SearchIndex>,
    poll: Duration,
    mut stopped: tokio::sync::watch::Receiver<()>,
) {
    let mut wakeups = db.wakeup().subscribe();
    loop {
        wakeups.mark_unchanged();
        let (db2, search2) = (db.clone(), search.clone());
        match tokio::task::spawn_blocking(move || apply_next(&db2, &search2)).await {
            Ok(Ok(n)) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "search indexer failed; retrying"),
            Err(error) => tracing::error!(%error, "search indexer panicked; retrying"),
        }
        tokio::select! {
            _ = Wakeup::wait(&mut wakeups, poll) => {}
            changed = stopped.changed() => if changed.is_err() { return },
        }
    }
}
