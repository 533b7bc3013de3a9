//! Browser sessions and personal access tokens. Both are rows, so both die at once when
//! revoked or when their user is deactivated; tokens are stored as SHA-256 hashes only.

use base64::Engine;
use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::model::User;
use crate::access::Viewer;
use crate::access::remembered::AccessStamp;
use crate::audit::{self, AuditAction, Entry, Subject};
use crate::db::schema::{access_epoch, api_token_groups, api_tokens, sessions, users};
use crate::db::{DbConnection, new_id};
use crate::error::Result;
use crate::events::{self, Event};
use crate::ids::{GroupId, UserId};

/// Prefix of personal access tokens, so they are easy to spot in a leaked file.
const TOKEN_PREFIX: &str = "agora_";
/// Last use is written when the stored one is older than this, not on every request.
const SEEN_EVERY: Duration = Duration::minutes(5);

/// Where a credential was issued: the client's software and address, for its owner to
/// recognise on the security page (and for the audit log).
pub use crate::audit::Origin;

/// A browser session row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub user_id: UserId,
    /// Must accompany every unsafe request made with this session.
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: String,
    pub ip: String,
    pub last_seen_at: Option<NaiveDateTime>,
}

/// A personal access token as its owner sees it (never the token itself).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub user_agent: String,
    pub ip: String,
    pub last_seen_at: Option<NaiveDateTime>,
    /// May make safe requests (GET): read.
    pub can_read: bool,
    /// May make unsafe requests (POST, PATCH, PUT, DELETE): write.
    pub can_write: bool,
    /// Reaches only the groups listed for it (a bot's token), not all of its owner's.
    pub group_limited: bool,
    /// Refused from then on; none: until revoked.
    pub expires_at: Option<NaiveDateTime>,
    /// What its issuer called it (a bot's tokens); empty for a person's.
    pub name: String,
}

/// Who a credential belongs to, and which credential it was.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub viewer: Viewer,
    pub user: User,
    /// The stamps under which the viewer's scope may be remembered, read with the user.
    pub stamp: AccessStamp,
}

/// A random URL-safe string of 32 bytes.
pub fn random_secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Opens a session for `user_id` lasting `days`, opened from `origin`.
pub fn create_session(
    conn: &mut DbConnection,
    user_id: UserId,
    days: u32,
    origin: &Origin,
) -> Result<Session> {
    let now = Utc::now().naive_utc();
    let session = Session {
        id: new_id(),
        user_id,
        csrf_token: random_secret(),
        created_at: now,
        expires_at: now + Duration::days(i64::from(days)),
        user_agent: origin.user_agent.clone(),
        ip: origin.ip.clone(),
        last_seen_at: Some(now),
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(session.id),
            sessions::user_id.eq(session.user_id),
            sessions::csrf_token.eq(&session.csrf_token),
            sessions::created_at.eq(session.created_at),
            sessions::expires_at.eq(session.expires_at),
            sessions::user_agent.eq(&session.user_agent),
            sessions::ip.eq(&session.ip),
            sessions::last_seen_at.eq(session.last_seen_at),
        ))
        .execute(conn)?;
    let opened = Entry::new(AuditAction::SessionCreated, Some(user_id))
        .subject(Subject::Session(session.id))
        .detail(serde_json::json!({"days": days}));
    audit::record(conn, origin, opened)?;
    Ok(session)
}

/// Whether a credential last seen at `last_seen` should have its last use written again.
pub fn seen_long_ago(last_seen: Option<NaiveDateTime>) -> bool {
    last_seen.is_none_or(|at| at < Utc::now().naive_utc() - SEEN_EVERY)
}

/// Records that session `id` was used now, from `ip`.
pub fn session_seen(conn: &mut DbConnection, id: i64, ip: &str) -> Result<()> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::last_seen_at.eq(Some(Utc::now().naive_utc())),
            sessions::ip.eq(ip),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that token `id` was used now, from `ip`.
