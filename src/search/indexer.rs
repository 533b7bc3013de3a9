//! Keeps the index current: reads the events log after the id stored in the index's last
//! commit, re-reads what those events touched, and commits the new documents together with
//! the id of the last event, so a crash at any point resumes exactly where the index is.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::documents::{self, Change};
use super::index::{Generation, SearchIndex};
use crate::db::schema::{post_tags, tags};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events::{self, CommentChange, Event, Membership, PostChange, PostLike, Recorded};
use crate::workers::{Pass, Wake, Worker, blocking};

/// The indexer's name in logs and on the workers' board.
const NAME: &str = "search_indexer";
/// Most events applied in one commit.
const BATCH: i64 = 1000;

/// The objects a run of events changed.
#[derive(Debug, Default)]
struct Touched {
    posts: BTreeSet<i64>,
    /// Of `posts`, those whose bodies were written: only they may bring a tag a new place.
    written: BTreeSet<i64>,
    people: BTreeSet<i64>,
    groups: BTreeSet<i64>,
}

impl Touched {
    fn of(events: &[Recorded]) -> Touched {
        let mut touched = Touched::default();
        for recorded in events {
            if let Event::PostCreated { post, .. } | Event::PostEdited(PostChange { post, .. }) =
                &recorded.event
            {
                touched.written.insert(post.0);
            }
            if let Event::CommentCreated { post_id, .. }
            | Event::CommentEdited(CommentChange { post_id, .. }) = &recorded.event
            {
                touched.written.insert(post_id.0);
            }
            let (set, id) = match &recorded.event {
                Event::PostCreated { post, .. }
                | Event::PostEdited(PostChange { post, .. })
                | Event::PostDeleted(PostChange { post, .. })
                | Event::BestAnswerChanged(PostChange { post, .. })
                | Event::PostLiked(PostLike { post, .. })
                | Event::PostUnliked(PostLike { post, .. }) => (&mut touched.posts, post.0),
                // A post's document holds its comments' words and counts.
                Event::CommentCreated { post_id, .. }
                | Event::CommentEdited(CommentChange { post_id, .. })
                | Event::CommentDeleted(CommentChange { post_id, .. }) => {
                    (&mut touched.posts, post_id.0)
                }
                Event::UserCreated { user, .. }
                | Event::UserUpdated { user, .. }
                | Event::UserDeactivated { user, .. } => (&mut touched.people, user.0),
                // Names, visibility and member counts are in the group's document.
                Event::GroupCreated { group, .. }
                | Event::GroupUpdated { group, .. }
                | Event::GroupJoined { group, .. }
                | Event::GroupJoinRequested { group, .. }
                | Event::GroupRoleChanged(Membership { group, .. })
                | Event::GroupMemberAdded(Membership { group, .. })
                | Event::GroupMemberRemoved(Membership { group, .. }) => {
                    (&mut touched.groups, group.0)
                }
                // Likes of comments change no searched count; the rest is not searched.
                Event::CommentLiked(_)
                | Event::CommentUnliked(_)
                | Event::PollVoted(_)
                | Event::PollClosed(_)
                | Event::PostPreviewed(_)
                | Event::CommentPreviewed(_)
                | Event::SessionRevoked { .. }
                | Event::TokenRevoked { .. }
                | Event::UserSignedOut { .. }
                | Event::UserFollowed { .. }
                | Event::UserUnfollowed { .. }
                | Event::TagFollowed { .. }
                | Event::TagUnfollowed { .. }
                | Event::InvitationCreated { .. }
                | Event::InvitationAccepted { .. }
                | Event::EmailFrequencyChanged { .. }
                | Event::NotificationCreated { .. } => continue,
            };
            set.insert(id);
        }
        touched
    }

