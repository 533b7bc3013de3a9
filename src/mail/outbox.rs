//! The outbox as admins see it: mail refused for good (a 5xx answer, or an address that
//! cannot be written) and mail still waiting, with its attempts and last error, so that a
//! long outage or a bad address does not go unnoticed; a refused message can be queued again.
//! Bodies are never shown: they carry single-use links. Nor is the subject of a message about
//! a group the admin may not see (a secret group she is not in): it may name the group.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::access::{Scope, Viewer};
use crate::db::DbConnection;
use crate::db::schema::mail_outbox;
use crate::error::{Error, Result, invalid};

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

type Row = (
    i64,
    String,
    String,
    i32,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<i64>,
);

const COLUMNS: (
    mail_outbox::id,
    mail_outbox::to_address,
    mail_outbox::subject,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::created_at,
    mail_outbox::next_attempt_at,
    mail_outbox::failed_at,
    mail_outbox::sent_at,
    mail_outbox::group_id,
) = (
    mail_outbox::id,
    mail_outbox::to_address,
    mail_outbox::subject,
    mail_outbox::attempts,
    mail_outbox::last_error,
    mail_outbox::created_at,
    mail_outbox::next_attempt_at,
    mail_outbox::failed_at,
    mail_outbox::sent_at,
    mail_outbox::group_id,
);

impl MailView {
    fn of(row: Row, hidden_groups: &HashSet<i64>) -> MailView {
        let (id, to, subject, attempts, last_error, created, next, failed, sent, group) = row;
        let subject = match group {
            Some(group) if hidden_groups.contains(&group) => HIDDEN_SUBJECT.to_string(),
            _ => subject,
        };
        let state = match (failed, sent) {
            (Some(_), _) => "failed",
            (None, Some(_)) => "sent",
            (None, None) => "queued",
        };
        MailView {
            id: id.to_string(),
            to,
            subject,
            state: state.to_string(),
            attempts,
            last_error,
            created_at: created.and_utc(),
            next_attempt_at: next.and_utc(),
            failed_at: failed.map(|at| at.and_utc()),
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
    viewer.require_admin()?;
    let after = cursor
        .map(|c| crate::cursor::decode(c).map(|(_, id)| id))
        .transpose()?;
    let mut query = mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .select(COLUMNS)
        .limit(limit + 1)
        .into_boxed();
    query = match state {
        State::Failed => query
            .filter(mail_outbox::failed_at.is_not_null())
            .order(mail_outbox::id.desc()),
        State::Queued => query
            .filter(mail_outbox::failed_at.is_null())
            .order(mail_outbox::id.asc()),
    };
    query = match (state, after) {
        (State::Failed, Some(id)) => query.filter(mail_outbox::id.lt(id)),
        (State::Queued, Some(id)) => query.filter(mail_outbox::id.gt(id)),
        (_, None) => query,
    };
    let rows: Vec<Row> = query.load(conn)?;
    let views = views(conn, viewer, rows)?;
    Ok(crate::cursor::page(views, limit, |m: &MailView| {
        crate::cursor::encode("m", m.id.parse().unwrap_or_default())
    }))
}

/// Queues refused message `id` again, due now (admins only); 409 unless it was refused.
pub fn retry(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> Result<MailView> {
    viewer.require_admin()?;
    let changed = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::failed_at.is_not_null())
            .filter(mail_outbox::sent_at.is_null()),
    )
    .set((
        mail_outbox::failed_at.eq(None::<NaiveDateTime>),
        mail_outbox::next_attempt_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    let row: Option<Row> = mail_outbox::table
        .find(id)
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    let view = views(conn, viewer, row.into_iter().collect())?
        .pop()
        .ok_or_else(|| Error::not_found("mail"))?;
    if changed == 0 {
        return Err(Error::conflict(
            "mail_not_refused",
            format!("this message is {}, not refused", view.state),
        ));
    }
    Ok(view)
}

/// How much mail the outbox holds: waiting to go, and refused for good.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    pub queued: i64,
    pub failed: i64,
}

/// The outbox's depth now.
pub fn depth(conn: &mut DbConnection) -> Result<Depth> {
    let unsent = mail_outbox::table.filter(mail_outbox::sent_at.is_null());
    let failed: i64 = unsent
        .filter(mail_outbox::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    let queued: i64 = unsent
        .filter(mail_outbox::failed_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(Depth { queued, failed })
}

/// `rows` as `viewer` may see them: subjects about groups she may not see are replaced, by
/// the rule the admin guest list follows (`Scope::sees_group`).
fn views(conn: &mut DbConnection, viewer: &Viewer, rows: Vec<Row>) -> Result<Vec<MailView>> {
    let mut groups: Vec<i64> = rows.iter().filter_map(|row| row.9).collect();
    groups.sort_unstable();
    groups.dedup();
    let scope = Scope::resolve(conn, viewer)?;
    let found = crate::groups::access::groups_by_id(conn, &groups)?;
    // A group since deleted is hidden too: nobody may see it any more.
    let hidden: HashSet<i64> = groups
        .into_iter()
        .filter(|id| !found.get(id).is_some_and(|g| scope.sees_group(g)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| MailView::of(row, &hidden))
        .collect())
}
