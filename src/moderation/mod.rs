//! Reports and moderation: any reader reports a post or comment she may read; those who
//! moderate where it lives (group owners and admins, site admins) decide in a queue: dismiss,
//! hide (its author still sees it, with the reason) or delete it, and site admins may also
//! warn or suspend its author. The reporter is told the outcome by email, and the author
//! never learns who reported (docs/moderation.md).

pub mod access;
pub mod actions;
mod letters;
mod model;
pub mod views;

pub use model::{Action, Item, Outcome, Reason, Report, Sanction};
