//! Following people and tags. Group membership counts as following the group, so groups have
//! no follow rows of their own.

use diesel::prelude::*;

use crate::access::Scope;
use crate::accounts;
use crate::clock;
use crate::db::DbConnection;
use crate::db::schema::{tag_follows, user_follows};
use crate::error::{Error, ErrorCode, Result};
use crate::events::{self, Event};
use crate::ids::UserId;
use crate::on_backend;
use crate::tags;

/// Most people one user follows. Generous for a company; a bound keeps every home feed and
/// digest a bounded amount of work.
pub const MAX_FOLLOWED_PEOPLE: i64 = 1_000;
/// Most tags one user follows (tags are created on demand, so without a bound one user could
/// make her own feed and digest arbitrarily costly).
pub const MAX_FOLLOWED_TAGS: i64 = 200;

/// Follows or unfollows a person the viewer can see; repeating changes nothing.
pub fn set_user_follow(
    conn: &mut DbConnection,
    scope: &Scope,
    user_id: UserId,
    follow: bool,
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let user = accounts::access::visible_user(conn, scope, user_id)?;
    if user.id == me {
        return Err(Error::conflict(
            ErrorCode::CannotFollowSelf,
            "you always see your own posts",
        ));
    }
    let changed = if follow {
        if !follows_user(conn, me, user.id)? {
            let count: i64 = user_follows::table
                .filter(user_follows::follower_id.eq(me))
                .count()
                .get_result(conn)?;
            refuse_past_limit(count, MAX_FOLLOWED_PEOPLE, "people")?;
        }
        let row = (
            user_follows::follower_id.eq(me),
            user_follows::followee_id.eq(user.id),
            user_follows::created_at.eq(clock::now()),
        );
        on_backend!(conn, |inner| diesel::insert_into(user_follows::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?
    } else {
        diesel::delete(user_follows::table.find((me, user.id))).execute(conn)?
    };
    if changed > 0 {
        let (follower, user) = (me, user.id);
        let event = if follow {
            Event::UserFollowed { follower, user }
        } else {
            Event::UserUnfollowed { follower, user }
        };
        events::append(conn, &event)?;
    }
    Ok(())
}

/// Follows or unfollows tag `raw` (with or without `#`); returns its name.
pub fn set_tag_follow(
    conn: &mut DbConnection,
    scope: &Scope,
    raw: &str,
    follow: bool,
) -> Result<String> {
    let me = scope.viewer().require_user()?.id;
    let name = tags::actions::normalize(raw)?;
    let changed = if follow {
        let already = match tags::system::id_of(conn, &name)? {
            Some(tag) => follows_tag(conn, me, tag)?,
            None => false,
        };
        if !already {
            let count: i64 = tag_follows::table
                .filter(tag_follows::user_id.eq(me))
                .count()
                .get_result(conn)?;
            refuse_past_limit(count, MAX_FOLLOWED_TAGS, "tags")?;
        }
        let mut inserted = 0;
        for tag in tags::actions::ensure_tags(conn, std::slice::from_ref(&name))? {
            let row = (
                tag_follows::user_id.eq(me),
                tag_follows::tag_id.eq(tag),
                tag_follows::created_at.eq(clock::now()),
            );
            inserted += on_backend!(conn, |inner| diesel::insert_into(tag_follows::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(inner))?;
        }
        inserted
    } else if let Some(tag) = tags::system::id_of(conn, &name)? {
        diesel::delete(tag_follows::table.find((me, tag))).execute(conn)?
    } else {
        0
    };
    if changed > 0 {
        let (follower, tag) = (me, name.clone());
        let event = if follow {
            Event::TagFollowed { follower, tag }
        } else {
            Event::TagUnfollowed { follower, tag }
        };
        events::append(conn, &event)?;
    }
    Ok(name)
}

/// 409 when following one more would pass `limit`.
fn refuse_past_limit(count: i64, limit: i64, what: &str) -> Result<()> {
    if count >= limit {
        return Err(Error::conflict(
            ErrorCode::FollowLimit,
            format!("you follow {count} {what}, the most allowed; unfollow some first"),
        ));
    }
    Ok(())
}

/// The people and tags a user follows: with her groups, what her home feed merges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Follows {
    pub users: Vec<UserId>,
    pub tags: Vec<i64>,
}

/// Whom and what `user_id` follows.
pub fn of(conn: &mut DbConnection, user_id: UserId) -> Result<Follows> {
    Ok(Follows {
        users: followed_users(conn, user_id)?,
        tags: followed_tags(conn, user_id)?,
    })
}

/// Ids of the people `user_id` follows.
pub fn followed_users(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<UserId>> {
    Ok(user_follows::table
        .filter(user_follows::follower_id.eq(user_id))
        .select(user_follows::followee_id)
        .load(conn)?)
}

/// Ids of the tags `user_id` follows.
pub fn followed_tags(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<i64>> {
    Ok(tag_follows::table
        .filter(tag_follows::user_id.eq(user_id))
        .select(tag_follows::tag_id)
        .load(conn)?)
}

/// Whether `follower` follows `followee`.
pub fn follows_user(conn: &mut DbConnection, follower: UserId, followee: UserId) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        user_follows::table.find((follower, followee)),
    ))
    .get_result(conn)?)
}

/// Whether `user_id` follows tag `tag_id`.
pub fn follows_tag(conn: &mut DbConnection, user_id: UserId, tag_id: i64) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        tag_follows::table.find((user_id, tag_id)),
    ))
    .get_result(conn)?)
}

/// Drops every follow of and by `user` (a deleted account): nobody's home feed shows her,
/// hers follows nobody. No event: feeds read follows when they are asked.
pub fn forget(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::delete(
        user_follows::table.filter(
            user_follows::follower_id
                .eq(user)
                .or(user_follows::followee_id.eq(user)),
        ),
    )
    .execute(conn)?;
    diesel::delete(tag_follows::table.filter(tag_follows::user_id.eq(user))).execute(conn)?;
    Ok(())
}
