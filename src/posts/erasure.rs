//! What the posts area forgets of a deleted account: the live posts and comments she wrote
//! (for the deletion to remove through [`remove_post`](super::actions::remove_post) and
//! [`remove_comment`](super::comments::remove_comment), or to keep), the text of what was
//! removed, her likes and poll votes with the counts they moved, and her bookmarks and
//! announcement reads. No viewer's scope applies: the account is going, whoever can see what.

use diesel::prelude::*;

use super::model::{Comment, Post};
use crate::db::DbConnection;
use crate::db::schema::{
    announcement_reads, bookmarks, comment_likes, comment_versions, comments, poll_options,
    poll_votes, polls, post_likes, post_versions, posts,
};
use crate::error::Result;
use crate::events::{self, CommentLike, Event, PostLike};
use crate::ids::{CommentId, PostId, UserId};

/// What one person wrote that is still live.
#[derive(Debug, Default)]
pub struct Authored {
    pub posts: Vec<Post>,
    /// Her comments, each with its (live) post.
    pub comments: Vec<(Comment, Post)>,
}

/// The live posts of `author`, and her live comments on live posts.
pub fn authored_by(conn: &mut DbConnection, author: UserId) -> Result<Authored> {
    let own: Vec<Post> = posts::table
        .filter(posts::author_id.eq(author))
        .filter(posts::deleted_at.is_null())
        .select(Post::as_select())
        .load(conn)?;
    let replies: Vec<(Comment, Post)> = comments::table
        .inner_join(posts::table)
        .filter(comments::author_id.eq(author))
        .filter(comments::deleted_at.is_null())
        .filter(posts::deleted_at.is_null())
        .select((Comment::as_select(), Post::as_select()))
        .load(conn)?;
    Ok(Authored {
        posts: own,
        comments: replies,
    })
}

/// Blanks the text of removed posts and comments and drops their earlier versions: removed
/// for a deleted account means gone, not merely hidden from readers.
pub fn blank_removed(
    conn: &mut DbConnection,
    posts: &[PostId],
    comments: &[CommentId],
) -> Result<()> {
    diesel::update(
        posts::table
            .filter(posts::id.eq_any(posts))
            .filter(posts::deleted_at.is_not_null()),
    )
    .set((
        posts::body.eq(""),
        posts::html.eq(""),
        posts::links.eq("[]"),
    ))
    .execute(conn)?;
    diesel::delete(post_versions::table.filter(post_versions::post_id.eq_any(posts)))
        .execute(conn)?;
    diesel::update(
        comments::table
            .filter(comments::id.eq_any(comments))
            .filter(comments::deleted_at.is_not_null()),
    )
    .set((
        comments::body.eq(""),
        comments::html.eq(""),
        comments::links.eq("[]"),
    ))
    .execute(conn)?;
    diesel::delete(comment_versions::table.filter(comment_versions::comment_id.eq_any(comments)))
        .execute(conn)?;
    Ok(())
}

/// Takes back every like and poll vote of `user`, moving the counts with them; each unlike
/// appends its event, so feeds, search and live readers see the new counts.
pub fn withdraw_reactions(conn: &mut DbConnection, user: UserId) -> Result<()> {
    let liked: Vec<Post> = post_likes::table
        .inner_join(posts::table.on(posts::id.eq(post_likes::post_id)))
        .filter(post_likes::user_id.eq(user))
        .select(Post::as_select())
        .load(conn)?;
    for post in liked {
        diesel::delete(post_likes::table.find((post.id, user))).execute(conn)?;
        diesel::update(posts::table.find(post.id))
            .set(posts::like_count.eq(posts::like_count - 1))
            .execute(conn)?;
        let unliked = PostLike {
            liker: user,
            post: post.id,
            group_id: post.group_id,
            author_id: post.author_id,
            employees_only: post.employees_only,
        };
        events::append(conn, &Event::PostUnliked(unliked))?;
    }
    let liked: Vec<(Comment, Post)> = comment_likes::table
        .inner_join(comments::table.on(comments::id.eq(comment_likes::comment_id)))
        .inner_join(posts::table.on(posts::id.eq(comments::post_id)))
        .filter(comment_likes::user_id.eq(user))
        .select((Comment::as_select(), Post::as_select()))
        .load(conn)?;
    for (comment, post) in liked {
        diesel::delete(comment_likes::table.find((comment.id, user))).execute(conn)?;
        diesel::update(comments::table.find(comment.id))
            .set(comments::like_count.eq(comments::like_count - 1))
            .execute(conn)?;
        let unliked = CommentLike {
            liker: user,
            comment: comment.id,
            post_id: post.id,
            group_id: post.group_id,
            author_id: comment.author_id,
            employees_only: comment.employees_only || post.employees_only,
        };
        events::append(conn, &Event::CommentUnliked(unliked))?;
    }
    withdraw_votes(conn, user)
}

/// Takes back `user`'s poll votes: one fewer on each option she chose, one fewer voter on
/// each poll she voted in.
fn withdraw_votes(conn: &mut DbConnection, user: UserId) -> Result<()> {
    let votes: Vec<(i64, PostId)> = poll_votes::table
        .filter(poll_votes::user_id.eq(user))
        .select((poll_votes::option_id, poll_votes::post_id))
        .load(conn)?;
    let mut polls_voted: Vec<PostId> = votes.iter().map(|(_, post)| *post).collect();
    polls_voted.sort_unstable();
    polls_voted.dedup();
    for (option, _) in &votes {
        diesel::update(poll_options::table.find(option))
            .set(poll_options::vote_count.eq(poll_options::vote_count - 1))
            .execute(conn)?;
    }
    for post in polls_voted {
        diesel::update(polls::table.find(post))
            .set(polls::voter_count.eq(polls::voter_count - 1))
            .execute(conn)?;
    }
    diesel::delete(poll_votes::table.filter(poll_votes::user_id.eq(user))).execute(conn)?;
    Ok(())
}

/// Drops what was hers alone as a reader: bookmarks and announcement reads.
pub fn forget_reader(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::delete(bookmarks::table.filter(bookmarks::user_id.eq(user))).execute(conn)?;
    diesel::delete(announcement_reads::table.filter(announcement_reads::user_id.eq(user)))
        .execute(conn)?;
    Ok(())
}
