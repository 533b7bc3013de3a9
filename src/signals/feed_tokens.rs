//! Feed tokens: the read-only credential an Atom reader puts in a feed URL (`?token=`).
//!
//! A token is `agora_feed_<user id>_<MAC>`, the MAC signing (user id, generation) with the
//! server's key. Nothing secret is stored, so the settings page can show the same token every
//! time; resetting or revoking bumps the user's generation, which makes every earlier token
//! fail. A feed token opens nothing but the Atom feeds: it is not a session, and API tokens
//! are looked up by hash among `api_tokens`, where it is never found.

use base64::Engine;
use chrono::Utc;
use diesel::prelude::*;

use crate::accounts::User;
use crate::db::DbConnection;
use crate::db::schema::{feed_tokens, users};
use crate::error::Result;
use crate::ids::UserId;
use crate::on_backend;
use crate::signing::Signer;

/// Marks a feed token, so it is easy to recognise in a leaked URL.
const PREFIX: &str = "agora_feed_";
/// Keeps these MACs apart from every other use of the key.
const PURPOSE: &str = "feed-token";

/// The user's feed token while one is active.
pub fn current(
    conn: &mut DbConnection,
    signer: &Signer,
    user_id: UserId,
) -> Result<Option<String>> {
    match generation(conn, user_id)? {
        Some((generation, true)) => Ok(Some(token(signer, user_id, generation)?)),
        _ => Ok(None),
    }
}

/// The user's active feed token, making one when there is none.
pub fn issue(conn: &mut DbConnection, signer: &Signer, user_id: UserId) -> Result<String> {
    match current(conn, signer, user_id)? {
        Some(token) => Ok(token),
        None => reset(conn, signer, user_id),
    }
}

/// A new feed token for the user; every earlier one stops working.
pub fn reset(conn: &mut DbConnection, signer: &Signer, user_id: UserId) -> Result<String> {
    let generation = bump(conn, user_id)?;
    token(signer, user_id, generation)
}

/// Ends the user's feed token, if any; none works until a new one is made.
pub fn revoke(conn: &mut DbConnection, user_id: UserId) -> Result<()> {
    diesel::update(feed_tokens::table.find(user_id))
        .set((
            feed_tokens::generation.eq(feed_tokens::generation + 1),
            feed_tokens::active.eq(false),
            feed_tokens::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The active user a feed token belongs to; `None` for anything else (a malformed, forged,
/// reset or revoked token, or one of a deactivated user).
pub fn resolve(conn: &mut DbConnection, signer: &Signer, presented: &str) -> Result<Option<User>> {
    let Some((user_id, mac)) = parse(presented) else {
        return Ok(None);
    };
    let Ok(mac) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(mac) else {
        return Ok(None);
    };
    let found = feed_tokens::table
        .inner_join(users::table)
        .filter(feed_tokens::user_id.eq(user_id))
        .filter(feed_tokens::active.eq(true))
        .filter(users::deactivated_at.is_null())
        .select((feed_tokens::generation, User::as_select()))
        .first::<(i64, User)>(conn)
        .optional()?;
    let Some((generation, user)) = found else {
        return Ok(None);
    };
    let valid = signer.verify_mac(PURPOSE, &signed(user_id, generation), &mac)?;
    Ok(valid.then_some(user))
}

fn token(signer: &Signer, user_id: UserId, generation: i64) -> Result<String> {
    let mac = signer.mac(PURPOSE, &signed(user_id, generation))?;
    let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac);
    Ok(format!("{PREFIX}{user_id}_{mac}"))
}

/// What a token's MAC signs.
fn signed(user_id: UserId, generation: i64) -> Vec<u8> {
    let mut signed = user_id.0.to_be_bytes().to_vec();
    signed.extend(generation.to_be_bytes());
    signed
}

/// The user id and MAC of a well-formed token.
fn parse(presented: &str) -> Option<(UserId, &str)> {
    let (user_id, mac) = presented.strip_prefix(PREFIX)?.split_once('_')?;
    Some((user_id.parse().ok()?, mac))
}

/// The user's (generation, active), if they ever had a token.
fn generation(conn: &mut DbConnection, user_id: UserId) -> Result<Option<(i64, bool)>> {
    Ok(feed_tokens::table
        .find(user_id)
        .select((feed_tokens::generation, feed_tokens::active))
        .first(conn)
        .optional()?)
}

/// Moves the user to the next generation, active; returns it. The first is 1.
fn bump(conn: &mut DbConnection, user_id: UserId) -> Result<i64> {
    let now = Utc::now().naive_utc();
    on_backend!(conn, |inner| diesel::insert_into(feed_tokens::table)
        .values((
            feed_tokens::user_id.eq(user_id),
            feed_tokens::generation.eq(1),
            feed_tokens::active.eq(true),
            feed_tokens::updated_at.eq(now),
        ))
        .on_conflict(feed_tokens::user_id)
        .do_update()
        .set((
            feed_tokens::generation.eq(feed_tokens::generation + 1),
            feed_tokens::active.eq(true),
            feed_tokens::updated_at.eq(now),
        ))
        .execute(inner))?;
    Ok(generation(conn, user_id)?.map_or(1, |(generation, _)| generation))
}

#[cfg(test)]
mod tests {
    use crate::ids::UserId;

    #[test]
    fn only_well_formed_tokens_parse() {
        assert_eq!(
            super::parse("agora_feed_42_abc-_x"),
            Some((UserId(42), "abc-_x"))
        );
        for bad in [
            "agora_feed_",
            "agora_feed_x_abc",
            "agora_abc",
            "agora_feed_42",
            "",
        ] {
            assert_eq!(super::parse(bad), None, "{bad}");
        }
    }
}
