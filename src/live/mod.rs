//! Live updates: the in-process hub behind `GET /api/v1/stream`.
//!
//! One task per process tails the events log, starting after the newest event at start (the
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
//! - The hub stops when its last [`Hub`] handle is dropped, which closes every stream.
//!
//! Design notes and the memory cost of an idle stream: `docs/live.md`.

mod connection;
mod frame;
mod hub;
mod meta;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;

use crate::config::Config;
use crate::db::Db;
use crate::error::Result;

pub use connection::{Connection, StreamCredential, Subscriber};
pub use frame::Counts;
pub use meta::{Content, CountsOf, Meta, Topic};

/// A handle to the running hub. Clones share it; the hub task ends when the last is dropped.
#[derive(Clone, Debug)]
pub struct Hub {
    shared: Arc<hub::Shared>,
    /// Never sent on: dropping the last handle closes it, which stops the task.
    _running: Arc<watch::Sender<()>>,
}

impl Hub {
    /// Creates the hub after the newest event (one blocking read) and returns it with its task,
    /// for the caller to spawn next to the server it serves.
    pub fn start(db: &Db, config: &Config) -> Result<(Hub, impl Future<Output = ()> + 'static)> {
        // Half the pool at most for streams' own reads, so requests always find connections.
        let readers = usize::try_from(config.database.pool_size / 2).unwrap_or(1);
        let shared = Arc::new(hub::shared(db, &config.live, readers)?);
        let (running, stopped) = watch::channel(());
        let task = hub::run(shared.clone(), stopped);
        Ok((
            Hub {
                shared,
                _running: Arc::new(running),
            },
            task,
        ))
    }

    /// Opens a stream for `subscriber`: 401 for the anonymous, 503 once the hub has stopped.
    pub async fn open(&self, subscriber: Subscriber) -> Result<Connection> {
        Connection::open(self.shared.clone(), subscriber).await
    }

    /// The last event id broadcast.
    pub fn last_id(&self) -> i64 {
        self.shared.last_id()
    }
}
