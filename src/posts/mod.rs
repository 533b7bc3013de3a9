//! Posts and comments: Markdown bodies rendered to sanitized HTML with #tags, @mentions and
//! links; edits keep every earlier version; likes; bookmarks; questions with best answers;
//! polls; announcements; soft deletion.
//!
//! Invariants: `like_count` and `comment_count` equal the rows they count (changed in the same
//! transaction as the rows, with idempotent inserts); a deleted post or comment is on no read
//! path; tags and mentions of a body are replaced whenever the body changes.

pub mod access;
pub mod actions;
pub mod announcements;
pub mod answers;
pub mod comments;
pub mod diff;
pub mod erasure;
pub mod heads;
pub mod listing;
pub mod markup;
mod mention_links;
mod model;
pub mod poll_closing;
pub mod polls;
mod queries;
pub mod saved;
pub mod shares;
pub mod system;
pub mod trending;
pub mod views;

pub use model::{Comment, Post, PostStats};
pub use views::{CommentView, PostView};
