//! The in-process side of search mode: the query mix through `agora::search::search` called
//! directly, with each viewer's access scope resolved once beforehand — the same footing as
//! the PostgreSQL baseline (a bare statement with the viewer's groups worked out beforehand),
//! without HTTP, token lookup, resolving the scope per request or JSON.
//!
//! The clients hand their searches to as many worker threads as the machine has cores, as a
//! server runs requests on a fixed pool of workers, and wait for each answer before asking
//! again. (Sixteen threads that each search without pause never wait on anything, so the
//! operating system lets each run for whole time slices while the others queue: the slowest
//! searches would then measure the scheduler's slices, not the search.) Each worker holds one
//! pooled connection for its whole run, as each PostgreSQL client holds its own.

use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use agora::access::Scope;
use agora::config::SearchSettings;
use agora::db::{Db, DbConnection};
use agora::search::{Kind, Request, SearchIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::drive::Stats;

/// Results on a page, as through the API.
const LIMIT: usize = 20;

/// What a search runs on: the server's own database pool, index and search settings.
pub struct Engine<'a> {
    pub db: &'a Db,
    pub index: &'a SearchIndex,
    pub settings: SearchSettings,
}

/// One search for one viewer on `conn`: the results on the first page.
fn search_on(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    scope: &Scope,
    q: &str,
) -> Result<usize, String> {
    let generation = engine.index.current();
    agora::search::search(
        conn,
        scope,
        &generation,
        &engine.settings,
        Request {
            q,
            kind: Some(Kind::Post),
            cursor: None,
            limit: LIMIT,
        },
    )
    .map(|found| found.hits.len())
    .map_err(|e| e.detail)
}

/// One search for one viewer: the results on the first page.
pub fn sample(engine: &Engine<'_>, scope: &Scope, q: &str) -> Result<usize, String> {
    let mut conn = engine.db.conn().map_err(|e| e.detail)?;
    search_on(&mut conn, engine, scope, q)
}

/// One search asked of the workers: whose scope, and where the answer goes.
type Asked = (usize, mpsc::SyncSender<bool>);

/// Runs `q` from `clients` clients for `seconds`, each time for a random viewer: up to one
/// client per core searches itself; more hand their searches to one worker per core.
pub fn measure(
    engine: &Engine<'_>,
    scopes: &[Scope],
    q: &str,
    clients: usize,
    seconds: u64,
) -> Stats {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pooled = clients > cores;
    let (ask, asked) = mpsc::channel::<Asked>();
    let asked = Mutex::new(asked);
    let search = |conn: Option<&mut DbConnection>, viewer: usize| {
        conn.is_some_and(|conn| search_on(conn, engine, &scopes[viewer], q).is_ok())
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|threads| {
        if pooled {
            for _ in 0..cores {
                let asked = &asked;
                threads.spawn(move || {
                    let mut conn = engine.db.conn().ok();
                    // Ends when every client is done and the channel closes.
                    while let Ok((viewer, answer)) =
                        asked.lock().map_or(Err(mpsc::RecvError), |a| a.recv())
                    {
                        let _ = answer.send(search(conn.as_deref_mut(), viewer));
                    }
                });
            }
        }
        let clients: Vec<_> = (0..clients)
            .map(|c| {
                let ask = ask.clone();
                threads.spawn(move || {
                    if pooled {
                        let (answer, answered) = mpsc::sync_channel(1);
                        client(c, scopes.len(), deadline, |viewer| {
                            ask.send((viewer, answer.clone())).is_ok()
                                && answered.recv().unwrap_or(false)
                        })
                    } else {
                        let mut conn = engine.db.conn().ok();
                        client(c, scopes.len(), deadline, |viewer| {
                            search(conn.as_deref_mut(), viewer)
                        })
                    }
                })
            })
            .collect();
        drop(ask);
        clients
            .into_iter()
            .map(|c| c.join().unwrap_or_default())
            .collect()
    });
    Stats::of_clients(results, started.elapsed())
}

/// Client number `c`: searches for random viewers until `deadline`, one at a time; the time
/// of each search found, and how many failed.
fn client(
    c: usize,
    viewers: usize,
    deadline: Instant,
    mut search: impl FnMut(usize) -> bool,
) -> (Vec<Duration>, usize) {
    let mut rng = StdRng::seed_from_u64(c as u64 + 1);
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while Instant::now() < deadline {
        let viewer = rng.gen_range(0..viewers);
        let t = Instant::now();
        if search(viewer) {
            latencies.push(t.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}
