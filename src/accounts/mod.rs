//! Accounts: users and their profiles, passwords, first-run setup, sign-in with its rate
//! limits, browser sessions and personal access tokens.
//!
//! Invariants: emails are stored lower-cased and unique; a handle (the part of the email
//! before `@`, made unique with a number) never changes; a deactivated user has no sessions
//! and no tokens, and can never sign in again.

pub mod access;
pub mod actions;
pub mod bots;
pub mod directory;
pub mod email_links;
pub mod erasure;
mod letters;
mod model;
pub mod passwords;
mod queries;
pub mod rate_limit;
pub mod security;
pub mod sessions;
pub mod system;
pub mod views;

pub use model::{User, UserKind};
pub use views::UserView;
