//! The only loader of files for reading. A file is readable exactly when what it is on is:
//! the post (as `posts::access` decides), the comment (so a comment for employees only never
//! shows its files to a guest), the person whose photo it is, or, for an upload on nothing
//! yet, its uploader alone. An unguessable address is not a permission.

use super::model::{Attachment, Blob};
use super::queries;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::ids::FileId;

/// File `id` and its content, if the viewer may read it.
pub fn visible_file(
    conn: &mut DbConnection,
    scope: &Scope,
    id: FileId,
) -> Result<(Attachment, Blob)> {
    let me = scope.viewer().require_user()?.id;
    let (file, blob) = queries::find(conn, id)?.ok_or_else(|| Error::not_found("file"))?;
    let hidden = || Error::not_found("file");
    match (file.post_id, file.comment_id) {
        (Some(post), _) => {
            crate::posts::access::visible_post(conn, scope, post)
                .map_err(|e| e.when_not_found(hidden))?;
        }
        (None, Some(comment)) => {
            crate::posts::access::visible_comment(conn, scope, comment)
                .map_err(|e| e.when_not_found(hidden))?;
        }
        (None, None) => match queries::photo_owner(conn, id)? {
            Some(owner) => {
                crate::accounts::access::visible_user(conn, scope, owner)
                    .map_err(|e| e.when_not_found(hidden))?;
            }
            None if file.uploader_id == me => {}
            None => return Err(hidden()),
        },
    }
    Ok((file, blob))
}

/// Which of `ids` (files the viewer reads) she uploaded herself: her export carries those.
pub fn uploaded_by_viewer(
    conn: &mut DbConnection,
    scope: &Scope,
    ids: &[FileId],
) -> Result<std::collections::HashSet<FileId>> {
    let me = scope.viewer().require_user()?.id;
    Ok(queries::uploaded_by(conn, me, ids)?.into_iter().collect())
}
