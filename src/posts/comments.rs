//! The only writers of comments: flat, oldest first, editable with history, soft-deleted,
//! liked. A comment counts in its post's `comment_count` until deleted.

use diesel::prelude::*;

use super::actions::{Rendered, index_body, reindex_body, render_body};
use super::model::{Comment, Post};
use super::{access, queries};
use crate::access::Scope;
use crate::clock;
use crate::db::kept::{Param, kept};
use crate::db::schema::{comment_likes, comment_versions, comments};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::events::{self, CommentChange, CommentLike, Event};
use crate::files::NewAttachment;
use crate::files::actions::Target;
use crate::groups;
use crate::ids::{CommentId, PostId, UserId};
use crate::links::Rules;
use crate::on_backend;

/// Longest comment body, in characters.
pub const MAX_COMMENT: usize = 5_000;

/// Comments on a readable post whose group (if any) is not archived. `employees_only` (for
/// employees, in a group open to guests) hides the comment from guests everywhere.
pub fn add_comment(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    post_id: PostId,
    body: &str,
    employees_only: bool,
    files: &[NewAttachment],
) -> Result<Comment> {
    let post = access::visible_post(conn, scope, post_id)?;
    let me = scope.viewer().require_user()?.id;
    let group = match post.group_id {
        Some(group_id) => Some(groups::access::visible_group(conn, scope, group_id)?),
        None => None,
    };
    if !scope.comments_in(group.as_ref()) {
        return Err(match group.as_ref().is_some_and(|g| g.is_archived()) {
            true => Error::conflict(ErrorCode::GroupArchived, "this group is archived"),
            false => Error::forbidden(
                ErrorCode::GroupAdminsOnly,
                "only the group's owners and admins comment here",
            ),
        });
    }
    if employees_only
        && (scope.viewer().is_walled() || !group.as_ref().is_some_and(|g| g.allow_guests))
    {
        return Err(invalid(
            "employees_only",
            "only employees mark comments, in groups open to guests",
        ));
    }
    // Anything under a post for employees only is for employees only, on every surface.
    let employees_only = employees_only || post.employees_only;
    let mut rendered = render_body(conn, scope, rules, body, MAX_COMMENT)?;
    if employees_only {
        rendered.keep_from_guests();
    }
    let id = CommentId(new_id());
    diesel::insert_into(comments::table)
        .values((
            comments::id.eq(id),
            comments::post_id.eq(post.id),
            comments::author_id.eq(me),
            comments::body.eq(body),
            comments::html.eq(&rendered.html),
            comments::links.eq(&rendered.links),
            comments::created_at.eq(clock::now()),
            comments::employees_only.eq(employees_only),
        ))
        .execute(conn)?;
    index_body(conn, post.id, post.group_id, Some(id), &rendered)?;
    count_comment(conn, post.id, true, employees_only)?;
    crate::files::actions::attach(conn, scope, Target::Comment(id), files)?;
    let created = Event::CommentCreated {
        author: me,
        comment: id,
        post_id: post.id,
        group_id: post.group_id,
        post_author_id: post.author_id,
        employees_only: employees_only || post.employees_only,
    };
    events::append(conn, &created)?;
    queries::find_comment(conn, id)?.ok_or_else(|| Error::internal("comment vanished after insert"))
}

/// Replaces a comment's body (its author, or a moderator of the post's group or the site),
/// keeping the old one with who replaced it.
pub fn edit_comment(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    id: CommentId,
    body: &str,
) -> Result<Comment> {
    let (comment, post) = access::visible_comment(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if !scope.may_change(comment.author_id, post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::AuthorOnly,
            "only the author or a moderator can edit a comment",
        ));
    }
    if body == comment.body {
        return Ok(comment);
    }
    let mut rendered = render_body(conn, scope, rules, body, MAX_COMMENT)?;
    if comment.employees_only {
        rendered.keep_from_guests();
    }
    let now = clock::now();
    diesel::insert_into(comment_versions::table)
        .values((
            comment_versions::id.eq(new_id()),
            comment_versions::comment_id.eq(comment.id),
            comment_versions::body.eq(&comment.body),
            comment_versions::created_at.eq(now),
            comment_versions::edited_by.eq(Some(me)),
        ))
        .execute(conn)?;
    diesel::update(comments::table.find(comment.id))
        .set((
            comments::body.eq(body),
            comments::html.eq(&rendered.html),
            comments::links.eq(&rendered.links),
            comments::edited_at.eq(Some(now)),
            comments::edited_by.eq(Some(me)),
        ))
        .execute(conn)?;
    reindex_body(conn, post.id, post.group_id, Some(comment.id), &rendered)?;
    let edited = change_of(&comment, &post, me);
    events::append(conn, &Event::CommentEdited(edited))?;
    queries::find_comment(conn, comment.id)?.ok_or_else(|| Error::not_found("comment"))
}

