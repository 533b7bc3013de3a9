//! Gives PostgreSQL's appended events their ids, in the order it finds them committed.
//!
//! A writer appends to `event_inbox` and commits without waiting for anyone. The sequencer
//! moves every committed inbox row into `events` with the next dense ids, in one statement
//! (one snapshot), while sequencers take turns on an advisory lock held until they commit.
//! A row committed after a sequencer's snapshot stays for the next turn, which reads the head
//! only after this turn committed: so every id is given after every smaller one is visible,
//! and a consumer that has read up to id N never later finds a smaller one.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::last_id;
use crate::db::{Db, DbConnection, lock_sequencer, write_transaction};
use crate::error::Result;
use crate::workers::{Pass, Wake, Worker, blocking};

/// What one [`sequence`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sequenced {
    /// Rows given ids.
    pub moved: usize,
    /// The newest event id afterwards.
    pub head: i64,
}

/// Inserts the inbox rows that `from` yields into the log after its newest id, in the order
/// they were appended.
fn into_log(from: &str) -> String {
    format!(
        "INSERT INTO events (id, kind, actor_id, subject_id, payload, created_at) \
         SELECT (SELECT COALESCE(MAX(id), 0) FROM events) + ROW_NUMBER() OVER (ORDER BY seq), \
                kind, actor_id, subject_id, payload, created_at \
         FROM {from}"
    )
}

/// Moves the inbox's committed rows into the log. Call it outside a transaction: it runs its
/// own. On SQLite, which appends to the log directly, it only reads the head.
pub fn sequence(conn: &mut DbConnection) -> Result<Sequenced> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(Sequenced {
            moved: 0,
            head: last_id(conn)?,
        });
    }
    write_transaction(conn, |conn| {
        // Taken before the statement below, whose snapshot then sees the previous turn's ids.
        lock_sequencer(conn)?;
        // One statement, one snapshot: every row deleted is a row inserted. Left unprepared:
        // kept prepared (`db::kept`), its execution took ~1 ms against ~0.55 ms planned anew
        // (`pg_stat_statements`, three alternated pairs of runs).
        let moved = diesel::sql_query(format!(
            "WITH moved AS (DELETE FROM event_inbox \
                            RETURNING seq, kind, actor_id, subject_id, payload, created_at) {}",
            into_log("moved")
        ))
        .execute(conn)?;
        Ok(Sequenced {
            moved,
            head: last_id(conn)?,
        })
    })
}

/// Rows moved between two vacuums of the inbox.
const VACUUM_AFTER: usize = 2_000;

/// Clears the inbox of the rows moved out of it. Each move deletes what it moves and reads
/// the whole table, so without this it would read every page the inbox ever grew to: autovacuum
/// may be off, and runs a minute apart at best. A sequencer of another process vacuuming it
/// at the same time is as good (`SKIP_LOCKED`). The freed pages are reused, not cut off the
/// file: cutting takes a lock that every writer's append would wait for, and under writes
/// the vacuum kept trying to take it, 0.5 s a pass.
pub fn vacuum_inbox(conn: &mut DbConnection) -> Result<()> {
    if matches!(conn, DbConnection::Postgres(_)) {
        conn.batch_execute("VACUUM (SKIP_LOCKED, TRUNCATE false) event_inbox")?;
    }
    Ok(())
}

/// After an import: rows the archive's inbox held (committed at the source, not yet given
/// ids) come after every event in the archive, in their order. Run in a transaction, while
/// nothing else writes.
pub fn adopt_inbox(conn: &mut DbConnection) -> Result<usize> {
    let moved = diesel::sql_query(into_log("event_inbox")).execute(conn)?;
    diesel::sql_query("DELETE FROM event_inbox").execute(conn)?;
    Ok(moved)
}

/// The worker that runs [`sequence`] after every commit of this process. It wakes the log's
/// consumers when the head moved, whichever process's sequencer moved it.
pub struct Sequencer {
    db: Db,
    head: i64,
    /// Rows moved since the inbox was last vacuumed.
    unvacuumed: usize,
}

impl Sequencer {
    pub fn new(db: &Db) -> Sequencer {
        Sequencer {
            db: db.clone(),
            head: 0,
            unvacuumed: 0,
        }
    }
}

impl Worker for Sequencer {
    fn name(&self) -> &'static str {
        "event_sequencer"
    }

    fn wake(&self) -> Wake {
        // The poll moves rows a process left when it died, and notices the head moved by
        // other processes' sequencers.
        Wake::OnCommit(Duration::from_millis(250))
    }

    async fn pass(&mut self) -> Result<Pass> {
        let db = self.db.clone();
        // Counted before the move: every write committed by then is moved by it.
        let commits = db.wakeup().commits();
        let done = blocking(move || db.read(sequence)).await?;
        self.db.wakeup().logged_through(commits);
        if done.head != self.head {
            self.head = done.head;
            self.db.wakeup().log_grew();
        }
        self.unvacuumed += done.moved;
        if self.unvacuumed >= VACUUM_AFTER {
            self.unvacuumed = 0;
            let db = self.db.clone();
            blocking(move || db.read(vacuum_inbox)).await?;
        }
        Ok(Pass {
            more: false,
            position: Some(done.head),
        })
    }
}
