//! The only loaders of reports: the queue of what the viewer moderates, one open report there,
//! and the viewer's own reports. A report outside what the viewer moderates does not exist
//! for her (404), like its item.

use diesel::prelude::*;

use super::model::{Item, Report};
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::{comments, posts, reports};
use crate::error::{Error, Result};
use crate::ids::{GroupId, ReportId};
use crate::posts::{Comment, Post};

/// Where the viewer moderates: the groups she owns or administers (site admins: every group
/// they may read), and whether the company feed too (site admins).
struct Beat {
    groups: Vec<GroupId>,
    company: bool,
}

impl Beat {
    fn of(scope: &Scope) -> Beat {
        let mut groups: Vec<GroupId> = scope
            .readable_groups()
            .iter()
            .copied()
            .chain(scope.member_groups())
            .filter(|&id| scope.moderates(Some(id)))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        Beat {
            groups,
            company: scope.moderates(None),
        }
    }

    fn is_empty(&self) -> bool {
        self.groups.is_empty() && !self.company
    }
}

/// Whether the viewer moderates anything at all: who sees the queue's link.
pub fn moderates_anything(scope: &Scope) -> bool {
    !Beat::of(scope).is_empty()
}

/// Open reports on live items where the viewer moderates, oldest first, after `after`.
pub fn queue(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<ReportId>,
    limit: i64,
) -> Result<Vec<(Report, Post, Option<Comment>)>> {
    scope.viewer().require_user()?;
    let beat = Beat::of(scope);
    if beat.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = reports::table
        .inner_join(posts::table)
        .left_join(comments::table.on(reports::comment_id.eq(comments::id.nullable())))
        .filter(reports::resolved_at.is_null())
        .filter(posts::deleted_at.is_null())
        .filter(comments::deleted_at.is_null())
        .order(reports::id.asc())
        .limit(limit)
        .select(Report::as_select())
        .into_boxed();
    let in_groups = reports::group_id.assume_not_null().eq_any(beat.groups);
    query = if beat.company {
        query.filter(reports::group_id.is_null().or(in_groups))
    } else {
        query.filter(in_groups)
    };
    if let Some(after) = after {
        query = query.filter(reports::id.gt(after));
    }
    let rows: Vec<Report> = query.load(conn)?;
    // Each item as the moderator reads it: the policy's word, not the join's.
    let mut page = Vec::with_capacity(rows.len());
    for report in rows {
        if let Ok((post, comment)) = item_for(conn, scope, &report) {
            page.push((report, post, comment));
        }
    }
    Ok(page)
}

/// Open report `id` when the viewer moderates where its item lives and may read the item.
pub fn open_report(
    conn: &mut DbConnection,
    scope: &Scope,
    id: ReportId,
) -> Result<(Report, Post, Option<Comment>)> {
    scope.viewer().require_user()?;
    let report: Report = reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .filter(|r| scope.moderates(r.group_id))
        .ok_or_else(|| Error::not_found("report"))?;
    let (post, comment) = item_for(conn, scope, &report)?;
    Ok((report, post, comment))
}

/// The viewer's own reports, newest first, before `before`.
pub fn own_reports(
    conn: &mut DbConnection,
    scope: &Scope,
    before: Option<ReportId>,
    limit: i64,
) -> Result<Vec<Report>> {
    let me = scope.viewer().require_user()?.id;
    let mut query = reports::table
        .filter(reports::reporter_id.eq(me))
        .order(reports::id.desc())
        .limit(limit)
        .select(Report::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(reports::id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// The reported item as the viewer reads it, or 404.
fn item_for(
    conn: &mut DbConnection,
    scope: &Scope,
    report: &Report,
) -> Result<(Post, Option<Comment>)> {
    let found = match report.item() {
        Item::Post(id) => crate::posts::access::visible_post(conn, scope, id).map(|p| (p, None)),
        Item::Comment(id) => {
            crate::posts::access::visible_comment(conn, scope, id).map(|(c, p)| (p, Some(c)))
        }
    };
    found.map_err(|e| e.when_not_found(|| Error::not_found("report")))
}
