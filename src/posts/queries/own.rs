//! Plain reads of what one person wrote and liked, oldest first, in pages: what her export
//! carries (the policy's filter is applied by `access`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::PostFilter;
use crate::db::DbConnection;
use crate::db::schema::{comment_likes, comments, post_likes, posts};
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};
use crate::posts::model::{Comment, Post};

/// Posts by `author` that `readable` lets through, after `after`, oldest first.
pub(in crate::posts) fn posts_by(
    conn: &mut DbConnection,
    readable: PostFilter,
    author: UserId,
    after: Option<PostId>,
    limit: i64,
) -> Result<Vec<Post>> {
    let mut query = posts::table
        .filter(readable)
        .filter(posts::author_id.eq(author))
        .order(posts::id.asc())
        .limit(limit)
        .select(Post::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(posts::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Live comments by `author` after `after`, oldest first.
pub(in crate::posts) fn comments_by(
    conn: &mut DbConnection,
    author: UserId,
    after: Option<CommentId>,
    limit: i64,
) -> Result<Vec<Comment>> {
    let mut query = comments::table
        .filter(comments::author_id.eq(author))
        .filter(comments::deleted_at.is_null())
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(comments::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The posts `user` likes, with when, after post `after`, in post order.
pub(in crate::posts) fn post_likes_of(
    conn: &mut DbConnection,
    user: UserId,
    after: Option<PostId>,
    limit: i64,
) -> Result<Vec<(PostId, NaiveDateTime)>> {
    let mut query = post_likes::table
        .filter(post_likes::user_id.eq(user))
        .order(post_likes::post_id.asc())
        .limit(limit)
        .select((post_likes::post_id, post_likes::created_at))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(post_likes::post_id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The comments `user` likes, with when, after comment `after`, in comment order.
pub(in crate::posts) fn comment_likes_of(
    conn: &mut DbConnection,
    user: UserId,
    after: Option<CommentId>,
    limit: i64,
) -> Result<Vec<(CommentId, NaiveDateTime)>> {
    let mut query = comment_likes::table
        .filter(comment_likes::user_id.eq(user))
        .order(comment_likes::comment_id.asc())
        .limit(limit)
        .select((comment_likes::comment_id, comment_likes::created_at))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(comment_likes::comment_id.gt(after));
    }
    Ok(query.load(conn)?)
}
