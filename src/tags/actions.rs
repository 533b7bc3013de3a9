//! Creating tags on first use.

use diesel::prelude::*;

use super::system;
use crate::clock;
use crate::db::schema::tags;
use crate::db::{DbConnection, new_id};
use crate::error::{Result, invalid};
use crate::on_backend;

/// The ids of tags `names` (lower-case), creating the missing ones.
pub fn ensure_tags(conn: &mut DbConnection, names: &[String]) -> Result<Vec<i64>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    // Most tags in a body exist already: one read then.
    let found = system::ids_by_name(conn, names)?;
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !found.iter().any(|(_, known)| known == *name))
        .collect();
    if missing.is_empty() {
        return Ok(found.into_iter().map(|(id, _)| id).collect());
    }
    let now = clock::now();
    let rows: Vec<_> = missing
        .into_iter()
        .map(|name| {
            (
                tags::id.eq(new_id()),
                tags::name.eq(name),
                tags::created_at.eq(now),
            )
        })
        .collect();
    // Another transaction may create the same tag at once: insert what is missing, then read.
    on_backend!(conn, |inner| diesel::insert_into(tags::table)
        .values(&rows)
        .on_conflict(tags::name)
        .do_nothing()
        .execute(inner))?;
    Ok(system::ids_by_name(conn, names)?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// `raw` as a tag name: without a leading `#`, lower-case; 422 if it is not a valid tag.
pub fn normalize(raw: &str) -> Result<String> {
    let name = raw.trim().trim_start_matches('#').to_lowercase();
    match crate::posts::markup::scan(&format!("#{name}"), &Default::default())
        .tags
        .as_slice()
    {
        [only] if *only == name => Ok(name),
        _ => Err(invalid(
            "tag",
            "a tag is letters, digits and _, with at least one letter",
        )),
    }
}
