//! Signals: what tells a reader that something happened — notifications, email at once,
//! digests and Atom feeds. Each part reads through the access policy, so nobody is told about
//! what they may not see.

pub mod digests;
pub mod frequency;
pub mod seen;
