//! Plain reads of groups, memberships and join requests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Group, Role};
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{groups, join_requests, memberships, users};
use crate::error::Result;
use crate::ids::{GroupId, UserId};

pub(super) fn find(conn: &mut DbConnection, id: GroupId) -> Result<Option<Group>> {
    Ok(groups::table
        .find(id)
        .select(Group::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn find_many(conn: &mut DbConnection, ids: &[GroupId]) -> Result<Vec<Group>> {
    Ok(groups::table
        .filter(one_of(groups::id, ids))
        .select(Group::as_select())
        .load(conn)?)
}

pub(super) fn name_taken(
    conn: &mut DbConnection,
    key: &str,
    except: Option<GroupId>,
) -> Result<bool> {
    let mut query = groups::table
        .filter(groups::name_key.eq(key))
        .select(groups::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(groups::id.ne(id));
    }
    Ok(query.first::<GroupId>(conn).optional()?.is_some())
}

pub(super) fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Group>> {
    Ok(groups::table
        .filter(groups::name_key.eq(super::model::name_key(name)))
        .select(Group::as_select())
        .first(conn)
        .optional()?)
}

/// Which of `group_ids` have a guest among their members.
pub(super) fn with_guests(
    conn: &mut DbConnection,
    group_ids: &[GroupId],
) -> Result<std::collections::HashSet<GroupId>> {
    let ids: Vec<GroupId> = memberships::table
        .inner_join(users::table.on(users::id.eq(memberships::user_id)))
        .filter(one_of(memberships::group_id, group_ids))
        .filter(users::kind.eq("guest"))
        .select(memberships::group_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Every group with a guest among its members: few, since guests are.
pub(super) fn all_with_guests(
    conn: &mut DbConnection,
) -> Result<std::collections::HashSet<GroupId>> {
    let ids: Vec<GroupId> = memberships::table
        .inner_join(users::table.on(users::id.eq(memberships::user_id)))
        .filter(users::kind.eq("guest"))
        .select(memberships::group_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

pub(super) fn roles_of(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<(GroupId, String)>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select((memberships::group_id, memberships::role))
        .load(conn)?)
}

pub(super) fn public_ids(conn: &mut DbConnection) -> Result<Vec<GroupId>> {
    Ok(groups::table
        .filter(groups::visibility.eq("public"))
        .select(groups::id)
        .load(conn)?)
}

pub(super) fn role(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_id: UserId,
) -> Result<Option<Role>> {
    let role: Option<String> = memberships::table
        .find((group_id, user_id))
        .select(memberships::role)
        .first(conn)
        .optional()?;
    Ok(role.as_deref().map(Role::parse))
}

pub(super) fn owner_count(conn: &mut DbConnection, group_id: GroupId) -> Result<i64> {
    Ok(memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::role.eq(Role::Owner.as_str()))
        .count()
        .get_result(conn)?)
}

/// Groups in `ids`, or with a visibility in `visibilities`, whose name key is `like` (a LIKE
/// pattern escaped with `\`) if given, by name, after `after`.
pub(super) fn list(
    conn: &mut DbConnection,
    ids: &[GroupId],
    visibilities: &[&str],
    like: Option<String>,
    after: Option<&(String, GroupId)>,
    limit: i64,
) -> Result<Vec<Group>> {
    let vis: Vec<String> = visibilities.iter().map(|v| v.to_string()).collect();
    let mut query = groups::table
        .filter(one_of(groups::id, ids).or(groups::visibility.eq_any(vis)))
        .select(Group::as_select())
        .order((groups::name_key.asc(), groups::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(pattern) = like {
        query = query.filter(groups::name_key.like(pattern).escape('\\'));
    }
    if let Some((key, id)) = after {
        query = query.filter(
            groups::name_key
                .gt(key.clone())
                .or(groups::name_key.eq(key.clone()).and(groups::id.gt(*id))),
        );
    }
    Ok(query.load(conn)?)
}

/// (user id, role) of members, oldest membership first.
/// Up to `limit` members of a group in the order they joined, after `after` (joined at, user id):
/// (user id, role, joined at).
pub(super) fn members(
    conn: &mut DbConnection,
    group_id: GroupId,
    after: Option<(NaiveDateTime, UserId)>,
    limit: i64,
) -> Result<Vec<(UserId, String, NaiveDateTime)>> {
    let mut query = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .select((
            memberships::user_id,
            memberships::role,
            memberships::created_at,
        ))
        .limit(limit)
        .into_boxed();
    if let Some((joined, user)) = after {
        query = query.filter(
            memberships::created_at
                .gt(joined)
                .or(memberships::created_at
                    .eq(joined)
                    .and(memberships::user_id.gt(user))),
        );
    }
    Ok(query.load(conn)?)
}

/// Ids of everyone who shares a group with `user_id`.
pub(super) fn co_members(conn: &mut DbConnection, group_ids: &[GroupId]) -> Result<Vec<UserId>> {
    // Not `one_of`: guessing a bound list long, SQLite would read the whole user index in
    // order rather than sort the few members (28.6 ms against 18.7 at full size).
    Ok(memberships::table
        .filter(memberships::group_id.eq_any(group_ids))
        .select(memberships::user_id)
        .distinct()
        .load(conn)?)
}

/// Those of `user_ids` who belong to one of `group_ids`.
pub(super) fn members_among(
    conn: &mut DbConnection,
    group_ids: &[GroupId],
    user_ids: &[UserId],
) -> Result<Vec<UserId>> {
    Ok(memberships::table
        .filter(one_of(memberships::group_id, group_ids))
        .filter(one_of(memberships::user_id, user_ids))
        .select(memberships::user_id)
        .distinct()
        .load(conn)?)
}

pub(super) fn join_requests(conn: &mut DbConnection, group_id: GroupId) -> Result<Vec<UserId>> {
    Ok(join_requests::table
        .filter(join_requests::group_id.eq(group_id))
        .order(join_requests::created_at.asc())
        .select(join_requests::user_id)
        .load(conn)?)
}

/// The members of a group, with their roles, whose ids are among `user_ids`.
pub(super) fn roles_among(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_ids: &[UserId],
) -> Result<Vec<(UserId, String)>> {
    Ok(memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(one_of(memberships::user_id, user_ids))
        .select((memberships::user_id, memberships::role))
        .load(conn)?)
}

/// The members of a group with one of `roles`, or with email frequency `frequency`.
pub(super) fn member_ids_where(
    conn: &mut DbConnection,
    group_id: GroupId,
    roles: &[&str],
    frequency: Option<&str>,
) -> Result<Vec<UserId>> {
    let mut query = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .select(memberships::user_id)
        .into_boxed();
    if !roles.is_empty() {
        query = query.filter(memberships::role.eq_any(roles.to_vec()));
    }
    if let Some(frequency) = frequency {
        query = query.filter(memberships::email_frequency.eq(frequency.to_string()));
    }
    Ok(query.load(conn)?)
}
