//! Inviting guests, resending and cancelling invitations, and accepting them.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use super::invitations::{self, Invitation};
use super::letters;
use crate::access::Scope;
use crate::accounts::actions::{NewAccount, Registration, is_plausible_email, normalize_email};
use crate::accounts::rate_limit::LoginLimiter;
use crate::accounts::{self, User, UserKind};
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::config::{Config, GuestSettings};
use crate::db::schema::{guests, invitations as invitation_rows};
use crate::db::{Db, DbConnection, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result, Validation, invalid};
use crate::events::{self, Event};
use crate::groups::{self, Group, Role};
use crate::ids::{GroupId, InvitationId, UserId};
use crate::mail;
use crate::signing::Signer;

/// Whom to invite.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    /// How the email greets them; they choose their own name when accepting.
    #[serde(default)]
    pub name: Option<String>,
}

/// The group `id`, if the viewer (an employee) is one of its owners or admins.
fn managed_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<Group> {
    let group = groups::access::visible_group(conn, scope, id)?;
    if scope.viewer().is_walled() || !scope.role_in(group.id).is_some_and(Role::manages) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins invite guests",
        ));
    }
    Ok(group)
}

/// Refuses an address the company's rules keep from being a guest.
fn check_domain(settings: &GuestSettings, email: &str) -> Result<()> {
    let domain = email.rsplit('@').next().unwrap_or("");
    let listed = |list: &[String]| list.iter().any(|d| d == domain);
    if listed(&settings.company_domains) {
        return Err(invalid(
            "email",
            format!("{domain} is the company's own domain: add colleagues as employees"),
        ));
    }
    if listed(&settings.denied_domains) {
        return Err(invalid(
            "email",
            format!("guests from {domain} may not be invited"),
        ));
    }
    if !settings.allowed_domains.is_empty() && !listed(&settings.allowed_domains) {
        return Err(invalid(
            "email",
            format!("guests from {domain} are not on the list of allowed domains"),
        ));
    }
    Ok(())
}

/// Invites `input.email` into group `group_id`, asked from `origin`; the email goes out
/// through the outbox.
pub fn invite(
    conn: &mut DbConnection,
    scope: &Scope,
    config: &Config,
    signer: &Signer,
    group_id: GroupId,
    input: &NewInvitation,
    origin: &Origin,
) -> Result<Invitation> {
    let group = managed_group(conn, scope, group_id)?;
    if !group.allow_guests {
        return Err(Error::conflict(
            ErrorCode::GuestsNotAllowed,
            "this group does not allow guests; an owner can change that in its settings",
        ));
    }
    let email = normalize_email(&input.email);
    if !is_plausible_email(&email) {
        return Err(invalid(
            "email",
            "enter an email address like ana@customer.com",
        ));
    }
    check_domain(&config.guests, &email)?;
    Validation::default()
        .single_line(input.name.as_deref(), "name")
        .finish()?;
    if let Some(user) = accounts::system::user_by_email(conn, &email)? {
        if user.kind() != UserKind::Guest {
            return Err(invalid(
                "email",
                "this person already works here: add them to the group instead",
            ));
        }
        if groups::system::roles_of(conn, user.id)?.contains_key(&group.id) {
            return Err(Error::conflict(
                ErrorCode::AlreadyMember,
                "this guest is already a member of the group",
            ));
        }
    }
    let me = scope.viewer().require_user()?.id;
    let now = Utc::now().naive_utc();
    let invitation = Invitation {
        id: InvitationId(new_id()),
        group_id: group.id,
        email,
        name: input.name.as_deref().unwrap_or("").trim().to_string(),
        invited_by: me,
        created_at: now,
        expires_at: now + Duration::days(config.guests.invitation_days),
        accepted_at: None,
        accepted_by: None,
        cancelled_at: None,
    };
    diesel::insert_into(invitation_rows::table)
        .values((
            invitation_rows::id.eq(invitation.id),
            invitation_rows::group_id.eq(invitation.group_id),
            invitation_rows::email.eq(&invitation.email),
            invitation_rows::name.eq(&invitation.name),
            invitation_rows::invited_by.eq(me),
            invitation_rows::created_at.eq(now),
            invitation_rows::expires_at.eq(invitation.expires_at),
        ))
        .execute(conn)?;
    send(conn, config, signer, &invitation, &group)?;
    let created = Event::InvitationCreated {
        sponsor: me,
        group: group.id,
        invitation: invitation.id,
    };
    events::append(conn, &created)?;
    let sent = Entry::new(AuditAction::InvitationSent, Some(me))
        .subject(Subject::Invitation(invitation.id))
        .detail(serde_json::json!({
            "group": group.id.to_string(),
            "email": invitation.email,
            "expires_at": invitation.expires_at.and_utc(),
        }));
    audit::record(conn, origin, sent)?;
    Ok(invitation)
}

