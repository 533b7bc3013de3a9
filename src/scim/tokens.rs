//! Bearer tokens of SCIM clients: made by an admin on the admin page, shown once, stored as
//! SHA-256 hashes, revocable, with their last use. A token works only while the admin who
//! made it is an active admin, and it opens `/scim/v2` alone.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::access::Viewer;
use crate::accounts::sessions::{random_secret, seen_long_ago, sha256_hex};
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::db::schema::{scim_tokens, users};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result, invalid};
use crate::ids::UserId;

/// Prefix of SCIM tokens, so they are easy to spot in a leaked file.
const PREFIX: &str = "agora_scim_";

/// A SCIM token as admins see it (never the token itself).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = scim_tokens)]
pub struct ScimToken {
    pub id: i64,
    pub name: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Makes a token named `name` (admins only), asked from `origin`; returns it with the token
/// itself, shown once.
pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    name: &str,
    origin: &Origin,
) -> Result<(ScimToken, String)> {
    let admin = viewer.require_admin()?.id;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.contains(char::is_control) {
        return Err(invalid(
            "name",
            "name it for its client in one line, e.g. Entra ID",
        ));
    }
    let token = format!("{PREFIX}{}", random_secret());
    let row = ScimToken {
        id: new_id(),
        name: name.to_string(),
        created_by: admin,
        created_at: Utc::now().naive_utc(),
        last_used_at: None,
    };
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::id.eq(row.id),
            scim_tokens::name.eq(&row.name),
            scim_tokens::token_hash.eq(sha256_hex(&token)),
            scim_tokens::created_by.eq(admin),
            scim_tokens::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    let made = Entry::new(AuditAction::ScimTokenCreated, Some(admin))
        .subject(Subject::ScimToken(row.id))
        .detail(serde_json::json!({"name": row.name}));
    audit::record(conn, origin, made)?;
    Ok((row, token))
}

/// Every token, newest first (admins only).
pub fn list(conn: &mut DbConnection, viewer: &Viewer) -> Result<Vec<ScimToken>> {
    viewer.require_admin()?;
    Ok(scim_tokens::table
        .order(scim_tokens::id.desc())
        .select(ScimToken::as_select())
        .load(conn)?)
}

/// Revokes token `id` (admins only), asked from `origin`.
pub fn revoke(conn: &mut DbConnection, viewer: &Viewer, id: i64, origin: &Origin) -> Result<()> {
    let admin = viewer.require_admin()?.id;
    match diesel::delete(scim_tokens::table.find(id)).execute(conn)? {
        0 => Err(Error::not_found("token")),
        _ => {
            let revoked = Entry::new(AuditAction::ScimTokenRevoked, Some(admin))
                .subject(Subject::ScimToken(id));
            audit::record(conn, origin, revoked)
        }
    }
}

/// The token `token` is, if it is one and its maker is still an active admin; its last use
/// is written every few minutes.
pub fn resolve(conn: &mut DbConnection, token: &str) -> Result<Option<ScimToken>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let found = scim_tokens::table
        .inner_join(users::table.on(users::id.eq(scim_tokens::created_by)))
        .filter(scim_tokens::token_hash.eq(sha256_hex(token)))
        .filter(users::deactivated_at.is_null())
        .filter(users::kind.eq("admin"))
        .select(ScimToken::as_select())
        .first(conn)
        .optional()?;
    if let Some(found) = &found
        && seen_long_ago(found.last_used_at)
    {
        diesel::update(scim_tokens::table.find(found.id))
            .set(scim_tokens::last_used_at.eq(Some(Utc::now().naive_utc())))
            .execute(conn)?;
    }
    Ok(found)
}
