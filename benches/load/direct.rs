//! The in-process side of search mode: the query mix through `agora::search::search` called
//! directly, with each viewer's access scope resolved once beforehand — the same footing as
//! the PostgreSQL baseline (a bare statement with the viewer's groups worked out beforehand),
//! without HTTP, token lookup, resolving the scope per request or JSON. Each thread holds one
//! pooled connection for its whole run, as each PostgreSQL client holds its own.

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
    .map(|(hits, _)| hits.len())
    .map_err(|e| e.detail)
}

/// One search for one viewer: the results on the first page.
pub fn sample(engine: &Engine<'_>, scope: &Scope, q: &str) -> Result<usize, String> {
    let mut conn = engine.db.conn().map_err(|e| e.detail)?;
    search_on(&mut conn, engine, scope, q)
}

/// Runs `q` from `clients` threads for `seconds`, each time for a random viewer.
pub fn measure(
    engine: &Engine<'_>,
    scopes: &[Scope],
    q: &str,
    clients: usize,
    seconds: u64,
) -> Stats {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|threads| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                threads.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(c as u64 + 1);
                    let (mut latencies, mut errors) = (Vec::new(), 0);
                    // Held for the whole run, as each PostgreSQL client holds its connection.
                    let Ok(mut conn) = engine.db.conn() else {
                        return (latencies, 1);
                    };
                    while Instant::now() < deadline {
                        let scope = &scopes[rng.gen_range(0..scopes.len())];
                        let t = Instant::now();
                        match search_on(&mut conn, engine, scope, q) {
                            Ok(_) => latencies.push(t.elapsed()),
                            Err(_) => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|(l, _)| l.clone()).collect();
    latencies.sort_unstable();
    Stats {
        latencies,
        errors: results.iter().map(|(_, e)| e).sum(),
        elapsed,
    }
}