pub fn token_seen(conn: &mut DbConnection, id: i64, ip: &str) -> Result<()> {
    diesel::update(api_tokens::table.find(id))
        .set((
            api_tokens::last_seen_at.eq(Some(Utc::now().naive_utc())),
            api_tokens::ip.eq(ip),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live sessions and the tokens of `user_id`, most recently used first.
pub fn credentials_of(
    conn: &mut DbConnection,
    user_id: UserId,
) -> Result<(Vec<Session>, Vec<ApiToken>)> {
    let sessions = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(Utc::now().naive_utc()))
        .order((sessions::last_seen_at.desc(), sessions::id.desc()))
        .select(Session::as_select())
        .load(conn)?;
    let tokens = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order((api_tokens::last_seen_at.desc(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(conn)?;
    Ok((sessions, tokens))
}

/// The live session `id` of an active user, with that user.
pub fn resolve_session(conn: &mut DbConnection, id: i64) -> Result<Option<(Session, Resolved)>> {
    let found = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(Utc::now().naive_utc()))
        .filter(users::deactivated_at.is_null())
        .select((Session::as_select(), User::as_select(), stamp_columns()))
        .first::<(Session, User, Stamps)>(conn)
        .optional()?;
    Ok(found.map(|(session, user, stamps)| (session, resolved(user, stamps))))
}

/// Ends session `id` on `by`'s behalf (none: Agora itself, or the identity provider), asked
/// from `origin`; its open live streams end with it.
pub fn revoke_session(
    conn: &mut DbConnection,
    id: i64,
    by: Option<UserId>,
    origin: &Origin,
) -> Result<()> {
    let row = sessions::table.find(id);
    let user: Option<UserId> = row.select(sessions::user_id).first(conn).optional()?;
    if let (Some(user), 1) = (user, diesel::delete(row).execute(conn)?) {
        let revoked = Event::SessionRevoked { user, session: id };
        events::append(conn, &revoked)?;
        let ended = Entry::new(AuditAction::SessionRevoked, by)
            .subject(Subject::Session(id))
            .detail(serde_json::json!({"user": user.to_string()}));
        audit::record(conn, origin, ended)?;
    }
    Ok(())
}

/// Issues a personal access token for `user_id`, asked for from `origin`; returns (token id,
/// the token). The token itself is shown once and never stored.
pub fn create_api_token(
    conn: &mut DbConnection,
    user_id: UserId,
    origin: &Origin,
) -> Result<(i64, String)> {
    let (id, token) = insert_token(conn, user_id, origin)?;
    let issued = Entry::new(AuditAction::TokenCreated, Some(user_id)).subject(Subject::Token(id));
    audit::record(conn, origin, issued)?;
    Ok((id, token))
}

/// Stores a new token of `user_id`; returns (token id, the token).
fn insert_token(
    conn: &mut DbConnection,
    user_id: UserId,
    origin: &Origin,
) -> Result<(i64, String)> {
    let id = new_id();
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let now = Utc::now().naive_utc();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(id),
            api_tokens::user_id.eq(user_id),
            api_tokens::token_hash.eq(sha256_hex(&token)),
            api_tokens::created_at.eq(now),
            api_tokens::user_agent.eq(&origin.user_agent),
            api_tokens::ip.eq(&origin.ip),
            api_tokens::last_seen_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok((id, token))
}

/// What a token issued to a bot may do.
#[derive(Clone, Debug)]
pub struct Grant {
    /// What its issuer calls it.
    pub name: String,
    pub can_read: bool,
    pub can_write: bool,
    /// The groups it reaches, sorted; none: all of its owner's.
    pub groups: Option<Vec<GroupId>>,
    pub expires_at: Option<NaiveDateTime>,
}

/// Issues a token for `user_id` that may do what `grant` says; returns (token id, the token),
/// the token shown once and never stored. Its issuer records it in the audit log.
pub fn create_granted_token(
    conn: &mut DbConnection,
    user_id: UserId,
    grant: &Grant,
    origin: &Origin,
) -> Result<(i64, String)> {
    let (id, token) = insert_token(conn, user_id, origin)?;
    diesel::update(api_tokens::table.find(id))
        .set((
            api_tokens::name.eq(&grant.name),
            api_tokens::can_read.eq(grant.can_read),
            api_tokens::can_write.eq(grant.can_write),
            api_tokens::group_limited.eq(grant.groups.is_some()),
            api_tokens::expires_at.eq(grant.expires_at),
            api_tokens::last_seen_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    for group in grant.groups.iter().flatten() {
        diesel::insert_into(api_token_groups::table)
            .values((
                api_token_groups::token_id.eq(id),
                api_token_groups::group_id.eq(*group),
            ))
            .execute(conn)?;
    }
    Ok((id, token))
}

/// The token (as its owner sees it) and its active user, unless it expired. A token limited
/// to some groups carries them in the viewer, for the policy to narrow her scope by.
pub fn resolve_api_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(ApiToken, Resolved)>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(sha256_hex(token)))
        .filter(users::deactivated_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(Utc::now().naive_utc())),
        )
        .select((ApiToken::as_select(), User::as_select(), stamp_columns()))
        .first::<(ApiToken, User, Stamps)>(conn)
        .optional()?;
    let Some((token, user, stamps)) = found else {
        return Ok(None);
    };
    let mut resolved = resolved(user, stamps);
    if token.group_limited
        && let Viewer::User(principal) = &mut resolved.viewer
    {
        principal.limit = Some(token_groups(conn, token.id)?);
    }
    Ok(Some((token, resolved)))
}

/// The groups token `id` is limited to, sorted.
pub fn token_groups(conn: &mut DbConnection, id: i64) -> Result<Vec<GroupId>> {
    Ok(api_token_groups::table
        .filter(api_token_groups::token_id.eq(id))
        .order(api_token_groups::group_id.asc())
        .select(api_token_groups::group_id)
        .load(conn)?)
}

/// Whether token `id` is still valid: not revoked, not expired, and its user active.
pub fn api_token_live(conn: &mut DbConnection, id: i64) -> Result<bool> {
    let found = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::id.eq(id))
        .filter(users::deactivated_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(Utc::now().naive_utc())),
        )
        .select(api_tokens::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Revokes token `id` on `by`'s behalf, asked from `origin`; its open live streams end with it.
pub fn revoke_api_token(
    conn: &mut DbConnection,
    id: i64,
    by: Option<UserId>,
    origin: &Origin,
) -> Result<()> {
    let row = api_tokens::table.find(id);
    let user: Option<UserId> = row.select(api_tokens::user_id).first(conn).optional()?;
    diesel::delete(api_token_groups::table.filter(api_token_groups::token_id.eq(id)))
        .execute(conn)?;
    if let (Some(user), 1) = (user, diesel::delete(row).execute(conn)?) {
        let revoked = Event::TokenRevoked { user, token: id };
        events::append(conn, &revoked)?;
        let ended = Entry::new(AuditAction::TokenRevoked, by)
            .subject(Subject::Token(id))
            .detail(serde_json::json!({"user": user.to_string()}));
        audit::record(conn, origin, ended)?;
    }
    Ok(())
}

/// Ends every session and token of `user_id`, their feed token included, and every live
/// stream they opened. The action that calls it records why in the audit log.
pub fn revoke_all(conn: &mut DbConnection, user_id: UserId) -> Result<()> {
    let sessions =
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    let theirs: Vec<i64> = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .select(api_tokens::id)
        .load(conn)?;
    diesel::delete(api_token_groups::table.filter(api_token_groups::token_id.eq_any(theirs)))
        .execute(conn)?;
    let tokens =
        diesel::delete(api_tokens::table.filter(api_tokens::user_id.eq(user_id))).execute(conn)?;
    if sessions + tokens > 0 {
        let signed_out = Event::UserSignedOut { user: user_id };
        events::append(conn, &signed_out)?;
    }
    crate::signals::feed_tokens::revoke(conn, user_id)
}

/// When `user_id` last signed in (a browser session or an API token issued).
pub fn last_sign_in(conn: &mut DbConnection, user_id: UserId) -> Result<Option<NaiveDateTime>> {
    let session: Option<NaiveDateTime> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(diesel::dsl::max(sessions::created_at))
        .first(conn)?;
    let token: Option<NaiveDateTime> = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .select(diesel::dsl::max(api_tokens::created_at))
        .first(conn)?;
    Ok(session.max(token))
}

/// The user's `access_version` and the `access_epoch`, as selected with the user's row.
type Stamps = (i64, Option<i64>);

/// The stamps, selected in the statement that reads the credential's user, so that they are
/// never newer than what is read after them (see `access::remembered`).
fn stamp_columns() -> (
    users::access_version,
    diesel::dsl::SingleValue<diesel::dsl::Select<access_epoch::table, access_epoch::value>>,
) {
    (
        users::access_version,
        access_epoch::table
            .select(access_epoch::value)
            .single_value(),
    )
}

fn resolved(user: User, stamps: Stamps) -> Resolved {
    Resolved {
        viewer: user.viewer(),
        user,
        stamp: stamp_of(stamps),
    }
}

fn stamp_of((version, epoch): Stamps) -> AccessStamp {
    AccessStamp {
        version,
        epoch: epoch.unwrap_or(0),
    }
}

/// The stamps of `user` as they are now (`None`: no such user): under them, a request that
/// changed something reads through remembered scopes with its change included.
pub fn current_stamp(conn: &mut DbConnection, user: UserId) -> Result<Option<AccessStamp>> {
    let stamps: Option<Stamps> = users::table
        .find(user)
        .select(stamp_columns())
        .first(conn)
        .optional()?;
    Ok(stamps.map(stamp_of))
}
