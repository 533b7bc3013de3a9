//! The only writers of file rows: an upload recorded, put on a post or comment or made a
//! profile photo, and let go when what it was on is deleted.

use diesel::prelude::*;
use serde::Deserialize;

use super::model::{Attachment, Blob};
use super::sniff::Kind;
use crate::access::Scope;
use crate::clock;
use crate::db::schema::{attachments, blobs, comments, users};
use crate::db::{DbConnection, new_id};
use crate::error::{Result, invalid};
use crate::ids::{CommentId, FileId, PostId, UserId};
use crate::on_backend;

/// Longest alt text, in characters.
pub const MAX_ALT: usize = 1_000;

/// An uploaded file to put on a new post or comment.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    /// The id `POST /api/v1/files` answered with.
    pub id: String,
    /// For images: what it shows, for those who cannot see it.
    #[serde(default)]
    pub alt: String,
}

/// What files go on.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Post(PostId),
    Comment(CommentId),
}

/// Records an upload of `blob` by `uploader`, on nothing yet; a content uploaded before is
/// shared, and marked as recently used so the sweep leaves it be.
pub fn record_upload(
    conn: &mut DbConnection,
    uploader: UserId,
    blob: &Blob,
    name: &str,
) -> Result<Attachment> {
    on_backend!(conn, |inner| diesel::insert_into(blobs::table)
        .values(blob)
        .on_conflict(blobs::sha256)
        .do_update()
        .set(blobs::touched_at.eq(blob.touched_at))
        .execute(inner))?;
    let id = FileId(new_id());
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(id),
            attachments::blob.eq(&blob.sha256),
            attachments::uploader_id.eq(uploader),
            attachments::name.eq(name),
            attachments::alt.eq(""),
            attachments::position.eq(0),
            attachments::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)?)
}

/// Removes an upload whose bytes could not be stored.
pub fn forget_upload(conn: &mut DbConnection, id: FileId) -> Result<()> {
    diesel::delete(
        attachments::table
            .find(id)
            .filter(attachments::post_id.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Puts the viewer's uploads `files` on `target`, in order. Each must be hers and on nothing
/// yet; anything else is refused as if it did not exist.
pub fn attach(
    conn: &mut DbConnection,
    scope: &Scope,
    target: Target,
    files: &[NewAttachment],
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let no_such = || invalid("attachments", "no such upload: upload the file again");
    let mut seen = Vec::new();
    for (position, file) in files.iter().enumerate() {
        let id: FileId = file.id.parse().map_err(|_| no_such())?;
        if seen.contains(&id) {
            return Err(invalid("attachments", "a file is attached twice"));
        }
        seen.push(id);
        if file.alt.chars().count() > MAX_ALT {
            return Err(invalid(
                "attachments",
                "alt text is at most 1000 characters",
            ));
        }
        let (post_id, comment_id) = match target {
            Target::Post(post) => (Some(post), None),
            Target::Comment(comment) => (None, Some(comment)),
        };
        let unattached = attachments::table
            .find(id)
            .filter(attachments::uploader_id.eq(me))
            .filter(attachments::post_id.is_null())
            .filter(attachments::comment_id.is_null())
            .filter(attachments::gone_at.is_null())
            .filter(diesel::dsl::not(diesel::dsl::exists(
                users::table.filter(users::photo_id.eq(id)),
            )));
        let changed = diesel::update(unattached)
            .set((
                attachments::post_id.eq(post_id),
                attachments::comment_id.eq(comment_id),
                attachments::alt.eq(file.alt.trim()),
                attachments::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(no_such());
        }
    }
    Ok(())
}

/// Lets go of the files on a deleted post and on its comments: they leave every read path
/// now and storage after the grace period.
pub fn release_post(conn: &mut DbConnection, post: PostId) -> Result<()> {
    let its_comments = comments::table
        .filter(comments::post_id.eq(post))
        .select(comments::id);
    diesel::update(
        attachments::table
            .filter(
                attachments::post_id
                    .eq(post)
                    .or(attachments::comment_id.eq_any(its_comments.nullable())),
            )
            .filter(attachments::gone_at.is_null()),
    )
    .set(attachments::gone_at.eq(Some(clock::now())))
    .execute(conn)?;
    Ok(())
}

/// Lets go of the files on a deleted comment.
pub fn release_comment(conn: &mut DbConnection, comment: CommentId) -> Result<()> {
    diesel::update(
        attachments::table
            .filter(attachments::comment_id.eq(comment))
            .filter(attachments::gone_at.is_null()),
    )
    .set(attachments::gone_at.eq(Some(clock::now())))
    .execute(conn)?;
    Ok(())
}

/// Makes the viewer's upload `id` (an image) her profile photo, or removes it (`None`); the
/// photo it replaces is let go.
pub fn set_photo(conn: &mut DbConnection, scope: &Scope, id: Option<FileId>) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    if let Some(id) = id {
        let content_type: Option<String> = attachments::table
            .inner_join(blobs::table)
            .filter(attachments::id.eq(id))
            .filter(attachments::uploader_id.eq(me))
            .filter(attachments::post_id.is_null())
            .filter(attachments::comment_id.is_null())
            .filter(attachments::gone_at.is_null())
            .filter(blobs::rendition_type.is_not_null())
            .select(blobs::content_type)
            .first(conn)
            .optional()?;
        match content_type.map(|t| Kind::from_content_type(&t)) {
            Some(kind) if kind.is_image() => {}
            Some(_) => return Err(invalid("file_id", "a profile photo must be an image")),
            None => return Err(invalid("file_id", "no such upload: upload the photo again")),
        }
    }
    let old: Option<FileId> = users::table.find(me).select(users::photo_id).first(conn)?;
    if old == id {
        return Ok(());
    }
    diesel::update(users::table.find(me))
        .set(users::photo_id.eq(id))
        .execute(conn)?;
    if let Some(old) = old {
        diesel::update(attachments::table.find(old))
            .set(attachments::gone_at.eq(Some(clock::now())))
            .execute(conn)?;
    }
    Ok(())
}

/// Lets go of every file `user` uploaded (a deleted account), her profile photo included,
/// wherever it is: they leave every read path now and storage after the grace period.
pub fn release_uploads_of(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::update(users::table.find(user))
        .set(users::photo_id.eq(None::<FileId>))
        .execute(conn)?;
    diesel::update(
        attachments::table
            .filter(attachments::uploader_id.eq(user))
            .filter(attachments::gone_at.is_null()),
    )
    .set(attachments::gone_at.eq(Some(clock::now())))
    .execute(conn)?;
    Ok(())
}
