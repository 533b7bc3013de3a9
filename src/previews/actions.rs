//! What readers and authors do with previews: open a preview's image (as they may read the
//! body showing it), and remove a preview from their own post or comment.

use diesel::prelude::*;

use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::{link_previews, link_uses};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{CommentId, PostId};
use crate::posts::access::{visible_comment, visible_post};

/// The body a preview is on.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    Post(PostId),
    Comment(CommentId),
}

impl Owner {
    /// The body's post and its key in `link_uses`, if the viewer may read the body, and who
    /// may change it (its author; moderators of its place).
    fn read(self, conn: &mut DbConnection, scope: &Scope) -> Result<(PostId, i64, bool)> {
        Ok(match self {
            Owner::Post(id) => {
                let post = visible_post(conn, scope, id)?;
                (id, 0, scope.may_change(post.author_id, post.group_id))
            }
            Owner::Comment(id) => {
                let (comment, post) = visible_comment(conn, scope, id)?;
                (
                    post.id,
                    i64::from(id),
                    scope.may_change(comment.author_id, post.group_id),
                )
            }
        })
    }
}

/// The stored thumbnail of the image of preview `position` on `owner`, if the viewer may
/// read `owner`.
pub fn image(
    conn: &mut DbConnection,
    scope: &Scope,
    owner: Owner,
    position: i32,
) -> Result<String> {
    let (post, comment, _) = owner.read(conn, scope)?;
    link_uses::table
        .inner_join(link_previews::table.on(link_previews::url.eq(link_uses::url)))
        .filter(link_uses::post_id.eq(post))
        .filter(link_uses::comment_id.eq(comment))
        .filter(link_uses::position.eq(position))
        .filter(link_uses::removed.eq(false))
        .select(link_previews::image_sha256)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten()
        .ok_or_else(|| Error::not_found("preview"))
}

/// Removes preview `position` from `owner`, for good (an edit keeping the link keeps it
/// removed). Only the author or a moderator of the place.
pub fn remove(conn: &mut DbConnection, scope: &Scope, owner: Owner, position: i32) -> Result<()> {
    let (post, comment, may_change) = owner.read(conn, scope)?;
    if !may_change {
        return Err(Error::forbidden(
            ErrorCode::AuthorOnly,
            "only the author or a moderator removes a preview",
        ));
    }
    let removed = diesel::update(
        link_uses::table
            .filter(link_uses::post_id.eq(post))
            .filter(link_uses::comment_id.eq(comment))
            .filter(link_uses::position.eq(position)),
    )
    .set(link_uses::removed.eq(true))
    .execute(conn)?;
    match removed {
        0 => Err(Error::not_found("preview")),
        _ => Ok(()),
    }
}
