//! Posts a reader has met already — read on their page, emailed about, listed in a digest —
//! so that a digest does not tell them again.

use std::collections::HashSet;

use chrono::Utc;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::seen_posts;
use crate::error::Result;
use crate::ids::{PostId, UserId};
use crate::on_backend;

/// How a reader met a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Opened its page.
    Read,
    /// Got an email about it (a notification sent at once).
    Email,
    /// Found it in a digest.
    Digest,
}

impl How {
    fn as_str(self) -> &'static str {
        match self {
            How::Read => "read",
            How::Email => "email",
            How::Digest => "digest",
        }
    }
}

/// Records that `user_id` met each of `post_ids` this way; already recorded is fine.
pub fn record(
    conn: &mut DbConnection,
    user_id: UserId,
    post_ids: &[PostId],
    how: How,
) -> Result<()> {
    if post_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now().naive_utc();
    let rows: Vec<_> = post_ids
        .iter()
        .map(|&post_id| {
            (
                seen_posts::user_id.eq(user_id),
                seen_posts::post_id.eq(post_id),
                seen_posts::how.eq(how.as_str()),
                seen_posts::seen_at.eq(now),
            )
        })
        .collect();
    on_backend!(conn, |inner| diesel::insert_into(seen_posts::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(inner))?;
    Ok(())
}

/// Which of `post_ids` `user_id` has met in any way.
pub fn among(
    conn: &mut DbConnection,
    user_id: UserId,
    post_ids: &[PostId],
) -> Result<HashSet<PostId>> {
    if post_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let seen: Vec<PostId> = seen_posts::table
        .filter(seen_posts::user_id.eq(user_id))
        .filter(one_of(seen_posts::post_id, post_ids))
        .select(seen_posts::post_id)
        .distinct()
        .load(conn)?;
    Ok(seen.into_iter().collect())
}
