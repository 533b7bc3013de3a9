//! The only writers of groups and memberships: each runs in the caller's transaction and
//! appends its event.

use diesel::prelude::*;
use serde::Deserialize;

use super::model::{Group, Role, Visibility, name_key};
use super::{access, queries};
use crate::access::Scope;
use crate::accounts::{self, UserKind};
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::clock;
use crate::db::schema::{groups, join_requests, memberships};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, Result, Validation, invalid};
use crate::events::{self, Event, Membership};
use crate::ids::{GroupId, UserId};
use crate::on_backend;

const MAX_NAME: usize = 80;
const MAX_DESCRIPTION: usize = 1000;

/// A group to create.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub visibility: Visibility,
    #[serde(default)]
    pub allow_guests: bool,
    /// Only owners and admins post; members read (and comment, unless `members_comment` is
    /// false).
    #[serde(default)]
    pub broadcast: bool,
    /// In a broadcast group, whether members comment. Default true.
    #[serde(default = "yes")]
    pub members_comment: bool,
}

fn yes() -> bool {
    true
}

/// Changes to a group's settings; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub allow_guests: Option<bool>,
    pub broadcast: Option<bool>,
    pub members_comment: Option<bool>,
    /// True archives (posts stay readable, no new ones); false restores.
    pub archived: Option<bool>,
}

fn validate(name: Option<&str>, description: Option<&str>) -> Result<()> {
    let mut check = Validation::default();
    check
        .check(
            name.is_some_and(|n| n.trim().is_empty()),
            "name",
            "enter a name",
        )
        .single_line(name, "name")
        .check(
            name.is_some_and(|n| n.trim().chars().count() > MAX_NAME),
            "name",
            format!("at most {MAX_NAME} characters"),
        )
        .check(
            description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION),
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        );
    check.finish()
}

fn ensure_name_free(conn: &mut DbConnection, name: &str, except: Option<GroupId>) -> Result<()> {
    if queries::name_taken(conn, &name_key(name), except)? {
        return Err(Error::conflict(
            ErrorCode::GroupNameTaken,
            "a group with this name already exists",
        ));
    }
    Ok(())
}

/// Creates a group with the viewer as its owner (employees and admins only).
pub fn create_group(conn: &mut DbConnection, scope: &Scope, input: &NewGroup) -> Result<Group> {
    let me = scope.viewer().require_user()?;
    if me.kind.is_walled() {
        return Err(Error::forbidden(
            ErrorCode::GuestNotAllowed,
            "guests and bots cannot create groups",
        ));
    }
    validate(Some(&input.name), Some(&input.description))?;
    ensure_name_free(conn, &input.name, None)?;
    let now = clock::now();
    let id = GroupId(new_id());
    diesel::insert_into(groups::table)
        .values((
            groups::id.eq(id),
            groups::name.eq(input.name.trim()),
            groups::name_key.eq(name_key(&input.name)),
            groups::description.eq(input.description.trim()),
            groups::visibility.eq(input.visibility.as_str()),
            groups::allow_guests.eq(input.allow_guests),
            groups::broadcast.eq(input.broadcast),
            groups::members_comment.eq(input.members_comment),
            groups::created_by.eq(me.id),
            groups::created_at.eq(now),
        ))
        .execute(conn)?;
    insert_member(conn, id, me.id, Role::Owner)?;
    let created = Event::GroupCreated {
        owner: me.id,
        group: id,
    };
    events::append(conn, &created)?;
    queries::find(conn, id)?.ok_or_else(|| Error::internal("group vanished after insert"))
}

