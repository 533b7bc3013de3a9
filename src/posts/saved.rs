//! Bookmarks: posts and comments a person saves to read later. They are hers alone: nobody
//! else reads them and no event tells of them. Her list asks the policy on every read, so
//! what she may no longer read drops out of it silently (and returns if her access does).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::queries::{self, Bookmark};
use super::{Comment, CommentView, Post, PostView, access, views};
use crate::access::Scope;
use crate::clock;
use crate::db::schema::bookmarks;
use crate::db::{DbConnection, new_id};
use crate::error::Result;
use crate::ids::{CommentId, GroupId, PostId};
use crate::on_backend;

/// What can be saved.
#[derive(Clone, Copy, Debug)]
pub enum Saveable {
    Post(PostId),
    Comment(CommentId),
}

/// One entry of a person's saved list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SavedView {
    /// The bookmark's id as a number, for the next page's cursor.
    #[serde(skip)]
    pub bookmark: i64,
    /// The bookmark's own id.
    pub id: String,
    pub saved_at: DateTime<Utc>,
    /// The post saved, or the post of the comment saved.
    pub post: PostView,
    /// The comment saved; none when the post itself is.
    pub comment: Option<CommentView>,
}

/// Saves or unsaves something the viewer reads; repeating either changes nothing. Anything
/// she may not read is "not found", as everywhere.
pub fn set_saved(conn: &mut DbConnection, scope: &Scope, what: Saveable, on: bool) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let (post_id, comment_id) = match what {
        Saveable::Post(id) => (access::visible_post(conn, scope, id)?.id, None),
        Saveable::Comment(id) => {
            let (comment, post) = access::visible_comment(conn, scope, id)?;
            (post.id, Some(comment.id))
        }
    };
    if on {
        let row = (
            bookmarks::id.eq(new_id()),
            bookmarks::user_id.eq(me),
            bookmarks::post_id.eq(post_id),
            bookmarks::comment_id.eq(comment_id),
            bookmarks::created_at.eq(clock::now()),
        );
        on_backend!(conn, |inner| diesel::insert_into(bookmarks::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?;
    } else {
        let mine = bookmarks::table
            .filter(bookmarks::user_id.eq(me))
            .filter(bookmarks::post_id.eq(post_id));
        match comment_id {
            None => diesel::delete(mine.filter(bookmarks::comment_id.is_null())).execute(conn)?,
            Some(id) => diesel::delete(mine.filter(bookmarks::comment_id.eq(id))).execute(conn)?,
        };
    }
    Ok(())
}

/// A page of a person's saved list.
#[derive(Debug)]
pub struct SavedPage {
    pub items: Vec<SavedView>,
    /// Where the next page starts (a bookmark id), when there may be more.
    pub next: Option<i64>,
}

/// Bookmarks examined per page at most, in rounds of the page's size: a list full of what
/// she lost access to ends a page short rather than reading without bound.
const ROUNDS: usize = 8;

/// Newest first, at most `limit` of the viewer's bookmarks older than bookmark `before`, of
/// what she may read now. Each round reads one more stretch of her bookmarks and keeps what
/// the policy lets her read, until the page is full.
pub fn saved_page(
    conn: &mut DbConnection,
    scope: &Scope,
    before: Option<i64>,
    limit: i64,
) -> Result<SavedPage> {
    let me = scope.viewer().require_user()?.id;
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut kept: Vec<(Bookmark, Post, Option<Comment>)> = Vec::new();
    let mut cursor = before;
    let mut next = None;
    for _ in 0..ROUNDS {
        let rows = queries::bookmarks_of(conn, me, cursor, limit + 1)?;
        let exhausted = rows.len() <= wanted;
        cursor = rows.last().map(|row| row.0);
        kept.extend(readable(conn, scope, rows)?);
        if kept.len() > wanted {
            kept.truncate(wanted);
            next = kept.last().map(|k| k.0.0);
            break;
        }
        next = if exhausted { None } else { cursor };
        if exhausted {
            break;
        }
    }
    Ok(SavedPage {
        items: saved_views(conn, scope, kept)?,
        next,
    })
}

/// The bookmarks among `rows` whose post the viewer reads and whose comment, if any, she
/// reads too, with what they save.
fn readable(
    conn: &mut DbConnection,
    scope: &Scope,
    rows: Vec<Bookmark>,
) -> Result<Vec<(Bookmark, Post, Option<Comment>)>> {
    let post_ids: Vec<PostId> = rows.iter().map(|r| r.1).collect();
    let posts: HashMap<PostId, Post> = access::readable_posts(conn, scope, &post_ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let comment_ids: Vec<CommentId> = rows.iter().filter_map(|r| r.2).collect();
    let comments: HashMap<CommentId, Comment> = queries::comments_by_ids(conn, &comment_ids)?
        .into_iter()
        .filter(|c| access::shows_comment(scope, c))
        .map(|c| (c.id, c))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let post = posts.get(&row.1)?.clone();
            let comment = match row.2 {
                Some(id) => Some(comments.get(&id)?.clone()),
                None => None,
            };
            Some((row, post, comment))
        })
        .collect())
}

/// The views of kept bookmarks, in their order.
fn saved_views(
    conn: &mut DbConnection,
    scope: &Scope,
    kept: Vec<(Bookmark, Post, Option<Comment>)>,
) -> Result<Vec<SavedView>> {
    // A post saved along with one of its comments is viewed once.
    let mut posts: Vec<Post> = kept.iter().map(|k| k.1.clone()).collect();
    posts.sort_unstable_by_key(|p| p.id);
    posts.dedup_by_key(|p| p.id);
    let post_views: HashMap<String, PostView> = views::post_views(conn, scope, &posts)?
        .into_iter()
        .map(|v| (v.id.clone(), v))
        .collect();
    // Comments are viewed per group (whose moderators may edit them): one call per group.
    let mut by_group: HashMap<Option<GroupId>, Vec<Comment>> = HashMap::new();
    for (_, post, comment) in &kept {
        if let Some(comment) = comment {
            by_group
                .entry(post.group_id)
                .or_default()
                .push(comment.clone());
        }
    }
    let mut comment_views: HashMap<String, CommentView> = HashMap::new();
    for (group, comments) in by_group {
        let viewed = views::comment_views(conn, scope, group, &comments)?;
        comment_views.extend(viewed.into_iter().map(|v| (v.id.clone(), v)));
    }
    Ok(kept
        .into_iter()
        .filter_map(|((id, post_id, comment_id, at), _, _)| {
            Some(SavedView {
                bookmark: id,
                id: id.to_string(),
                saved_at: at.and_utc(),
                post: post_views.get(&post_id.to_string())?.clone(),
                comment: comment_id.and_then(|c| comment_views.remove(&c.to_string())),
            })
        })
        .collect())
}
