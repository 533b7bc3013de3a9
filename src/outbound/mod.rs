//! Outbound HTTP: the one client the product uses to reach other servers (link previews,
//! webhooks), built so that a URL someone typed can never make us call into our own network.
//!
//! Invariants:
//! - Only http and https, without user info, on ports 80 and 443 unless allow-listed.
//! - The host is judged after WHATWG parsing, so odd spellings of addresses are caught as the
//!   addresses they are.
//! - A name is resolved once, and the connection goes to one of the addresses that passed;
//!   `localhost` and its subdomains are refused before resolving.
//! - Loopback, private, link-local, shared, reserved, documentation, multicast and other
//!   special addresses are refused, and so are IPv6 forms that lead to one of them.
//! - Redirects are followed by hand, at most three, each checked like a new URL.
//! - Every fetch ends within its deadline, reads at most its size limit, and waits its turn
//!   behind the per-host limit.
//! - The administrator's allow-list is the only way past these rules.

mod allow;
mod client;
mod policy;
mod refused;
mod resolve;
mod rules;
mod slots;

pub use client::{Fetched, Outbound, OutboundSettings};
pub use refused::Refused;
pub use resolve::{Resolver, StaticResolver, SystemResolver};

/// Most bytes of a page read for a preview.
pub const HTML_LIMIT: usize = 1 << 20;
/// Most bytes of an image read for a preview.
pub const IMAGE_LIMIT: usize = 5 << 20;
/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 3;
