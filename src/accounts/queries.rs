//! Plain reads of `users`; only this area calls them, through `access` and `actions`.

use diesel::prelude::*;

use super::access::Circle;
use super::model::User;
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::users;
use crate::error::Result;
use crate::ids::UserId;

type DbBackend = <DbConnection as diesel::Connection>::Backend;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub(super) fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn find_many(conn: &mut DbConnection, ids: &[UserId]) -> Result<Vec<User>> {
    Ok(users::table
        .filter(one_of(users::id, ids))
        .select(User::as_select())
        .load(conn)?)
}

/// Active users with one of `handles` (stored handles are lower-case).
pub(super) fn find_by_handles(conn: &mut DbConnection, handles: &[String]) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::handle.eq_any(handles.to_vec()))
        .filter(users::deactivated_at.is_null())
        .select(User::as_select())
        .load(conn)?)
}

/// `email` must already be normalised (trimmed, lower-case).
pub(super) fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn any_exists(conn: &mut DbConnection) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)?)
}

pub(super) fn handle_exists(conn: &mut DbConnection, handle: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(users::handle.eq(handle)),
    ))
    .get_result(conn)?)
}

/// Where a page of the directory starts: after this (name, id).
pub(super) type NameCursor = (String, UserId);

/// What a directory query matches.
#[derive(Clone, Copy, Debug)]
pub(super) struct Matched<'a> {
    /// Contained in the name or handle (any case); none or blank: everyone.
    pub text: Option<&'a str>,
    /// Whether the email may match too (only for viewers who see emails).
    pub emails: bool,
    /// Only people of this department (any case), when given.
    pub department: Option<&'a str>,
}

/// Active users matching `matched`, by name, at most `limit`, after `cursor`, within
/// `circle`.
pub(super) fn list_active(
    conn: &mut DbConnection,
    matched: Matched<'_>,
    circle: &Circle,
    cursor: Option<&NameCursor>,
    limit: i64,
) -> Result<Vec<User>> {
    let mut query = users::table
        .filter(users::deactivated_at.is_null())
        .select(User::as_select())
        .order((users::name.asc(), users::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(q) = matched.text.filter(|q| !q.trim().is_empty()) {
        let pattern = format!("%{}%", crate::db::escape_like(&q.trim().to_lowercase()));
        let shown = lower(users::name)
            .like(pattern.clone())
            .escape('\\')
            .or(users::handle.like(pattern.clone()).escape('\\'));
        query = if matched.emails {
            query.filter(shown.or(users::email.like(pattern).escape('\\')))
        } else {
            query.filter(shown)
        };
    }
    if let Some(department) = matched.department.map(str::trim).filter(|d| !d.is_empty()) {
        query = query.filter(lower(users::department).eq(department.to_lowercase()));
    }
    query = within(query, circle);
    if let Some((name, id)) = cursor {
        query = query.filter(
            users::name
                .gt(name.clone())
                .or(users::name.eq(name.clone()).and(users::id.gt(*id))),
        );
    }
    Ok(query.load(conn)?)
}

/// The departments of active users within `circle`, as written, alphabetically.
pub(super) fn departments(conn: &mut DbConnection, circle: &Circle) -> Result<Vec<String>> {
    let query = users::table
        .filter(users::deactivated_at.is_null())
        .filter(users::department.ne(""))
        .select(users::department)
        .distinct()
        .order(users::department.asc())
        .into_boxed();
    Ok(within(query, circle).load(conn)?)
}

/// Active users whose manager is `manager`, by name.
pub(super) fn reporting_to(conn: &mut DbConnection, manager: UserId) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::manager_id.eq(manager))
        .filter(users::deactivated_at.is_null())
        .select(User::as_select())
        .order((users::name.asc(), users::id.asc()))
        .load(conn)?)
}

/// `query` kept to the people of `circle`.
fn within<'a, S>(
    query: users::BoxedQuery<'a, DbBackend, S>,
    circle: &Circle,
) -> users::BoxedQuery<'a, DbBackend, S> {
    match circle {
        Circle::Everyone => query,
        Circle::Only(ids) => query.filter(one_of(users::id, ids)),
        Circle::AllBut(ids) => {
            query.filter(users::id.ne_all(ids.iter().copied().collect::<Vec<_>>()))
        }
    }
}

/// Ids of every guest account.
pub(super) fn guest_ids(conn: &mut DbConnection) -> Result<Vec<UserId>> {
    Ok(users::table
        .filter(users::kind.eq("guest"))
        .select(users::id)
        .load(conn)?)
}
