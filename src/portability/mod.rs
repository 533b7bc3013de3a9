//! Moving a whole network between instances and databases. `agora export` writes every table,
//! the stored files and the signing key into one ZIP archive from one snapshot, while the
//! server runs; `agora import` loads it into an empty instance on either backend, so a company
//! that outgrows SQLite moves to PostgreSQL with two commands (docs/operations.md).
//!
//! The archive describes itself (`manifest.json`): the tables as the source's catalog lists
//! them, with a count and SHA-256 per entry, and the migrations applied, which the target
//! must know. Values are spelled one way whichever backend wrote them (`values`).

mod catalog;
mod export;
mod import;
pub mod manifest;
mod objects;
mod values;

pub use export::{Exported, export};
pub use import::{Imported, import};

use crate::db::Backend;
