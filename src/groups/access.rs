//! The only public loaders of groups and memberships; what the viewer may not see is reported
//! exactly like what does not exist.

use std::sync::Arc;

use super::model::{Group, Role};
use super::queries;
use super::views::{GroupView, MemberView};
use crate::access::Scope;
use crate::accounts;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{GroupId, UserId};

/// Group `id` if it exists for the viewer.
pub fn visible_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<Group> {
    scope.viewer().require_user()?;
    match queries::find(conn, id)? {
        Some(group) if scope.sees_group(&group) => Ok(group),
        _ => Err(Error::not_found("group")),
    }
}

/// The group called `name` (any case), or with id `name`, if the viewer sees it.
pub fn visible_group_named(
    conn: &mut DbConnection,
    scope: &Scope,
    name: &str,
) -> Result<Option<Group>> {
    let found = match name.parse::<GroupId>() {
        Ok(id) => queries::find(conn, id)?,
        Err(_) => queries::find_by_name(conn, name)?,
    };
    Ok(found.filter(|group| scope.sees_group(group)))
}

/// Group `id` if the viewer may read its posts and members; a private group the viewer can
/// see but not read is 403, anything else unseen 404.
pub fn readable_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<Group> {
    let group = visible_group(conn, scope, id)?;
    if scope.reads_posts_in(Some(group.id)) {
        Ok(group)
    } else {
        Err(Error::forbidden(
            ErrorCode::MembersOnly,
            "only members read this group; ask to join",
        ))
    }
}

/// One page of the group directory, by name: employees see public and private groups and
/// their own; guests only their own. With `q`, only groups whose name holds it.
pub fn directory(
    conn: &mut DbConnection,
    scope: &Scope,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<GroupView>, Option<String>)> {
    scope.viewer().require_user()?;
    let after = cursor.map(crate::cursor::decode).transpose()?;
    let own: Vec<GroupId> = scope.member_groups();
    let visibilities: &[&str] = if scope.reads_company() {
        &["public", "private"]
    } else {
        &[]
    };
    let named = q
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", crate::db::escape_like(&super::model::name_key(q))));
    let groups = queries::list(conn, &own, visibilities, named, after.as_ref(), limit + 1)?;
    let (groups, next) =
        crate::cursor::page(groups, limit, |g| crate::cursor::encode(&g.name_key, g.id));
    Ok((views(conn, scope, &groups)?, next))
}

/// Views of `groups` with the viewer's role in each, and whether guests are among their
/// members.
pub fn views(conn: &mut DbConnection, scope: &Scope, groups: &[Group]) -> Result<Vec<GroupView>> {
    let with_guests = match scope.memory() {
        Some((remembered, stamp)) => remembered.groups_with_guests(conn, stamp)?,
        None => {
            let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
            Arc::new(queries::with_guests(conn, &ids)?)
        }
    };
    Ok(groups
        .iter()
        .map(|g| GroupView::of(g, scope.role_in(g.id), with_guests.contains(&g.id)))
        .collect())
}

/// One page of the members of a group the viewer may read, in the order they joined, with
/// their roles.
pub fn members(
    conn: &mut DbConnection,
    scope: &Scope,
    id: GroupId,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<MemberView>, Option<String>)> {
    let group = readable_group(conn, scope, id)?;
    let after = cursor.map(crate::cursor::decode_at).transpose()?;
    let rows = queries::members(conn, group.id, after, limit + 1)?;
    let (rows, next) = crate::cursor::page(rows, limit, |(user, _, joined)| {
        crate::cursor::encode_at(*joined, *user)
    });
    let ids: Vec<UserId> = rows.iter().map(|(user, _, _)| *user).collect();
    let users = accounts::system::users_by_id(conn, &ids)?;
    let members = rows
        .iter()
        .filter_map(|(user, role, _)| {
            users
                .get(user)
                .map(|u| MemberView::of(u, scope.viewer(), Role::parse(role)))
        })
        .collect();
    Ok((members, next))
}

/// Pending join requests of a group, for its owners and admins.
pub fn join_requests(
    conn: &mut DbConnection,
    scope: &Scope,
    id: GroupId,
) -> Result<Vec<accounts::UserView>> {
    let group = visible_group(conn, scope, id)?;
    if !scope.role_in(group.id).is_some_and(Role::manages) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins see join requests",
        ));
    }
    let ids = queries::join_requests(conn, group.id)?;
    let users = accounts::system::users_by_id(conn, &ids)?;
    Ok(ids
        .iter()
        .filter_map(|id| users.get(id))
        .map(|u| accounts::UserView::of(u, scope.viewer()))
        .collect())
}

/// Those of `ids` who share a group with the viewer.
pub fn co_members_among(
    conn: &mut DbConnection,
    scope: &Scope,
    ids: &[UserId],
) -> Result<Vec<UserId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    queries::members_among(conn, &scope.member_groups(), ids)
}

/// Everyone who shares a group with the viewer (for a guest's view of people).
pub fn co_member_ids(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<UserId>> {
    let groups: Vec<GroupId> = scope.member_groups();
    queries::co_members(conn, &groups)
}
