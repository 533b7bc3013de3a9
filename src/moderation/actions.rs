//! The only writers of reports: filing one, deciding one (which decides every open report of
//! the same item), and closing those whose item was removed outside the queue.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use super::access;
use super::letters;
use super::model::{Action, Item, Outcome, Reason, Report, Sanction};
use crate::access::Scope;
use crate::accounts::{self, UserKind};
use crate::audit::{self, AuditAction, Entry, Subject};
use crate::clock;
use crate::db::schema::reports;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result, Validation};
use crate::ids::{CommentId, PostId, ReportId, UserId};
use crate::posts;

/// Longest note a reporter may add.
pub const MAX_NOTE: usize = 1000;
/// Longest message a moderator may send the author.
pub const MAX_MESSAGE: usize = 1000;

/// A reader's report as she files it.
#[derive(Clone, Debug)]
pub struct NewReport {
    pub reason: Reason,
    pub note: String,
}

/// A moderator's decision on a report.
#[derive(Clone, Debug)]
pub struct Decision {
    pub action: Action,
    /// What a site admin also does to the author.
    pub sanction: Option<Sanction>,
    /// Words to the author: the reason shown with hidden content, and in her email.
    pub message: String,
}

/// Files the viewer's report of `item`, which she must be able to read (404 otherwise): one
/// open report per person and item, at most `per_hour` an hour.
pub fn file(
    conn: &mut DbConnection,
    scope: &Scope,
    item: Item,
    report: &NewReport,
    per_hour: i64,
) -> Result<Report> {
    let me = scope.viewer().require_user()?.id;
    let (post, comment) = match item {
        Item::Post(id) => (posts::access::visible_post(conn, scope, id)?, None),
        Item::Comment(id) => {
            let (comment, post) = posts::access::visible_comment(conn, scope, id)?;
            (post, Some(comment))
        }
    };
    let note = report.note.trim();
    Validation::default()
        .check(
            note.chars().count() > MAX_NOTE,
            "note",
            format!("keep the note under {MAX_NOTE} characters"),
        )
        .check(
            report.reason == Reason::Other && note.is_empty(),
            "note",
            "say what is wrong",
        )
        .finish()?;
    let author = comment.as_ref().map_or(post.author_id, |c| c.author_id);
    if author == me {
        return Err(Error::conflict(
            ErrorCode::CannotReportOwn,
            "you wrote this: edit or delete it instead",
        ));
    }
    let now = clock::now();
    let filed: i64 = reports::table
        .filter(reports::reporter_id.eq(me))
        .filter(reports::created_at.gt(now - Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if filed >= per_hour {
        return Err(Error::new(
            ErrorKind::RateLimited {
                retry_after: std::time::Duration::from_secs(3600),
            },
            ErrorCode::ReportLimit,
            format!("you filed {filed} reports in the last hour; try again later"),
        ));
    }
    let comment_id = comment.as_ref().map(|c| c.id);
    if open_by(conn, me, post.id, comment_id)?.is_some() {
        return Err(already_reported());
    }
    let id = ReportId(new_id());
    // The unique index settles a race between two tabs: the second gets the same 409.
    diesel::insert_into(reports::table)
        .values((
            reports::id.eq(id),
            reports::post_id.eq(post.id),
            reports::comment_id.eq(comment_id),
            reports::group_id.eq(post.group_id),
            reports::author_id.eq(author),
            reports::reporter_id.eq(me),
            reports::reason.eq(report.reason.as_str()),
            reports::note.eq(note),
            reports::created_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => already_reported(),
            other => other.into(),
        })?;
    Ok(reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)?)
}

fn already_reported() -> Error {
    Error::conflict(
        ErrorCode::AlreadyReported,
        "you already reported this; moderators will tell you what they decide",
    )
}

/// The viewer's open report of an item, if any.
fn open_by(
    conn: &mut DbConnection,
    reporter: UserId,
    post_id: PostId,
    comment_id: Option<CommentId>,
) -> Result<Option<ReportId>> {
    let mut query = reports::table
        .filter(reports::reporter_id.eq(reporter))
        .filter(reports::post_id.eq(post_id))
        .filter(reports::resolved_at.is_null())
        .select(reports::id)
        .into_boxed();
    query = match comment_id {
        Some(id) => query.filter(reports::comment_id.eq(id)),
        None => query.filter(reports::comment_id.is_null()),
    };
    Ok(query.first(conn).optional()?)
}

/// Decides open report `id` as the viewer, who must moderate where its item lives: every open
/// report of the same item ends with this decision, each reporter is told the outcome, and
/// the author is told what was done (never by whom it was reported). `site` is the public
/// address emails link to; `origin` where the decision was asked from, for the audit log.
pub fn decide(
    conn: &mut DbConnection,
    scope: &Scope,
    id: ReportId,
    decision: &Decision,
    site: &str,
    origin: &crate::audit::Origin,
) -> Result<Report> {
    let me = scope.viewer().require_user()?.id;
    let (report, post, comment) = match access::open_report(conn, scope, id) {
        Ok(found) => found,
        Err(error) if error.is_not_found() => return Err(decided_or(conn, scope, id, error)),
        Err(error) => return Err(error),
    };
    if report.resolved_at.is_some() {
        return Err(already_decided());
    }
    let message = decision.message.trim();
    Validation::default()
        .check(
            message.chars().count() > MAX_MESSAGE,
            "message",
            format!("keep the message under {MAX_MESSAGE} characters"),
        )
        .check(
            message.is_empty() && (decision.action == Action::Hide || decision.sanction.is_some()),
            "message",
            "tell the author why: she sees this with what was hidden, and in her email",
        )
        .finish()?;
    if decision.sanction.is_some() && !scope.viewer().is_admin() {
        return Err(Error::forbidden(
            ErrorCode::AdminOnly,
            "only site administrators warn or suspend people",
        ));
    }
    match (decision.action, &comment) {
        (Action::Dismiss, _) => {}
        (Action::Hide, None) => posts::actions::remove_post(conn, &post, me, Some(message))?,
        (Action::Delete, None) => posts::actions::remove_post(conn, &post, me, None)?,
        (Action::Hide, Some(c)) => {
            posts::comments::remove_comment(conn, c, &post, me, Some(message))?;
        }
        (Action::Delete, Some(c)) => posts::comments::remove_comment(conn, c, &post, me, None)?,
    }
    if decision.sanction == Some(Sanction::Suspend) {
        suspend(conn, me, report.author_id, origin)?;
    }
    let reporters = close(
        conn,
        &report,
        me,
        decision.action.outcome(),
        decision.sanction,
        message,
    )?;
    let item = match report.item() {
        Item::Post(id) => format!("post:{id}"),
        Item::Comment(id) => format!("comment:{id}"),
    };
    audit::record(
        conn,
        origin,
        Entry::new(AuditAction::ReportDecided, Some(me))
            .subject(Subject::Report(report.id))
            .detail(json!({
                "item": item,
                "author": report.author_id.to_string(),
                "action": decision.action.as_str(),
                "sanction": decision.sanction.map(Sanction::as_str),
                "reports_closed": reporters.len(),
            })),
    )?;
    letters::tell(
        conn,
        &report,
        decision.action.outcome(),
        decision.sanction,
        message,
        &reporters,
        site,
    )?;
    Ok(reports::table
        .find(report.id)
        .select(Report::as_select())
        .first(conn)?)
}

/// Report `id` already decided, as 409 when the viewer moderates where it lives; otherwise
/// `missing`.
fn decided_or(conn: &mut DbConnection, scope: &Scope, id: ReportId, missing: Error) -> Error {
    let decided = reports::table
        .find(id)
        .select((reports::group_id, reports::resolved_at.is_not_null()))
        .first::<(Option<crate::ids::GroupId>, bool)>(conn)
        .optional();
    match decided {
        Ok(Some((group, true))) if scope.moderates(group) => already_decided(),
        _ => missing,
    }
}

fn already_decided() -> Error {
    Error::conflict(
        ErrorCode::AlreadyDecided,
        "a moderator already decided this report",
    )
}

/// Deactivates `author` for moderator `me`; an administrator is not suspended this way.
fn suspend(
    conn: &mut DbConnection,
    me: UserId,
    author: UserId,
    origin: &crate::audit::Origin,
) -> Result<()> {
    let user = accounts::system::users_by_id(conn, &[author])?;
    match user.get(&author) {
        Some(user) if user.kind() == UserKind::Admin || author == me => Err(Error::conflict(
            ErrorCode::NotAllowed,
            "an administrator is not suspended from a report; ask another administrator",
        )),
        Some(_) => accounts::actions::deactivate(conn, Some(me), author, origin),
        None => Err(Error::not_found("user")),
    }
}

/// Closes every open report of `report`'s item with `outcome`; returns their reporters.
fn close(
    conn: &mut DbConnection,
    report: &Report,
    by: UserId,
    outcome: Outcome,
    sanction: Option<Sanction>,
    message: &str,
) -> Result<Vec<UserId>> {
    let open = reports::table
        .filter(reports::post_id.eq(report.post_id))
        .filter(reports::resolved_at.is_null())
        .into_boxed();
    let open = match report.comment_id {
        Some(id) => open.filter(reports::comment_id.eq(id)),
        None => open.filter(reports::comment_id.is_null()),
    };
    let ids: Vec<(ReportId, UserId)> = open
        .select((reports::id, reports::reporter_id))
        .load(conn)?;
    let (ids, reporters): (Vec<ReportId>, Vec<UserId>) = ids.into_iter().unzip();
    diesel::update(reports::table.filter(reports::id.eq_any(&ids)))
        .set((
            reports::resolved_at.eq(Some(clock::now())),
            reports::resolved_by.eq(Some(by)),
            reports::outcome.eq(outcome.as_str()),
            reports::sanction.eq(sanction.map(Sanction::as_str)),
            reports::message.eq((!message.is_empty()).then_some(message)),
        ))
        .execute(conn)?;
    Ok(reporters)
}

/// Closes the open reports of a post (`comment` none: and of its comments) or of one comment
/// that `by` removed outside the queue; nobody is told, as nothing was decided about them.
pub fn item_removed(
    conn: &mut DbConnection,
    post_id: PostId,
    comment: Option<CommentId>,
    by: UserId,
) -> Result<()> {
    let mut open = reports::table
        .filter(reports::post_id.eq(post_id))
        .filter(reports::resolved_at.is_null())
        .select(reports::id)
        .into_boxed();
    if let Some(id) = comment {
        open = open.filter(reports::comment_id.eq(id));
    }
    let ids: Vec<ReportId> = open.load(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(reports::table.filter(reports::id.eq_any(&ids)))
        .set((
            reports::resolved_at.eq(Some(clock::now())),
            reports::resolved_by.eq(Some(by)),
            reports::outcome.eq(Outcome::Removed.as_str()),
        ))
        .execute(conn)?;
    Ok(())
}
