//! The newest post each source of a merged feed (a person, a group, a tag) may hold, as far as
//! this process knows, so that a home feed read from its floor (where the reader's last first
//! page ended, `access::merged_page`) leaves out the sources that have posted nothing since,
//! instead of reading an empty index range of each: most of a reader's eighty sources, most of
//! the time.
//!
//! A source's bound is learned from the merge's own rows (its newest post, or nothing at or
//! above the floor) and raised by the live hub for every post it reads created or edited in the
//! events log, before it tells any stream (`live::hub`). Nothing here can hide a post the
//! statement would have found:
//! - A raise comes after its post's commit (the hub reads only committed events). A merge
//!   takes a ticket (the count of raises) before its statement, and what it learned is kept only
//!   if no raise of that source came after the ticket: a post committed after the statement's
//!   snapshot was raised after the ticket, so a bound that missed it is never kept.
//! - A raise only lifts a bound (edits, deletions never lower one), and a raise of a source
//!   with no bound leaves a mark that blocks what an older merge learned.
//! - Bounds are used only when the hub has read the events of every write this process has
//!   committed (`events::Wakeup` counts them): a write's next reader here never misses it.
//!
//! So a post written through this process is in every home feed read after it is
//! acknowledged, and one written through another process sharing the database once this
//! process's hub has read its event, the moment live streams here are told of it. Nothing
//! here is shown to anyone or depends on who reads: a bound is a post id that only decides
//! whether a range is read, and what is read is filtered by the reader's scope as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use diesel::prelude::*;

use super::queries::{Candidate, Member};
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::post_tags;
use crate::error::Result;
use crate::events::{Event, PostChange, Recorded, Wakeup};
use crate::ids::PostId;

/// Sources kept before all are forgotten: a bound on memory, not a policy.
const MAX_SOURCES: usize = 100_000;

/// Each source's newest post, as far as this process knows.
#[derive(Debug, Default)]
pub struct Heads {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Raises so far (and forgettings): what each source was last touched at.
    raises: u64,
    /// What was learned before this count is not kept: the sources were forgotten since.
    forgotten_at: u64,
    /// The log as the hub reads it; `None` while it does not, and nothing raises a bound.
    log: Option<Log>,
    sources: HashMap<Member, Source>,
}

#[derive(Debug)]
struct Log {
    /// Counts this process's writes.
    wakeup: Arc<Wakeup>,
    /// How many of them the hub has raised for.
    raised_through: u64,
}

impl Log {
    /// Whether every write this process made so far has been raised for.
    fn caught_up(&self) -> bool {
        self.raised_through >= self.wakeup.commits()
    }
}

#[derive(Debug)]
struct Source {
    /// No post of the source is above this; `None`: not known.
    bound: Option<PostId>,
    /// The raise that last touched it.
    touched: u64,
}

/// The raises counted when a merge chose its sources: what it learns is kept only for sources
/// not raised since.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ticket(u64);

impl Heads {
    /// Those of `members` that may hold a post at or above `floor` (all but the ones known not
    /// to), with `always` among them whatever is known; and the ticket to learn from what they
    /// give. `None` while the hub does not read the log, or has not yet read the events of every
    /// write this process made: then every member is read.
    pub(super) fn may_hold(
        &self,
        members: &[Member],
        floor: PostId,
        always: Member,
    ) -> Option<(Vec<Member>, Ticket)> {
        let state = self.lock();
        if !state.log.as_ref().is_some_and(Log::caught_up) {
            return None;
        }
        let asked = members
            .iter()
            .filter(|member| {
                **member == always
                    || state
                        .sources
                        .get(member)
                        .and_then(|source| source.bound)
                        .is_none_or(|bound| bound >= floor)
            })
            .copied()
            .collect();
        Some((asked, Ticket(state.raises)))
    }

    /// Learns from a merge's first round over `asked` from `floor` (with no upper bound), which
    /// found `found` (each candidate's `member` its position in `asked`): each member's newest
    /// post, or that it has none at or above the floor.
    pub(super) fn learn(
        &self,
        ticket: Ticket,
        asked: &[Member],
        found: &[Candidate],
        floor: PostId,
    ) {
        let mut newest: Vec<Option<PostId>> = vec![None; asked.len()];
        for candidate in found {
            if let Some(slot) = usize::try_from(candidate.member)
                .ok()
                .and_then(|k| newest.get_mut(k))
            {
                *slot = (*slot).max(Some(candidate.id));
            }
        }
        let mut state = self.lock();
        if state.log.is_none() || ticket.0 < state.forgotten_at {
            return;
        }
        for (member, newest) in asked.iter().zip(newest) {
            let bound = newest.unwrap_or(PostId(floor.0 - 1));
            match state.sources.get_mut(member) {
                Some(source) if source.touched > ticket.0 => {}
                Some(source) => source.bound = Some(bound),
                None => state.insert(*member, Some(bound), ticket.0),
            }
        }
    }

    /// Raises the bounds of the sources of the posts created or edited in `events`, which
    /// have committed: their authors, groups and tags.
    pub fn raise_for(&self, conn: &mut DbConnection, events: &[Recorded]) -> Result<()> {
        let mut raised: Vec<(Member, PostId)> = Vec::new();
        let mut bodies: Vec<PostId> = Vec::new();
        for recorded in events {
            match &recorded.event {
                Event::PostCreated {
                    author,
                    post,
                    group_id,
                    ..
                } => {
                    raised.push((Member::Author(*author), *post));
                    raised.extend(group_id.map(|group| (Member::Group(group), *post)));
                    bodies.push(*post);
                }
                // An edit may bring a tag to the post.
                Event::PostEdited(PostChange { post, .. }) => bodies.push(*post),
                _ => {}
            }
        }
        if bodies.is_empty() {
            return Ok(());
        }
        let tagged: Vec<(i64, PostId)> = post_tags::table
            .filter(one_of(post_tags::post_id, &bodies))
            .filter(post_tags::comment_id.eq(0))
            .select((post_tags::tag_id, post_tags::post_id))
            .load(conn)?;
        raised.extend(
            tagged
                .into_iter()
                .map(|(tag, post)| (Member::Tag(tag), post)),
        );
        self.raise(raised);
        Ok(())
    }

