//! What handlers and templates get of reports: the queue's entries, with the item as the
//! moderator reads it, and a reporter's own reports, which tell the outcome but nothing more
//! of an item that may since have been hidden.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Item, Report};
use crate::access::Scope;
use crate::accounts::{self, UserView};
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::posts::access::Hidden;
use crate::posts::{Comment, Post};

/// The reported item.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// `post` or `comment`.
    pub kind: &'static str,
    pub id: String,
    pub post_id: String,
    /// Its page (a comment's, on its post's page).
    pub url: String,
}

impl ItemView {
    fn of(report: &Report) -> ItemView {
        let (kind, id) = match report.item() {
            Item::Post(id) => ("post", id.to_string()),
            Item::Comment(id) => ("comment", id.to_string()),
        };
        let url = match report.item() {
            Item::Post(id) => format!("/posts/{id}"),
            Item::Comment(id) => format!("/posts/{}#comment-{id}", report.post_id),
        };
        ItemView {
            kind,
            id,
            post_id: report.post_id.to_string(),
            url,
        }
    }
}

/// A report as the queue shows it to a moderator.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    pub id: String,
    pub item: ItemView,
    /// The item's text as written, and its author.
    pub body: String,
    pub author: UserView,
    /// The group it lives in; none: the company feed.
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub reason: String,
    pub note: String,
    pub reporter: UserView,
    pub created_at: DateTime<Utc>,
}

/// One of the viewer's own reports and how it ended.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OwnReport {
    pub id: String,
    pub item: ItemView,
    pub reason: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// `dismissed`, `hidden`, `deleted` or `removed`; none while open.
    pub outcome: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Something of the viewer's own that a moderator hid, with the reason.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HiddenView {
    /// `post` or `comment`.
    pub kind: &'static str,
    pub id: String,
    pub post_id: String,
    pub body: String,
    /// Sanitized HTML, as it showed.
    pub html: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl HiddenView {
    pub fn of(hidden: &Hidden) -> HiddenView {
        let post_id = hidden.post.id.to_string();
        match &hidden.comment {
            Some(c) => HiddenView {
                kind: "comment",
                id: c.id.to_string(),
                post_id,
                body: c.body.clone(),
                html: c.html.clone(),
                reason: hidden.reason.clone(),
                created_at: c.created_at.and_utc(),
            },
            None => HiddenView {
                kind: "post",
                id: post_id.clone(),
                post_id,
                body: hidden.post.body.clone(),
                html: hidden.post.html.clone(),
                reason: hidden.reason.clone(),
                created_at: hidden.post.created_at.and_utc(),
            },
        }
    }
}

/// The queue's entries for `rows`, as `scope`'s viewer (their moderator) sees them.
pub fn queue_entries(
    conn: &mut DbConnection,
    scope: &Scope,
    rows: &[(Report, Post, Option<Comment>)],
) -> Result<Vec<QueueEntry>> {
    let people: Vec<_> = rows
        .iter()
        .flat_map(|(r, _, _)| [r.author_id, r.reporter_id])
        .collect();
    let circle = accounts::access::circle(conn, scope)?;
    let cards = accounts::access::cards(conn, scope, &circle, &people)?;
    let group_ids: Vec<_> = rows.iter().filter_map(|(r, _, _)| r.group_id).collect();
    let groups = crate::groups::system::groups_by_id(conn, &group_ids)?;
    let card = |id| {
        cards
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::internal("a report's person is missing"))
    };
    rows.iter()
        .map(|(report, post, comment)| {
            Ok(QueueEntry {
                id: report.id.to_string(),
                item: ItemView::of(report),
                body: comment.as_ref().map_or(&post.body, |c| &c.body).clone(),
                author: card(report.author_id)?,
                group_id: report.group_id.map(|g| g.to_string()),
                group_name: report
                    .group_id
                    .and_then(|g| groups.get(&g))
                    .map(|g| g.name.clone()),
                reason: report.reason.clone(),
                note: report.note.clone(),
                reporter: card(report.reporter_id)?,
                created_at: report.created_at.and_utc(),
            })
        })
        .collect()
}

impl OwnReport {
    pub fn of(report: &Report) -> OwnReport {
        OwnReport {
            id: report.id.to_string(),
            item: ItemView::of(report),
            reason: report.reason.clone(),
            note: report.note.clone(),
            created_at: report.created_at.and_utc(),
            outcome: report.outcome.clone(),
            resolved_at: report.resolved_at.map(|t| t.and_utc()),
        }
    }
}
