//! "Your data to take away": each person (employee, admin or guest) asks for an export of her
//! data from her settings or the API; a background builder makes a ZIP of her profile, posts,
//! comments, likes, follows and bookmarks as ActivityStreams 2.0 JSON, her own attachments, and
//! a readable `index.html`; she gets an email with a link; the file is kept for
//! `exports.keep_days` and then swept. What is inside and why: docs/exports.md.
//!
//! Invariants:
//! - Everything in an export is read through the access policy as she may read it at build
//!   time (`archive`): her own posts and comments that she can still read, and of anyone
//!   else's only what she may read now (a comment names the post it answers by its address,
//!   never by its text). A guest's export holds her own content and nothing kept from guests.
//! - An export is hers alone (`access`): listing it, reading it and downloading it answer
//!   "not found" to anyone else, admins included, and to a credential limited to some groups.
//! - At most one export per person is requested or building (a unique index), and she may ask
//!   for at most `exports.per_day` in 24 hours.
//! - One builder at a time holds an export, by a lease it renews while it works (`build`). The
//!   archive is written to a temporary file and stored whole under the export's key; the row
//!   becomes `ready` (with its email queued in the same transaction) only after that. A build
//!   cut short by a crash leaves the row `building` with a lease that runs out, no stored
//!   archive (or an earlier one the next build replaces), and a temporary file the sweep
//!   removes; the next builder starts it again from scratch.
//! - Exports append no event: like bookmarks, they are private to her and nobody is told.

pub mod access;
pub mod actions;
pub mod archive;
pub mod build;
mod letters;
mod model;
pub mod sweep;
pub mod views;

pub use model::{State, UserExport};
pub use views::ExportView;
