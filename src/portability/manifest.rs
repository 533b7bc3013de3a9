//! `manifest.json`, the archive's table of contents: what wrote it, the schema it holds and a
//! count and SHA-256 for every entry, so that an import can tell a whole archive from a
//! damaged or truncated one before it writes anything.

use serde::{Deserialize, Serialize};

use super::catalog::Table;

/// The name every network archive carries.
pub const FORMAT: &str = "agora-network-archive";
/// The archive layout this version writes and the newest it reads.
pub const VERSION: u32 = 1;
/// Where the manifest is in the archive.
pub const PATH: &str = "manifest.json";
/// Where the signing key is in the archive, when the source kept it in its data directory.
pub const SECRET_KEY_PATH: &str = "keys/secret.key";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The Agora version that wrote it.
    pub written_by: String,
    pub written_at: String,
    /// `sqlite` or `postgres`.
    pub source_backend: String,
    /// The migrations applied to the source, oldest first.
    pub migrations: Vec<String>,
    pub tables: Vec<TableEntry>,
    pub objects: Vec<ObjectEntry>,
    pub secret_key: bool,
}

/// A table's rows, one JSON object per line, at `tables/<name>.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub table: Table,
    pub rows: u64,
    pub sha256: String,
}

impl TableEntry {
    pub fn path(name: &str) -> String {
        format!("tables/{name}.jsonl")
    }
}

/// A stored file's bytes (an attachment's forms, a preview image, a personal export) at
/// `objects/<key>`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

impl ObjectEntry {
    pub fn path(key: &str) -> String {
        format!("objects/{key}")
    }
}
