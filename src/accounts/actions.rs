//! The only writers of accounts: each runs in one transaction and appends its event.

use chrono::Utc;
use diesel::prelude::*;
use serde::Deserialize;

use super::model::{NewUser, ProfileChanges, User, UserKind};
use super::rate_limit::LoginLimiter;
use super::sessions::{self, Session};
use super::{passwords, queries};
use crate::access::Viewer;
use crate::config::AuthSettings;
use crate::db::schema::users;
use crate::db::{Db, DbConnection, lock_event_log, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result, Validation};
use crate::events::{self, Event};
use crate::ids::UserId;

/// Longest name, title or department.
const MAX_SHORT_FIELD: usize = 100;
/// Longest bio.
const MAX_BIO: usize = 2000;

/// An account to create.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password: String,
    /// `employee` or `admin`; guests are invited, not created.
    #[serde(default = "employee")]
    pub kind: UserKind,
}

fn employee() -> UserKind {
    UserKind::Employee
}

/// Who is creating an account.
#[derive(Debug)]
pub enum Registration<'a> {
    /// The first-run setup: allowed only while no user exists; makes an admin.
    FirstAdmin,
    /// An admin adding an employee or another admin.
    ByAdmin(&'a Viewer),
    /// A guest accepting an invitation sent by `sponsor` (the invitation is checked by the
    /// guests area before this runs).
    Guest { sponsor: UserId },
}

/// Creates an account. The password is hashed before the transaction, so the write lock is
/// never held during the slow hash.
pub fn register(
    db: &Db,
    settings: &AuthSettings,
    mut input: NewAccount,
    by: Registration<'_>,
) -> Result<User> {
    let invited = matches!(by, Registration::Guest { .. });
    let actor = match by {
        Registration::FirstAdmin => {
            input.kind = UserKind::Admin;
            None
        }
        Registration::ByAdmin(viewer) => Some(viewer.require_admin()?.id),
        Registration::Guest { sponsor } => {
            input.kind = UserKind::Guest;
            Some(sponsor)
        }
    };
    let email = normalize_email(&input.email);
    let mut check = Validation::default();
    check
        .check(
            !is_plausible_email(&email),
            "email",
            "enter an email address like ana@example.com",
        )
        .check(input.name.trim().is_empty(), "name", "enter a name")
        .single_line(Some(&input.name), "name")
        .check(
            input.name.chars().count() > MAX_SHORT_FIELD,
            "name",
            format!("at most {MAX_SHORT_FIELD} characters"),
        )
        .check(
            input.password.chars().count() < settings.min_password_length,
            "password",
            format!("use at least {} characters", settings.min_password_length),
        )
        .check(
            input.kind == UserKind::Guest && !invited,
            "kind",
            "guests are invited to a group, not created",
        );
    check.finish()?;
    let password_hash = passwords::hash(&input.password)?;
    db.write(|conn| {
        // Serialises registrations, so two first-run setups cannot both succeed.
        lock_event_log(conn)?;
        if actor.is_none() && queries::any_exists(conn)? {
            return Err(Error::conflict(
                ErrorCode::AlreadySetUp,
                "Agora already has its first admin; sign in instead",
            ));
        }
        if queries::find_by_email(conn, &email)?.is_some() {
            return Err(Error::conflict(
                ErrorCode::EmailTaken,
                "an account with this email already exists",
            ));
        }
        let handle = unique_handle(conn, &email)?;
        let id = UserId(new_id());
        diesel::insert_into(users::table)
            .values(NewUser {
                id,
                email: &email,
                handle: &handle,
                name: input.name.trim(),
                kind: input.kind.as_str(),
                password_hash: &password_hash,
                created_at: Utc::now().naive_utc(),
            })
            .execute(conn)?;
        let by = actor.unwrap_or(id);
        events::append(conn, &Event::UserCreated { by, user: id })?;
        queries::find(conn, id)?.ok_or_else(|| Error::internal("user vanished after insert"))
    })
}

/// Changes to one's own profile.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub bio: Option<String>,
    /// `off`, `daily` or `weekly`.
    pub digest: Option<String>,
}

/// Updates the viewer's own profile.
pub fn update_profile(
    conn: &mut DbConnection,
    viewer: &Viewer,
    update: &ProfileUpdate,
) -> Result<User> {
    let me = viewer.require_user()?.id;
    let too_long = |value: &Option<String>, max: usize| {
        value.as_ref().is_some_and(|v| v.chars().count() > max)
    };
    let mut check = Validation::default();
    check
        .check(
            update.name.as_ref().is_some_and(|n| n.trim().is_empty()),
            "name",
            "a name cannot be empty",
        )
        .check(
            too_long(&update.name, MAX_SHORT_FIELD),
            "name",
            format!("at most {MAX_SHORT_FIELD} characters"),
        )
        .single_line(update.name.as_deref(), "name")
        .single_line(update.title.as_deref(), "title")
        .single_line(update.department.as_deref(), "department")
        .check(
            too_long(&update.title, MAX_SHORT_FIELD),
            "title",
            format!("at most {MAX_SHORT_FIELD} characters"),
        )
        .check(
            too_long(&update.department, MAX_SHORT_FIELD),
            "department",
            format!("at most {MAX_SHORT_FIELD} characters"),
        )
        .check(
            too_long(&update.bio, MAX_BIO),
            "bio",
            format!("at most {MAX_BIO} characters"),
        )
        .check(
            update
                .digest
                .as_ref()
                .is_some_and(|d| !["off", "daily", "weekly"].contains(&d.as_str())),
            "digest",
            "choose off, daily or weekly",
        );
    check.finish()?;
    let changes = ProfileChanges {
        name: update.name.as_deref().map(str::trim),
        title: update.title.as_deref().map(str::trim),
        department: update.department.as_deref().map(str::trim),
        bio: update.bio.as_deref(),
        digest: update.digest.as_deref(),
    };
    let nothing = changes.name.is_none()
        && changes.title.is_none()
        && changes.department.is_none()
        && changes.bio.is_none()
        && changes.digest.is_none();
    if !nothing {
        diesel::update(users::table.find(me))
            .set(&changes)
            .execute(conn)?;
        events::append(conn, &Event::UserUpdated { by: me, user: me })?;
    }
    queries::find(conn, me)?.ok_or_else(Error::unauthenticated)
}

