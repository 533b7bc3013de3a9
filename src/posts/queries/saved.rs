//! Plain reads of bookmarks: the viewer's list of them. Which of a page's posts and comments
//! she saved comes with the rest of what they carry (`carried`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::bookmarks;
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};

/// One bookmark: its id (the list's order), what it saves, and when.
pub(in crate::posts) type Bookmark = (i64, PostId, Option<CommentId>, NaiveDateTime);

/// Newest first, at most `limit` of `user_id`'s bookmarks older than bookmark `before`.
pub(in crate::posts) fn bookmarks_of(
    conn: &mut DbConnection,
    user_id: UserId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Bookmark>> {
    Ok(bookmarks::table
        .filter(bookmarks::user_id.eq(user_id))
        .filter(bookmarks::id.lt(before.unwrap_or(i64::MAX)))
        .order(bookmarks::id.desc())
        .limit(limit)
        .select((
            bookmarks::id,
            bookmarks::post_id,
            bookmarks::comment_id,
            bookmarks::created_at,
        ))
        .load(conn)?)
}