/// Queues the invitation's email.
fn send(
    conn: &mut DbConnection,
    config: &Config,
    signer: &Signer,
    invitation: &Invitation,
    group: &Group,
) -> Result<()> {
    let inviter = accounts::system::users_by_id(conn, &[invitation.invited_by])?
        .remove(&invitation.invited_by)
        .map_or_else(|| "A colleague".to_string(), |u| u.name);
    let token = invitations::link_token(signer, invitation)?;
    let link = format!("{}/invitations/accept?token={token}", config.public_url());
    let days = (invitation.expires_at - Utc::now().naive_utc())
        .num_days()
        .max(1);
    mail::enqueue(
        conn,
        &letters::invitation(&invitation.email, &inviter, &group.name, &link, days)?
            .about_group(Some(group.id)),
    )?;
    Ok(())
}

/// A pending invitation of a group the viewer manages.
fn managed_invitation(
    conn: &mut DbConnection,
    scope: &Scope,
    id: InvitationId,
) -> Result<(Invitation, Group)> {
    let invitation = invitations::find(conn, id)?.ok_or_else(|| Error::not_found("invitation"))?;
    let group = managed_group(conn, scope, invitation.group_id)?;
    Ok((invitation, group))
}

/// The pending invitations of a group, for its owners and admins.
pub fn pending(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
) -> Result<Vec<Invitation>> {
    let group = managed_group(conn, scope, group_id)?;
    invitations::pending_in(conn, group.id)
}

/// Sends a pending invitation's email again, with a fresh link valid for the full period;
/// asked from `origin`.
pub fn resend(
    conn: &mut DbConnection,
    scope: &Scope,
    config: &Config,
    signer: &Signer,
    id: InvitationId,
    origin: &Origin,
) -> Result<Invitation> {
    let (mut invitation, group) = managed_invitation(conn, scope, id)?;
    if !matches!(invitation.status(), "pending" | "expired") {
        return Err(Error::conflict(
            ErrorCode::NotPending,
            format!("this invitation is {}", invitation.status()),
        ));
    }
    invitation.expires_at = Utc::now().naive_utc() + Duration::days(config.guests.invitation_days);
    diesel::update(invitation_rows::table.find(id))
        .set(invitation_rows::expires_at.eq(invitation.expires_at))
        .execute(conn)?;
    send(conn, config, signer, &invitation, &group)?;
    let resent = Entry::new(AuditAction::InvitationResent, scope.viewer().user_id())
        .subject(Subject::Invitation(id))
        .detail(serde_json::json!({
            "group": group.id.to_string(),
            "email": invitation.email,
            "expires_at": invitation.expires_at.and_utc(),
        }));
    audit::record(conn, origin, resent)?;
    Ok(invitation)
}

/// Cancels a pending invitation, asked from `origin`: its link stops working.
pub fn cancel(
    conn: &mut DbConnection,
    scope: &Scope,
    id: InvitationId,
    origin: &Origin,
) -> Result<()> {
    let (invitation, _) = managed_invitation(conn, scope, id)?;
    if invitation.accepted_at.is_some() {
        return Err(Error::conflict(
            ErrorCode::NotPending,
            "this invitation was already accepted; remove the guest from the group instead",
        ));
    }
    diesel::update(invitation_rows::table.find(id))
        .set(invitation_rows::cancelled_at.eq(Some(Utc::now().naive_utc())))
        .execute(conn)?;
    let cancelled = Entry::new(AuditAction::InvitationCancelled, scope.viewer().user_id())
        .subject(Subject::Invitation(id))
        .detail(serde_json::json!({
            "group": invitation.group_id.to_string(),
            "email": invitation.email,
        }));
    audit::record(conn, origin, cancelled)
}

