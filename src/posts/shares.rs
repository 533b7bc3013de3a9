//! Shares: a post that carries another post, with the sharer's own words on top. The shared
//! post is shown inside only to readers who may read it where it is; anyone else is told it
//! is not available to her, and nothing of it. A share of a share carries the original.

use std::collections::HashMap;

use diesel::prelude::*;

use super::access;
use super::model::Post;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::kept::{Param, kept};
use crate::error::{Result, invalid};
use crate::groups::Group;
use crate::ids::PostId;

/// The post that a new post in `group` (none: the company feed) shares, named by `raw`.
/// Refused: a post the viewer may not read (told as "no such post"), and a post for
/// employees only into a group open to guests.
pub(super) fn original(
    conn: &mut DbConnection,
    scope: &Scope,
    raw: &str,
    group: Option<&Group>,
) -> Result<Post> {
    let no_such = || invalid("shared_post_id", "no such post");
    let id: PostId = raw.parse().map_err(|_| no_such())?;
    let mut post = access::visible_post(conn, scope, id).map_err(|e| e.when_not_found(no_such))?;
    if let Some(original) = post.shared_post_id {
        post =
            access::visible_post(conn, scope, original).map_err(|e| e.when_not_found(no_such))?;
    }
    if post.employees_only && group.is_some_and(|g| g.allow_guests) {
        return Err(invalid(
            "group_id",
            "this post is for employees only; share it where no guests read",
        ));
    }
    Ok(post)
}

/// Counts one more (`by` 1) or one fewer (`by` -1) share of `original`.
pub(super) fn count(conn: &mut DbConnection, original: PostId, by: i64) -> Result<()> {
    kept(
        "UPDATE posts SET share_count = share_count + ? WHERE id = ?",
        vec![Param::BigInt(by), Param::BigInt(original.0)],
    )
    .execute(conn)?;
    Ok(())
}

/// Of `posts`, how many of each one's shares the viewer may read. Asked only of posts shared
/// at all, so a page of posts nobody shared costs nothing.
pub(super) fn visible_counts(
    conn: &mut DbConnection,
    scope: &Scope,
    posts: &[Post],
) -> Result<HashMap<PostId, i64>> {
    let shared: Vec<PostId> = posts
        .iter()
        .filter(|p| p.share_count > 0)
        .map(|p| p.id)
        .collect();
    if shared.is_empty() {
        return Ok(HashMap::new());
    }
    let mut counts = HashMap::new();
    for original in access::shares_of(conn, scope, &shared)? {
        *counts.entry(original).or_insert(0) += 1;
    }
    Ok(counts)
}
