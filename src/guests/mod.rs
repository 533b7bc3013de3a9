//! Guests: customers invited by email into groups that allow them. An invitation is a row,
//! an email in the outbox (same transaction) and a signed, expiring link; accepting it makes a
//! guest account (or, for an existing guest, a new membership) with a sponsor and an expiry.

pub mod actions;
pub mod erasure;
pub mod extension;
pub mod invitations;
mod letters;
pub mod lifecycle;

pub use invitations::{Invitation, InvitationView};
