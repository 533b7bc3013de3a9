//! Tags by name or id, without a viewer's `Scope`, for writers and for names a viewer already
//! holds. A tag row alone is not something to show: a name exists once a body or a follow
//! names it, even a body kept from guests. Listing tags for a viewer goes through the posts
//! area (`posts::access::tags_with_prefix`, trending), which asks the viewer's scope. Grep
//! `system::` for every read that bypasses a scope.

use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::tags;
use crate::error::Result;
use diesel::prelude::*;

/// Ids of the tags named `names` (lower-case), in no particular order.
pub fn ids_by_name(conn: &mut DbConnection, names: &[String]) -> Result<Vec<(i64, String)>> {
    Ok(tags::table
        .filter(tags::name.eq_any(names.to_vec()))
        .select((tags::id, tags::name))
        .load(conn)?)
}

/// The id of tag `name`, if it exists.
pub fn id_of(conn: &mut DbConnection, name: &str) -> Result<Option<i64>> {
    Ok(tags::table
        .filter(tags::name.eq(name))
        .select(tags::id)
        .first(conn)
        .optional()?)
}

/// Names of tags by id.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    Ok(tags::table
        .filter(one_of(tags::id, ids.iter().copied()))
        .select((tags::id, tags::name))
        .load(conn)?)
}
