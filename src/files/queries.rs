//! Plain reads of files, for this area only.

use diesel::prelude::*;

use super::model::{Attachment, Blob};
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{attachments, blobs, users};
use crate::error::Result;
use crate::ids::{CommentId, FileId, PostId, UserId};

/// An attachment and its content, unless it is gone.
pub(super) fn find(conn: &mut DbConnection, id: FileId) -> Result<Option<(Attachment, Blob)>> {
    Ok(attachments::table
        .inner_join(blobs::table)
        .filter(attachments::id.eq(id))
        .filter(attachments::gone_at.is_null())
        .select((Attachment::as_select(), Blob::as_select()))
        .first(conn)
        .optional()?)
}

/// Whose profile photo `id` is, if anyone's.
pub(super) fn photo_owner(conn: &mut DbConnection, id: FileId) -> Result<Option<UserId>> {
    Ok(users::table
        .filter(users::photo_id.eq(id))
        .select(users::id)
        .first(conn)
        .optional()?)
}

/// The files on `posts`, in their order. One index range per post, like the feeds.
pub(super) fn on_posts(
    conn: &mut DbConnection,
    posts: &[PostId],
) -> Result<Vec<(Attachment, Blob)>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::table
        .inner_join(blobs::table)
        .filter(one_of(attachments::post_id.assume_not_null(), posts))
        .filter(attachments::gone_at.is_null())
        .order((attachments::position, attachments::id))
        .select((Attachment::as_select(), Blob::as_select()))
        .load(conn)?)
}

/// The files on `comments`, in their order.
pub(super) fn on_comments(
    conn: &mut DbConnection,
    comments: &[CommentId],
) -> Result<Vec<(Attachment, Blob)>> {
    if comments.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::table
        .inner_join(blobs::table)
        .filter(one_of(attachments::comment_id.assume_not_null(), comments))
        .filter(attachments::gone_at.is_null())
        .order((attachments::position, attachments::id))
        .select((Attachment::as_select(), Blob::as_select()))
        .load(conn)?)
}

/// Which of `ids` `user` uploaded.
pub(super) fn uploaded_by(
    conn: &mut DbConnection,
    user: UserId,
    ids: &[FileId],
) -> Result<Vec<FileId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::table
        .filter(one_of(attachments::id, ids))
        .filter(attachments::uploader_id.eq(user))
        .select(attachments::id)
        .load(conn)?)
}
