//! The outbox as site admins see it: deliveries waiting (with their attempts and last error)
//! and dead ones, which an admin may send again. A delivery about a group the admin may not
//! see (a secret group she is not in) is marked hidden: its view shows nothing that may name
//! the group, by the rule the admin guest list follows (`Scope::sees_group`).

use std::collections::HashSet;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::{Delivery, Kind, decode};
use crate::access::{Scope, Viewer};
use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::error::{Error, Result};
use crate::ids::GroupId;

/// Which deliveries to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not sent yet (delayed or about to go), oldest first.
    Queued,
    /// Refused for good or out of attempts, newest first.
    Dead,
}

/// A delivery as an admin sees it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: i64,
    pub kind: Kind,
    /// `None` when it cannot be read.
    pub delivery: Option<Delivery>,
    /// About a group the admin may not see: show nothing that may name it.
    pub hidden: bool,
    pub attempts: i32,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub dead_at: Option<NaiveDateTime>,
}

/// A row as the listing reads it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct Row {
    id: i64,
    payload: String,
    group_id: Option<GroupId>,
    attempts: i32,
    last_error: String,
    created_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
    dead_at: Option<NaiveDateTime>,
}

/// Up to `limit` deliveries of `kind` in `state` after the one with id `after` (admins only),
/// and one more if there is one, for the caller's cursor.
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    kind: Kind,
    state: State,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Listed>> {
    viewer.require_admin()?;
    let mut query = outbox::table
        .filter(outbox::kind.eq(kind.as_str()))
        .filter(outbox::sent_at.is_null())
        .select(Row::as_select())
        .limit(limit + 1)
        .into_boxed();
    query = match state {
        State::Dead => query
            .filter(outbox::dead_at.is_not_null())
            .order(outbox::id.desc()),
        State::Queued => query
            .filter(outbox::dead_at.is_null())
            .order(outbox::id.asc()),
    };
    query = match (state, after) {
        (State::Dead, Some(id)) => query.filter(outbox::id.lt(id)),
        (State::Queued, Some(id)) => query.filter(outbox::id.gt(id)),
        (_, None) => query,
    };
    let rows: Vec<Row> = query.load(conn)?;
    listed(conn, viewer, kind, rows)
}

/// Queues dead delivery `id` of `kind` again, due now with a fresh count of attempts (admins
/// only). Returns it, and whether it was dead (else nothing changed).
pub fn retry(
    conn: &mut DbConnection,
    viewer: &Viewer,
    kind: Kind,
    id: i64,
) -> Result<(Listed, bool)> {
    viewer.require_admin()?;
    let row = outbox::table
        .find(id)
        .filter(outbox::kind.eq(kind.as_str()));
    let changed = diesel::update(
        row.filter(outbox::dead_at.is_not_null())
            .filter(outbox::sent_at.is_null()),
    )
    .set((
        outbox::dead_at.eq(None::<NaiveDateTime>),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    let found: Option<Row> = row.select(Row::as_select()).first(conn).optional()?;
    let listed = listed(conn, viewer, kind, found.into_iter().collect())?
        .pop()
        .ok_or_else(|| Error::not_found(kind.as_str()))?;
    Ok((listed, changed > 0))
}

/// `rows` as `viewer` may see them.
fn listed(
    conn: &mut DbConnection,
    viewer: &Viewer,
    kind: Kind,
    rows: Vec<Row>,
) -> Result<Vec<Listed>> {
    let mut groups: Vec<GroupId> = rows.iter().filter_map(|row| row.group_id).collect();
    groups.sort_unstable();
    groups.dedup();
    let scope = Scope::resolve(conn, viewer)?;
    let found = crate::groups::system::groups_by_id(conn, &groups)?;
    // A group since deleted is hidden too: nobody may see it any more.
    let hidden: HashSet<GroupId> = groups
        .into_iter()
        .filter(|id| !found.get(id).is_some_and(|g| scope.sees_group(g)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Listed {
            id: row.id,
            kind,
            delivery: decode(kind.as_str(), &row.payload).ok(),
            hidden: row.group_id.is_some_and(|g| hidden.contains(&g)),
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: row.created_at,
            next_attempt_at: row.next_attempt_at,
            sent_at: row.sent_at,
            dead_at: row.dead_at,
        })
        .collect())
}