/// Changes a group's settings (its owners and admins), asked from `origin`; the audit log
/// keeps the settings before and after.
pub fn update_group(
    conn: &mut DbConnection,
    scope: &Scope,
    id: GroupId,
    changes: &GroupChanges,
    origin: &Origin,
) -> Result<Group> {
    let group = managed_group(conn, scope, id)?;
    validate(changes.name.as_deref(), changes.description.as_deref())?;
    if let Some(name) = &changes.name {
        ensure_name_free(conn, name, Some(group.id))?;
    }
    let nothing = changes.name.is_none()
        && changes.description.is_none()
        && changes.visibility.is_none()
        && changes.allow_guests.is_none()
        && changes.broadcast.is_none()
        && changes.members_comment.is_none()
        && changes.archived.is_none();
    if nothing {
        return Ok(group);
    }
    if changes.allow_guests == Some(false)
        && group.allow_guests
        && queries::with_guests(conn, &[group.id])?.contains(&group.id)
    {
        return Err(Error::conflict(
            ErrorCode::GroupHasGuests,
            "remove the guests from the group before closing it to guests",
        ));
    }
    let archived_at = changes.archived.map(|a| a.then(clock::now));
    diesel::update(groups::table.find(group.id))
        .set((
            changes
                .name
                .as_deref()
                .map(|n| (groups::name.eq(n.trim()), groups::name_key.eq(name_key(n)))),
            changes
                .description
                .as_deref()
                .map(|d| groups::description.eq(d.trim())),
            changes
                .visibility
                .map(|v| groups::visibility.eq(v.as_str())),
            changes.allow_guests.map(|a| groups::allow_guests.eq(a)),
            changes.broadcast.map(|b| groups::broadcast.eq(b)),
            changes
                .members_comment
                .map(|c| groups::members_comment.eq(c)),
            archived_at.map(|a| groups::archived_at.eq(a)),
        ))
        .execute(conn)?;
    let updated = Event::GroupUpdated {
        by: scope.viewer().user_id(),
        group: group.id,
    };
    events::append(conn, &updated)?;
    let changed = queries::find(conn, group.id)?.ok_or_else(|| Error::not_found("group"))?;
    let entry = Entry::new(AuditAction::GroupSettingsChanged, scope.viewer().user_id())
        .subject(Subject::Group(group.id))
        .change(settings_of(&group), settings_of(&changed));
    audit::record(conn, origin, entry)?;
    Ok(changed)
}

/// A group's settings, for the audit log's before and after.
fn settings_of(group: &Group) -> serde_json::Value {
    serde_json::json!({
        "name": group.name,
        "description": group.description,
        "visibility": group.visibility,
        "allow_guests": group.allow_guests,
        "broadcast": group.broadcast,
        "members_comment": group.members_comment,
        "archived": group.is_archived(),
    })
}

/// What joining did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joined {
    /// Now a member (public group, or already one).
    Member,
    /// Asked to join; a group admin approves by adding the member.
    Requested,
}

