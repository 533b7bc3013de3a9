//! The events log: ordering under concurrent, out-of-order commits; stored cursors; prompt
//! wake-ups after commit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use agora::db::write_transaction;
use agora::error::Error;
use agora::events::{self, NewEvent};

use crate::on_both_backends;
use crate::support::TestDb;

on_both_backends! {
    async fn consumers_never_skip_an_event_committed_late(backend: Backend) {
        let test_db = TestDb::new(backend);
        let db = test_db.open();
        const WRITERS: usize = 6;
        const EVENTS_EACH: usize = 15;
        let done = Arc::new(AtomicBool::new(false));
        // The consumer reads continuously while writers hold their transactions open for a
        // random while after taking an event id, so commits land out of id order.
        let consumer = {
            let (db, done) = (db.clone(), done.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut cursor = 0;
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let batch = db.read(|conn| events::read_after(conn, cursor, 1000)).unwrap();
                    for event in batch {
                        cursor = event.id;
                        seen.push(event.id);
                    }
                    if finished {
                        return seen;
                    }
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
                            events::append(conn, NewEvent::new("test.event", None, Some((w * 100 + n) as i64)))?;
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
        let seen = consumer.join().unwrap();
        let expected: Vec<i64> = (1..=(WRITERS * EVENTS_EACH) as i64).collect();
        assert_eq!(seen, expected, "every event seen once, in id order, none skipped");
    }

    async fn a_rolled_back_change_leaves_no_event(backend: Backend) {
        let test_db = TestDb::new(backend);
        let db = test_db.open();
        let failed = db.write(|conn| {
            events::append(conn, NewEvent::new("test.event", None, None))?;
            Err::<(), _>(Error::conflict("test", "roll back"))
        });
        assert!(failed.is_err());
        assert_eq!(db.read(events::last_id).unwrap(), 0);
    }

    async fn a_consumer_resumes_from_its_stored_cursor(backend: Backend) {
        let test_db = TestDb::new(backend);
        let db = test_db.open();
        for n in 0..5 {
            db.write(|conn| events::append(conn, NewEvent::new("test.event", None, Some(n)))).unwrap();
        }
        let mut applied = Vec::new();
        let n = events::consume_batch(&db, "indexer", 3, |_, e| { applied.push(e.subject_id); Ok(()) }).unwrap();
        assert_eq!(n, 3);
        let failing = events::consume_batch(&db, "indexer", 10, |_, _| Err(Error::conflict("test", "crash mid-batch")));
        assert!(failing.is_err(), "a failed batch keeps the cursor where it was");
        let reopened = test_db.open();
        events::consume_batch(&reopened, "indexer", 10, |_, e| { applied.push(e.subject_id); Ok(()) }).unwrap();
        assert_eq!(applied, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(events::consume_batch(&reopened, "indexer", 10, |_, _| Ok(())).unwrap(), 0);
        let other = events::consume_batch(&reopened, "mailer", 10, |_, _| Ok(())).unwrap();
        assert_eq!(other, 5, "each consumer has its own cursor");
    }

    async fn a_tailing_consumer_wakes_promptly_after_a_commit(backend: Backend) {
        let test_db = TestDb::new(backend);
        let db = test_db.open();
        let (sender, received) = mpsc::channel();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // A poll interval of a minute: only the commit's wake-up can explain a prompt delivery.
        actix_web::rt::spawn(events::tail(db.clone(), "live".into(), Duration::from_secs(60), move |_, e| {
            let _ = sender.send(e.id);
            Ok(())
        }, stopped));
        let started = Instant::now();
        let id = db.write(|conn| events::append(conn, NewEvent::new("test.event", None, None))).unwrap();
        let got = actix_web::rt::task::spawn_blocking(move || received.recv_timeout(Duration::from_secs(10))).await.unwrap();
        assert_eq!(got, Ok(id));
        assert!(started.elapsed() < Duration::from_secs(2), "woke after {:?}", started.elapsed());
        stop.send(true).unwrap();
    }
}
