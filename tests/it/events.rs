//! The events log: ordering under concurrent, out-of-order commits; writers that do not wait
//! on one another; stored cursors; prompt wake-ups after commit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use agora::db::{DbConnection, write_transaction};
use agora::error::{Error, Result};
use agora::events::sequencer::{self, Sequencer};
use agora::events::{self, Columns, Event, Recorded};
use agora::ids::{GroupId, UserId};
use agora::workers::{self, Appended, Consumer, ConsumerWorker};
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{Backend, TestDb};

async fn consumers_never_skip_an_event_committed_late(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    const WRITERS: usize = 6;
    const EVENTS_EACH: usize = 15;
    let done = Arc::new(AtomicBool::new(false));
    // The consumer reads continuously (sequencing first, as the sequencer worker would) while
    // writers hold their transactions open for a random while after appending, so commits
    // land out of order; a second sequencer, as in another process, competes for the rows.
    let consumer = {
        let (db, done) = (db.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let batch = db
                    .read(|conn| {
                        events::sequence(conn)?;
                        events::read_after(conn, cursor, 1000, "test")
                    })
                    .unwrap();
                for event in batch.events {
                    cursor = event.id;
                    seen.push((event.id, event.event));
                }
                if finished {
                    return seen;
                }
            }
        })
    };
    let rival = {
        let (db, done) = (db.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                db.read(events::sequence).unwrap();
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || {
                for n in 0..EVENTS_EACH {
                    let mut conn = db.conn().unwrap();
                    write_transaction(&mut conn, |conn| {
                        events::append(conn, &joined((w * 100 + n) as i64))?;
                        std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 8));
                        Ok::<_, Error>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    rival.join().unwrap();
    let seen = consumer.join().unwrap();
    let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    let expected: Vec<i64> = (1..=(WRITERS * EVENTS_EACH) as i64).collect();
    assert_eq!(ids, expected, "every id seen once, in order, none skipped");
    let mut written: Vec<Event> = (0..WRITERS)
        .flat_map(|w| (0..EVENTS_EACH).map(move |n| joined((w * 100 + n) as i64)))
        .collect();
    let mut read: Vec<Event> = seen.into_iter().map(|(_, event)| event).collect();
    written.sort_by_key(|event| format!("{event:?}"));
    read.sort_by_key(|event| format!("{event:?}"));
    assert_eq!(read, written, "every event written was read, once");
}

/// On PostgreSQL a writer appends without waiting for another writer's open transaction, and
/// its event is read at once; the open one's follows when it commits.
async fn writers_do_not_wait_for_one_another(backend: Backend) {
    if backend == Backend::Sqlite {
        return; // one writer at a time, by design
    }
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    let (appended, release) = (mpsc::channel(), mpsc::channel::<()>());
    let slow = {
        let (db, appended, release) = (db.clone(), appended.0, release.1);
        std::thread::spawn(move || {
            db.write(|conn| {
                events::append(conn, &joined(1))?;
                appended.send(()).unwrap();
                release.recv().unwrap();
                Ok(())
            })
            .unwrap()
        })
    };
    appended.1.recv().unwrap();
    let started = Instant::now();
    db.write(|conn| events::append(conn, &joined(2))).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the second writer waited {:?}",
        started.elapsed()
    );
    assert_eq!(db.read(events::sequence).unwrap().head, 1);
    release.0.send(()).unwrap();
    slow.join().unwrap();
    assert_eq!(db.read(events::sequence).unwrap().head, 2);
    let batch = db
        .read(|conn| events::read_after(conn, 0, 10, "test"))
        .unwrap();
    let order: Vec<Event> = batch.events.into_iter().map(|r| r.event).collect();
    assert_eq!(order, [joined(2), joined(1)], "in the order they committed");
}

async fn a_rolled_back_change_leaves_no_event(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    let failed = db.write(|conn| {
        events::append(conn, &joined(1))?;
        Err::<(), _>(Error::internal("roll back"))
    });
    assert!(failed.is_err());
    assert_eq!(db.read(events::sequence).unwrap().head, 0);
}

async fn a_consumer_resumes_from_its_stored_cursor(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    for n in 0..5 {
        write_event(&db, n);
    }
    let indexer = Recording::new("indexer", 3);
    let n = workers::consume_batch(&db, &indexer).unwrap();
    assert_eq!(n.read, 3);
    let failing = Recording {
        fail: true,
        ..Recording::new("indexer", 10)
    };
    assert!(
        workers::consume_batch(&db, &failing).is_err(),
        "a failed batch keeps the cursor where it was"
    );
    let reopened = test_db.open();
    workers::consume_batch(&reopened, &indexer).unwrap();
    assert_eq!(indexer.seen(), [0, 1, 2, 3, 4]);
    assert_eq!(workers::consume_batch(&reopened, &indexer).unwrap().read, 0);
    let other = workers::consume_batch(&reopened, &Recording::new("mailer", 10)).unwrap();
    assert_eq!(other.read, 5, "each consumer has its own cursor");
}

async fn an_unreadable_row_is_skipped_with_its_id_never_guessed_at(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    write_event(&db, 1);
    insert_raw(&db, 2, "post.teleported", r#"{"to":"mars"}"#);
    insert_raw(&db, 3, "group.joined", "{not json");
    insert_raw(&db, 4, "group.member_added", r#"{"member":"nobody"}"#);
    write_event(&db, 5);
    let consumer = Recording::new("notifier", 10);
    let consumed = workers::consume_batch(&db, &consumer).unwrap();
    assert_eq!(
        consumer.seen(),
        [1, 5],
        "only the readable events reach the consumer"
    );
    assert_eq!(
        (consumed.read, consumed.cursor),
        (5, 5),
        "the cursor moves past the unreadable ones"
    );
}

async fn rows_written_before_events_were_typed_read_back_unchanged(backend: Backend) {
    // One row of each kind and payload shape, as the string-typed log wrote them (dumped
    // from a database that build filled through its API).
    let fixture = include_str!("fixtures/events_before_typing.jsonl");
    let rows: Vec<Value> = fixture
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    for (n, row) in rows.iter().enumerate() {
        let columns = Columns {
            kind: row["kind"].as_str().unwrap().into(),
            actor_id: row["actor_id"].as_i64(),
            subject_id: row["subject_id"].as_i64(),
            payload: row["payload"].as_str().unwrap().into(),
        };
        insert_row(&db, n as i64 + 1, &columns);
    }
    let batch = db
        .read(|conn| events::read_after(conn, 0, 1000, "test"))
        .unwrap();
    assert_eq!(batch.events.len(), rows.len(), "every stored row decodes");
    for (recorded, row) in batch.events.iter().zip(&rows) {
        let columns = events::encode(&recorded.event);
        assert_eq!(columns.kind, row["kind"]);
        assert_eq!(
            (columns.actor_id, columns.subject_id),
            (row["actor_id"].as_i64(), row["subject_id"].as_i64()),
            "{row}"
        );
        assert_eq!(columns.payload, row["payload"].as_str().unwrap(), "{row}");
    }
}

async fn a_worker_wakes_promptly_after_a_commit(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    let (sender, received) = mpsc::channel();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // A poll interval of a minute: only the commit's wake-up can explain a prompt delivery.
    let consumer = Recording {
        sender: Some(std::sync::Mutex::new(sender)),
        ..Recording::new("live", 10)
    };
    let status = workers::Status::default();
    // The sequencer only moves rows on PostgreSQL; on SQLite it reads the head.
    workers::spawn(&db, &status, Sequencer::new(&db), stopped.clone());
    workers::spawn(&db, &status, ConsumerWorker::new(&db, consumer), stopped);
    let started = Instant::now();
    db.write(|conn| events::append(conn, &joined(7))).unwrap();
    let id = 1; // the first event of a new log
    let got =
        actix_web::rt::task::spawn_blocking(move || received.recv_timeout(Duration::from_secs(10)))
            .await
            .unwrap();
    assert_eq!(got, Ok(id));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "woke after {:?}",
        started.elapsed()
    );
    // The board hears of the pass once it has committed.
    let report = || {
        status
            .reports()
            .into_iter()
            .find(|r| r.name == "live")
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while report().position != Some(id) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let report = report();
    assert!(
        report.passes > 0 && report.last_error.is_none() && report.position == Some(id),
        "{report:?}"
    );
    stop.send(true).unwrap();
}

async fn the_inbox_stays_small_however_many_events_pass_through(backend: Backend) {
    if backend == Backend::Sqlite {
        return; // events go straight into the log
    }
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    let pages = || {
        use diesel::prelude::*;
        db.read(|conn| {
            let bytes = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "pg_relation_size('event_inbox')",
            ))
            .get_result::<i64>(conn)?;
            Ok::<_, Error>(bytes / 8192)
        })
        .unwrap()
    };
    // Each round appends, moves and vacuums as the sequencer does: the next round reuses the
    // pages the vacuum freed. Without it every round adds its pages to the inbox, which each
    // move reads whole. (A snapshot of another test on this server may keep a round's rows
    // past its vacuum; a later one frees them.)
    let round = |first: i64| {
        db.write(|conn| (first..first + 500).try_for_each(|n| events::append(conn, &joined(n))))
            .unwrap();
        assert_eq!(db.read(events::sequence).unwrap().moved, 500);
        db.read(sequencer::vacuum_inbox).unwrap();
    };
    round(0);
    let one_round = pages().max(1);
    const ROUNDS: i64 = 16;
    for r in 1..ROUNDS {
        round(r * 500);
    }
    assert!(
        pages() <= ROUNDS * one_round / 2,
        "the inbox grew to {} pages in {ROUNDS} rounds of {one_round}",
        pages()
    );
    assert_eq!(db.read(events::sequence).unwrap().head, ROUNDS * 500);
}

on_both_backends!(
    the_inbox_stays_small_however_many_events_pass_through,
    consumers_never_skip_an_event_committed_late,
    writers_do_not_wait_for_one_another,
    a_rolled_back_change_leaves_no_event,
    a_consumer_resumes_from_its_stored_cursor,
    an_unreadable_row_is_skipped_with_its_id_never_guessed_at,
    rows_written_before_events_were_typed_read_back_unchanged,
    a_worker_wakes_promptly_after_a_commit
);

/// An event about member `n` (and group `n`), to fill the log with.
fn joined(n: i64) -> Event {
    Event::GroupJoined {
        member: UserId(n),
        group: GroupId(n),
    }
}

/// Appends event `n` and gives it its id, as the sequencer worker would.
fn write_event(db: &agora::db::Db, n: i64) {
    db.write(|conn| events::append(conn, &joined(n))).unwrap();
    db.read(events::sequence).unwrap();
}

/// Writes a row by hand, as another build (or a bug) might have.
fn insert_raw(db: &agora::db::Db, id: i64, kind: &str, payload: &str) {
    let columns = Columns {
        kind: kind.into(),
        actor_id: Some(1),
        subject_id: Some(id),
        payload: payload.into(),
    };
    insert_row(db, id, &columns);
}

/// Writes event row `id` with `columns`, bypassing the codec.
fn insert_row(db: &agora::db::Db, id: i64, columns: &Columns) {
    use agora::db::schema::events as log;
    use diesel::prelude::*;
    db.write(|conn| {
        diesel::insert_into(log::table)
            .values((
                log::id.eq(id),
                log::kind.eq(&columns.kind),
                log::actor_id.eq(columns.actor_id),
                log::subject_id.eq(columns.subject_id),
                log::payload.eq(&columns.payload),
                log::created_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
}

/// A consumer that writes down the groups of the events it is given (or fails, or sends
/// their ids on).
struct Recording {
    name: &'static str,
    batch: i64,
    fail: bool,
    seen: std::sync::Mutex<Vec<i64>>,
    sender: Option<std::sync::Mutex<mpsc::Sender<i64>>>,
}

impl Recording {
    fn new(name: &'static str, batch: i64) -> Recording {
        Recording {
            name,
            batch,
            fail: false,
            seen: Default::default(),
            sender: None,
        }
    }

    fn seen(&self) -> Vec<i64> {
        self.seen.lock().unwrap().clone()
    }
}

impl Consumer for Recording {
    fn name(&self) -> &'static str {
        self.name
    }

    fn batch_size(&self) -> i64 {
        self.batch
    }

    fn poll(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn apply(&self, _: &mut DbConnection, events: &[Recorded]) -> Result<Appended> {
        if self.fail {
            return Err(Error::internal("crash mid-batch"));
        }
        for recorded in events {
            if let Event::GroupJoined { group, .. } = recorded.event {
                self.seen.lock().unwrap().push(group.0);
            }
            if let Some(sender) = &self.sender {
                let _ = sender.lock().unwrap().send(recorded.id);
            }
        }
        Ok(Appended(false))
    }
}
