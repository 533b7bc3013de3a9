//! SCIM Users: Agora's employees and admins as the core User schema and the enterprise
//! extension describe them, and the writes a provisioning client makes. Guests are never
//! seen here. Mapping (also in `docs/scim.md`):
//!
//! | SCIM | Agora |
//! |---|---|
//! | `id` | the user's id |
//! | `userName` | email (or, when `userName` is not an address, the primary or work email) |
//! | `displayName`, else `name.formatted`, else `name.givenName name.familyName` | name |
//! | `title` | title |
//! | `active` | not deactivated |
//! | `externalId` | kept for the client |
//! | enterprise `department`, `employeeNumber`, `manager.value` | department, employee number, manager |

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::error::{ScimError, ScimResult};
use super::filter::{Filter, member};
use super::{BASE_PATH, Change, ENTERPRISE_USER, USER_SCHEMA, version_of};
use crate::accounts::User;
use crate::accounts::actions::{self, ProfileUpdate, is_plausible_email, normalize_email};
use crate::accounts::directory;
use crate::audit::{self, AuditAction, Origin, Subject};
use crate::db::DbConnection;
use crate::db::schema::directory_entries;
use crate::ids::UserId;
use crate::on_backend;

/// Attributes of the core User schema: those Agora does not keep are accepted and ignored.
const CORE_ATTRIBUTES: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "meta",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// What the directory keeps about a provisioned person beyond her profile.
#[derive(Clone, Debug, Default, Queryable, Selectable)]
#[diesel(table_name = directory_entries)]
struct Entry {
    external_id: Option<String>,
    employee_number: String,
    removed_at: Option<NaiveDateTime>,
}

/// A User as a client sent it, read and checked.
#[derive(Clone, Debug)]
struct Input {
    email: String,
    name: Option<String>,
    title: String,
    department: String,
    employee_number: String,
    /// The manager's id; empty: none.
    manager: String,
    external_id: Option<String>,
    active: bool,
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// `object[name]` as text; absent or null is `None`, anything else but a string refused.
fn text(object: &Value, name: &str) -> ScimResult<Option<String>> {
    match member(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim().to_string())),
        Some(_) => Err(invalid_value(format!("{name} must be a string"))),
    }
}

/// A boolean as clients send it: `false`, or Entra ID's `"False"`.
fn boolean(value: &Value, name: &str) -> ScimResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid_value(format!("{name} must be true or false"))),
    }
}

fn read(body: &Value) -> ScimResult<Input> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "a User is a JSON object"))?;
    for key in object.keys() {
        let known = CORE_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(key))
            || key.eq_ignore_ascii_case(ENTERPRISE_USER);
        if !known {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("unknown attribute {key:?}"),
            ));
        }
    }
    let user_name = text(body, "userName")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid_value("userName is required"))?;
    let emails = match member(body, "emails") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(emails)) => emails.clone(),
        Some(_) => return Err(invalid_value("emails must be a list")),
    };
    let email_of = |wanted: &dyn Fn(&Value) -> bool| -> ScimResult<Option<String>> {
        for email in emails.iter().filter(|e| wanted(e)) {
            if let Some(value) = text(email, "value")? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    };
    let is_primary =
        |e: &Value| member(e, "primary").is_some_and(|p| boolean(p, "primary").unwrap_or(false));
    let is_work = |e: &Value| {
        member(e, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("work"))
    };
    let email = if is_plausible_email(&normalize_email(&user_name)) {
        user_name
    } else {
        email_of(&is_primary)?
            .or(email_of(&is_work)?)
            .or(email_of(&|_| true)?)
            .ok_or_else(|| {
                invalid_value("userName is not an email address, and no email was given")
            })?
    };
    let name = match member(body, "name") {
        None | Some(Value::Null) => None,
        Some(name @ Value::Object(_)) => {
            let formatted = text(name, "formatted")?.filter(|f| !f.is_empty());
            let parts = [text(name, "givenName")?, text(name, "familyName")?];
            let joined = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
            formatted.or(Some(joined).filter(|j| !j.trim().is_empty()))
        }
        Some(_) => return Err(invalid_value("name must be an object")),
    };
    let name = text(body, "displayName")?
        .filter(|d| !d.is_empty())
        .or(name);
    let enterprise = match member(body, ENTERPRISE_USER) {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(e @ Value::Object(_)) => e.clone(),
        Some(_) => return Err(invalid_value("the enterprise extension must be an object")),
    };
    let manager = match member(&enterprise, "manager") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(id)) => id.trim().to_string(),
        Some(manager @ Value::Object(_)) => text(manager, "value")?.unwrap_or_default(),
        Some(_) => return Err(invalid_value("manager must be an object with a value")),
    };
    Ok(Input {
        email,
        name,
        title: text(body, "title")?.unwrap_or_default(),
        department: text(&enterprise, "department")?.unwrap_or_default(),
        employee_number: text(&enterprise, "employeeNumber")?.unwrap_or_default(),
        manager,
        external_id: text(body, "externalId")?.filter(|e| !e.is_empty()),
        active: member(body, "active").map_or(Ok(true), |a| boolean(a, "active"))?,
    })
}