/// Joins a public group, or asks to join a private one (employees only).
pub fn join_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<Joined> {
    let group = access::visible_group(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if scope.role_in(group.id).is_some() {
        return Ok(Joined::Member);
    }
    if !scope.reads_company() {
        return Err(Error::forbidden(
            ErrorCode::GuestNotAllowed,
            "guests join groups by invitation",
        ));
    }
    if group.is_archived() {
        return Err(Error::conflict(
            ErrorCode::GroupArchived,
            "this group is archived",
        ));
    }
    match group.visibility() {
        Visibility::Public => {
            insert_member(conn, group.id, me, Role::Member)?;
            let joined = Event::GroupJoined {
                member: me,
                group: group.id,
            };
            events::append(conn, &joined)?;
            Ok(Joined::Member)
        }
        _ => {
            let now = clock::now();
            on_backend!(conn, |inner| diesel::insert_into(join_requests::table)
                .values((
                    join_requests::group_id.eq(group.id),
                    join_requests::user_id.eq(me),
                    join_requests::created_at.eq(now)
                ))
                .on_conflict_do_nothing()
                .execute(inner))?;
            let requested = Event::GroupJoinRequested {
                requester: me,
                group: group.id,
            };
            events::append(conn, &requested)?;
            Ok(Joined::Requested)
        }
    }
}

/// Adds a member or changes a member's role (the group's owners and admins; only owners make
/// owners), asked from `origin`. Adding someone who asked to join approves the request.
pub fn add_member(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    user_id: UserId,
    role: Role,
    origin: &Origin,
) -> Result<Role> {
    let group = managed_group(conn, scope, group_id)?;
    let my_role = scope.role_in(group.id);
    if role == Role::Owner && my_role != Some(Role::Owner) {
        return Err(Error::forbidden(
            ErrorCode::OwnersOnly,
            "only an owner can make another owner",
        ));
    }
    let user = accounts::system::users_by_id(conn, &[user_id])?
        .remove(&user_id)
        .filter(|u| u.is_active())
        .ok_or_else(|| Error::not_found("user"))?;
    if user.kind() == UserKind::Guest && !group.allow_guests {
        return Err(Error::conflict(
            ErrorCode::GuestsNotAllowed,
            "this group does not allow guests",
        ));
    }
    if user.kind().is_walled() && role != Role::Member {
        // A group admin adds members and changes the group: both reach past the guest wall.
        return Err(invalid("role", "a guest or a bot can only be a member"));
    }
    match queries::role(conn, group.id, user_id)? {
        Some(current) if current == role => {}
        Some(current) => {
            if current == Role::Owner && my_role != Some(Role::Owner) {
                return Err(Error::forbidden(
                    ErrorCode::OwnersOnly,
                    "only an owner can change an owner's role",
                ));
            }
            if current == Role::Owner && queries::owner_count(conn, group.id)? <= 1 {
                return Err(Error::conflict(
                    ErrorCode::LastOwner,
                    "hand the group to another owner first",
                ));
            }
            diesel::update(memberships::table.find((group.id, user_id)))
                .set(memberships::role.eq(role.as_str()))
                .execute(conn)?;
            let change = membership(scope.viewer().user_id(), group.id, user_id);
            events::append(conn, &Event::GroupRoleChanged(change))?;
            let entry = Entry::new(AuditAction::MembershipRoleChanged, scope.viewer().user_id())
                .subject(Subject::Group(group.id))
                .change(
                    serde_json::json!({"member": user_id.to_string(), "role": current.as_str()}),
                    serde_json::json!({"member": user_id.to_string(), "role": role.as_str()}),
                );
            audit::record(conn, origin, entry)?;
        }
        None => {
            insert_member(conn, group.id, user_id, role)?;
            let change = membership(scope.viewer().user_id(), group.id, user_id);
            events::append(conn, &Event::GroupMemberAdded(change))?;
            let entry = Entry::new(AuditAction::MembershipAdded, scope.viewer().user_id())
                .subject(Subject::Group(group.id))
                .detail(serde_json::json!({"member": user_id.to_string(), "role": role.as_str()}));
            audit::record(conn, origin, entry)?;
        }
    }
    diesel::delete(join_requests::table.find((group.id, user_id))).execute(conn)?;
    Ok(role)
}

/// Makes `user_id` a member of `group_id` on the strength of an invitation `inviter` sent
/// (checked by the guests area); nothing happens if they already are one.
pub fn admit_invited(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_id: UserId,
    inviter: UserId,
) -> Result<()> {
    admit(conn, group_id, user_id, Some(inviter))
}

/// Makes employee `user_id` a member of each group named in `names`, as the company's
/// directory says at her single sign-on. Groups that do not exist or are archived are passed
/// over, and nobody is ever removed: leaving stays with her and the group's admins.
pub fn admit_as_directory_says(
    conn: &mut DbConnection,
    user_id: UserId,
    names: &[String],
) -> Result<()> {
    for name in names {
        if let Some(group) = queries::find_by_name(conn, name)?.filter(|g| !g.is_archived()) {
            admit(conn, group.id, user_id, None)?;
        }
    }
    Ok(())
}

/// Adds `user_id` as a member on `by`'s behalf (`None`: Agora itself), unless she is one.
fn admit(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_id: UserId,
    by: Option<UserId>,
) -> Result<()> {
    if queries::role(conn, group_id, user_id)?.is_some() {
        return Ok(());
    }
    insert_member(conn, group_id, user_id, Role::Member)?;
    let change = membership(by, group_id, user_id);
    events::append(conn, &Event::GroupMemberAdded(change))?;
    diesel::delete(join_requests::table.find((group_id, user_id))).execute(conn)?;
    Ok(())
}

/// Removes a member: oneself (leaving), or anyone by the group's owners and admins (only
/// owners remove owners), asked from `origin`. The last owner cannot go.
pub fn remove_member(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    user_id: UserId,
    origin: &Origin,
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let group = access::visible_group(conn, scope, group_id)?;
    let my_role = scope.role_in(group.id);
    if me != user_id && !my_role.is_some_and(Role::manages) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins remove members",
        ));
    }
    let Some(their_role) = queries::role(conn, group.id, user_id)? else {
        diesel::delete(join_requests::table.find((group.id, user_id))).execute(conn)?;
        return Ok(());
    };
    if their_role == Role::Owner {
        if me != user_id && my_role != Some(Role::Owner) {
            return Err(Error::forbidden(
                ErrorCode::OwnersOnly,
                "only an owner can remove an owner",
            ));
        }
        if queries::owner_count(conn, group.id)? <= 1 {
            return Err(Error::conflict(
                ErrorCode::LastOwner,
                "hand the group to another owner before leaving",
            ));
        }
    }
    diesel::delete(memberships::table.find((group.id, user_id))).execute(conn)?;
    count_members(conn, group.id, -1)?;
    let change = membership(Some(me), group.id, user_id);
    events::append(conn, &Event::GroupMemberRemoved(change))?;
    if me != user_id {
        let entry = Entry::new(AuditAction::MembershipRemoved, Some(me))
            .subject(Subject::Group(group.id))
            .detail(
                serde_json::json!({"member": user_id.to_string(), "role": their_role.as_str()}),
            );
        audit::record(conn, origin, entry)?;
    }
    // A guest with no group left has nothing to see: every session and token ends now.
    let guest = accounts::system::users_by_id(conn, &[user_id])?
        .remove(&user_id)
        .is_some_and(|u| u.kind() == UserKind::Guest);
    if guest && queries::roles_of(conn, user_id)?.is_empty() {
        accounts::sessions::revoke_all(conn, user_id)?;
    }
    Ok(())
}