    /// The tags whose documents must be written again: those the written bodies use in a place
    /// their documents do not list yet (or with no document). Only a written body may bring a
    /// tag, or a tag to a new place, and most uses are in a place already listed, where
    /// rewriting would re-read every place of a popular tag for nothing. A place whose bodies
    /// are all gone stays listed until a rebuild: its members read the tag there before.
    fn tags_in_new_places(
        &self,
        conn: &mut DbConnection,
        generation: &Generation,
    ) -> Result<Vec<String>> {
        if self.written.is_empty() {
            return Ok(Vec::new());
        }
        let written: Vec<i64> = self.written.iter().copied().collect();
        let uses: Vec<(i64, String, Option<i64>)> = post_tags::table
            .inner_join(tags::table.on(tags::id.eq(post_tags::tag_id)))
            .filter(post_tags::post_id.eq_any(written))
            .select((tags::id, tags::name, post_tags::group_id))
            .distinct()
            .load(conn)?;
        let mut ids: Vec<i64> = uses.iter().map(|(id, _, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let listed = generation.tag_places(&ids)?;
        let names: BTreeSet<String> = uses
            .into_iter()
            .filter(|(id, _, group)| {
                !listed
                    .get(id)
                    .is_some_and(|places| places.contains(&group.unwrap_or(0)))
            })
            .map(|(_, name, _)| name)
            .collect();
        Ok(names.into_iter().collect())
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
        }
        let names = self.tags_in_new_places(conn, generation)?;
        if !names.is_empty() {
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

/// What one batch did: rows read, and the last event the index now holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub rows: usize,
    pub position: i64,
}

/// Applies the next batch of events, if any.
pub fn apply_next(db: &Db, search: &SearchIndex) -> Result<Applied> {
    search.follow_swap()?;
    let generation = search.current();
    let after = generation.applied_event()?;
    let (count, last, changes) = db.read(|conn| {
        let batch = events::read_after(conn, after, BATCH, NAME)?;
        let Some(last) = batch.last_id else {
            return Ok((0, after, Vec::new()));
        };
        let touched = Touched::of(&batch.events);
        // Before the new documents are visible, so no result shows a name older than them.
        generation.authors.forget(touched.people.iter().copied());
        let changes = touched.changes(conn, &generation)?;
        Ok((batch.rows, last, changes))
    })?;
    if count > 0 {
        commit(&generation, 1, last, changes)?;
    }
    Ok(Applied {
        rows: count,
        position: last,
    })
}

/// The shortest time between two commits of the index. Each commit writes a segment that
/// merges then rewrite: committed for every few events under a steady stream of writes, the
/// index's threads took about a tenth of both cores (`perf`, the benchmark's write phases).
/// A post is still found within this much of its event, far inside the second promised.
const COMMIT_GAP: Duration = Duration::from_millis(100);

/// The indexer as a worker of the process: each process keeps its own index current.
pub struct Indexer {
    db: Db,
    search: Arc<SearchIndex>,
    /// How often the log is read when no write of this process wakes it (for other
    /// processes, and for a rebuilt index to be picked up).
    poll: Duration,
    /// When its last pass committed what the log held, if the next pass must wait for the gap.
    committed: Option<Instant>,
}

impl Indexer {
    pub fn new(db: &Db, search: &Arc<SearchIndex>, poll: Duration) -> Indexer {
        Indexer {
            db: db.clone(),
            search: search.clone(),
            poll,
            committed: None,
        }
    }
}

impl Worker for Indexer {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wake(&self) -> Wake {
        Wake::OnLog(self.poll)
    }

    async fn pass(&mut self) -> Result<Pass> {
        // What arrives meanwhile waits in the log, and goes into the next commit together.
        if let Some(at) = self.committed.take() {
            tokio::time::sleep(COMMIT_GAP.saturating_sub(at.elapsed())).await;
        }
        let (db, search) = (self.db.clone(), self.search.clone());
        let applied = blocking(move || apply_next(&db, &search)).await?;
        // A full batch leaves more waiting: catching up does not wait between commits.
        if applied.rows > 0 && (applied.rows as i64) < BATCH {
            self.committed = Some(Instant::now());
        }
        Ok(Pass {
            more: applied.rows > 0,
            position: Some(applied.position),
        })
    }
}
