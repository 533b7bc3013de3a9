//! The only writers of accounts: each runs in one transaction and appends its event.

use diesel::prelude::*;
use serde::Deserialize;

use super::model::{NewUser, ProfileChanges, User, UserKind};
use super::rate_limit::LoginLimiter;
use super::sessions::{self, Session};
use super::{passwords, queries};
use crate::access::Viewer;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::clock;
use crate::config::{AuthSettings, Config};
use crate::db::schema::users;
use crate::db::{Db, DbConnection, lock_accounts, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result, Validation, invalid};
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

/// Creates an account, asked from `origin`. The password is hashed before the transaction, so
/// the write lock is never held during the slow hash.
pub fn register(
    db: &Db,
    settings: &AuthSettings,
    mut input: NewAccount,
    by: Registration<'_>,
    origin: &Origin,
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
        )
        .check(
            input.kind == UserKind::Bot,
            "kind",
            "bots are created on the bots page, not as people",
        );
    check.finish()?;
    let password_hash = passwords::hash(&input.password)?;
    db.write(|conn| {
        // Serialises registrations, so two first-run setups cannot both succeed.
        lock_accounts(conn)?;
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
                created_at: clock::now(),
            })
            .execute(conn)?;
        let by = actor.unwrap_or(id);
        events::append(conn, &Event::UserCreated { by, user: id })?;
        let created = Entry::new(AuditAction::UserCreated, Some(by))
            .subject(Subject::User(id))
            .detail(serde_json::json!({"email": email, "kind": input.kind.as_str()}));
        audit::record(conn, origin, created)?;
        queries::find(conn, id)?.ok_or_else(|| Error::internal("user vanished after insert"))
    })
}

/// Changes to a profile: one's own, or anyone's by an admin.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub bio: Option<String>,
    /// `off`, `daily` or `weekly`; only for one's own profile.
    pub digest: Option<String>,
    pub location: Option<String>,
    pub phone: Option<String>,
    pub pronouns: Option<String>,
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: Option<String>,
    /// The id of her manager, an active employee; empty clears it.
    pub manager_id: Option<String>,
}

/// Updates the viewer's own profile.
pub fn update_profile(
    conn: &mut DbConnection,
    viewer: &Viewer,
    update: &ProfileUpdate,
) -> Result<User> {
    let me = viewer.require_user()?.id;
    change_profile(conn, me, me, update)
}

