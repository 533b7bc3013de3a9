//! Link previews: what a linked page says about itself — title, description, site, picture —
//! read from bytes someone else has fetched. Nothing here does any I/O. Pages are hostile
//! input: whatever their bytes, reading them returns (possibly nothing) and never panics, and
//! what comes out is plain text of bounded length and `http`/`https` addresses only.
//!
//! The page's head is read with html5ever's tokenizer (`head`) after its encoding is found
//! (`charset`); every value is then cleaned (`clean`). An oEmbed answer, discovered from the
//! page only (there is no list of providers), can fill the gaps (`oembed`).
//!
//! Around that: `queue` (a consumer of the events log) records which bodies show which links'
//! previews and marks them due; `fetch` (a periodic worker) fetches what is due through the
//! safe outbound client; `views` gives readers the previews of what they may read.

pub mod actions;
mod charset;
mod clean;
pub mod fetch;
mod head;
pub mod meta;
pub mod oembed;
pub mod queue;
pub mod views;

pub use meta::{PageMeta, read_page};
pub use oembed::{OEmbed, read_oembed};
