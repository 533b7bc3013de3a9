//! One sender per kind of delivery per database. With several `agora serve` processes on one
//! PostgreSQL database, only the process holding that kind's session-level advisory lock sends; the others try to take it
//! now and then, so when the sender dies (its connection closes and PostgreSQL releases the
//! lock) another one takes over. The lock is held on a connection of its own, outside the
//! pool, because a session lock belongs to the connection that took it.
//!
//! SQLite is one process by design: the lock is always held there.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer};

use crate::db::{Backend, redact_url};

/// Lock class of the mail sender (the first key of the two-key advisory lock).
pub const MAIL_SENDER: i32 = 0x6167_6d6c; // "agml"
/// The lock class of the webhook sender.
pub const WEBHOOK_SENDER: i32 = 0x6167_7768; // "agwh"
/// How often a process that is not the sender tries to become it.
pub const TAKEOVER_RETRY: Duration = Duration::from_secs(5);
/// How often the sender makes sure its lock connection is still alive.
const ALIVE_CHECK: Duration = Duration::from_secs(1);

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// The lock of one kind of singleton work on one database.
pub struct SenderLock {
    url: String,
    backend: Backend,
    class: i32,
    /// The connection holding the lock (PostgreSQL), and when it was last seen alive.
    held: Option<(PgConnection, Instant)>,
    /// When taking the lock was last tried.
    last_try: Option<Instant>,
}

impl std::fmt::Debug for SenderLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderLock")
            .field("url", &redact_url(&self.url))
            .field("class", &self.class)
            .field("held", &self.held.is_some())
            .finish()
    }
}

impl SenderLock {
    /// The lock of `class` on the database at `url`, not yet taken.
    pub fn new(url: &str, backend: Backend, class: i32) -> SenderLock {
        SenderLock {
            url: url.to_string(),
            backend,
            class,
            held: None,
            last_try: None,
        }
    }

    /// Whether this process is the sender now: keeps the lock while its connection lives,
    /// tries to take it at most every [`TAKEOVER_RETRY`] otherwise. Blocking: call it off the
    /// async workers.
    pub fn hold(&mut self) -> bool {
        if self.backend == Backend::Sqlite {
            return true;
        }
        if let Some((conn, checked)) = &mut self.held {
            if checked.elapsed() < ALIVE_CHECK {
                return true;
            }
            if conn.batch_execute("SELECT 1").is_ok() {
                *checked = Instant::now();
                return true;
            }
            tracing::warn!(
                class = self.class,
                "sender lock connection lost; stepping down"
            );
            self.held = None;
        }
        if self
            .last_try
            .is_some_and(|at| at.elapsed() < TAKEOVER_RETRY)
        {
            return false;
        }
        self.last_try = Some(Instant::now());
        match self.take() {
            Ok(Some(conn)) => {
                tracing::info!(class = self.class, "this process is the sender now");
                self.held = Some((conn, Instant::now()));
                true
            }
            Ok(None) => false,
            Err(error) => {
                tracing::warn!(%error, class = self.class, "cannot try the sender lock");
                false
            }
        }
    }

    /// A new connection holding the lock, or `None` when another session holds it. The
    /// second key is the schema, so databases that share a server by schema (tests, or
    /// several instances) each have their own sender.
    fn take(&self) -> Result<Option<PgConnection>, String> {
        let mut conn = PgConnection::establish(&self.url).map_err(|e| e.to_string())?;
        let taken = diesel::sql_query(
            "SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS taken",
        )
        .bind::<Integer, _>(self.class)
        .get_result::<Taken>(&mut conn)
        .map_err(|e| e.to_string())?;
        Ok(taken.taken.then_some(conn))
    }
}