/// The group, if the viewer is one of its owners or admins.
fn managed_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<Group> {
    let group = access::visible_group(conn, scope, id)?;
    if !scope.role_in(group.id).is_some_and(Role::manages) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins can do this",
        ));
    }
    Ok(group)
}

fn insert_member(
    conn: &mut DbConnection,
    group_id: GroupId,
    user_id: UserId,
    role: Role,
) -> Result<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::group_id.eq(group_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role.as_str()),
            memberships::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    count_members(conn, group_id, 1)
}

/// Moves the group's stored member count with a membership added (1) or removed (-1).
fn count_members(conn: &mut DbConnection, group_id: GroupId, delta: i64) -> Result<()> {
    diesel::update(groups::table.find(group_id))
        .set(groups::member_count.eq(groups::member_count + delta))
        .execute(conn)?;
    Ok(())
}

/// A change to `member`'s place in `group` made by `by`, as the log records it.
fn membership(by: Option<UserId>, group: GroupId, member: UserId) -> Membership {
    Membership { by, group, member }
}

/// Takes `user` (a deleted account) out of every group and drops her requests to join, on
/// `by`'s behalf. A group she alone owned keeps going without an owner: site admins manage it.
pub fn remove_from_all(conn: &mut DbConnection, user: UserId, by: Option<UserId>) -> Result<()> {
    let groups: Vec<GroupId> = memberships::table
        .filter(memberships::user_id.eq(user))
        .select(memberships::group_id)
        .load(conn)?;
    for group in groups {
        diesel::delete(memberships::table.find((group, user))).execute(conn)?;
        count_members(conn, group, -1)?;
        events::append(
            conn,
            &Event::GroupMemberRemoved(membership(by, group, user)),
        )?;
    }
    diesel::delete(join_requests::table.filter(join_requests::user_id.eq(user))).execute(conn)?;
    Ok(())
}
