//! What the security settings show and do: a person's browser sessions and API tokens, each
//! with the device and address it came from and when it was last used, and signing out of
//! one or all of them. Each person sees and ends her own; admins those of anyone.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::queries;
use super::sessions::{self, ApiToken, Session};
use crate::access::Scope;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::db::DbConnection;
use crate::db::schema::{api_tokens, sessions as session_rows};
use crate::error::{Error, Result};
use crate::ids::UserId;

/// A session or a token, as its owner (or an admin) sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialView {
    pub id: String,
    /// `session` (a browser) or `token` (a personal access token).
    pub kind: String,
    /// Browser and system, read from the client's User-Agent.
    pub device: String,
    /// The client address it was last used from.
    pub ip: String,
    pub created_at: DateTime<Utc>,
    /// To within a few minutes.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The credential of this very request.
    pub current: bool,
}

/// The live sessions and tokens of `user_id`, most recently used first; `current` is the id
/// of the credential asking.
pub fn credentials(
    conn: &mut DbConnection,
    scope: &Scope,
    user_id: UserId,
    current: Option<i64>,
) -> Result<Vec<CredentialView>> {
    may_manage(conn, scope, user_id)?;
    let (sessions, tokens) = sessions::credentials_of(conn, user_id)?;
    let this = |id: i64| current == Some(id);
    let mut views: Vec<CredentialView> = sessions
        .into_iter()
        .map(|s: Session| {
            let at = (s.created_at, s.last_seen_at);
            view("session", s.id, &s.user_agent, s.ip, at, this(s.id))
        })
        .chain(tokens.into_iter().map(|t: ApiToken| {
            let at = (t.created_at, t.last_seen_at);
            view("token", t.id, &t.user_agent, t.ip, at, this(t.id))
        }))
        .collect();
    views.sort_by_key(|c| std::cmp::Reverse(c.last_seen_at));
    Ok(views)
}

/// One credential's view; `at` is when it was made and last used.
fn view(
    kind: &str,
    id: i64,
    user_agent: &str,
    ip: String,
    (created_at, last_seen_at): (NaiveDateTime, Option<NaiveDateTime>),
    current: bool,
) -> CredentialView {
    CredentialView {
        id: id.to_string(),
        kind: kind.into(),
        device: device(user_agent),
        ip,
        created_at: created_at.and_utc(),
        last_seen_at: last_seen_at.map(|t| t.and_utc()),
        current,
    }
}

/// Ends every session and token of `user_id` (and her feed token and live streams), asked
/// from `origin`.
pub fn sign_out_everywhere(
    conn: &mut DbConnection,
    scope: &Scope,
    user_id: UserId,
    origin: &Origin,
) -> Result<()> {
    let me = may_manage(conn, scope, user_id)?;
    sessions::revoke_all(conn, user_id)?;
    let entry =
        Entry::new(AuditAction::SignedOutEverywhere, Some(me)).subject(Subject::User(user_id));
    audit::record(conn, origin, entry)
}

/// Ends one session or token of `user_id`, asked from `origin`; someone else's id is not found.
pub fn sign_out(
    conn: &mut DbConnection,
    scope: &Scope,
    user_id: UserId,
    id: i64,
    origin: &Origin,
) -> Result<()> {
    let me = Some(may_manage(conn, scope, user_id)?);
    let session: Option<i64> = session_rows::table
        .filter(session_rows::id.eq(id))
        .filter(session_rows::user_id.eq(user_id))
        .select(session_rows::id)
        .first(conn)
        .optional()?;
    if session.is_some() {
        return sessions::revoke_session(conn, id, me, origin);
    }
    let token: Option<i64> = api_tokens::table
        .filter(api_tokens::id.eq(id))
        .filter(api_tokens::user_id.eq(user_id))
        .select(api_tokens::id)
        .first(conn)
        .optional()?;
    match token {
        Some(id) => sessions::revoke_api_token(conn, id, me, origin),
        None => Err(Error::not_found("session")),
    }
}

/// Her own credentials, or anyone's for an admin (and a person who does not exist is 404);
/// returns who asks.
fn may_manage(conn: &mut DbConnection, scope: &Scope, user_id: UserId) -> Result<UserId> {
    let me = scope.viewer().require_user()?;
    if me.id != user_id {
        scope.viewer().require_admin()?;
        queries::find(conn, user_id)?.ok_or_else(|| Error::not_found("user"))?;
    }
    Ok(me.id)
}

/// "Firefox on Linux", from a User-Agent; what it cannot tell stays generic.
pub fn device(user_agent: &str) -> String {
    if user_agent.is_empty() {
        return "Unknown device".into();
    }
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("python-requests", "Python"),
    ]
    .iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map_or("A program", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let edge = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0";
        assert_eq!(device(firefox), "Firefox on Linux");
        assert_eq!(device(chrome), "Chrome on Windows");
        assert_eq!(device(safari), "Safari on iOS");
        assert_eq!(device(edge), "Edge on macOS");
        assert_eq!(device("curl/8.5.0"), "curl");
        assert_eq!(device(""), "Unknown device");
    }
}