/// Updates the profile of user `id` (admins only), as a directory sync would; her digest
/// setting stays hers. The audit log keeps what changed.
pub fn update_profile_of(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: UserId,
    update: &ProfileUpdate,
    origin: &Origin,
) -> Result<User> {
    let admin = viewer.require_admin()?.id;
    let user = queries::find(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
    let update = ProfileUpdate {
        digest: None,
        ..update.clone()
    };
    let changed = change_profile(conn, admin, user.id, &update)?;
    if admin != user.id {
        let entry = Entry::new(AuditAction::UserUpdated, Some(admin))
            .subject(Subject::User(user.id))
            .change(profile_of(&user), profile_of(&changed));
        audit::record(conn, origin, entry)?;
    }
    Ok(changed)
}

/// What an admin may change of a profile, for the audit log's before and after.
fn profile_of(user: &User) -> serde_json::Value {
    serde_json::json!({
        "name": user.name,
        "title": user.title,
        "department": user.department,
        "location": user.location,
        "phone": user.phone,
        "pronouns": user.pronouns,
        "time_zone": user.time_zone,
        "bio": user.bio,
        "manager_id": user.manager_id.map(|m| m.to_string()),
    })
}

/// Applies `update` to `who`'s profile on `by`'s behalf.
pub(super) fn change_profile(
    conn: &mut DbConnection,
    by: UserId,
    who: UserId,
    update: &ProfileUpdate,
) -> Result<User> {
    let too_long = |value: &Option<String>, max: usize| {
        value.as_ref().is_some_and(|v| v.chars().count() > max)
    };
    let mut check = Validation::default();
    check.check(
        update.name.as_ref().is_some_and(|n| n.trim().is_empty()),
        "name",
        "a name cannot be empty",
    );
    for (value, field) in [
        (&update.name, "name"),
        (&update.title, "title"),
        (&update.department, "department"),
        (&update.location, "location"),
        (&update.phone, "phone"),
        (&update.pronouns, "pronouns"),
        (&update.time_zone, "time_zone"),
    ] {
        check.single_line(value.as_deref(), field).check(
            too_long(value, MAX_SHORT_FIELD),
            field,
            format!("at most {MAX_SHORT_FIELD} characters"),
        );
    }
    check
        .check(
            update
                .time_zone
                .as_deref()
                .is_some_and(|z| !is_time_zone_name(z.trim())),
            "time_zone",
            "use a time zone name such as Europe/Berlin or America/New_York",
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
    let manager_id = match update.manager_id.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(raw) => Some(Some(manager_for(conn, who, raw)?)),
    };
    let changes = ProfileChanges {
        name: update.name.as_deref().map(str::trim),
        title: update.title.as_deref().map(str::trim),
        department: update.department.as_deref().map(str::trim),
        bio: update.bio.as_deref(),
        digest: update.digest.as_deref(),
        location: update.location.as_deref().map(str::trim),
        phone: update.phone.as_deref().map(str::trim),
        pronouns: update.pronouns.as_deref().map(str::trim),
        time_zone: update.time_zone.as_deref().map(str::trim),
        manager_id,
    };
    let nothing = changes.name.is_none()
        && changes.title.is_none()
        && changes.department.is_none()
        && changes.bio.is_none()
        && changes.digest.is_none()
        && changes.location.is_none()
        && changes.phone.is_none()
        && changes.pronouns.is_none()
        && changes.time_zone.is_none()
        && changes.manager_id.is_none();
    if !nothing {
        diesel::update(users::table.find(who))
            .set(&changes)
            .execute(conn)?;
        events::append(conn, &Event::UserUpdated { by, user: who })?;
    }
    queries::find(conn, who)?.ok_or_else(|| Error::not_found("user"))
}

/// Longest chain of managers followed when refusing a loop.
const MAX_CHAIN: usize = 64;

/// The manager `raw` names for `who`: an active employee or admin, not `who` herself, and not
/// someone who reports to her, however indirectly (an org chart has no loops).
fn manager_for(conn: &mut DbConnection, who: UserId, raw: &str) -> Result<UserId> {
    let refused = |message: &str| invalid("manager_id", message.to_string());
    let id: UserId = raw.parse().map_err(|_| refused("no such person"))?;
    if id == who {
        return Err(refused("choose someone else: nobody manages herself"));
    }
    if queries::find(conn, who)?.is_some_and(|person| !person.kind().is_staff()) {
        return Err(refused("guests are outside the company's org chart"));
    }
    let manager = queries::find(conn, id)?
        .filter(|m| m.is_active() && m.kind().is_staff())
        .ok_or_else(|| refused("choose an active employee"))?;
    let mut above = Some(manager.id);
    for _ in 0..MAX_CHAIN {
        match above {
            Some(id) if id == who => return Err(refused("she reports to this person already")),
            Some(id) => above = queries::find(conn, id)?.and_then(|u| u.manager_id),
            None => return Ok(manager.id),
        }
    }
    Err(refused("the chain of managers is too long"))
}

/// Whether `zone` looks like an IANA time zone name (`Area/Location`, or `UTC`).
fn is_time_zone_name(zone: &str) -> bool {
    zone.is_empty()
        || zone == "UTC"
        || zone.contains('/')
            && zone
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
            && !zone.starts_with('/')
            && !zone.ends_with('/')
}

/// Deactivates user `id` (admins only): every session and token dies now; content stays.
pub fn deactivate_user(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: UserId,
    origin: &Origin,
) -> Result<()> {
    let admin = viewer.require_admin()?.id;
    if admin == id {
        return Err(Error::conflict(
            ErrorCode::CannotDeactivateSelf,
            "ask another admin to deactivate your account",
        ));
    }
    deactivate(conn, Some(admin), id, origin)
}

/// Deactivates account `id` on `actor`'s behalf (`None`: Agora itself, as when a guest's
/// access expires), asked from `origin`: every session and token ends; what they wrote stays.
pub fn deactivate(
    conn: &mut DbConnection,
    actor: Option<UserId>,
    id: UserId,
    origin: &Origin,
) -> Result<()> {
    let user = queries::find(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
    if user.is_active() {
        diesel::update(users::table.find(id))
            .set(users::deactivated_at.eq(Some(clock::now())))
            .execute(conn)?;
        events::append(
            conn,
            &Event::UserDeactivated {
                by: actor,
                user: id,
            },
        )?;
        let entry = Entry::new(AuditAction::UserDeactivated, actor)
            .subject(Subject::User(id))
            .detail(serde_json::json!({"kind": user.kind().as_str()}));
        audit::record(conn, origin, entry)?;
    }
    sessions::revoke_all(conn, id)
}

/// Reactivates account `id` on `actor`'s behalf, asked from `origin`; they sign in again with
/// their password.
pub fn reactivate(
    conn: &mut DbConnection,
    actor: UserId,
    id: UserId,
    origin: &Origin,
) -> Result<()> {
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
        let entry =
            Entry::new(AuditAction::UserReactivated, Some(actor)).subject(Subject::User(id));
        audit::record(conn, origin, entry)?;
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
    config: &Config,
    email: &str,
    password: &str,
    origin: &sessions::Origin,
    credential: Credential,
) -> Result<(User, Issued)> {
    let email = normalize_email(email);
    let attempt = limiter.begin(&email, &origin.ip).map_err(|retry_after| {
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
    let user = match user {
        Some(user) if matched => user,
        refused => {
            let failed = failed_sign_in(refused.as_ref(), &email, "bad_credentials");
            db.write(|conn| audit::record(conn, origin, failed))?;
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                ErrorCode::BadCredentials,
                "wrong email or password",
            ));
        }
    };
    attempt.succeeded();
    if !config.oidc.allows_password(user.kind()) {
        let failed = failed_sign_in(Some(&user), &email, "password_sign_in_off");
        db.write(|conn| audit::record(conn, origin, failed))?;
        return Err(Error::forbidden(
            ErrorCode::PasswordSignInOff,
            "your company signs you in through its identity provider: use the button above the form",
        ));
    }
    let issued = db.write(|conn| {
        let (issued, kind) = match credential {
            Credential::Token => (
                Issued::Token(sessions::create_api_token(conn, user.id, origin)?.1),
                "token",
            ),
            Credential::Session => (
                Issued::Session(sessions::create_session(
                    conn,
                    user.id,
                    config.auth.session_days,
                    origin,
                )?),
                "session",
            ),
        };
        let signed_in = Entry::new(AuditAction::SignInSucceeded, Some(user.id))
            .subject(Subject::User(user.id))
            .detail(serde_json::json!({"method": "password", "credential": kind}));
        audit::record(conn, origin, signed_in)?;
        Ok(issued)
    })?;
    Ok((user, issued))
}

/// The audit entry of a refused password sign-in as `email`: the account's when there is
/// one (a deactivated one included), the bare address otherwise.
fn failed_sign_in(user: Option<&User>, email: &str, reason: &str) -> Entry {
    let (actor, subject) = match user {
        Some(user) => (Some(user.id), Subject::User(user.id)),
        None => (None, Subject::Email(email.to_string())),
    };
    Entry::new(AuditAction::SignInFailed, actor)
        .subject(subject)
        .detail(serde_json::json!({"method": "password", "reason": reason}))
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
pub(super) fn unique_handle(conn: &mut DbConnection, email: &str) -> Result<String> {
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
