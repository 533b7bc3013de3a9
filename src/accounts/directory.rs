//! People as the company's directory describes them: created at their first single sign-on,
//! and their profile brought in line at every later one. The directory is trusted for what
//! it says and ignored for what it leaves out.

use diesel::prelude::*;

use super::actions::{ProfileUpdate, normalize_email};
use super::model::{NewUser, User, UserKind};
use super::queries;
use crate::clock;
use crate::db::schema::users;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result};
use crate::events::{self, Event};
use crate::ids::UserId;

/// Longest profile field taken from the directory; the rest is cut.
const MAX_FIELD: usize = 100;
/// Stored as the password of someone who signs in only through the provider: no password
/// ever matches it.
const NO_PASSWORD: &str = "";

/// What the directory says about a person; `None`: it does not say.
#[derive(Clone, Debug, Default)]
pub struct DirectoryProfile {
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    /// The email of her manager.
    pub manager_email: Option<String>,
}

/// The account with `email`, if there is one.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>> {
    queries::find_by_email(conn, &normalize_email(email))
}

/// The account `id`, if there is one (a deleted account is none: the directory knows it no
/// more).
pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<User>> {
    Ok(queries::find(conn, id)?.filter(|user| !user.is_deleted()))
}

/// Every account but guests', bots' and deleted ones, active or not, oldest first: the
/// company's people.
pub fn people(conn: &mut DbConnection) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::deleted_at.is_null())
        .filter(users::kind.ne(UserKind::Guest.as_str()))
        .filter(users::kind.ne(UserKind::Bot.as_str()))
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Applies `update` to `who`'s profile as the directory (`by`, an admin's client) says, and
/// refuses what a profile form would refuse, a manager loop included.
pub fn provision(
    conn: &mut DbConnection,
    by: UserId,
    who: UserId,
    update: &ProfileUpdate,
) -> Result<User> {
    super::actions::change_profile(conn, by, who, update)
}

/// Changes `who`'s email address on `by`'s behalf; another account's address is refused.
pub fn change_email(conn: &mut DbConnection, by: UserId, who: UserId, email: &str) -> Result<()> {
    let email = normalize_email(email);
    if !super::actions::is_plausible_email(&email) {
        return Err(crate::error::invalid(
            "email",
            "enter an email address like ana@example.com",
        ));
    }
    match queries::find_by_email(conn, &email)? {
        Some(user) if user.id == who => return Ok(()),
        Some(_) => {
            return Err(Error::conflict(
                crate::error::ErrorCode::EmailTaken,
                "an account with this email already exists",
            ));
        }
        None => {}
    }
    diesel::update(users::table.find(who))
        .set(users::email.eq(&email))
        .execute(conn)?;
    events::append(conn, &Event::UserUpdated { by, user: who })?;
    Ok(())
}

/// Creates the employee the company's identity provider vouches for, at her first sign-in.
/// She has no password: she signs in through the provider.
pub fn register(conn: &mut DbConnection, email: &str, name: &str) -> Result<User> {
    let email = normalize_email(email);
    let id = UserId(new_id());
    let name = one_line(name);
    let name = if name.is_empty() {
        email.split('@').next().unwrap_or("colleague").to_string()
    } else {
        name
    };
    let handle = super::actions::unique_handle(conn, &email)?;
    diesel::insert_into(users::table)
        .values(NewUser {
            id,
            email: &email,
            handle: &handle,
            name: &name,
            kind: UserKind::Employee.as_str(),
            password_hash: NO_PASSWORD,
            created_at: clock::now(),
        })
        .execute(conn)?;
    events::append(conn, &Event::UserCreated { by: id, user: id })?;
    queries::find(conn, id)?.ok_or_else(|| Error::internal("user vanished after insert"))
}

/// Brings `who`'s profile in line with `profile`, as a change of her own. A manager who is
/// unknown, inactive or would close a loop in the org chart is left as it was: a directory's
/// slip must not lock anyone out.
pub fn sync(conn: &mut DbConnection, who: UserId, profile: &DirectoryProfile) -> Result<User> {
    let text = |value: &Option<String>| value.as_deref().map(one_line);
    let update = ProfileUpdate {
        name: text(&profile.name).filter(|name| !name.is_empty()),
        title: text(&profile.title),
        department: text(&profile.department),
        ..ProfileUpdate::default()
    };
    let user = super::actions::change_profile(conn, who, who, &update)?;
    let Some(email) = &profile.manager_email else {
        return Ok(user);
    };
    let manager = queries::find_by_email(conn, &normalize_email(email))?;
    let Some(manager) = manager.filter(|m| Some(m.id) != user.manager_id) else {
        return Ok(user);
    };
    let update = ProfileUpdate {
        manager_id: Some(manager.id.to_string()),
        ..ProfileUpdate::default()
    };
    match super::actions::change_profile(conn, who, who, &update) {
        Ok(user) => Ok(user),
        Err(error) if error.fields.contains_key("manager_id") => {
            tracing::warn!(user = %who, manager = %manager.id, detail = %error.detail, "directory's manager left out");
            Ok(user)
        }
        Err(other) => Err(other),
    }
}

/// The first line of `value`, trimmed and cut to `MAX_FIELD` characters.
fn one_line(value: &str) -> String {
    value
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_FIELD)
        .collect::<String>()
        .trim()
        .to_string()
}
