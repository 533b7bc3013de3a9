//! Who a verified identity is in Agora: the person linked to the provider's subject, else
//! the account with the provider's email (then linked), else a new employee, unless the
//! configuration allows only people SCIM provisioned. Every sign-in brings
//! name, title, department and manager in line with the provider, and joins her to the
//! groups it names.

use chrono::Utc;
use diesel::prelude::*;

use super::{Identity, Sso};
use crate::accounts::directory::{self, DirectoryProfile};
use crate::accounts::sessions::{self, Origin, Session};
use crate::accounts::{User, UserKind};
use crate::audit::{self, AuditAction, Entry, Subject};
use crate::db::DbConnection;
use crate::db::schema::{sso_identities, sso_sessions};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::groups;
use crate::ids::UserId;

/// What the configured claims say about a person.
#[derive(Clone, Debug, Default)]
pub struct Claimed {
    pub email: Option<String>,
    /// `Some(false)` when the provider says it has not checked the address.
    pub email_verified: Option<bool>,
    pub profile: DirectoryProfile,
    /// Names of the Agora groups she belongs to.
    pub groups: Vec<String>,
}

fn refused(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::Forbidden, ErrorCode::SsoRefused, detail)
}

/// Signs in the person `identity` names: finds, links or creates her, updates her profile
/// from `claimed`, and opens a session tied to the provider's session.
pub fn sign_in(
    conn: &mut DbConnection,
    sso: &Sso,
    identity: &Identity,
    claimed: &Claimed,
    session_days: u32,
    origin: &Origin,
) -> Result<(User, Session)> {
    let user = match linked(conn, &identity.issuer, &identity.subject)? {
        Some(user) => user,
        None => link(conn, sso, identity, claimed)?,
    };
    if !user.is_active() {
        return Err(refused(
            "Your Agora account has been deactivated. Ask an administrator if this is a mistake.",
        ));
    }
    if user.kind() == UserKind::Guest {
        return Err(refused(
            "Guests sign in with a link sent by email, not through the company's provider.",
        ));
    }
    if user.kind() == UserKind::Bot {
        return Err(refused("Bots act through their tokens and never sign in."));
    }
    let user = directory::sync(conn, user.id, &claimed.profile)?;
    groups::actions::admit_as_directory_says(conn, user.id, &claimed.groups)?;
    let session = sessions::create_session(conn, user.id, session_days, origin)?;
    let signed_in = Entry::new(AuditAction::SignInSucceeded, Some(user.id))
        .subject(Subject::User(user.id))
        .detail(serde_json::json!({"method": "sso", "issuer": identity.issuer}));
    audit::record(conn, origin, signed_in)?;
    diesel::insert_into(sso_sessions::table)
        .values((
            sso_sessions::session_id.eq(session.id),
            sso_sessions::sid.eq(identity.sid.as_deref()),
            sso_sessions::id_token.eq(&identity.id_token),
        ))
        .execute(conn)?;
    Ok((user, session))
}

/// Records a single sign-on that the provider or Agora refused, for `reason`. Nobody is known
/// to be signing in: the refusal may come before the provider says who.
pub fn record_refusal(conn: &mut DbConnection, origin: &Origin, reason: ErrorCode) -> Result<()> {
    let refused = Entry::new(AuditAction::SignInFailed, None)
        .detail(serde_json::json!({"method": "sso", "reason": reason.as_str()}));
    audit::record(conn, origin, refused)
}

/// The person already linked to `subject` at `issuer`.
fn linked(conn: &mut DbConnection, issuer: &str, subject: &str) -> Result<Option<User>> {
    let id: Option<UserId> = sso_identities::table
        .find((issuer, subject))
        .select(sso_identities::user_id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => directory::find(conn, id),
        None => Ok(None),
    }
}

/// Links the account with the provider's email to its subject, creating the account first
/// when there is none and the configuration allows it.
fn link(
    conn: &mut DbConnection,
    sso: &Sso,
    identity: &Identity,
    claimed: &Claimed,
) -> Result<User> {
    let email = claimed
        .email
        .as_deref()
        .filter(|email| crate::accounts::actions::is_plausible_email(&email.to_lowercase()))
        .ok_or_else(|| refused("The company's identity provider did not say which email address is yours. Ask your administrator to release the email claim to Agora."))?;
    if claimed.email_verified == Some(false) {
        return Err(refused(
            "The company's identity provider has not verified your email address.",
        ));
    }
    let domain = email.rsplit('@').next().unwrap_or_default().to_lowercase();
    if !sso.allowed_domains.is_empty() && !sso.allowed_domains.contains(&domain) {
        return Err(refused(format!(
            "Addresses at {domain} may not sign in through the company's identity provider."
        )));
    }
    let not_provisioned = || {
        refused(
            "You have no Agora account yet. Your administrator adds people through the company directory; ask them to add you.",
        )
    };
    let user = match directory::find_by_email(conn, email)? {
        // Admins keep their way in: the accounts that set provisioning up.
        Some(user)
            if sso.provisioned_only
                && user.kind() == UserKind::Employee
                && !crate::scim::users::is_provisioned(conn, user.id)? =>
        {
            return Err(not_provisioned());
        }
        Some(user) => user,
        None if sso.provisioned_only => return Err(not_provisioned()),
        None => {
            let name = claimed.profile.name.as_deref().unwrap_or_default();
            directory::register(conn, email, name)?
        }
    };
    if user.kind().is_staff() {
        diesel::insert_into(sso_identities::table)
            .values((
                sso_identities::issuer.eq(&identity.issuer),
                sso_identities::subject.eq(&identity.subject),
                sso_identities::user_id.eq(user.id),
                sso_identities::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(user)
}

/// The ID token a session was opened with, if through the provider.
pub fn id_token_of(conn: &mut DbConnection, session_id: i64) -> Result<Option<String>> {
    Ok(sso_sessions::table
        .find(session_id)
        .select(sso_sessions::id_token)
        .first(conn)
        .optional()?)
}

/// Unlinks `user` (a deleted account) from every identity at the provider: signing in there
/// again never reaches this account.
pub fn unlink(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::delete(sso_identities::table.filter(sso_identities::user_id.eq(user))).execute(conn)?;
    Ok(())
}
