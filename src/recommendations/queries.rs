//! The candidate reads: each a bounded aggregate over one index range, most telling first.
//! None of them asks the policy; [`super::access`] passes in only what the viewer may read
//! and checks every candidate again before it is shown.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Kind;
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{
    groups, memberships, recommendation_dismissals, tags, user_follows, users,
};
use crate::error::Result;
use crate::ids::{GroupId, UserId};

/// Ids of what `me` dismissed of `kind`, as a subquery.
macro_rules! dismissed {
    ($me:expr, $kind:expr) => {
        recommendation_dismissals::table
            .filter(recommendation_dismissals::user_id.eq($me))
            .filter(recommendation_dismissals::kind.eq($kind.as_str()))
            .select(recommendation_dismissals::target_id)
    };
}

/// People followed by those of `followed`, with how many of them follow each; not `me`, not
/// already followed, not dismissed.
pub(super) fn followed_by_followed(
    conn: &mut DbConnection,
    me: UserId,
    followed: &[UserId],
    limit: i64,
) -> Result<Vec<(UserId, i64)>> {
    if followed.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user_follows::table
        .filter(one_of(user_follows::follower_id, followed))
        .filter(user_follows::followee_id.ne(me))
        .filter(user_follows::followee_id.ne_all(followed.to_vec()))
        .filter(user_follows::followee_id.ne_all(dismissed!(me, Kind::Person)))
        .group_by(user_follows::followee_id)
        .select((user_follows::followee_id, count_star()))
        .order((count_star().desc(), user_follows::followee_id.asc()))
        .limit(limit)
        .load(conn)?)
}

/// Fellow members of `groups`, with how many of them each shares with `me`; not `me`, not
/// already followed, not dismissed.
pub(super) fn fellow_members(
    conn: &mut DbConnection,
    me: UserId,
    groups: &[GroupId],
    followed: &[UserId],
    limit: i64,
) -> Result<Vec<(UserId, i64)>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    // Not `one_of`, as `groups::queries::co_members`: SQLite would read the whole user index
    // in order.
    Ok(memberships::table
        .filter(memberships::group_id.eq_any(groups))
        .filter(memberships::user_id.ne(me))
        .filter(memberships::user_id.ne_all(followed.to_vec()))
        .filter(memberships::user_id.ne_all(dismissed!(me, Kind::Person)))
        .group_by(memberships::user_id)
        .select((memberships::user_id, count_star()))
        .order((count_star().desc(), memberships::user_id.asc()))
        .limit(limit)
        .load(conn)?)
}

/// Of `groups`, those with at most `most` members: the groups whose fellow members say
/// something about whom one works with.
pub(super) fn small_groups(
    conn: &mut DbConnection,
    groups: &[GroupId],
    most: i64,
) -> Result<Vec<GroupId>> {
    Ok(groups::table
        .filter(one_of(groups::id, groups))
        .filter(groups::member_count.le(most))
        .select(groups::id)
        .load(conn)?)
}

/// Active employees and admins of `department`, newest accounts first; not `me`, not already
/// followed, not dismissed.
pub(super) fn colleagues(
    conn: &mut DbConnection,
    me: UserId,
    department: &str,
    followed: &[UserId],
    limit: i64,
) -> Result<Vec<UserId>> {
    Ok(users::table
        .filter(users::department.eq(department))
        .filter(users::id.ne(me))
        .filter(users::deactivated_at.is_null())
        .filter(users::kind.eq_any(["employee", "admin"]))
        .filter(users::id.ne_all(followed.to_vec()))
        .filter(users::id.ne_all(dismissed!(me, Kind::Person)))
        .select(users::id)
        .order(users::id.desc())
        .limit(limit)
        .load(conn)?)
}

/// The groups with members among `followed`, with how many; not dismissed. All of them:
/// read by member (a few groups each), which is cheaper than probing every candidate group
/// for each of them; the caller keeps the candidates.
pub(super) fn groups_of_followed(
    conn: &mut DbConnection,
    me: UserId,
    followed: &[UserId],
) -> Result<Vec<(GroupId, i64)>> {
    if followed.is_empty() {
        return Ok(Vec::new());
    }
    Ok(memberships::table
        .filter(one_of(memberships::user_id, followed))
        .filter(memberships::group_id.ne_all(dismissed!(me, Kind::Group)))
        .group_by(memberships::group_id)
        .select((memberships::group_id, count_star()))
        .load(conn)?)
}

/// Records that `me` dismissed `target` of `kind`; true when it is new.
pub(super) fn insert_dismissal(
    conn: &mut DbConnection,
    me: UserId,
    kind: Kind,
    target: i64,
    at: NaiveDateTime,
) -> Result<bool> {
    let row = (
        recommendation_dismissals::user_id.eq(me),
        recommendation_dismissals::kind.eq(kind.as_str()),
        recommendation_dismissals::target_id.eq(target),
        recommendation_dismissals::created_at.eq(at),
    );
    let inserted = crate::on_backend!(conn, |inner| diesel::insert_into(
        recommendation_dismissals::table
    )
    .values(row)
    .on_conflict_do_nothing()
    .execute(inner))?;
    Ok(inserted > 0)
}

/// Ids of what `me` dismissed of `kind`.
pub(super) fn dismissed_ids(conn: &mut DbConnection, me: UserId, kind: Kind) -> Result<Vec<i64>> {
    Ok(dismissed!(me, kind).load(conn)?)
}

/// The names of tags `ids`.
pub(super) fn tag_names(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(tags::table
        .filter(one_of(tags::id, ids.iter().copied()))
        .select(tags::name)
        .load(conn)?)
}
