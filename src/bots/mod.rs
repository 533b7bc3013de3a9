//! Bots and incoming webhooks: integrations that post into Agora.
//!
//! A bot is an account of kind `bot` ([`crate::accounts::UserKind::Bot`]). The access policy
//! walls it like a guest: it reads only the groups it is a member of (never the company feed,
//! other groups or what is for employees only) and manages nothing. It never signs in; it
//! acts through tokens an admin issues, each of which may read, write or both, may reach only
//! some of the bot's groups, and may expire. The token's group limit travels in the viewer
//! ([`crate::access::Principal::limit`]), so the policy alone narrows what the bot sees.
//!
//! An incoming webhook is a secret URL a group's owners and admins make: a `POST` of
//! `{"text": "…"}` there becomes a post in the group by the hook's own bot, through the same
//! `create_post` action as any post (events, search, notifications and outgoing webhooks all
//! see it), with an optional `username` shown as "<username> via <hook name>".
//!
//! Invariants: a bot's tokens are issued only by admins and shown once; a hook's secret is
//! stored as a SHA-256 hash and compared in constant time; a revoked hook answers 404 forever.

pub mod actions;
pub mod hooks;
pub mod limiter;
pub mod message;
pub mod views;

pub use limiter::HookLimiter;
