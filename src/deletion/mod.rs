//! Deleting an account: by its owner from her settings or the API, by an admin for her, or by
//! Agora for a guest whose access ended long enough ago (`guests::erasure`).
//!
//! Invariants:
//! - One transaction does it all, or nothing: her content removed through the posts area's
//!   own deletion paths (so `post.deleted` and `comment.deleted` go out and it leaves feeds,
//!   search, Atom, live readers and webhooks) or kept under the placeholder name; her likes
//!   and votes (when removed), follows, bookmarks, memberships, notifications, preferences,
//!   uploads, exports, identity-provider and directory links and invitations dropped; the row
//!   a tombstone that can never sign in again (`accounts::erasure`).
//! - Files and export archives leave storage through their sweeps, the same paths every
//!   deleted post and expired export takes.
//! - The audit log records `account.deleted` with the account's pseudonym, never her name or
//!   address. Older entries keep her id, which names nobody once the row is wiped.
//! - The last active admin cannot be deleted; `accounts.deletion_policy` may force what
//!   becomes of the content. What and why: docs/deletion.md.

pub mod actions;
pub mod choice;
mod pseudonym;

pub use choice::{Confirmation, ContentChoice};
pub use pseudonym::pseudonym;
