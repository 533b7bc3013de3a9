//! SCIM Groups: the Agora groups SCIM created, kept in step with the company's directory.
//! Mapping (also in `docs/scim.md`): `displayName` is the group's name; a new group is
//! private, owned by the admin who made the SCIM token; `members` are its employees. SCIM
//! adds and removes plain members; owners, admins and guests, whom people in Agora manage,
//! it leaves alone. Groups made in Agora are not SCIM's: it neither lists nor changes them.
//! DELETE archives the group (its posts stay readable) and lets SCIM forget it.

use diesel::prelude::*;
use serde_json::{Value, json};

use super::error::{ScimError, ScimResult};
use super::filter::{Filter, member};
use super::{BASE_PATH, Change, GROUP_SCHEMA, users::check_version, version_of};
use crate::access::Scope;
use crate::accounts::directory;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::db::DbConnection;
use crate::db::schema::directory_groups;
use crate::groups::actions::{self, GroupChanges, NewGroup};
use crate::groups::system;
use crate::groups::{Group, Role, Visibility};
use crate::ids::{GroupId, UserId};

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// The actor's scope, read now (her roles change as SCIM creates groups).
fn scope_of(conn: &mut DbConnection, actor: UserId) -> ScimResult<Scope> {
    let user = directory::find(conn, actor)?
        .ok_or_else(|| ScimError::status(401, "the token's admin is gone"))?;
    Ok(Scope::resolve(conn, &user.viewer())?)
}

/// The group resource: only employees appear among its members.
fn resource(
    conn: &mut DbConnection,
    group: &Group,
    external_id: Option<&str>,
) -> ScimResult<Value> {
    let members = system::members_with_roles(conn, group.id)?;
    let ids: Vec<UserId> = members.iter().map(|(id, _)| *id).collect();
    let people = crate::accounts::system::users_by_id(conn, &ids)?;
    let listed: Vec<Value> = ids
        .iter()
        .filter_map(|id| people.get(id))
        .filter(|u| u.kind().is_staff())
        .map(|u| json!({"value": u.id.to_string(), "display": u.name, "$ref": format!("{BASE_PATH}/Users/{}", u.id)}))
        .collect();
    let mut body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id.to_string(),
        "displayName": group.name,
        "members": listed,
    });
    if let Some(external) = external_id {
        body["externalId"] = external.into();
    }
    let version = version_of(&body);
    body["meta"] = json!({
        "resourceType": "Group",
        "created": super::users::rfc3339(group.created_at),
        "location": format!("{BASE_PATH}/Groups/{}", group.id),
        "version": version,
    });
    Ok(body)
}

/// Group `raw`, if SCIM made it: with its external id.
fn owned(conn: &mut DbConnection, raw: &str) -> ScimResult<(Group, Option<String>)> {
    let id: GroupId = raw.parse().map_err(|_| ScimError::not_found("Group"))?;
    let external: Option<String> = directory_groups::table
        .find(id)
        .select(directory_groups::external_id)
        .first::<Option<String>>(conn)
        .optional()?
        .ok_or_else(|| ScimError::not_found("Group"))?;
    let group = system::group_by_id(conn, id)?.ok_or_else(|| ScimError::not_found("Group"))?;
    Ok((group, external))
}

/// A group as a client sent it: its name, external id and members' ids.
struct Input {
    name: String,
    external_id: Option<String>,
    members: Vec<UserId>,
}

fn read(conn: &mut DbConnection, body: &Value) -> ScimResult<Input> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "a Group is a JSON object"))?;
    for key in object.keys() {
        let known = [
            "schemas",
            "id",
            "externalId",
            "meta",
            "displayName",
            "members",
        ];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("unknown attribute {key:?}"),
            ));
        }
    }
    let name = match member(body, "displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
        _ => return Err(invalid_value("displayName is required")),
    };
    let external_id = match member(body, "externalId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(invalid_value("externalId must be a string")),
    };
    let listed = match member(body, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(invalid_value("members must be a list")),
    };
    let mut asked: Vec<(String, Option<UserId>)> = Vec::new();
    for item in &listed {
        let raw = member(item, "value")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_value("each member has a value"))?;
        asked.push((raw.to_string(), raw.parse().ok()));
    }
    // Everyone listed, read at once.
    let ids: Vec<UserId> = asked.iter().filter_map(|(_, id)| *id).collect();
    let people = crate::accounts::system::users_by_id(conn, &ids)?;
    let mut members = Vec::new();
    for (raw, id) in asked {
        let person = id
            .and_then(|id| people.get(&id))
            .filter(|u| u.kind().is_staff())
            .ok_or_else(|| invalid_value(format!("no user {raw}")))?;
        if !members.contains(&person.id) {
            members.push(person.id);
        }
    }
    Ok(Input {
        name,
        external_id,
        members,
    })
}

