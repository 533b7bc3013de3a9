//! Plain reads of bookmarks: which of a page's comments the viewer saved, and her list of them.
//! Which of a page's posts she saved comes with the rest of what they carry
//! (`carried`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::bookmarks;
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};

/// One bookmark: its id (the list's order), what it saves, and when.
pub(in crate::posts) type Bookmark = (i64, PostId, Option<CommentId>, NaiveDateTime);

/// Which of `comment_ids` `user_id` saved.
pub(in crate::posts) fn saved_comments(
    conn: &mut DbConnection,
    user_id: UserId,
    comment_ids: &[CommentId],
) -> Result<HashSet<CommentId>> {
    let ids: Vec<Option<CommentId>> = bookmarks::table
        .filter(bookmarks::user_id.eq(user_id))
        .filter(bookmarks::comment_id.eq_any(comment_ids.to_vec()))
        .select(bookmarks::comment_id)
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

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
