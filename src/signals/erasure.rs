//! What the signals forget of a deleted account: her notifications and their settings, muted
//! threads, digests sent, what she has seen, and her feed token. Notifications of others that
//! name her as the actor stay, and show the placeholder name like everything else she did.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    digests, feed_tokens, notification_settings, notifications, seen_posts, thread_mutes,
};
use crate::error::Result;
use crate::ids::UserId;

/// Drops every signal kept for `user`.
pub fn forget(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::delete(notifications::table.filter(notifications::user_id.eq(user))).execute(conn)?;
    diesel::delete(notification_settings::table.filter(notification_settings::user_id.eq(user)))
        .execute(conn)?;
    diesel::delete(thread_mutes::table.filter(thread_mutes::user_id.eq(user))).execute(conn)?;
    diesel::delete(digests::table.filter(digests::user_id.eq(user))).execute(conn)?;
    diesel::delete(seen_posts::table.filter(seen_posts::user_id.eq(user))).execute(conn)?;
    diesel::delete(feed_tokens::table.find(user)).execute(conn)?;
    Ok(())
}
