//! Backlinks: which posts and comments link to a post, comment, person, group or tag of
//! ours. Recorded with a body's tags and mentions; read back only through the access policy,
//! so a reader is told of a link exactly when she may read the post or comment it is in.

use std::collections::HashSet;

use diesel::prelude::*;

use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::{backlinks, comments};
use crate::error::Result;
use crate::ids::PostId;
use crate::on_backend;
use crate::posts::{self, Post};

/// Linking posts listed on a target, at most.
pub const LISTED: i64 = 20;

/// Removes the backlinks of one body (`comment_key` 0: the post's own), before it is
/// recorded again.
pub fn clear(conn: &mut DbConnection, post_id: PostId, comment_key: i64) -> Result<()> {
    diesel::delete(
        backlinks::table
            .filter(backlinks::post_id.eq(post_id))
            .filter(backlinks::comment_id.eq(comment_key)),
    )
    .execute(conn)?;
    Ok(())
}

/// Records the backlinks of one body (`comment_key` 0: the post's own) that has none.
pub fn record(
    conn: &mut DbConnection,
    post_id: PostId,
    comment_key: i64,
    targets: &[String],
) -> Result<()> {
    let rows: Vec<_> = targets
        .iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|target| {
            (
                backlinks::post_id.eq(post_id),
                backlinks::comment_id.eq(comment_key),
                backlinks::target.eq(target),
            )
        })
        .collect();
    if !rows.is_empty() {
        on_backend!(conn, |inner| diesel::insert_into(backlinks::table)
            .values(&rows)
            .execute(inner))?;
    }
    Ok(())
}

/// A backlink as read: the linking post, the comment (0: none), and for a comment whether it
/// is deleted and whether it is for employees only.
type Row = (PostId, i64, Option<(bool, bool)>);

/// [`linking_posts`] as the viewer sees them.
pub fn views(
    conn: &mut DbConnection,
    scope: &Scope,
    target: &str,
    except: Option<PostId>,
) -> Result<Vec<posts::PostView>> {
    let linking = linking_posts(conn, scope, target, except)?;
    posts::views::post_views(conn, scope, &linking)
}

/// The posts the viewer may read that link to `target` (a backlink key) in their own body or
/// in a comment she may read, newest first; `except` is left out (a post naming itself).
pub fn linking_posts(
    conn: &mut DbConnection,
    scope: &Scope,
    target: &str,
    except: Option<PostId>,
) -> Result<Vec<Post>> {
    let rows: Vec<Row> = backlinks::table
        .left_join(comments::table.on(comments::id.eq(backlinks::comment_id)))
        .filter(backlinks::target.eq(target))
        .order(backlinks::post_id.desc())
        .limit(LISTED * 4)
        .select((
            backlinks::post_id,
            backlinks::comment_id,
            (comments::deleted_at.is_not_null(), comments::employees_only).nullable(),
        ))
        .load(conn)?;
    let guest = scope.viewer().is_walled();
    let mut ids: Vec<PostId> = rows
        .into_iter()
        .filter(|(post, comment, row)| {
            Some(*post) != except
                && match (comment, row) {
                    (0, _) => true,
                    (_, Some((deleted, employees_only))) => !deleted && (!guest || !employees_only),
                    (_, None) => false,
                }
        })
        .map(|(post, _, _)| post)
        .collect();
    ids.dedup();
    let mut posts = posts::access::readable_posts(conn, scope, &ids)?;
    posts.truncate(usize::try_from(LISTED).unwrap_or(usize::MAX));
    Ok(posts)
}
