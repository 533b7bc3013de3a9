//! The only public loaders of posts and comments. Every one filters by the viewer's scope, so
//! a post the viewer may not read is reported exactly like one that does not exist.

use diesel::prelude::*;

use super::listing::{After, Listing, Sort};
use super::model::{Comment, Post, PostStats};
use super::queries::{self, PostFilter};
use super::views::VersionView;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::posts;
use crate::error::{Error, Result};
use crate::ids::{CommentId, GroupId, PostId, UserId};

/// Where the posts of a feed come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// The company feed plus public groups ("outside private groups").
    Company,
    /// One group.
    Group(GroupId),
    /// Posts by one person: one range of `(author_id, id)`, however much she wrote.
    Author(UserId),
    /// Posts tagged with any of these tags.
    Tags(&'a [i64]),
}

/// Post `id` if the viewer may read it.
pub fn visible_post(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<Post> {
    scope.viewer().require_user()?;
    match queries::find(conn, id)? {
        Some(post) if scope.reads_post(post.group_id, post.employees_only) => Ok(post),
        _ => Err(Error::not_found("post")),
    }
}

/// Comment `id` and its post, if the viewer may read the post (and, for a guest, the comment
/// is not for employees only).
pub fn visible_comment(
    conn: &mut DbConnection,
    scope: &Scope,
    id: CommentId,
) -> Result<(Comment, Post)> {
    let comment = queries::find_comment(conn, id)?
        .filter(|c| shows_comment(scope, c))
        .ok_or_else(|| Error::not_found("comment"))?;
    let post = visible_post(conn, scope, comment.post_id)
        .map_err(|e| e.when_not_found(|| Error::not_found("comment")))?;
    Ok((comment, post))
}

/// Something of the viewer's own that a moderator hid: she still sees it, with the reason;
/// nobody else sees anything of it.
#[derive(Clone, Debug)]
pub struct Hidden {
    /// The post, or the post the comment is on.
    pub post: Post,
    pub comment: Option<Comment>,
    pub reason: String,
}

/// Post `id` when it is the viewer's own, a moderator hid it, and she may still read where it
/// was posted.
pub fn own_hidden_post(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<Hidden> {
    let me = scope.viewer().require_user()?.id;
    match queries::hidden_post(conn, id, me)? {
        Some((post, reason)) if scope.reads_post(post.group_id, post.employees_only) => {
            Ok(Hidden {
                post,
                comment: None,
                reason,
            })
        }
        _ => Err(Error::not_found("post")),
    }
}

/// The viewer's own comments on readable post `post_id` that moderators hid, newest first.
pub fn own_hidden_comments(
    conn: &mut DbConnection,
    scope: &Scope,
    post_id: PostId,
) -> Result<Vec<Hidden>> {
    let post = visible_post(conn, scope, post_id)?;
    let me = scope.viewer().require_user()?.id;
    let comments = queries::hidden_comments_of(conn, me, Some(post.id), 100)?;
    Ok(comments
        .into_iter()
        .map(|(comment, reason)| Hidden {
            post: post.clone(),
            comment: Some(comment),
            reason,
        })
        .collect())
}

/// Everything of the viewer's own that moderators hid and she may still read where it was
/// written, newest first: at most `limit` posts and `limit` comments.
pub fn own_hidden(conn: &mut DbConnection, scope: &Scope, limit: i64) -> Result<Vec<Hidden>> {
    let me = scope.viewer().require_user()?.id;
    let mut hidden: Vec<Hidden> = queries::hidden_posts_of(conn, me, limit)?
        .into_iter()
        .filter(|(post, _)| scope.reads_post(post.group_id, post.employees_only))
        .map(|(post, reason)| Hidden {
            post,
            comment: None,
            reason,
        })
        .collect();
    let comments = queries::hidden_comments_of(conn, me, None, limit)?;
    let post_ids: Vec<PostId> = comments.iter().map(|(c, _)| c.post_id).collect();
    let posts = readable_by_id(conn, scope, &post_ids)?;
    hidden.extend(comments.into_iter().filter_map(|(comment, reason)| {
        Some(Hidden {
            post: posts.get(&comment.post_id)?.clone(),
            comment: Some(comment),
            reason,
        })
    }));
    hidden.sort_by_key(|h| {
        std::cmp::Reverse(
            h.comment
                .as_ref()
                .map_or(h.post.created_at, |c| c.created_at),
        )
    });
    Ok(hidden)
}

/// Of posts `ids`, those the viewer may read, by id: one query for a whole page.
fn readable_by_id(
    conn: &mut DbConnection,
    scope: &Scope,
    ids: &[PostId],
) -> Result<std::collections::HashMap<PostId, Post>> {
    Ok(queries::by_ids(conn, readable(scope), ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// At most `limit` readable posts from `source` that the listing picks, in its order, after
/// `after`.
pub fn feed_page(
    conn: &mut DbConnection,
    scope: &Scope,
    source: Source<'_>,
    listing: Listing,
    after: Option<After>,
    limit: i64,
) -> Result<Vec<Post>> {
    scope.viewer().require_user()?;
    let guest = scope.viewer().is_walled();
    let limit_in_text = matches!(source, Source::Company | Source::Group(_));
    let mut readable = match source {
        Source::Company => queries::in_groups(&scope.public_readable(), true, guest),
        // Only the group's posts can match: what she may read of them is the group or nothing.
        Source::Group(id) => {
            let group: &[GroupId] = match scope.reads_posts_in(Some(id)) {
                true => &[id],
                false => &[],
            };
            queries::in_groups(group, false, guest)
        }
        _ => readable(scope),
    };
    if let Some(picked) = listing.show.filter() {
        readable = Box::new(readable.and(picked));
    }
    let source: PostFilter = match (source, after) {
        (Source::Company, _) => Box::new(posts::id.gt(0)),
        (Source::Group(id), _) => Box::new(posts::group_id.assume_not_null().eq(id)),
        (Source::Author(id), _) => Box::new(posts::author_id.eq(id)),
        (Source::Tags(tags), before) if listing.sort == Sort::Latest => {
            let before = match before {
                Some(After::Latest(id)) => Some(id),
                _ => None,
            };
            // One index range per tag, merged here: plan-stable however popular a tag is.
            let mut ids = Vec::new();
            for tag in tags {
                ids.extend(queries::tagged_post_ids(
                    conn,
                    *tag,
                    scope.readable_groups(),
                    scope.reads_company(),
                    before,
                    limit,
                )?);
            }
            ids.sort_unstable_by(|a, b| b.cmp(a));
            ids.dedup();
            ids.truncate(usize::try_from(limit).unwrap_or(0));
            Box::new(one_of(posts::id, ids))
        }
        (Source::Tags(tags), _) => queries::tagged(tags),
    };
    let limit = match limit_in_text {
        true => queries::PageLimit::InText(limit),
        false => queries::PageLimit::Bound(limit),
    };
    queries::page(conn, readable, source, listing.sort, guest, after, limit)
}

/// Earlier versions of a readable post, newest first.
pub fn post_history(
    conn: &mut DbConnection,
    scope: &Scope,
    id: PostId,
) -> Result<Vec<VersionView>> {
    let post = visible_post(conn, scope, id)?;
    let versions = queries::versions(conn, post.id)?;
    VersionView::list(conn, scope, post.author_id, versions)
}

/// Earlier versions of a readable comment, newest first.
pub fn comment_history(
    conn: &mut DbConnection,
    scope: &Scope,
    id: CommentId,
) -> Result<Vec<VersionView>> {
    let (comment, _) = visible_comment(conn, scope, id)?;
    let versions = queries::comment_versions(conn, comment.id)?;
    VersionView::list(conn, scope, comment.author_id, versions)
}

/// A page of a readable post's comments, oldest first.
pub fn comments_page(
    conn: &mut DbConnection,
    scope: &Scope,
    post_id: PostId,
    after: Option<CommentId>,
    limit: i64,
) -> Result<(Post, Vec<Comment>)> {
    let post = visible_post(conn, scope, post_id)?;
    let comments = queries::comments_of(conn, post.id, scope.viewer().is_walled(), after, limit)?;
    Ok((post, comments))
}

/// Whether the viewer may comment on `post`, which she reads: the policy's
/// `Scope::comments_in` for its group.
pub fn may_comment(conn: &mut DbConnection, scope: &Scope, post: &Post) -> Result<bool> {
    let group = post
        .group_id
        .map(|id| crate::groups::access::visible_group(conn, scope, id))
        .transpose()?;
    Ok(scope.comments_in(group.as_ref()))
}

/// Ids of people who like a readable post, newest first.
pub fn likers(
    conn: &mut DbConnection,
    scope: &Scope,
    post_id: PostId,
    limit: i64,
) -> Result<Vec<UserId>> {
    let post = visible_post(conn, scope, post_id)?;
    queries::likers(conn, post.id, limit)
}

/// The places whose posts the viewer may read: each readable group, and the company feed
/// (`None`) if she reads it. What is counted per place (trending tags) is summed over these.
pub fn readable_places(scope: &Scope) -> impl Iterator<Item = Option<GroupId>> + '_ {
    let company = scope.reads_company().then_some(None);
    company
        .into_iter()
        .chain(scope.readable_groups().iter().copied().map(Some))
}

/// Tags starting with `prefix` that the viewer may know of, alphabetically, for
/// autocomplete: a tag exists for her only if she may read something carrying it (tags of
/// what is kept from guests are never recorded), whoever created the name.
pub fn tags_with_prefix(
    conn: &mut DbConnection,
    scope: &Scope,
    prefix: &str,
    limit: i64,
) -> Result<Vec<String>> {
    scope.viewer().require_user()?;
    let pattern = format!("{}%", crate::db::escape_like(prefix));
    queries::tags_used_in(
        conn,
        scope.readable_groups(),
        scope.reads_company(),
        &pattern,
        limit,
    )
}

pub use super::queries::Member;

/// A page of a merged feed.
#[derive(Debug)]
pub struct MergedPage {
    /// Newest first, at most the limit asked for.
    pub posts: Vec<Post>,
    /// Set when the merge stopped early with the page still short: everything newer than this
    /// id has been considered, and the feed goes on below it.
    pub continue_before: Option<PostId>,
    /// The lowest post of a full page: a floor for the next such page.
    pub full_to: Option<PostId>,
}

/// Whether a comment on a post the viewer reads is shown to her: a guest never reads one
/// for employees only.
pub(super) fn shows_comment(scope: &Scope, comment: &Comment) -> bool {
    !(comment.employees_only && scope.viewer().is_walled())
}

/// Newest first, at most `limit` readable posts from any of `members`, older than `before`.
///
/// Each member gives its newest `limit` posts; invisible ones are dropped here. A member that
/// gave a full `limit` may have more below its oldest candidate, so the merge is only complete
/// down to the highest such "horizon"; if that leaves the page short, the merge continues
/// below it.
///
/// `floor`, when given, is where such a page likely ends (where the reader's last one did): the
/// first round then reads only posts from it up, a few rows per member instead of `limit`, and
/// is complete down to it; members known to hold nothing from it up are not read at all
/// ([`super::heads`]). It is a hint, never an input to what the page holds: a page short
/// above it goes on below it as any other.
pub fn merged_page(
    conn: &mut DbConnection,
    scope: &Scope,
    members: &[Member],
    before: Option<PostId>,
    floor: Option<PostId>,
    limit: i64,
) -> Result<MergedPage> {
    let me = Member::Author(scope.viewer().require_user()?.id);
    let heads = scope.memory().map(|(remembered, _)| remembered.heads());
    let mut picked: Vec<PostId> = Vec::new();
    let mut before = before;
    let mut floor = floor.filter(|f| before.is_none_or(|b| *f < b));
    let mut continue_before = None;
    // Bounded per request: each round moves the horizon down by at least one member's page;
    // past the last round the page ends short and hands the horizon on as the cursor.
    for round in 0..16 {
        let above = floor.map(|f| PostId(f.0 - 1));
        // From a floor, the sources known to hold nothing at or above it are left out.
        let known = floor
            .zip(heads)
            .and_then(|(floor, heads)| heads.may_hold(members, floor, me));
        let asked = known.as_ref().map_or(members, |(asked, _)| asked);
        let candidates = queries::newest_per_member(conn, asked, before, above, limit)?;
        if let (Some((asked, ticket)), Some(floor), Some(heads), None) =
            (&known, floor, heads, before)
        {
            heads.learn(*ticket, asked, &candidates, floor);
        }
        let mut per_member: std::collections::HashMap<i64, (i64, PostId)> =
            std::collections::HashMap::new();
        for c in &candidates {
            let entry = per_member.entry(c.member).or_insert((0, PostId(i64::MAX)));
            *entry = (entry.0 + 1, entry.1.min(c.id));
        }
        let horizon = per_member
            .values()
            .filter(|(count, _)| *count >= limit)
            .map(|(_, lowest)| *lowest)
            .max();
        // Everything from here up has been read.
        let complete_from = horizon.max(floor);
        picked.extend(
            candidates
                .iter()
                .filter(|c| {
                    complete_from.is_none_or(|h| c.id >= h) && scope.reads_posts_in(c.group_id)
                })
                .map(|c| c.id),
        );
        picked.sort_unstable_by(|a, b| b.cmp(a));
        picked.dedup();
        floor = None;
        match complete_from {
            Some(h) if (picked.len() as i64) < limit => {
                before = Some(h);
                if round == 15 {
                    continue_before = Some(h);
                }
            }
            _ => break,
        }
    }
    picked.truncate(usize::try_from(limit).unwrap_or(0));
    let full_to = (picked.len() as i64 == limit)
        .then(|| picked.last().copied())
        .flatten();
    let posts = queries::by_ids(conn, readable(scope), &picked)?;
    Ok(MergedPage {
        posts,
        continue_before,
        full_to,
    })
}

/// Readable posts from any of `members` newer than id `after`, at most `per_member` from each,
/// as the figures ranking needs: what a digest ranks. Each member is one bounded index range,
/// as in a feed.
pub fn recent_from(
    conn: &mut DbConnection,
    scope: &Scope,
    members: &[Member],
    after: PostId,
    per_member: i64,
) -> Result<Vec<PostStats>> {
    scope.viewer().require_user()?;
    let candidates = queries::newest_per_member(conn, members, None, Some(after), per_member)?;
    let mut ids: Vec<PostId> = candidates
        .iter()
        .filter(|c| scope.reads_posts_in(c.group_id))
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    queries::stats_by_ids(conn, readable(scope), &ids)
}

/// The readable posts among `ids`, newest first.
pub fn readable_posts(conn: &mut DbConnection, scope: &Scope, ids: &[PostId]) -> Result<Vec<Post>> {
    scope.viewer().require_user()?;
    queries::by_ids(conn, readable(scope), ids)
}

/// For each share the viewer may read of any of `originals`, the post it shares.
pub fn shares_of(
    conn: &mut DbConnection,
    scope: &Scope,
    originals: &[PostId],
) -> Result<Vec<PostId>> {
    queries::shares_of(conn, readable(scope), originals)
}

/// A page of what the viewer wrote or liked, read for her export: the items she may read now,
/// and where the next page starts when her rows may go on (a page may hold fewer items than
/// rows read, or none, when she lost access to some).
#[derive(Debug)]
pub struct OwnPage<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

fn next_of<K: Copy>(read: usize, limit: i64, last: Option<K>) -> Option<K> {
    (read as i64 >= limit).then_some(last).flatten()
}

/// The viewer's own posts that she may read now, oldest first, after `after`.
pub fn own_posts(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<PostId>,
    limit: i64,
) -> Result<OwnPage<Post, PostId>> {
    let me = scope.viewer().require_user()?.id;
    let items = queries::posts_by(conn, readable(scope), me, after, limit)?;
    let next = next_of(items.len(), limit, items.last().map(|p| p.id));
    Ok(OwnPage { items, next })
}

/// The viewer's own comments that she may read now (on posts she reads; for a guest, none for
/// employees only), each with its post, oldest first, after `after`.
pub fn own_comments(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<CommentId>,
    limit: i64,
) -> Result<OwnPage<(Comment, Post), CommentId>> {
    let me = scope.viewer().require_user()?.id;
    let rows = queries::comments_by(conn, me, after, limit)?;
    let next = next_of(rows.len(), limit, rows.last().map(|c| c.id));
    let post_ids: Vec<PostId> = rows.iter().map(|c| c.post_id).collect();
    let posts = readable_by_id(conn, scope, &post_ids)?;
    let items = rows
        .into_iter()
        .filter(|c| shows_comment(scope, c))
        .filter_map(|c| posts.get(&c.post_id).cloned().map(|p| (c, p)))
        .collect();
    Ok(OwnPage { items, next })
}

/// The posts the viewer likes and may read now, with when she liked each, after `after`.
pub fn own_post_likes(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<PostId>,
    limit: i64,
) -> Result<OwnPage<(Post, chrono::NaiveDateTime), PostId>> {
    let me = scope.viewer().require_user()?.id;
    let rows = queries::post_likes_of(conn, me, after, limit)?;
    let next = next_of(rows.len(), limit, rows.last().map(|r| r.0));
    let ids: Vec<PostId> = rows.iter().map(|r| r.0).collect();
    let mut posts = readable_by_id(conn, scope, &ids)?;
    let items = rows
        .into_iter()
        .filter_map(|(id, at)| posts.remove(&id).map(|p| (p, at)))
        .collect();
    Ok(OwnPage { items, next })
}

/// The comments the viewer likes and may read now, each with its post and when she liked it,
/// after `after`.
pub fn own_comment_likes(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<CommentId>,
    limit: i64,
) -> Result<OwnPage<(Comment, Post, chrono::NaiveDateTime), CommentId>> {
    let me = scope.viewer().require_user()?.id;
    let rows = queries::comment_likes_of(conn, me, after, limit)?;
    let next = next_of(rows.len(), limit, rows.last().map(|r| r.0));
    let ids: Vec<CommentId> = rows.iter().map(|r| r.0).collect();
    let comments: std::collections::HashMap<CommentId, Comment> =
        queries::comments_by_ids(conn, &ids)?
            .into_iter()
            .filter(|c| shows_comment(scope, c))
            .map(|c| (c.id, c))
            .collect();
    let post_ids: Vec<PostId> = comments.values().map(|c| c.post_id).collect();
    let posts = readable_by_id(conn, scope, &post_ids)?;
    let items = rows
        .into_iter()
        .filter_map(|(id, at)| {
            let comment = comments.get(&id)?;
            let post = posts.get(&comment.post_id)?;
            Some((comment.clone(), post.clone(), at))
        })
        .collect();
    Ok(OwnPage { items, next })
}

/// What the viewer may read of posts, as a filter.
fn readable(scope: &Scope) -> PostFilter {
    queries::in_groups(
        scope.readable_groups(),
        scope.reads_company(),
        scope.viewer().is_walled(),
    )
}
