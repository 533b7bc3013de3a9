//! Reads of posts that do not ask a viewer's `Scope`: for the signals (notifier, digests,
//! live hub), which decide each recipient's access themselves through the policy before
//! anything reaches her. Every read on behalf of a viewer goes through `access`. Each says why
//! it needs no scope: grep `system::` for every bypass.

use super::model::{Comment, Post};
use super::queries;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};

/// Post `id` unless deleted, read on behalf of the notifier, which checks each recipient's
/// scope itself (`signals::audience`) before telling anyone of it.
pub fn post_for_signals(conn: &mut DbConnection, id: PostId) -> Result<Option<Post>> {
    queries::find(conn, id)
}

/// Comment `id` unless deleted; like [`post_for_signals`].
pub fn comment_for_signals(conn: &mut DbConnection, id: CommentId) -> Result<Option<Comment>> {
    queries::find_comment(conn, id)
}

/// The people taking part in a post's thread when comment `before` was written: its author
/// and everyone who commented earlier (the notifier may run later, when more have). The
/// notifier filters them by what each may read.
pub fn thread_participants(
    conn: &mut DbConnection,
    post: &Post,
    before: CommentId,
) -> Result<Vec<UserId>> {
    let mut ids = queries::commenter_ids(conn, post.id, before)?;
    ids.push(post.author_id);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Who one body mentions (`comment_id` `None`: the post's own body), for the notifier.
pub fn mentioned_in(
    conn: &mut DbConnection,
    post_id: PostId,
    comment_id: Option<CommentId>,
) -> Result<Vec<UserId>> {
    queries::mentioned_in(conn, post_id, comment_id)
}
