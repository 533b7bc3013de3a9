//! Questions and their best answers. A question is a post whose comments are its answers;
//! its asker or a moderator of its place marks the one that answers it best.

use diesel::prelude::*;

use super::model::Post;
use super::{access, queries};
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::posts;
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::events::{self, Event, PostChange};
use crate::ids::{CommentId, PostId};

/// Marks `answer` as the best answer to question `id`, or unmarks it (`None`). Only the asker
/// and the moderators of the question's place may; the answer must be a live comment on this
/// question that everyone who reads the question reads too.
pub fn mark_best_answer(
    conn: &mut DbConnection,
    scope: &Scope,
    id: PostId,
    answer: Option<CommentId>,
) -> Result<Post> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if !scope.may_change(post.author_id, post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "only the asker or a moderator marks the best answer",
        ));
    }
    if !post.question {
        return Err(Error::conflict(
            ErrorCode::NotAQuestion,
            "this post is not a question, so it has no best answer",
        ));
    }
    if let Some(answer) = answer {
        let (comment, _) = access::visible_comment(conn, scope, answer)
            .map_err(|e| e.when_not_found(|| invalid("comment_id", "no such comment")))?;
        if comment.post_id != post.id {
            return Err(invalid("comment_id", "that comment answers another post"));
        }
        if comment.employees_only {
            // Guests who read the question would be shown an answer they may not read.
            return Err(invalid(
                "comment_id",
                "a comment for employees only cannot be the best answer",
            ));
        }
    }
    if post.best_answer_id != answer {
        diesel::update(posts::table.find(post.id))
            .set(posts::best_answer_id.eq(answer))
            .execute(conn)?;
        let change = PostChange {
            by: me,
            post: post.id,
            group_id: post.group_id,
            employees_only: post.employees_only,
        };
        events::append(conn, &Event::BestAnswerChanged(change))?;
    }
    queries::find(conn, post.id)?.ok_or_else(|| Error::not_found("post"))
}

/// A question whose best answer was deleted is unanswered again.
pub(super) fn forget_answer(
    conn: &mut DbConnection,
    post: PostId,
    answer: CommentId,
) -> Result<()> {
    diesel::update(posts::table.find(post))
        .filter(posts::best_answer_id.eq(answer))
        .set(posts::best_answer_id.eq(None::<CommentId>))
        .execute(conn)?;
    Ok(())
}