    /// Lifts each source's bound to at least its post.
    fn raise(&self, raised: impl IntoIterator<Item = (Member, PostId)>) {
        let mut state = self.lock();
        state.raises += 1;
        let touched = state.raises;
        for (member, post) in raised {
            match state.sources.get_mut(&member) {
                Some(source) => {
                    source.bound = source.bound.map(|bound| bound.max(post));
                    source.touched = touched;
                }
                // Not known, and so never skipped; the mark keeps an older merge from
                // learning a bound that misses this post.
                None => state.insert(member, None, touched),
            }
        }
    }

    /// The hub has read the log with the events of this process's first `through` writes
    /// (`Wakeup::logged`, counted before it read) and raised for them.
    pub fn raised_through(&self, wakeup: &Arc<Wakeup>, through: u64) {
        let mut state = self.lock();
        match &mut state.log {
            Some(log) => log.raised_through = log.raised_through.max(through),
            None => {
                state.log = Some(Log {
                    wakeup: Arc::clone(wakeup),
                    raised_through: through,
                })
            }
        }
    }

    /// The hub stopped: everything known is forgotten, as nothing would raise it any more.
    pub fn unwatch(&self) {
        let mut state = self.lock();
        state.forget();
        state.log = None;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn insert(&mut self, member: Member, bound: Option<PostId>, touched: u64) {
        if self.sources.len() >= MAX_SOURCES {
            self.forget();
        }
        self.sources.insert(member, Source { bound, touched });
    }

    fn forget(&mut self) {
        self.sources.clear();
        self.raises += 1;
        self.forgotten_at = self.raises;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, UserId};

    const ME: Member = Member::Author(UserId(1));
    const ANA: Member = Member::Author(UserId(2));
    const TEAM: Member = Member::Group(GroupId(3));

    fn found(member: i64, id: i64) -> Candidate {
        Candidate {
            id: PostId(id),
            group_id: None,
            member,
        }
    }

    fn watched() -> (Heads, Arc<Wakeup>) {
        let (heads, writes) = (Heads::default(), Arc::new(Wakeup::default()));
        heads.raised_through(&writes, 0);
        (heads, writes)
    }

    fn asked(heads: &Heads, floor: i64) -> Vec<Member> {
        heads
            .may_hold(&[ME, ANA, TEAM], PostId(floor), ME)
            .expect("watched")
            .0
    }

    #[test]
    fn a_source_is_left_out_exactly_while_it_is_known_to_hold_nothing_above_the_floor() {
        let (heads, writes) = watched();
        heads.unwatch();
        assert!(
            heads.may_hold(&[ANA], PostId(10), ME).is_none(),
            "not watched"
        );
        heads.raised_through(&writes, 0);
        let (all, ticket) = heads.may_hold(&[ME, ANA, TEAM], PostId(10), ME).unwrap();
        assert_eq!(all, vec![ME, ANA, TEAM], "nothing known yet");
        // Ana's newest is 12; the team has nothing from 10 up.
        heads.learn(ticket, &all, &[found(1, 12), found(1, 11)], PostId(10));
        assert_eq!(asked(&heads, 10), vec![ME, ANA]);
        assert_eq!(asked(&heads, 13), vec![ME], "my own posts are always read");
        heads.raise([(TEAM, PostId(15))]);
        assert_eq!(asked(&heads, 13), vec![ME, TEAM], "a new post in the team");
        heads.raise([(ANA, PostId(5))]);
        assert_eq!(
            asked(&heads, 13),
            vec![ME, TEAM],
            "an edit of an old post lowers nothing"
        );
        writes.committed(false);
        assert!(
            heads.may_hold(&[ANA], PostId(10), ME).is_none(),
            "a write here the hub has not read"
        );
        heads.raised_through(&writes, 1);
        assert_eq!(asked(&heads, 13), vec![ME, TEAM], "read");
        heads.unwatch();
        assert!(heads.may_hold(&[ANA], PostId(10), ME).is_none());
        heads.raised_through(&writes, 1);
        assert_eq!(
            asked(&heads, 13),
            vec![ME, ANA, TEAM],
            "forgotten when unwatched"
        );
    }

    #[test]
    fn what_a_merge_learned_is_dropped_for_sources_raised_while_it_ran() {
        let (heads, writes) = watched();
        let (all, ticket) = heads.may_hold(&[ME, ANA, TEAM], PostId(10), ME).unwrap();
        // While the merge's statement runs, the team gets post 20, which it did not see; Ana
        // was known before and is raised too.
        heads.raise([(TEAM, PostId(20)), (ANA, PostId(21))]);
        heads.learn(ticket, &all, &[], PostId(10));
        assert_eq!(
            asked(&heads, 10),
            vec![ME, ANA, TEAM],
            "raised after the ticket"
        );
        let (all, ticket) = heads.may_hold(&[ME, ANA, TEAM], PostId(10), ME).unwrap();
        heads.unwatch();
        heads.raised_through(&writes, 0);
        heads.learn(ticket, &all, &[], PostId(10));
        assert_eq!(
            asked(&heads, 10),
            vec![ME, ANA, TEAM],
            "forgotten after the ticket"
        );
    }
}
