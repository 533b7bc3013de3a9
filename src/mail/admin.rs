//! Mail in the outbox as admins see it: refused for good (a 5xx answer, an address that
//! cannot be written, or out of attempts) and still waiting, with attempts and last error, so
//! that a long outage or a bad address does not go unnoticed; a refused message can be queued
//! again. Bodies are never shown: they carry single-use links. Nor is the subject of a message
//! about a group the admin may not see: it may name the group (`outbox::admin`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::access::Viewer;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::outbox::admin::{self, Listed};
use crate::outbox::{Delivery, Kind};

/// Which mail to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Refused for good, newest first.
    Failed,
    /// Not sent yet (delayed or about to go), oldest first.
    Queued,
}

impl State {
    /// `failed` or `queued`.
    pub fn parse(raw: &str) -> Result<State> {
        match raw {
            "failed" => Ok(State::Failed),
            "queued" => Ok(State::Queued),
            _ => Err(invalid("state", "use state=failed or state=queued")),
        }
    }
}

/// What an admin reads instead of the subject of a message about a group hidden from her.
pub const HIDDEN_SUBJECT: &str = "(about a group you cannot see)";

/// One outgoing message as admins see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MailView {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// `failed`, `queued` or `sent`.
    pub state: String,
    pub attempts: i32,
    /// The last answer of the mail server, or why the message could not be built.
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (queued mail).
    pub next_attempt_at: DateTime<Utc>,
    pub failed_at: Option<DateTime<Utc>>,
}

impl MailView {
    fn of(listed: Listed) -> MailView {
        let (to, subject) = match listed.delivery {
            Some(Delivery::Mail(mail)) if listed.hidden => (mail.to, HIDDEN_SUBJECT.to_string()),
            Some(Delivery::Mail(mail)) => (mail.to, mail.subject),
            Some(Delivery::Webhook(_)) | None => (String::new(), "(unreadable)".to_string()),
        };
        let state = match (listed.dead_at, listed.sent_at) {
            (Some(_), _) => "failed",
            (None, Some(_)) => "sent",
            (None, None) => "queued",
        };
        MailView {
            id: listed.id.to_string(),
            to,
            subject,
            state: state.to_string(),
            attempts: listed.attempts,
            last_error: listed.last_error,
            created_at: listed.created_at.and_utc(),
            next_attempt_at: listed.next_attempt_at.and_utc(),
            failed_at: listed.dead_at.map(|at| at.and_utc()),
        }
    }
}

/// A page of mail in `state` (admins only), after `cursor`.
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    state: State,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<MailView>, Option<String>)> {
    let after = cursor
        .map(|c| crate::cursor::decode(c).map(|(_, id)| id))
        .transpose()?;
    let state = match state {
        State::Failed => admin::State::Dead,
        State::Queued => admin::State::Queued,
    };
    let listed = admin::list(conn, viewer, Kind::Mail, state, after, limit)?;
    let views = listed.into_iter().map(MailView::of).collect();
    Ok(crate::cursor::page(views, limit, |m: &MailView| {
        crate::cursor::encode("m", m.id.parse::<i64>().unwrap_or_default())
    }))
}

/// Queues refused message `id` again, due now (admins only); 409 unless it was refused.
pub fn retry(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    origin: &crate::audit::Origin,
) -> Result<MailView> {
    let (listed, was_refused) = admin::retry(conn, viewer, Kind::Mail, id)?;
    let view = MailView::of(listed);
    if !was_refused {
        return Err(Error::conflict(
            ErrorCode::MailNotRefused,
            format!("this message is {}, not refused", view.state),
        ));
    }
    use crate::audit::{AuditAction, Entry, Subject};
    let retried = Entry::new(AuditAction::MailRetried, viewer.user_id()).subject(Subject::Mail(id));
    crate::audit::record(conn, origin, retried)?;
    Ok(view)
}
