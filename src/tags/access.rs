//! The loaders of `tags`. Tag names are public words, not content, so these need no access check;
//! what a viewer may see *tagged* is filtered by the posts area.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::tags;
use crate::error::Result;

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
        .filter(tags::id.eq_any(ids.to_vec()))
        .select((tags::id, tags::name))
        .load(conn)?)
}

/// Tag names starting with `prefix`, in alphabetical order, for autocomplete.
pub fn with_prefix(conn: &mut DbConnection, prefix: &str, limit: i64) -> Result<Vec<String>> {
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(tags::table
        .filter(tags::name.like(pattern).escape('\\'))
        .order(tags::name.asc())
        .limit(limit)
        .select(tags::name)
        .load(conn)?)
}
