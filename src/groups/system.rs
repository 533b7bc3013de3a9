//! Reads of groups that do not ask a viewer's `Scope`: the memberships a `Scope` is built from,
//! and what the system's own work needs (who manages a group, who asked for every post, a
//! group's name for a notification about it). Every read on behalf of a viewer goes through
//! `access`. Each says why it needs no scope: grep `system::` for every bypass.

use super::model::{Group, Role};
use super::queries;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::{GroupId, UserId};
use std::collections::{HashMap, HashSet};

/// The groups `user_id` belongs to, with their role in each: what her `Scope` is built from.
pub fn roles_of(conn: &mut DbConnection, user_id: UserId) -> Result<HashMap<GroupId, Role>> {
    Ok(queries::roles_of(conn, user_id)?
        .into_iter()
        .map(|(id, role)| (id, Role::parse(&role)))
        .collect())
}

/// Ids of every public group: with her memberships, what a `Scope` is built from.
pub fn public_group_ids(conn: &mut DbConnection) -> Result<Vec<GroupId>> {
    queries::public_ids(conn)
}

/// Ids of every group with a guest among its members: what group views say of each, and
/// what changes only with the access epoch.
pub fn group_ids_with_guests(conn: &mut DbConnection) -> Result<HashSet<GroupId>> {
    queries::all_with_guests(conn)
}

/// Group `id` whoever may see it: for checks made on behalf of a signed invitation.
pub fn group_by_id(conn: &mut DbConnection, id: GroupId) -> Result<Option<Group>> {
    queries::find(conn, id)
}

/// Groups by id, for filling in posts the viewer may already read.
pub fn groups_by_id(conn: &mut DbConnection, ids: &[GroupId]) -> Result<HashMap<GroupId, Group>> {
    Ok(queries::find_many(conn, ids)?
        .into_iter()
        .map(|g| (g.id, g))
        .collect())
}

/// The roles in `group_id` of those of `user_ids` who are its members: with the group's
/// visibility, what decides whether each may read it (see `signals::audience`).
pub fn roles_among(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_ids: &[UserId],
) -> Result<HashMap<UserId, Role>> {
    let mut roles = HashMap::new();
    // Chunks keep the statement under every backend's limit on bound parameters.
    for chunk in user_ids.chunks(1000) {
        roles.extend(
            queries::roles_among(conn, group_id, chunk)?
                .into_iter()
                .map(|(user, role)| (user, Role::parse(&role))),
        );
    }
    Ok(roles)
}

/// Every member of a group with her role: what SCIM lists and keeps in step with the
/// company's directory (its client is an admin's, acting for the company).
pub fn members_with_roles(
    conn: &mut DbConnection,
    group_id: GroupId,
) -> Result<Vec<(UserId, Role)>> {
    let ids = queries::member_ids_where(
        conn,
        group_id,
        &[
            Role::Owner.as_str(),
            Role::Admin.as_str(),
            Role::Member.as_str(),
        ],
        None,
    )?;
    let roles = roles_among(conn, group_id, &ids)?;
    Ok(ids
        .into_iter()
        .filter_map(|id| roles.get(&id).map(|r| (id, *r)))
        .collect())
}

/// The owners and admins of a group: who hears of its join requests (the notifier).
pub fn manager_ids(conn: &mut DbConnection, group_id: GroupId) -> Result<Vec<UserId>> {
    queries::member_ids_where(
        conn,
        group_id,
        &[Role::Owner.as_str(), Role::Admin.as_str()],
        None,
    )
}

/// The members who asked to hear of each post of a group (`email_frequency = 'each_post'`),
/// for the notifier, which asks each one's scope before telling her.
pub fn each_post_member_ids(conn: &mut DbConnection, group_id: GroupId) -> Result<Vec<UserId>> {
    queries::member_ids_where(conn, group_id, &[], Some("each_post"))
}
