//! Full-text search over posts (with their comments), people, groups and tags: a tantivy index
//! in the data directory, kept current by a consumer of the events log (`indexer`), rebuilt
//! and checked against the database by `maintenance`, and read through the access policy at
//! query time (`run`).

mod analyzer;
mod authors;
mod clauses;
mod columns;
mod counts;
mod documents;
mod hits;
mod index;
pub mod indexer;
pub mod maintenance;
pub mod query;
mod rank;
mod run;
mod snippets;
mod walls;

pub use counts::{Count, Counts};
pub use index::{Kind, SearchIndex};
pub use run::{Hit, Request, Results, Suggestions, search, suggest};
