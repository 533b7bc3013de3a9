//! Rows of files: a content (`Blob`) and each use of it (`Attachment`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{attachments, blobs};
use crate::ids::{CommentId, FileId, PostId, UserId};

/// A distinct content, stored once under its SHA-256.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = blobs)]
pub struct Blob {
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub rendition_type: Option<String>,
    pub text: Option<String>,
    pub touched_at: NaiveDateTime,
}

/// One use of a content: on a post, on a comment, as a profile photo, or on nothing yet.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: FileId,
    pub blob: String,
    pub uploader_id: UserId,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    pub name: String,
    pub alt: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub gone_at: Option<NaiveDateTime>,
}
