//! Files: attachments on posts and comments, and profile photos. Bytes are received to a
//! staging file (never whole in memory), typed by sniffing them (never by the client's word),
//! stored once per content under its SHA-256, and read back only through `access`, which asks
//! whether the viewer reads what the file is on. Images get a thumbnail and a medium rendition
//! and lose their metadata (location) before anyone can download them.
//!
//! Invariants: a file on a deleted post or comment is on no read path (`gone_at`), and its
//! bytes leave storage after the grace period; an upload on nothing is its uploader's alone.

pub mod access;
pub mod actions;
pub mod images;
mod model;
mod queries;
pub mod sniff;
pub mod store;
pub mod strip;
pub mod sweep;
pub mod text;
pub mod upload;
pub mod views;

pub use actions::NewAttachment;
pub use upload::Files;
pub use views::FileView;
