//! Groups: public, private and secret, with owners, admins and members, join requests, and
//! archiving.
//!
//! Invariants: a group always has an owner (the last owner cannot leave or be demoted); names
//! are unique regardless of case; an archived group keeps its posts readable and takes no new
//! posts or comments.

pub mod access;
pub mod actions;
mod model;
mod queries;
pub mod system;
pub mod views;

pub use model::{Group, Role, Visibility};
pub use views::{GroupView, MemberView};
