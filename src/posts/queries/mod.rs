//! Plain reads of posts, private to the area: the posts themselves here; comments, what a
//! page's posts carry, the tags, mentions and likes of bodies, the ranges a merged feed is read
//! from, bookmarks, and what one person wrote and liked (for her export), beside.

mod bodies;
mod carried;
mod comments;
mod feeds;
mod own;
mod saved;

use diesel::prelude::*;
use diesel::sql_types::Bool;

pub(in crate::posts) use bodies::*;
pub(in crate::posts) use carried::*;
pub(in crate::posts) use comments::*;
pub use feeds::Member;
pub(in crate::posts) use feeds::*;
pub(in crate::posts) use own::*;
pub(in crate::posts) use saved::*;

use super::listing::{After, Sort};
use super::model::{Post, PostStats};
use crate::db::DbConnection;
use crate::db::literal_limit::literal_limit;
use crate::db::one_of::one_of;
use crate::db::schema::{post_tags, post_versions, posts};
use crate::error::Result;
use crate::ids::{GroupId, PostId, UserId};

type Backend = <DbConnection as diesel::Connection>::Backend;

/// A condition on `posts`, built per request from the viewer's scope.
pub(super) type PostFilter = Box<dyn BoxableExpression<posts::table, Backend, SqlType = Bool>>;

/// Posts in the company feed (when `company`) or in one of `groups`, not deleted; with
/// `open_only` (a guest reading), none for employees only.
pub(super) fn in_groups(groups: &[GroupId], company: bool, open_only: bool) -> PostFilter {
    let group_id = posts::group_id.assume_not_null();
    // One group is an equality, which PostgreSQL estimates well enough to keep one plan for.
    let in_groups: PostFilter = match groups {
        [one] => Box::new(group_id.eq(*one)),
        _ => Box::new(one_of(group_id, groups)),
    };
    let placed: PostFilter = if company {
        Box::new(
            posts::deleted_at
                .is_null()
                .and(posts::group_id.is_null().or(in_groups)),
        )
    } else {
        Box::new(posts::deleted_at.is_null().and(in_groups))
    };
    if open_only {
        Box::new(placed.and(posts::employees_only.eq(false)))
    } else {
        placed
    }
}

pub(super) fn find(conn: &mut DbConnection, id: PostId) -> Result<Option<Post>> {
    Ok(posts::table
        .find(id)
        .filter(posts::deleted_at.is_null())
        .select(Post::as_select())
        .first(conn)
        .optional()?)
}

/// Post `id` when `author` wrote it and a moderator hid it, with the reason.
pub(super) fn hidden_post(
    conn: &mut DbConnection,
    id: PostId,
    author: UserId,
) -> Result<Option<(Post, String)>> {
    Ok(posts::table
        .find(id)
        .filter(posts::author_id.eq(author))
        .filter(posts::hidden_reason.is_not_null())
        .select((Post::as_select(), posts::hidden_reason.assume_not_null()))
        .first(conn)
        .optional()?)
}

/// The posts of `author` that moderators hid, newest first, with the reasons.
pub(super) fn hidden_posts_of(
    conn: &mut DbConnection,
    author: UserId,
    limit: i64,
) -> Result<Vec<(Post, String)>> {
    Ok(posts::table
        .filter(posts::author_id.eq(author))
        .filter(posts::hidden_reason.is_not_null())
        .order(posts::id.desc())
        .limit(limit)
        .select((Post::as_select(), posts::hidden_reason.assume_not_null()))
        .load(conn)?)
}

/// How a page's statement carries its number of rows, chosen by measurement per source
/// (docs/benchmarks.md). PostgreSQL keeps one plan for a prepared statement only while that
/// plan's estimated cost is near a fresh plan's, and a bound limit is estimated as a tenth of
/// the rows: cheap over a person's few posts, so bound keeps the plan there, but the company
/// feed's rows are most of the table and a group's are many, and only a limit in the text
/// keeps their plans (`db::literal_limit`).
#[derive(Clone, Copy, Debug)]
pub(in crate::posts) enum PageLimit {
    Bound(i64),
    InText(i64),
}

