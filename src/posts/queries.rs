//! Plain reads of posts, comments, versions, likes, and the tags and mentions of bodies.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::model::{Comment, Post, PostStats};
use crate::db::DbConnection;
use crate::db::schema::{
    comment_likes, comment_versions, comments, mentions, post_likes, post_tags, post_versions,
    posts, tags,
};
use crate::error::Result;

type Backend = <DbConnection as diesel::Connection>::Backend;
/// A condition on `posts`, built per request from the viewer's scope.
pub(super) type PostFilter = Box<dyn BoxableExpression<posts::table, Backend, SqlType = Bool>>;

/// Posts in the company feed (when `company`) or in one of `groups`, not deleted; with
/// `open_only` (a guest reading), none for employees only.
pub(super) fn in_groups(groups: &[i64], company: bool, open_only: bool) -> PostFilter {
    let in_groups = posts::group_id.assume_not_null().eq_any(groups.to_vec());
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

pub(super) fn find(conn: &mut DbConnection, id: i64) -> Result<Option<Post>> {
    Ok(posts::table
        .find(id)
        .filter(posts::deleted_at.is_null())
        .select(Post::as_select())
        .first(conn)
        .optional()?)
}

/// Newest first: posts matching `readable` and `source`, older than `before`.
pub(super) fn page(
    conn: &mut DbConnection,
    readable: PostFilter,
    source: PostFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Post>> {
    let mut query = posts::table
        .filter(readable)
        .filter(source)
        .order(posts::id.desc())
        .limit(limit)
        .select(Post::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(posts::id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Newest first, ids of posts in the company feed (when `company`) or in one of `groups` whose
/// body carries `tag_id`, older than `before`: one range of the `(tag_id, post_id)` key.
pub(super) fn tagged_post_ids(
    conn: &mut DbConnection,
    tag_id: i64,
    groups: &[i64],
    company: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>> {
    let in_groups = post_tags::group_id
        .assume_not_null()
        .eq_any(groups.to_vec());
    let mut query = post_tags::table
        .filter(post_tags::tag_id.eq(tag_id))
        .filter(post_tags::comment_id.eq(0))
        .order(post_tags::post_id.desc())
        .limit(limit)
        .select(post_tags::post_id)
        .into_boxed();
    query = if company {
        query.filter(post_tags::group_id.is_null().or(in_groups))
    } else {
        query.filter(in_groups)
    };
    if let Some(before) = before {
        query = query.filter(post_tags::post_id.lt(before));
    }
    Ok(query.load(conn)?)
}

pub(super) fn versions(
    conn: &mut DbConnection,
    post_id: i64,
) -> Result<Vec<(i64, String, chrono::NaiveDateTime)>> {
    Ok(post_versions::table
        .filter(post_versions::post_id.eq(post_id))
        .order(post_versions::id.desc())
        .select((
            post_versions::id,
            post_versions::body,
            post_versions::created_at,
        ))
        .load(conn)?)
}

pub(super) fn comment_versions(
    conn: &mut DbConnection,
    comment_id: i64,
) -> Result<Vec<(i64, String, chrono::NaiveDateTime)>> {
    Ok(comment_versions::table
        .filter(comment_versions::comment_id.eq(comment_id))
        .order(comment_versions::id.desc())
        .select((
            comment_versions::id,
            comment_versions::body,
            comment_versions::created_at,
        ))
        .load(conn)?)
}

/// (post id, tag name) of the bodies of `post_ids`.
pub(super) fn tags_of(conn: &mut DbConnection, post_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    Ok(post_tags::table
        .inner_join(tags::table)
        .filter(post_tags::post_id.eq_any(post_ids.to_vec()))
        .filter(post_tags::comment_id.eq(0))
        .order(tags::name.asc())
        .select((post_tags::post_id, tags::name))
        .load(conn)?)
}

/// (post id, user id) of the mentions in the bodies of `post_ids`.
pub(super) fn mentions_of(conn: &mut DbConnection, post_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    Ok(mentions::table
        .filter(mentions::post_id.eq_any(post_ids.to_vec()))
        .filter(mentions::comment_id.eq(0))
        .select((mentions::post_id, mentions::user_id))
        .load(conn)?)
}

/// Which of `post_ids` `user_id` likes.
pub(super) fn liked_posts(
    conn: &mut DbConnection,
    user_id: i64,
    post_ids: &[i64],
) -> Result<HashSet<i64>> {
    let ids: Vec<i64> = post_likes::table
        .filter(post_likes::user_id.eq(user_id))
        .filter(post_likes::post_id.eq_any(post_ids.to_vec()))
        .select(post_likes::post_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Which of `comment_ids` `user_id` likes.
pub(super) fn liked_comments(
    conn: &mut DbConnection,
    user_id: i64,
    comment_ids: &[i64],
) -> Result<HashSet<i64>> {
    let ids: Vec<i64> = comment_likes::table
        .filter(comment_likes::user_id.eq(user_id))
        .filter(comment_likes::comment_id.eq_any(comment_ids.to_vec()))
        .select(comment_likes::comment_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

pub(super) fn find_comment(conn: &mut DbConnection, id: i64) -> Result<Option<Comment>> {
    Ok(comments::table
        .find(id)
        .filter(comments::deleted_at.is_null())
        .select(Comment::as_select())
        .first(conn)
        .optional()?)
}

/// Live comments of a post, oldest first, after `after`.
/// Live comments of a post after `after`, oldest first; `open_only`: none for employees only.
pub(super) fn comments_of(
    conn: &mut DbConnection,
    post_id: i64,
    open_only: bool,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Comment>> {
    let mut query = comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::deleted_at.is_null())
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(comments::id.gt(after));
    }
    if open_only {
        query = query.filter(comments::employees_only.eq(false));
    }
    Ok(query.load(conn)?)
}

/// Ids of the users who like post `post_id`, newest first.
pub(super) fn likers(conn: &mut DbConnection, post_id: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(post_likes::table
        .filter(post_likes::post_id.eq(post_id))
        .order(post_likes::created_at.desc())
        .limit(limit)
        .select(post_likes::user_id)
        .load(conn)?)
}

/// Tags with the number of bodies (posts and comments) using them since `since`, among posts
/// in `groups` or (when `company`) the company feed; most used first.
pub(super) fn trending(
    conn: &mut DbConnection,
    groups: &[i64],
    company: bool,
    since: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    use diesel::dsl::count_star;
    let in_groups = post_tags::group_id
        .assume_not_null()
        .eq_any(groups.to_vec());
    let query = post_tags::table
        .inner_join(tags::table)
        .filter(post_tags::created_at.gt(since))
        .group_by(tags::name)
        .select((tags::name, count_star()))
        .order((count_star().desc(), tags::name.asc()))
        .limit(limit)
        .into_boxed();
    let query = if company {
        query.filter(post_tags::group_id.is_null().or(in_groups))
    } else {
        query.filter(in_groups)
    };
    Ok(query.load(conn)?)
}

/// Names of tags starting with `prefix` (a LIKE pattern, escaped with `\\`) carried by posts
/// or comments in `groups` (or the company feed when `company`), alphabetically.
pub(super) fn tags_used_in(
    conn: &mut DbConnection,
    groups: &[i64],
    company: bool,
    pattern: &str,
    limit: i64,
) -> Result<Vec<String>> {
    let in_groups = post_tags::group_id
        .assume_not_null()
        .eq_any(groups.to_vec());
    let query = post_tags::table
        .inner_join(tags::table)
        .filter(tags::name.like(pattern.to_string()).escape('\\'))
        .select(tags::name)
        .distinct()
        .order(tags::name.asc())
        .limit(limit)
        .into_boxed();
    let query = if company {
        query.filter(post_tags::group_id.is_null().or(in_groups))
    } else {
        query.filter(in_groups)
    };
    Ok(query.load(conn)?)
}

/// One ranged source of a merged feed.
#[derive(Clone, Copy, Debug)]
pub enum Member {
    /// A person's posts.
    Author(i64),
    /// A group's posts.
    Group(i64),
    /// Posts whose body carries a tag.
    Tag(i64),
}

/// A candidate of a merged feed: a post id, its group, and which member it came from.
#[derive(Debug, QueryableByName)]
pub(super) struct Candidate {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub group_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub member: i64,
}

/// The newest `limit` posts of each member older than `before` (and newer than `after`, for
/// a digest's window), in one statement of one index
/// range per member, so the cost follows the number of members, not how much each has posted.
/// Visibility is left to the caller.
///
/// The two backends get their own form of the same statement. SQLite gets a `UNION ALL` of one
/// branch per member (only integers are spliced in). PostgreSQL would plan such a statement
/// anew for every viewer, which costs more than running it, so it gets one fixed text over
/// arrays, `unnest(…) CROSS JOIN LATERAL (… LIMIT n)`, whose plan is cheap.
pub(super) fn newest_per_member(
    conn: &mut DbConnection,
    members: &[Member],
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Candidate>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        DbConnection::Postgres(inner) => {
            newest_per_member_postgres(inner, members, (before, after), limit)
        }
        DbConnection::Sqlite(_) => {
            let mut found = Vec::new();
            for (n, chunk) in members.chunks(SQLITE_BRANCHES).enumerate() {
                let sql = union_of_ranges(chunk, n * SQLITE_BRANCHES, (before, after), limit);
                found.extend(diesel::sql_query(sql).load::<Candidate>(conn)?);
            }
            Ok(found)
        }
    }
}

/// Members of each kind, numbered as `member` in the results: `3 × position + kind`.
const POSTGRES_RANGES: &str = "\
    SELECT c.id, c.group_id, a.n * 3 AS member FROM unnest($1) WITH ORDINALITY AS a(mid, n) \
      CROSS JOIN LATERAL (SELECT id, group_id FROM posts WHERE author_id = a.mid \
        AND deleted_at IS NULL AND id < $4 AND id > $6 ORDER BY id DESC LIMIT $5) c \
    UNION ALL \
    SELECT c.id, c.group_id, g.n * 3 + 1 FROM unnest($2) WITH ORDINALITY AS g(mid, n) \
      CROSS JOIN LATERAL (SELECT id, group_id FROM posts WHERE group_id = g.mid \
        AND deleted_at IS NULL AND id < $4 AND id > $6 ORDER BY id DESC LIMIT $5) c \
    UNION ALL \
    SELECT c.id, c.group_id, t.n * 3 + 2 FROM unnest($3) WITH ORDINALITY AS t(mid, n) \
      CROSS JOIN LATERAL (SELECT post_id AS id, group_id FROM post_tags WHERE tag_id = t.mid \
        AND comment_id = 0 AND post_id < $4 AND post_id > $6 ORDER BY post_id DESC LIMIT $5) c";

fn newest_per_member_postgres(
    conn: &mut diesel::PgConnection,
    members: &[Member],
    (before, after): (Option<i64>, Option<i64>),
    limit: i64,
) -> Result<Vec<Candidate>> {
    use diesel::sql_types::{Array, BigInt};
    let of_kind =
        |pick: fn(&Member) -> Option<i64>| members.iter().filter_map(pick).collect::<Vec<i64>>();
    let authors = of_kind(|m| {
        if let Member::Author(id) = m {
            Some(*id)
        } else {
            None
        }
    });
    let groups = of_kind(|m| {
        if let Member::Group(id) = m {
            Some(*id)
        } else {
            None
        }
    });
    let tags = of_kind(|m| {
        if let Member::Tag(id) = m {
            Some(*id)
        } else {
            None
        }
    });
    Ok(diesel::sql_query(POSTGRES_RANGES)
        .bind::<Array<BigInt>, _>(authors)
        .bind::<Array<BigInt>, _>(groups)
        .bind::<Array<BigInt>, _>(tags)
        .bind::<BigInt, _>(before.unwrap_or(i64::MAX))
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(after.unwrap_or(0))
        .load(conn)?)
}

/// Most `UNION ALL` branches in one SQLite statement: SQLite refuses a compound SELECT of more
/// than 500 terms (`SQLITE_MAX_COMPOUND_SELECT`), so more members take several statements.
const SQLITE_BRANCHES: usize = 200;

/// SQLite's form: one `UNION ALL` branch per member, numbered by position from `first`.
fn union_of_ranges(
    members: &[Member],
    first: usize,
    (before, after): (Option<i64>, Option<i64>),
    limit: i64,
) -> String {
    let older = |column: &str| {
        let below = before.map(|b| format!(" AND {column} < {b}"));
        let above = after.map(|a| format!(" AND {column} > {a}"));
        format!("{}{}", below.unwrap_or_default(), above.unwrap_or_default())
    };
    let parts: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(k, member)| {
            let k = first + k;
            let inner = match member {
                Member::Author(id) => format!(
                    "SELECT id, group_id FROM posts WHERE author_id = {id} AND deleted_at IS NULL{} ORDER BY id DESC LIMIT {limit}",
                    older("id")
                ),
                Member::Group(id) => format!(
                    "SELECT id, group_id FROM posts WHERE group_id = {id} AND deleted_at IS NULL{} ORDER BY id DESC LIMIT {limit}",
                    older("id")
                ),
                Member::Tag(id) => format!(
                    "SELECT post_id AS id, group_id FROM post_tags WHERE tag_id = {id} AND comment_id = 0{} ORDER BY post_id DESC LIMIT {limit}",
                    older("post_id")
                ),
            };
            format!("SELECT m{k}.id, m{k}.group_id, CAST({k} AS BIGINT) AS member FROM ({inner}) AS m{k}")
        })
        .collect();
    parts.join(" UNION ALL ")
}

/// Readable posts among `ids`, newest first.
pub(super) fn by_ids(
    conn: &mut DbConnection,
    readable: PostFilter,
    ids: &[i64],
) -> Result<Vec<Post>> {
    Ok(posts::table
        .filter(readable)
        .filter(posts::id.eq_any(ids.to_vec()))
        .order(posts::id.desc())
        .select(Post::as_select())
        .load(conn)?)
}

/// [`by_ids`] without bodies: the columns ranking needs.
pub(super) fn stats_by_ids(
    conn: &mut DbConnection,
    readable: PostFilter,
    ids: &[i64],
) -> Result<Vec<PostStats>> {
    Ok(posts::table
        .filter(readable)
        .filter(posts::id.eq_any(ids.to_vec()))
        .select(PostStats::as_select())
        .load(conn)?)
}

/// Who wrote live comments on a post before comment `before` (ids are time-ordered).
pub(super) fn commenter_ids(
    conn: &mut DbConnection,
    post_id: i64,
    before: i64,
) -> Result<Vec<i64>> {
    Ok(comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::id.lt(before))
        .filter(comments::deleted_at.is_null())
        .select(comments::author_id)
        .distinct()
        .load(conn)?)
}

/// Who one body mentions (`comment_id` 0: the post's own body).
pub(super) fn mentioned_in(
    conn: &mut DbConnection,
    post_id: i64,
    comment_id: i64,
) -> Result<Vec<i64>> {
    Ok(mentions::table
        .filter(mentions::post_id.eq(post_id))
        .filter(mentions::comment_id.eq(comment_id))
        .select(mentions::user_id)
        .load(conn)?)
}
