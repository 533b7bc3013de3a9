//! Plain reads of comments: one, a post's page of them, their versions and authors. Which of a
//! page's comments the viewer likes comes with the rest of what they carry (`carried`).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{comment_versions, comments};
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};
use crate::posts::model::Comment;

pub(in crate::posts) fn find_comment(
    conn: &mut DbConnection,
    id: CommentId,
) -> Result<Option<Comment>> {
    Ok(comments::table
        .find(id)
        .filter(comments::deleted_at.is_null())
        .select(Comment::as_select())
        .first(conn)
        .optional()?)
}

/// Comments of `author` that moderators hid (on post `post_id` only, when given), newest
/// first, with the reasons.
pub(in crate::posts) fn hidden_comments_of(
    conn: &mut DbConnection,
    author: UserId,
    post_id: Option<PostId>,
    limit: i64,
) -> Result<Vec<(Comment, String)>> {
    let mut query = comments::table
        .filter(comments::author_id.eq(author))
        .filter(comments::hidden_reason.is_not_null())
        .order(comments::id.desc())
        .limit(limit)
        .select((
            Comment::as_select(),
            comments::hidden_reason.assume_not_null(),
        ))
        .into_boxed();
    if let Some(post_id) = post_id {
        query = query.filter(comments::post_id.eq(post_id));
    }
    Ok(query.load(conn)?)
}

/// Live comments of a post after `after`, oldest first; `open_only`: none for employees only.
pub(in crate::posts) fn comments_of(
    conn: &mut DbConnection,
    post_id: PostId,
    open_only: bool,
    after: Option<CommentId>,
    limit: i64,
) -> Result<Vec<Comment>> {
    let mut query = comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::deleted_at.is_null())
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(comments::id.gt(after));
    }
    if open_only {
        query = query.filter(comments::employees_only.eq(false));
    }
    Ok(query.load(conn)?)
}

pub(in crate::posts) fn comment_versions(
    conn: &mut DbConnection,
    comment_id: CommentId,
) -> Result<Vec<super::Version>> {
    Ok(comment_versions::table
        .filter(comment_versions::comment_id.eq(comment_id))
        .order(comment_versions::id.desc())
        .select((
            comment_versions::body,
            comment_versions::created_at,
            comment_versions::edited_by,
        ))
        .load(conn)?)
}

/// Who wrote live comments on a post before comment `before` (ids are time-ordered).
pub(in crate::posts) fn commenter_ids(
    conn: &mut DbConnection,
    post_id: PostId,
    before: CommentId,
) -> Result<Vec<UserId>> {
    Ok(comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::id.lt(before))
        .filter(comments::deleted_at.is_null())
        .select(comments::author_id)
        .distinct()
        .load(conn)?)
}

/// The live comments among `ids`.
pub(in crate::posts) fn comments_by_ids(
    conn: &mut DbConnection,
    ids: &[CommentId],
) -> Result<Vec<Comment>> {
    Ok(comments::table
        .filter(one_of(comments::id, ids))
        .filter(comments::deleted_at.is_null())
        .select(Comment::as_select())
        .load(conn)?)
}