pub fn list(conn: &mut DbConnection, filter: Option<&Filter>) -> ScimResult<Vec<Value>> {
    let rows: Vec<(GroupId, Option<String>)> = directory_groups::table
        .order(directory_groups::group_id.asc())
        .select((directory_groups::group_id, directory_groups::external_id))
        .load(conn)?;
    let ids: Vec<GroupId> = rows.iter().map(|(id, _)| *id).collect();
    let groups = system::groups_by_id(conn, &ids)?;
    let mut found = Vec::new();
    for (id, external) in rows {
        let Some(group) = groups.get(&id).filter(|g| !g.is_archived()) else {
            continue;
        };
        // Members are read per group: SCIM's groups are few, and pages are at most 500.
        let body = resource(conn, group, external.as_deref())?;
        if filter.is_none_or(|f| f.matches(&body)) {
            found.push(body);
        }
    }
    Ok(found)
}

pub fn get(conn: &mut DbConnection, id: &str) -> ScimResult<Value> {
    let (group, external) = owned(conn, id)?;
    resource(conn, &group, external.as_deref())
}

/// Creates a private group owned by the token's admin, with the members `body` lists.
pub fn create(
    conn: &mut DbConnection,
    actor: UserId,
    body: &Value,
    origin: &Origin,
) -> ScimResult<Value> {
    let input = read(conn, body)?;
    let scope = scope_of(conn, actor)?;
    let group = actions::create_group(
        conn,
        &scope,
        &NewGroup {
            name: input.name.clone(),
            description: String::new(),
            visibility: Visibility::Private,
            allow_guests: false,
            broadcast: false,
            members_comment: true,
        },
    )?;
    diesel::insert_into(directory_groups::table)
        .values((
            directory_groups::group_id.eq(group.id),
            directory_groups::external_id.eq(&input.external_id),
        ))
        .execute(conn)?;
    let made = store(conn, actor, &group, input, origin)?;
    provisioned(conn, origin, AuditAction::ScimGroupCreated, actor, &group)?;
    Ok(made)
}

/// Records a SCIM change of `group` in the audit log.
fn provisioned(
    conn: &mut DbConnection,
    origin: &Origin,
    action: AuditAction,
    actor: UserId,
    group: &Group,
) -> ScimResult<()> {
    let entry = Entry::new(action, Some(actor))
        .subject(Subject::Group(group.id))
        .detail(serde_json::json!({"name": group.name}));
    Ok(audit::record(conn, origin, entry)?)
}

/// Replaces group `id` with `body` (PUT) or applies its operations (PATCH).
pub fn change(
    conn: &mut DbConnection,
    actor: UserId,
    id: &str,
    body: &Value,
    if_match: Option<&str>,
    how: Change,
    origin: &Origin,
) -> ScimResult<Value> {
    let (group, external) = owned(conn, id)?;
    let current = resource(conn, &group, external.as_deref())?;
    check_version(&current, if_match)?;
    let input = read(conn, &how.wanted(current, body)?)?;
    let changed = store(conn, actor, &group, input, origin)?;
    provisioned(conn, origin, AuditAction::ScimGroupUpdated, actor, &group)?;
    Ok(changed)
}

/// Archives group `id` (its posts stay) and forgets it.
pub fn delete(
    conn: &mut DbConnection,
    actor: UserId,
    id: &str,
    if_match: Option<&str>,
    origin: &Origin,
) -> ScimResult<()> {
    let (group, external) = owned(conn, id)?;
    check_version(&resource(conn, &group, external.as_deref())?, if_match)?;
    let scope = scope_of(conn, actor)?;
    let archive = GroupChanges {
        archived: Some(true),
        ..GroupChanges::default()
    };
    actions::update_group(conn, &scope, group.id, &archive, origin)?;
    diesel::delete(directory_groups::table.find(group.id)).execute(conn)?;
    provisioned(conn, origin, AuditAction::ScimGroupDeleted, actor, &group)
}

/// Renames the group if asked, then adds and removes plain members to match `input`.
fn store(
    conn: &mut DbConnection,
    actor: UserId,
    group: &Group,
    input: Input,
    origin: &Origin,
) -> ScimResult<Value> {
    let scope = scope_of(conn, actor)?;
    if input.name != group.name {
        let rename = GroupChanges {
            name: Some(input.name.clone()),
            ..GroupChanges::default()
        };
        actions::update_group(conn, &scope, group.id, &rename, origin)?;
    }
    diesel::update(directory_groups::table.find(group.id))
        .set(directory_groups::external_id.eq(&input.external_id))
        .execute(conn)?;
    let current = system::members_with_roles(conn, group.id)?;
    for (id, role) in &current {
        if *role == Role::Member && !input.members.contains(id) {
            let person = directory::find(conn, *id)?;
            if person.is_some_and(|p| p.kind().is_staff()) {
                actions::remove_member(conn, &scope, group.id, *id, origin)?;
            }
        }
    }
    for id in &input.members {
        if !current.iter().any(|(member, _)| member == id) {
            actions::add_member(conn, &scope, group.id, *id, Role::Member, origin)?;
        }
    }
    get(conn, &group.id.to_string())
}