pub(super) fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The User resource of `user`.
fn resource(user: &User, entry: Option<&Entry>) -> Value {
    let mut enterprise = json!({
        "department": user.department,
        "employeeNumber": entry.map(|e| e.employee_number.as_str()).unwrap_or(""),
    });
    if let Some(manager) = user.manager_id {
        enterprise["manager"] = json!({"value": manager.to_string()});
    }
    let mut body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER],
        "id": user.id.to_string(),
        "userName": user.email,
        "name": {"formatted": user.name},
        "displayName": user.name,
        "title": user.title,
        "active": user.is_active(),
        "emails": [{"value": user.email, "type": "work", "primary": true}],
        ENTERPRISE_USER: enterprise,
    });
    if let Some(external) = entry.and_then(|e| e.external_id.as_ref()) {
        body["externalId"] = external.clone().into();
    }
    let version = version_of(&body);
    body["meta"] = json!({
        "resourceType": "User",
        "created": rfc3339(user.created_at),
        "location": format!("{BASE_PATH}/Users/{}", user.id),
        "version": version,
    });
    body
}

fn entry_of(conn: &mut DbConnection, id: UserId) -> ScimResult<Option<Entry>> {
    Ok(directory_entries::table
        .find(id)
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// The person `raw` names, if SCIM may see her: not a guest, not deleted through SCIM.
fn visible(conn: &mut DbConnection, raw: &str) -> ScimResult<(User, Option<Entry>)> {
    let id: UserId = raw.parse().map_err(|_| ScimError::not_found("User"))?;
    let user = directory::find(conn, id)?
        .filter(|u| u.kind().is_staff())
        .ok_or_else(|| ScimError::not_found("User"))?;
    let entry = entry_of(conn, id)?;
    if entry.as_ref().is_some_and(|e| e.removed_at.is_some()) {
        return Err(ScimError::not_found("User"));
    }
    Ok((user, entry))
}

/// Every visible User matching `filter`, in id order.
pub fn list(conn: &mut DbConnection, filter: Option<&Filter>) -> ScimResult<Vec<Value>> {
    let entries: Vec<(UserId, Entry)> = directory_entries::table
        .select((directory_entries::user_id, Entry::as_select()))
        .load(conn)?;
    let entries: std::collections::HashMap<UserId, Entry> = entries.into_iter().collect();
    Ok(directory::people(conn)?
        .iter()
        .filter(|u| entries.get(&u.id).is_none_or(|e| e.removed_at.is_none()))
        .map(|u| resource(u, entries.get(&u.id)))
        .filter(|r| filter.is_none_or(|f| f.matches(r)))
        .collect())
}

/// The User `id`.
pub fn get(conn: &mut DbConnection, id: &str) -> ScimResult<Value> {
    let (user, entry) = visible(conn, id)?;
    Ok(resource(&user, entry.as_ref()))
}

/// Fails with 412 when `if_match` names another version than `current`'s.
pub fn check_version(current: &Value, if_match: Option<&str>) -> ScimResult<()> {
    match if_match {
        Some(wanted) if wanted.trim() != "*" && current["meta"]["version"] != wanted.trim() => Err(
            ScimError::status(412, "the resource changed since that version was read"),
        ),
        _ => Ok(()),
    }
}

/// Provisions the User `body` describes, on `actor`'s behalf. An address SCIM deleted before
/// comes back as the same person; one that belongs to an account SCIM never provisioned is
/// `uniqueness` (the client finds it by `userName` and takes it over with PUT or PATCH).
pub fn create(
    conn: &mut DbConnection,
    actor: UserId,
    body: &Value,
    origin: &Origin,
) -> ScimResult<Value> {
    let input = read(body)?;
    let user = match directory::find_by_email(conn, &input.email)? {
        Some(user) => {
            let removed = entry_of(conn, user.id)?.is_some_and(|e| e.removed_at.is_some());
            if !removed || !user.kind().is_staff() {
                return Err(ScimError {
                    status: 409,
                    scim_type: Some("uniqueness"),
                    detail: "a user with this userName already exists".into(),
                });
            }
            user
        }
        None => directory::register(conn, &input.email, input.name.as_deref().unwrap_or(""))?,
    };
    let email = input.email.clone();
    let made = store(conn, actor, &user, input, origin)?;
    provisioned(
        conn,
        origin,
        AuditAction::ScimUserCreated,
        actor,
        user.id,
        &email,
    )?;
    Ok(made)
}

/// Records a SCIM change of `user` in the audit log.
fn provisioned(
    conn: &mut DbConnection,
    origin: &Origin,
    action: AuditAction,
    actor: UserId,
    user: UserId,
    email: &str,
) -> ScimResult<()> {
    let entry = audit::Entry::new(action, Some(actor))
        .subject(Subject::User(user))
        .detail(serde_json::json!({"email": email}));
    Ok(audit::record(conn, origin, entry)?)
}

/// Replaces User `id` with `body` (PUT) or applies its operations (PATCH).
pub fn change(
    conn: &mut DbConnection,
    actor: UserId,
    id: &str,
    body: &Value,
    if_match: Option<&str>,
    how: Change,
    origin: &Origin,
) -> ScimResult<Value> {
    let (user, entry) = visible(conn, id)?;
    let current = resource(&user, entry.as_ref());
    check_version(&current, if_match)?;
    let input = read(&how.wanted(current, body)?)?;
    let email = input.email.clone();
    let changed = store(conn, actor, &user, input, origin)?;
    provisioned(
        conn,
        origin,
        AuditAction::ScimUserUpdated,
        actor,
        user.id,
        &email,
    )?;
    Ok(changed)
}

/// Deletes User `id`: she is deactivated at once and SCIM sees her no more; what she wrote
/// stays hers.
pub fn delete(
    conn: &mut DbConnection,
    actor: UserId,
    id: &str,
    if_match: Option<&str>,
    origin: &Origin,
) -> ScimResult<()> {
    let (user, entry) = visible(conn, id)?;
    check_version(&resource(&user, entry.as_ref()), if_match)?;
    actions::deactivate(conn, Some(actor), user.id, origin)?;
    provisioned(
        conn,
        origin,
        AuditAction::ScimUserDeleted,
        actor,
        user.id,
        &user.email,
    )?;
    let kept = entry.unwrap_or_default();
    let removed = Entry {
        removed_at: Some(Utc::now().naive_utc()),
        ..kept
    };
    write_entry(conn, user.id, &removed)?;
    Ok(())
}

/// Stores `entry` for `id`, made if she had none.
fn write_entry(conn: &mut DbConnection, id: UserId, entry: &Entry) -> ScimResult<()> {
    let changes = (
        directory_entries::external_id.eq(&entry.external_id),
        directory_entries::employee_number.eq(&entry.employee_number),
        directory_entries::removed_at.eq(entry.removed_at),
    );
    let row = (
        directory_entries::user_id.eq(id),
        directory_entries::provisioned_at.eq(Utc::now().naive_utc()),
        changes,
    );
    on_backend!(conn, |inner| diesel::insert_into(directory_entries::table)
        .values(row)
        .on_conflict(directory_entries::user_id)
        .do_update()
        .set(changes)
        .execute(inner))?;
    Ok(())
}

/// Writes `input` over `user`: profile, email, directory entry, then active or not.
fn store(
    conn: &mut DbConnection,
    actor: UserId,
    user: &User,
    input: Input,
    origin: &Origin,
) -> ScimResult<Value> {
    directory::change_email(conn, actor, user.id, &input.email)?;
    let update = ProfileUpdate {
        name: input.name.clone(),
        title: Some(input.title.clone()),
        department: Some(input.department.clone()),
        manager_id: Some(input.manager.clone()),
        ..ProfileUpdate::default()
    };
    directory::provision(conn, actor, user.id, &update)?;
    let entry = Entry {
        external_id: input.external_id,
        employee_number: input.employee_number,
        removed_at: None,
    };
    write_entry(conn, user.id, &entry)?;
    let user = directory::find(conn, user.id)?.ok_or_else(|| ScimError::not_found("User"))?;
    match (input.active, user.is_active()) {
        (false, true) => actions::deactivate(conn, Some(actor), user.id, origin)?,
        (true, false) => actions::reactivate(conn, actor, user.id, origin)?,
        _ => {}
    }
    get(conn, &user.id.to_string())
}

/// Whether `id` was provisioned through SCIM (and not deleted since).
pub fn is_provisioned(conn: &mut DbConnection, id: UserId) -> crate::error::Result<bool> {
    let entry = directory_entries::table
        .find(id)
        .select(directory_entries::removed_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?;
    Ok(matches!(entry, Some(None)))
}

/// Drops what the directory kept of `user` (a deleted account): her external id and employee
/// number. SCIM no longer sees her; provisioning the same person again makes a new account.
pub fn forget(conn: &mut DbConnection, user: UserId) -> crate::error::Result<()> {
    diesel::delete(directory_entries::table.find(user)).execute(conn)?;
    Ok(())
}