/// Records guest `user_id`'s sponsor and an expiry `days` from now; an existing guest keeps
/// hers.
pub fn enrol(conn: &mut DbConnection, user_id: UserId, sponsor: UserId, days: i64) -> Result<()> {
    let known: Option<UserId> = guests::table
        .find(user_id)
        .select(guests::user_id)
        .first(conn)
        .optional()?;
    if known.is_none() {
        diesel::insert_into(guests::table)
            .values((
                guests::user_id.eq(user_id),
                guests::sponsor_id.eq(sponsor),
                guests::expires_at.eq(Utc::now().naive_utc() + Duration::days(days)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What accepting an invitation takes: a name and a password for a new guest, or the
/// existing guest's password.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub token: String,
    #[serde(default)]
    pub name: String,
    pub password: String,
}

/// The invitation a link names, if it can still be accepted.
pub fn usable(
    conn: &mut DbConnection,
    signer: &Signer,
    token: &str,
) -> Result<(Invitation, Group)> {
    let invitation = invitations::from_token(conn, signer, token)?;
    match invitation.status() {
        "pending" => {}
        "accepted" => {
            return Err(Error::conflict(
                ErrorCode::InvitationUsed,
                "this invitation was already accepted; sign in instead",
            ));
        }
        "cancelled" => {
            return Err(Error::conflict(
                ErrorCode::InvitationCancelled,
                "this invitation was cancelled; ask for a new one",
            ));
        }
        _ => {
            return Err(Error::conflict(
                ErrorCode::InvitationExpired,
                "this invitation has expired; ask for a new one",
            ));
        }
    }
    let group = groups::system::group_by_id(conn, invitation.group_id)?
        .ok_or_else(|| Error::not_found("invitation"))?;
    Ok((invitation, group))
}

/// Accepts an invitation: a new guest account, or, for an email that already belongs to a
/// guest, her password proves it is her. Either way she joins the group. Returns her and the
/// group's id. `origin` is where she accepts from.
pub fn accept(
    db: &Db,
    config: &Config,
    signer: &Signer,
    limiter: &LoginLimiter,
    origin: &Origin,
    input: Acceptance,
) -> Result<(User, GroupId)> {
    let (invitation, group) = db.read(|conn| usable(conn, signer, &input.token))?;
    let existing = db.read(|conn| accounts::system::user_by_email(conn, &invitation.email))?;
    let user = match existing {
        Some(user) if user.kind() == UserKind::Guest && user.is_active() => {
            // As guarded as signing in: the password proves it is her.
            let attempt = limiter
                .begin(&user.email, &origin.ip)
                .map_err(|retry_after| {
                    Error::new(
                        ErrorKind::RateLimited { retry_after },
                        ErrorCode::TooManyAttempts,
                        "too many failed attempts; wait and try again",
                    )
                })?;
            // A failure stays counted: the attempt was counted when it began.
            if !accounts::passwords::verify(&input.password, &user.password_hash) {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    ErrorCode::BadCredentials,
                    "wrong password for this guest account",
                ));
            }
            attempt.succeeded();
            user
        }
        Some(_) => {
            return Err(Error::conflict(
                ErrorCode::EmailTaken,
                "this email belongs to an account that cannot become a guest",
            ));
        }
        None => accounts::actions::register(
            db,
            &config.auth,
            NewAccount {
                email: invitation.email.clone(),
                name: input.name.clone(),
                password: input.password.clone(),
                kind: UserKind::Guest,
            },
            Registration::Guest {
                sponsor: invitation.invited_by,
            },
            origin,
        )?,
    };
    db.write(|conn| {
        let now = Utc::now().naive_utc();
        let taken = diesel::update(
            invitation_rows::table
                .find(invitation.id)
                .filter(invitation_rows::accepted_at.is_null())
                .filter(invitation_rows::cancelled_at.is_null()),
        )
        .set((
            invitation_rows::accepted_at.eq(Some(now)),
            invitation_rows::accepted_by.eq(Some(user.id)),
        ))
        .execute(conn)?;
        if taken == 0 {
            return Err(Error::conflict(
                ErrorCode::InvitationUsed,
                "this invitation was already accepted; sign in instead",
            ));
        }
        enrol(
            conn,
            user.id,
            invitation.invited_by,
            config.guests.guest_days,
        )?;
        groups::actions::admit_invited(conn, group.id, user.id, invitation.invited_by)?;
        let accepted = Event::InvitationAccepted {
            guest: user.id,
            group: group.id,
            invitation_id: invitation.id,
            sponsor_id: invitation.invited_by,
        };
        events::append(conn, &accepted)?;
        let entry = Entry::new(AuditAction::InvitationAccepted, Some(user.id))
            .subject(Subject::Invitation(invitation.id))
            .detail(serde_json::json!({
                "group": group.id.to_string(),
                "sponsor": invitation.invited_by.to_string(),
            }));
        audit::record(conn, origin, entry)
    })?;
    Ok((user, group.id))
}