/// Deactivates user `id` (admins only): every session and token dies now; content stays.
pub fn deactivate_user(conn: &mut DbConnection, viewer: &Viewer, id: UserId) -> Result<()> {
    let admin = viewer.require_admin()?.id;
    if admin == id {
        return Err(Error::conflict(
            ErrorCode::CannotDeactivateSelf,
            "ask another admin to deactivate your account",
        ));
    }
    deactivate(conn, Some(admin), id)
}

/// Deactivates account `id` on `actor`'s behalf (`None`: Agora itself, as when a guest's
/// access expires): every session and token ends; what they wrote stays.
pub fn deactivate(conn: &mut DbConnection, actor: Option<UserId>, id: UserId) -> Result<()> {
    let user = queries::find(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
    if user.is_active() {
        diesel::update(users::table.find(id))
            .set(users::deactivated_at.eq(Some(Utc::now().naive_utc())))
            .execute(conn)?;
        events::append(
            conn,
            &Event::UserDeactivated {
                by: actor,
                user: id,
            },
        )?;
    }
    sessions::revoke_all(conn, id)
}

/// Reactivates account `id` on `actor`'s behalf; they sign in again with their password.
pub fn reactivate(conn: &mut DbConnection, actor: UserId, id: UserId) -> Result<()> {
    let changed = diesel::update(
        users::table
            .find(id)
            .filter(users::deactivated_at.is_not_null()),
    )
    .set(users::deactivated_at.eq(None::<chrono::NaiveDateTime>))
    .execute(conn)?;
    if changed > 0 {
        events::append(
            conn,
            &Event::UserUpdated {
                by: actor,
                user: id,
            },
        )?;
    }
    Ok(())
}

/// The credential a successful sign-in hands out.
#[derive(Debug)]
pub enum Issued {
    /// A personal access token for the API (shown once).
    Token(String),
    /// A browser session.
    Session(Session),
}

/// What to issue on success.
#[derive(Clone, Copy, Debug)]
pub enum Credential {
    Token,
    Session,
}

/// Checks email and password under the rate limits and issues `credential`. An unknown email
/// and a wrong password get the same answer, after the same work.
pub fn sign_in(
    db: &Db,
    limiter: &LoginLimiter,
    settings: &AuthSettings,
    email: &str,
    password: &str,
    client_ip: &str,
    credential: Credential,
) -> Result<(User, Issued)> {
    let email = normalize_email(email);
    let attempt = limiter.begin(&email, client_ip).map_err(|retry_after| {
        Error::new(
            ErrorKind::RateLimited { retry_after },
            ErrorCode::TooManyAttempts,
            "too many failed sign-ins; wait and try again",
        )
    })?;
    let user = db.read(|conn| queries::find_by_email(conn, &email))?;
    let matched = match &user {
        Some(user) => passwords::verify(password, &user.password_hash) && user.is_active(),
        None => {
            passwords::verify_against_nothing(password);
            false
        }
    };
    // A failure stays counted: the attempt was counted when it began.
    let Some(user) = user.filter(|_| matched) else {
        return Err(Error::new(
            ErrorKind::Unauthenticated,
            ErrorCode::BadCredentials,
            "wrong email or password",
        ));
    };
    attempt.succeeded();
    let issued = db.write(|conn| match credential {
        Credential::Token => Ok(Issued::Token(sessions::create_api_token(conn, user.id)?.1)),
        Credential::Session => Ok(Issued::Session(sessions::create_session(
            conn,
            user.id,
            settings.session_days,
        )?)),
    })?;
    Ok((user, issued))
}

/// Trimmed and lower-cased: emails are compared case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
        && email.len() <= 254
}

/// The part of the email before `@`, kept to letters, digits, `.`, `_` and `-`, with a
/// number appended when another user already has it.
fn unique_handle(conn: &mut DbConnection, email: &str) -> Result<String> {
    let local = email.split('@').next().unwrap_or_default();
    let mut base: String = local
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if base.is_empty() {
        base = "user".to_string();
    }
    let mut handle = base.clone();
    let mut n = 2;
    while queries::handle_exists(conn, &handle)? {
        handle = format!("{base}{n}");
        n += 1;
    }
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("ana@example.com"));
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}
