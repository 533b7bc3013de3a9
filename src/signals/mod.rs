//! Signals: what tells a reader that something happened — notifications, email at once,
//! digests and Atom feeds. Each part reads through the access policy, so nobody is told about
//! what they may not see.
//!
//! Notifications: the `notifier` tails the events log and decides who hears of each event
//! (`audience`: the policy; `preferences`: each user's settings and muted threads), stores
//! them folded per subject (`notifications`), and emails at once those who asked
//! (`letters`). `views` is what the API and pages show.

pub mod atom_feeds;
pub mod audience;
pub mod digests;
pub mod erasure;
pub mod feed_tokens;
pub mod frequency;
pub mod letters;
pub mod notifications;
pub mod notifier;
pub mod preferences;
pub mod seen;
pub mod views;