/// Posts matching `readable` and `source` in the order `sort` (as a reader who is a guest or
/// not sees it), after `after`.
pub(super) fn page(
    conn: &mut DbConnection,
    readable: PostFilter,
    source: PostFilter,
    sort: Sort,
    guest: bool,
    after: Option<After>,
    limit: PageLimit,
) -> Result<Vec<Post>> {
    let mut query = posts::table
        .filter(readable)
        .filter(source)
        .select(Post::as_select())
        .into_boxed();
    // Each order is (key descending, id descending); a page starts strictly after the
    // cursor's (key, id).
    macro_rules! keyset {
        ($key:expr, $after:expr) => {{
            query = query.order(($key.desc(), posts::id.desc()));
            if let Some((key, id)) = $after {
                query = query.filter($key.lt(key).or($key.eq(key).and(posts::id.lt(id))));
            }
        }};
    }
    match sort {
        Sort::Latest => {
            query = query.order(posts::id.desc());
            if let Some(After::Latest(before)) = after {
                query = query.filter(posts::id.lt(before));
            }
        }
        Sort::Activity => {
            let from = match after {
                Some(After::Activity(at, id)) => Some((at, id)),
                _ => None,
            };
            if guest {
                keyset!(posts::open_activity_at, from)
            } else {
                keyset!(posts::activity_at, from)
            }
        }
        Sort::Top(window) => {
            if let Some(since) = window.since() {
                query = query.filter(posts::created_at.ge(since));
            }
            let from = match after {
                Some(After::Top(score, id)) => Some((score, id)),
                _ => None,
            };
            if guest {
                keyset!(posts::like_count + posts::open_comment_count, from)
            } else {
                keyset!(posts::like_count + posts::comment_count, from)
            }
        }
    }
    Ok(match limit {
        PageLimit::Bound(limit) => query.limit(limit).load(conn)?,
        PageLimit::InText(limit) => literal_limit(query, limit).load(conn)?,
    })
}

/// Posts whose own body carries any of `tags`.
pub(super) fn tagged(tags: &[i64]) -> PostFilter {
    Box::new(
        posts::id.eq_any(
            post_tags::table
                .filter(one_of(post_tags::tag_id, tags.iter().copied()))
                .filter(post_tags::comment_id.eq(0))
                .select(post_tags::post_id),
        ),
    )
}

/// An earlier body: the text, when it was replaced and by whom.
pub(in crate::posts) type Version = (String, chrono::NaiveDateTime, Option<crate::ids::UserId>);

pub(super) fn versions(conn: &mut DbConnection, post_id: PostId) -> Result<Vec<Version>> {
    Ok(post_versions::table
        .filter(post_versions::post_id.eq(post_id))
        .order(post_versions::id.desc())
        .select((
            post_versions::body,
            post_versions::created_at,
            post_versions::edited_by,
        ))
        .load(conn)?)
}

/// Readable posts among `ids`, newest first.
pub(super) fn by_ids(
    conn: &mut DbConnection,
    readable: PostFilter,
    ids: &[PostId],
) -> Result<Vec<Post>> {
    Ok(posts::table
        .filter(readable)
        .filter(one_of(posts::id, ids))
        .order(posts::id.desc())
        .select(Post::as_select())
        .load(conn)?)
}

/// The post each of the posts `readable` lets through shares, of those sharing `originals`.
pub(super) fn shares_of(
    conn: &mut DbConnection,
    readable: PostFilter,
    originals: &[PostId],
) -> Result<Vec<PostId>> {
    Ok(posts::table
        .filter(readable)
        .filter(one_of(posts::shared_post_id.assume_not_null(), originals))
        .select(posts::shared_post_id.assume_not_null())
        .load(conn)?)
}

/// [`by_ids`] without bodies: the columns ranking needs.
pub(super) fn stats_by_ids(
    conn: &mut DbConnection,
    readable: PostFilter,
    ids: &[PostId],
) -> Result<Vec<PostStats>> {
    Ok(posts::table
        .filter(readable)
        .filter(one_of(posts::id, ids))
        .select(PostStats::as_select())
        .load(conn)?)
}
