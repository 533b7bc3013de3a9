//! Copies of a whole network. `agora export` writes every table, the stored files and the
//! signing key into one ZIP archive from one snapshot while the server runs, and `agora
//! import` loads it into an empty instance on either backend, so a company that outgrows
//! SQLite moves to PostgreSQL with two commands. `agora backup` and `agora restore` copy a
//! SQLite instance to a folder and back (docs/operations.md).
//!
//! The archive describes itself (`manifest.json`): the tables as the source's catalog lists
//! them, with a count and SHA-256 per entry, and the migrations applied, which the target
//! must know. Values are spelled one way whichever backend wrote them (`values`).

mod backup;
mod catalog;
mod export;
mod import;
pub mod manifest;
mod objects;
mod values;

pub use backup::{BackedUp, Restored, backup, restore};
pub use export::{Exported, export};
pub use import::{Imported, import};

use crate::db::Backend;

/// Where `path` is written until it is whole, then renamed: a copy cut short by a crash never
/// looks finished, and the next run starts it over.
fn partial(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    name.into()
}
