//! Invitation rows and the tokens in their links.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::schema::invitations;
use crate::error::{Error, Result};
use crate::ids::{GroupId, InvitationId, UserId};
use crate::signing::Signer;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub group_id: GroupId,
    pub email: String,
    pub name: String,
    pub invited_by: UserId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<UserId>,
    pub cancelled_at: Option<NaiveDateTime>,
}

impl Invitation {
    /// `pending`, `accepted`, `cancelled` or `expired`.
    pub fn status(&self) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.cancelled_at.is_some() {
            "cancelled"
        } else if self.expires_at <= Utc::now().naive_utc() {
            "expired"
        } else {
            "pending"
        }
    }
}

/// An invitation as the API shows it to the group's owners and admins.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub group_id: String,
    pub email: String,
    pub name: String,
    pub invited_by: String,
    /// `pending`, `accepted`, `cancelled` or `expired`.
    pub status: &'static str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl InvitationView {
    pub fn of(invitation: &Invitation) -> InvitationView {
        InvitationView {
            id: invitation.id.to_string(),
            group_id: invitation.group_id.to_string(),
            email: invitation.email.clone(),
            name: invitation.name.clone(),
            invited_by: invitation.invited_by.to_string(),
            status: invitation.status(),
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        }
    }
}

/// What an invitation link carries: which invitation, until when.
#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    /// Always `invitation`, so no other signed token can stand in for one.
    purpose: String,
    invitation: String,
    exp: i64,
}

const PURPOSE: &str = "invitation";

/// The token of the link for `invitation`.
pub fn link_token(signer: &Signer, invitation: &Invitation) -> Result<String> {
    signer.sign(&LinkClaims {
        purpose: PURPOSE.into(),
        invitation: invitation.id.to_string(),
        exp: invitation.expires_at.and_utc().timestamp(),
    })
}

/// The invitation a link token names, if the token is genuine and unexpired.
pub fn from_token(conn: &mut DbConnection, signer: &Signer, token: &str) -> Result<Invitation> {
    let refused = || Error::not_found("invitation");
    let claims: LinkClaims = signer.verify(token).ok_or_else(refused)?;
    let id: InvitationId = claims.invitation.parse().map_err(|_| refused())?;
    if claims.purpose != PURPOSE {
        return Err(refused());
    }
    find(conn, id)?.ok_or_else(refused)
}

pub fn find(conn: &mut DbConnection, id: InvitationId) -> Result<Option<Invitation>> {
    Ok(invitations::table
        .find(id)
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// The pending invitations of a group, newest first.
pub fn pending_in(conn: &mut DbConnection, group_id: GroupId) -> Result<Vec<Invitation>> {
    Ok(invitations::table
        .filter(invitations::group_id.eq(group_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::cancelled_at.is_null())
        .filter(invitations::expires_at.gt(Utc::now().naive_utc()))
        .order(invitations::id.desc())
        .select(Invitation::as_select())
        .load(conn)?)
}

/// Forgets whom the invitations to `email` or accepted by `user` (a deleted account) were
/// for: the address becomes `placeholder` and the name goes. Pending ones are cancelled, so
/// their links stop working.
pub fn forget_invitee(
    conn: &mut DbConnection,
    email: &str,
    user: UserId,
    placeholder: &str,
) -> Result<()> {
    let hers = invitations::email
        .eq(email.to_string())
        .or(invitations::accepted_by.eq(user));
    diesel::update(
        invitations::table
            .filter(hers.clone())
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::cancelled_at.is_null()),
    )
    .set(invitations::cancelled_at.eq(Some(Utc::now().naive_utc())))
    .execute(conn)?;
    diesel::update(invitations::table.filter(hers))
        .set((invitations::email.eq(placeholder), invitations::name.eq("")))
        .execute(conn)?;
    Ok(())
}
