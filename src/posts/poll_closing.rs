//! Telling the log when a poll closes: a poll closes by its clock, not by anyone's action, so
//! this task appends `poll.closed` for each poll whose closing time has passed, once (the
//! `closed_told` flag moves in the same transaction), for the live stream and webhooks.

use std::time::Duration;

use diesel::prelude::*;

use crate::clock;
use crate::db::Db;
use crate::db::schema::{polls, posts};
use crate::error::Result;
use crate::events::{self, Event, PostChange};
use crate::ids::{GroupId, PostId, UserId};
use crate::workers::{Periodic, blocking};

/// Polls told of per run; the rest wait for the next.
const BATCH: i64 = 200;

/// Appends `poll.closed` for polls that have closed.
pub struct PollCloser {
    pub db: Db,
}

impl Periodic for PollCloser {
    fn name(&self) -> &'static str {
        "poll_closer"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(2)
    }

    async fn run(&mut self) -> Result<()> {
        let db = self.db.clone();
        blocking(move || db.write(|conn| tell_closed(conn).map(|_| ()))).await
    }
}

/// Appends `poll.closed` for up to [`BATCH`] polls closed and not yet told of; returns how
/// many. Polls of deleted posts are marked told without an event.
pub fn tell_closed(conn: &mut crate::db::DbConnection) -> Result<usize> {
    let closed: Vec<PostId> = polls::table
        .filter(polls::closed_told.eq(false))
        .filter(polls::closes_at.le(clock::now()))
        .select(polls::post_id)
        .limit(BATCH)
        .load(conn)?;
    if closed.is_empty() {
        return Ok(0);
    }
    diesel::update(polls::table.filter(polls::post_id.eq_any(&closed)))
        .set(polls::closed_told.eq(true))
        .execute(conn)?;
    let live: Vec<(PostId, UserId, Option<GroupId>, bool)> = posts::table
        .filter(posts::id.eq_any(&closed))
        .filter(posts::deleted_at.is_null())
        .select((
            posts::id,
            posts::author_id,
            posts::group_id,
            posts::employees_only,
        ))
        .order(posts::id.asc())
        .load(conn)?;
    for (post, by, group_id, employees_only) in &live {
        let change = PostChange {
            by: *by,
            post: *post,
            group_id: *group_id,
            employees_only: *employees_only,
        };
        events::append(conn, &Event::PollClosed(change))?;
    }
    Ok(live.len())
}
