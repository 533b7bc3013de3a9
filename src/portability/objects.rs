//! The stored files the database names: every form of each uploaded content, link preview
//! images and finished personal exports. Forms never made (a PDF has no thumbnail) are simply
//! absent from the store.

use std::io::Write;

use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::manifest::ObjectEntry;

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

/// Copies the object under `key` into the writer `open` gives once the object is found:
/// its entry and the writer, or `None` when the store holds nothing there.
pub fn copy_into<W: Write>(
    runtime: &tokio::runtime::Runtime,
    storage: &Storage,
    key: &str,
    open: impl FnOnce() -> Result<W, String>,
) -> Result<Option<(ObjectEntry, W)>, String> {
    let reading = |detail: String| format!("file storage, reading {key}: {detail}");
    let download = match runtime.block_on(storage.get_object(key)) {
        Ok(download) => download,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(reading(error.detail)),
    };
    let mut out = open()?;
    let mut hasher = Sha256::new();
    let mut size = 0;
    let mut chunks = download.chunks;
    while let Some(chunk) = runtime.block_on(chunks.next()) {
        let chunk = chunk.map_err(|e| reading(e.detail))?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        out.write_all(&chunk)
            .map_err(|e| format!("cannot copy {key}: {e}"))?;
    }
    let entry = ObjectEntry {
        key: key.to_string(),
        size,
        sha256: hex::encode(hasher.finalize()),
    };
    Ok(Some((entry, out)))
}