/// Soft-deletes a comment (author, group owners and admins, site admins). Open reports of
/// it close.
pub fn delete_comment(conn: &mut DbConnection, scope: &Scope, id: CommentId) -> Result<()> {
    let (comment, post) = access::visible_comment(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if me != comment.author_id && !scope.moderates(post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "only the author or a moderator can delete this comment",
        ));
    }
    remove_comment(conn, &comment, &post, me, None)?;
    crate::moderation::actions::item_removed(conn, post.id, Some(comment.id), me)
}

/// Takes `comment` (on `post`) off every read path on `by`'s behalf: deleted, or hidden by a
/// moderator for `hidden_reason`, as [`super::actions::remove_post`] does for posts.
pub fn remove_comment(
    conn: &mut DbConnection,
    comment: &Comment,
    post: &Post,
    by: UserId,
    hidden_reason: Option<&str>,
) -> Result<()> {
    let now = clock::now();
    diesel::update(comments::table.find(comment.id))
        .set((
            comments::deleted_at.eq(Some(now)),
            comments::deleted_by.eq(Some(by)),
            comments::hidden_reason.eq(hidden_reason),
        ))
        .execute(conn)?;
    // A deleted comment no longer counts towards its tags or mentions.
    reindex_body(
        conn,
        post.id,
        post.group_id,
        Some(comment.id),
        &Rendered::nothing(),
    )?;
    count_comment(conn, post.id, false, comment.employees_only)?;
    super::answers::forget_answer(conn, post.id, comment.id)?;
    crate::files::actions::release_comment(conn, comment.id)?;
    events::append(conn, &Event::CommentDeleted(change_of(comment, post, by)))?;
    Ok(())
}

/// Likes or unlikes a readable comment, idempotently, keeping its count exact.
pub fn set_comment_like(
    conn: &mut DbConnection,
    scope: &Scope,
    id: CommentId,
    like: bool,
) -> Result<Comment> {
    let (comment, post) = access::visible_comment(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    let changed = if like {
        let now = clock::now();
        let row = (
            comment_likes::comment_id.eq(comment.id),
            comment_likes::user_id.eq(me),
            comment_likes::created_at.eq(now),
        );
        on_backend!(conn, |inner| diesel::insert_into(comment_likes::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?
    } else {
        diesel::delete(comment_likes::table.find((comment.id, me))).execute(conn)?
    };
    if changed > 0 {
        let delta: i64 = if like { 1 } else { -1 };
        kept(
            "UPDATE comments SET like_count = like_count + ? WHERE id = ?",
            vec![Param::BigInt(delta), Param::BigInt(comment.id.0)],
        )
        .execute(conn)?;
        let change = CommentLike {
            liker: me,
            comment: comment.id,
            post_id: post.id,
            group_id: post.group_id,
            author_id: comment.author_id,
            employees_only: comment.employees_only || post.employees_only,
        };
        let event = if like {
            Event::CommentLiked(change)
        } else {
            Event::CommentUnliked(change)
        };
        events::append(conn, &event)?;
    }
    queries::find_comment(conn, comment.id)?.ok_or_else(|| Error::not_found("comment"))
}

/// Moves a post's comment counts with a comment added or deleted; guests' count only for
/// comments they may see. A new comment is activity: the post rises in "recent activity"
/// order (for guests only if they may read the comment).
fn count_comment(
    conn: &mut DbConnection,
    post_id: PostId,
    added: bool,
    employees_only: bool,
) -> Result<()> {
    let (now, id) = (Param::Timestamp(clock::now()), Param::BigInt(post_id.0));
    let statement = match (added, employees_only) {
        (true, false) => kept(
            "UPDATE posts SET comment_count = comment_count + 1, \
             open_comment_count = open_comment_count + 1, activity_at = ?, open_activity_at = ? \
             WHERE id = ?",
            vec![now, now, id],
        ),
        (true, true) => kept(
            "UPDATE posts SET comment_count = comment_count + 1, activity_at = ? WHERE id = ?",
            vec![now, id],
        ),
        (false, false) => kept(
            "UPDATE posts SET comment_count = comment_count - 1, \
             open_comment_count = open_comment_count - 1 WHERE id = ?",
            vec![id],
        ),
        (false, true) => kept(
            "UPDATE posts SET comment_count = comment_count - 1 WHERE id = ?",
            vec![id],
        ),
    };
    statement.execute(conn)?;
    Ok(())
}

/// An edit or deletion of `comment` under `post` by `by`, as the log records it.
fn change_of(comment: &Comment, post: &Post, by: UserId) -> CommentChange {
    CommentChange {
        by,
        comment: comment.id,
        post_id: post.id,
        group_id: post.group_id,
        employees_only: comment.employees_only || post.employees_only,
    }
}
