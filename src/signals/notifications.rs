//! The notifications table: folding what happened into each recipient's unread notifications,
//! and reading them back through the reader's scope.
//!
//! One row per recipient and subject (`like:post:42`). While it is unread, later events about
//! the same subject fold into it: the newest actor goes first and the count of distinct actors
//! grows, so the list reads "Ann and 4 others liked your post". Once read, the next event
//! starts a new row. Rows are ordered by the last event folded in, which also guards against
//! applying an event twice: a row of the subject at or past the event means it was applied.

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::preferences::Kind;
use crate::access::Scope;
use crate::db::one_of::one_of;
use crate::db::schema::notifications;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result};
use crate::ids::{CommentId, GroupId, PostId, UserId};
use crate::on_backend;

/// Most actors a row remembers by name; beyond, only the count grows.
const MAX_ACTORS: usize = 50;

/// Something to tell one or more recipients.
#[derive(Clone, Debug)]
pub struct Note {
    pub kind: Kind,
    /// What folds together: kind and subject.
    pub key: String,
    pub actor: UserId,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    pub group_id: Option<GroupId>,
    /// The event that caused it, and when it happened: the notification's time, however
    /// late the notifier reads it.
    pub event_id: i64,
    pub at: NaiveDateTime,
}

/// A stored notification.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub group_key: String,
    pub actor_id: UserId,
    /// JSON array of recent distinct actors, newest first.
    pub actors: String,
    pub actor_count: i32,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    pub group_id: Option<GroupId>,
    pub last_event_id: i64,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Notification {
    /// The recent actors, newest first.
    pub fn actor_ids(&self) -> Vec<UserId> {
        serde_json::from_str(&self.actors).unwrap_or_else(|_| vec![self.actor_id])
    }
}

/// Records `note` for each of `recipients`, folding into unread rows of the same subject;
/// returns the recipients told now (those already told of this event are left out).
pub fn record(conn: &mut DbConnection, note: &Note, recipients: &[UserId]) -> Result<Vec<UserId>> {
    let mut existing: HashMap<UserId, Vec<Notification>> = HashMap::new();
    for chunk in recipients.chunks(1000) {
        let rows: Vec<Notification> = notifications::table
            .filter(notifications::group_key.eq(&note.key))
            .filter(notifications::user_id.eq_any(chunk))
            .select(Notification::as_select())
            .load(conn)?;
        for row in rows {
            existing.entry(row.user_id).or_default().push(row);
        }
    }
    let now = note.at;
    let mut told = Vec::with_capacity(recipients.len());
    let mut fresh = Vec::new();
    for &user in recipients {
        let rows = existing.get(&user).map(Vec::as_slice).unwrap_or_default();
        if rows.iter().any(|row| row.last_event_id >= note.event_id) {
            continue;
        }
        match rows.iter().find(|row| row.read_at.is_none()) {
            Some(unread) => fold(conn, unread, note, now)?,
            None => fresh.push(user),
        }
        told.push(user);
    }
    insert_fresh(conn, note, &fresh, now)?;
    Ok(told)
}

/// Folds `note` into the unread row `row`.
fn fold(
    conn: &mut DbConnection,
    row: &Notification,
    note: &Note,
    now: NaiveDateTime,
) -> Result<()> {
    let mut actors = row.actor_ids();
    let known = actors.contains(&note.actor);
    actors.retain(|&a| a != note.actor);
    actors.insert(0, note.actor);
    actors.truncate(MAX_ACTORS);
    let count = if known {
        row.actor_count
    } else {
        row.actor_count + 1
    };
    diesel::update(notifications::table.find(row.id))
        .set((
            notifications::actor_id.eq(note.actor),
            notifications::actors.eq(serde_json::to_string(&actors).map_err(Error::internal)?),
            notifications::actor_count.eq(count),
            notifications::comment_id.eq(note.comment_id.or(row.comment_id)),
            notifications::last_event_id.eq(note.event_id),
            notifications::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// New rows for `users`, in batches that stay under every backend's parameter limit.
fn insert_fresh(
    conn: &mut DbConnection,
    note: &Note,
    users: &[UserId],
    now: NaiveDateTime,
) -> Result<()> {
    let actors = serde_json::to_string(&[note.actor]).map_err(Error::internal)?;
    for chunk in users.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|&user| {
                (
                    notifications::id.eq(new_id()),
                    notifications::user_id.eq(user),
                    notifications::kind.eq(note.kind.as_str()),
                    notifications::group_key.eq(&note.key),
                    notifications::actor_id.eq(note.actor),
                    notifications::actors.eq(&actors),
                    notifications::actor_count.eq(1),
                    notifications::post_id.eq(note.post_id),
                    notifications::comment_id.eq(note.comment_id),
                    notifications::group_id.eq(note.group_id),
                    notifications::last_event_id.eq(note.event_id),
                    notifications::created_at.eq(now),
                    notifications::updated_at.eq(now),
                )
            })
            .collect();
        on_backend!(conn, |inner| diesel::insert_into(notifications::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(inner))?;
    }
    Ok(())
}

/// The viewer's notifications newest first, before the row with event id `before`, at most
/// `limit` plus one (to tell whether there is a next page). Rows about a group the viewer no
/// longer reads are left out.
pub fn page_of(
    conn: &mut DbConnection,
    scope: &Scope,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>> {
    let me = scope.viewer().require_user()?.id;
    let mut query = notifications::table
        .filter(notifications::user_id.eq(me))
        .filter(notifications::group_id.is_null().or(one_of(
            notifications::group_id.assume_not_null(),
            scope.readable_groups(),
        )))
        .order(notifications::last_event_id.desc())
        .select(Notification::as_select())
        .limit(limit + 1)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(notifications::last_event_id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// How many of the viewer's notifications are unread (of groups they still read).
pub fn unread_count(conn: &mut DbConnection, scope: &Scope) -> Result<i64> {
    let me = scope.viewer().require_user()?.id;
    Ok(notifications::table
        .filter(notifications::user_id.eq(me))
        .filter(notifications::read_at.is_null())
        .filter(notifications::group_id.is_null().or(one_of(
            notifications::group_id.assume_not_null(),
            scope.readable_groups(),
        )))
        .count()
        .get_result(conn)?)
}

/// Marks the viewer's notifications `ids` read, or all of them when `ids` is `None`; returns
/// how many changed. Ids of other people's notifications change nothing.
pub fn mark_read(conn: &mut DbConnection, scope: &Scope, ids: Option<&[i64]>) -> Result<usize> {
    let me = scope.viewer().require_user()?.id;
    let now = Utc::now().naive_utc();
    let mine = notifications::table
        .filter(notifications::user_id.eq(me))
        .filter(notifications::read_at.is_null());
    let changed = match ids {
        None => diesel::update(mine)
            .set(notifications::read_at.eq(Some(now)))
            .execute(conn)?,
        Some(ids) => diesel::update(mine.filter(notifications::id.eq_any(ids)))
            .set(notifications::read_at.eq(Some(now)))
            .execute(conn)?,
    };
    Ok(changed)
}

/// Marks everyone's notifications last told before `until` read, at the time they were told:
/// for a history written in one go (the demo), whose people read them as they came.
pub fn mark_read_until(conn: &mut DbConnection, until: NaiveDateTime) -> Result<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::read_at.is_null())
            .filter(notifications::updated_at.lt(until)),
    )
    .set(notifications::read_at.eq(notifications::updated_at.nullable()))
    .execute(conn)?)
}
