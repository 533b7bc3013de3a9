//! Plain reads of what bodies carry: whom one body mentions, who likes a post, and the tags in
//! use (trending, completion). A page's tags and mentions come with the rest of what its posts
//! carry (`carried`).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{mentions, post_likes, post_tags, tags};
use crate::error::Result;
use crate::ids::{CommentId, GroupId, PostId, UserId};

/// Who one body mentions (`comment_id` `None`: the post's own body).
pub(in crate::posts) fn mentioned_in(
    conn: &mut DbConnection,
    post_id: PostId,
    comment_id: Option<CommentId>,
) -> Result<Vec<UserId>> {
    Ok(mentions::table
        .filter(mentions::post_id.eq(post_id))
        .filter(mentions::comment_id.eq(crate::posts::actions::body_key(comment_id)))
        .select(mentions::user_id)
        .load(conn)?)
}

/// Ids of the users who like post `post_id`, newest first.
pub(in crate::posts) fn likers(
    conn: &mut DbConnection,
    post_id: PostId,
    limit: i64,
) -> Result<Vec<UserId>> {
    Ok(post_likes::table
        .filter(post_likes::post_id.eq(post_id))
        .order(post_likes::created_at.desc())
        .limit(limit)
        .select(post_likes::user_id)
        .load(conn)?)
}

/// Of one tag in one place (a group, or `None`: the company feed): how many bodies use it, and
/// when the newest use was recorded.
pub(in crate::posts) type TagUses = (Option<GroupId>, String, i64, chrono::NaiveDateTime);

/// When the newest use of any tag was recorded.
pub(in crate::posts) fn newest_tag_use(
    conn: &mut DbConnection,
) -> Result<Option<chrono::NaiveDateTime>> {
    Ok(post_tags::table
        .select(diesel::dsl::max(post_tags::created_at))
        .first(conn)?)
}

/// Per place and tag, the bodies (posts and comments) using it recorded after `since` and by
/// `upto`. Bounded on both sides, the range reads as the few rows it is: SQLite, which has no
/// samples of the column (see docs/decisions.md), guesses that an open range holds a quarter
/// of the table and would rather read every use of every tag (3.6 s at full size, against
/// 65 ms).
pub(in crate::posts) fn tag_uses_by_place(
    conn: &mut DbConnection,
    since: chrono::NaiveDateTime,
    upto: chrono::NaiveDateTime,
) -> Result<Vec<TagUses>> {
    use diesel::dsl::{count_star, max};
    let rows: Vec<(Option<GroupId>, String, i64, Option<chrono::NaiveDateTime>)> = post_tags::table
        .inner_join(tags::table)
        .filter(post_tags::created_at.gt(since))
        .filter(post_tags::created_at.le(upto))
        .group_by((post_tags::group_id, tags::name))
        .select((
            post_tags::group_id,
            tags::name,
            count_star(),
            max(post_tags::created_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(place, tag, uses, newest)| (place, tag, uses, newest.unwrap_or(since)))
        .collect())
}

/// Of one tag in posts by people of one department in one place: the department, the place,
/// the tag, and how many posts.
pub(in crate::posts) type DepartmentTagUses = (String, Option<GroupId>, String, i64);

/// Per department (of the posts' authors), place and tag, the posts using it whose rows were
/// recorded after `after` and by `upto` (comments not counted).
pub(in crate::posts) fn post_tag_uses_by_department(
    conn: &mut DbConnection,
    after: chrono::NaiveDateTime,
    upto: chrono::NaiveDateTime,
) -> Result<Vec<DepartmentTagUses>> {
    use crate::db::schema::{posts, users};
    use diesel::dsl::count_star;
    Ok(post_tags::table
        .inner_join(tags::table)
        .inner_join(posts::table.inner_join(users::table))
        .filter(post_tags::comment_id.eq(0))
        .filter(post_tags::created_at.gt(after))
        .filter(post_tags::created_at.le(upto))
        .group_by((users::department, post_tags::group_id, tags::name))
        .select((
            users::department,
            post_tags::group_id,
            tags::name,
            count_star(),
        ))
        .load(conn)?)
}

/// Per group, the posts above `since_id` (not deleted) by people of `department`; posts in
/// the company feed are not counted.
pub(in crate::posts) fn department_posts_per_group(
    conn: &mut DbConnection,
    department: &str,
    since_id: i64,
) -> Result<Vec<(GroupId, i64)>> {
    use crate::db::schema::{posts, users};
    use diesel::dsl::count_star;
    let colleagues = users::table
        .filter(users::department.eq(department))
        .select(users::id);
    let rows: Vec<(Option<GroupId>, i64)> = posts::table
        .filter(posts::id.gt(since_id))
        .filter(posts::author_id.eq_any(colleagues))
        .filter(posts::deleted_at.is_null())
        .filter(posts::group_id.is_not_null())
        .group_by(posts::group_id)
        .select((posts::group_id, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(group, posts)| Some((group?, posts)))
        .collect())
}

/// Names of tags starting with `prefix` (a LIKE pattern, escaped with `\\`) carried by posts
/// or comments in `groups` (or the company feed when `company`), alphabetically.
pub(in crate::posts) fn tags_used_in(
    conn: &mut DbConnection,
    groups: &[GroupId],
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
