//! Live updates: the in-process hub behind `GET /api/v1/stream`.
//!
//! One worker per process tails the events log, starting after the newest event at start (the
//! hub keeps no stored cursor: a client resumes with `Last-Event-ID`, not the hub), and
//! broadcasts each event on a bounded channel to every open stream. Each stream keeps its
//! viewer's [`Scope`](crate::access::Scope) and decides every event with
//! `scope.reads_posts_in(group_id)`, so a stream carries exactly what the viewer may read, as
//! ids and counts, never bodies.
//!
//! - A stream re-reads its scope when the viewer's memberships or any group change, and at
//!   least every `live.scope_refresh_secs`; then it also re-checks the credential, and a
//!   deactivation event about the viewer ends it at once.
//! - A stream that falls more than the channel's capacity behind catches up from the database
//!   by id, like a reconnect; beyond `live.replay_limit` events it is told to reload.
//! - The hub's workers stop with the process's other workers, which closes every stream.
//!
//! Design notes and the memory cost of an idle stream: `docs/live.md`.

mod connection;
mod frame;
mod hub;
mod meta;
mod slots;

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::error::Result;
use crate::posts::heads::Heads;

pub use connection::{Connection, StreamCredential, Subscriber};
pub use frame::Counts;
pub use hub::{Heartbeat, Publisher, Signal};
pub use meta::{Content, CountsOf, Meta, Revoked, Topic};
pub use slots::StreamSlots;

/// A handle to the hub. Clones share it; its workers ([`Hub::workers`]) publish to it, and
/// when they stop, every stream ends.
#[derive(Clone, Debug)]
pub struct Hub {
    shared: Arc<hub::Shared>,
}

impl Hub {
    /// Creates the hub after the newest event (this blocks on one read); it raises `heads` for
    /// the posts it reads.
    pub fn new(db: &Db, config: &Config, heads: Arc<Heads>) -> Result<Hub> {
        // Half the pool at most for streams' own reads, so requests always find connections.
        let readers = usize::try_from(config.database.pool_size / 2).unwrap_or(1);
        let shared = Arc::new(hub::shared(db, &config.live, readers, heads)?);
        Ok(Hub { shared })
    }

    /// Its two workers: the publisher, which tails the log, and the heartbeat.
    pub fn workers(&self) -> (Publisher, Heartbeat) {
        (
            Publisher(self.shared.clone()),
            Heartbeat(self.shared.clone()),
        )
    }

    /// Opens a stream for `subscriber`: 401 for the anonymous, 503 once the hub has stopped.
    pub async fn open(&self, subscriber: Subscriber) -> Result<Connection> {
        Connection::open(self.shared.clone(), subscriber).await
    }

    /// The last event id broadcast.
    pub fn last_id(&self) -> i64 {
        self.shared.last_id()
    }

    /// A receiver of every signal published from now on; `None` once the hub has stopped.
    pub fn subscribe(&self) -> Option<tokio::sync::broadcast::Receiver<Signal>> {
        self.shared.subscribe().map(|(signals, _)| signals)
    }
}
