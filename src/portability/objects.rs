//! The stored files the database names: every form of each uploaded content, link preview
//! images and finished personal exports. Forms never made (a PDF has no thumbnail) are simply
//! absent from the store.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{blobs, link_previews, user_exports};
use crate::files::store::Storage;

/// Every key the database names, sorted and without repeats.
pub fn named(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let read = |e: diesel::result::Error| format!("cannot list stored files: {e}");
    let mut contents: Vec<String> = blobs::table
        .select(blobs::sha256)
        .load(conn)
        .map_err(read)?;
    contents.extend(
        link_previews::table
            .select(link_previews::image_sha256)
            .filter(link_previews::image_sha256.is_not_null())
            .load::<Option<String>>(conn)
            .map_err(read)?
            .into_iter()
            .flatten(),
    );
    let mut keys: Vec<String> = contents
        .iter()
        .flat_map(|sha256| Storage::content_keys(sha256))
        .collect();
    keys.extend(
        user_exports::table
            .select(user_exports::storage_key)
            .filter(user_exports::storage_key.is_not_null())
            .load::<Option<String>>(conn)
            .map_err(read)?
            .into_iter()
            .flatten(),
    );
    keys.sort();
    keys.dedup();
    Ok(keys)
}
