//! The PostgreSQL full-text baseline of search mode: a `tsvector` column on posts with a GIN
//! index, added by the benchmark (not a migration), and the query mix as SQL with `ts_rank`,
//! the same visibility filter as Agora's (the company feed, or a group the viewer may read),
//! run on connections of its own, without HTTP, in two forms: the ranked ids alone, and the
//! whole first page as the search API gives it (each post's author as its title and a
//! `ts_headline` snippet with `<mark>` around the matches).

use std::fmt::Write;
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Float, Text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::drive::Stats;
use crate::search::Query;

/// What adding the column and its index cost.
pub struct Setup {
    pub posts: i64,
    pub column: Duration,
    pub index: Duration,
    pub vacuum: Duration,
    pub index_bytes: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    #[expect(dead_code, reason = "loaded as a client would, never read")]
    id: i64,
    #[diesel(sql_type = Float)]
    #[expect(dead_code, reason = "loaded as a client would, never read")]
    rank: f32,
}

#[derive(QueryableByName)]
struct Shown {
    #[diesel(embed)]
    #[expect(dead_code, reason = "loaded as a client would, never read")]
    ranked: Ranked,
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "loaded as a client would, never read")]
    title: String,
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "loaded as a client would, never read")]
    snippet: String,
}

/// What the SQL answers with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The ids and ranks of the first 20.
    Ranked,
    /// The first page as the API shows it: ids, ranks, titles and snippets.
    Page,
}

fn connect(url: &str) -> Result<PgConnection, String> {
    PgConnection::establish(url).map_err(|e| format!("PostgreSQL baseline: {e}"))
}

fn timed(conn: &mut PgConnection, sql: &str) -> Result<Duration, String> {
    let started = Instant::now();
    diesel::sql_query(sql)
        .execute(conn)
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(started.elapsed())
}

/// Adds `posts.bench_tsv` (`to_tsvector('english', body)`, generated and stored) and its GIN
/// index, then vacuums and analyzes the table.
pub fn prepare(url: &str) -> Result<Setup, String> {
    let mut conn = connect(url)?;
    let posts = diesel::sql_query("SELECT count(*) AS n FROM posts")
        .get_result::<Count>(&mut conn)
        .map_err(|e| e.to_string())?
        .n;
    // With the default 64 MB a GIN build over a million rows spills to disk in many passes;
    // a one-off build like this one would be given more.
    timed(&mut conn, "SET maintenance_work_mem = '512MB'")?;
    let column = timed(
        &mut conn,
        "ALTER TABLE posts ADD COLUMN IF NOT EXISTS bench_tsv tsvector \
         GENERATED ALWAYS AS (to_tsvector('english', body)) STORED",
    )?;
    let index = timed(
        &mut conn,
        "CREATE INDEX IF NOT EXISTS posts_bench_tsv ON posts USING GIN (bench_tsv)",
    )?;
    let vacuum = timed(&mut conn, "VACUUM ANALYZE posts")?;
    let index_bytes = diesel::sql_query("SELECT pg_relation_size('posts_bench_tsv') AS n")
        .get_result::<Count>(&mut conn)
        .map_err(|e| e.to_string())?
        .n;
    Ok(Setup {
        posts,
        column,
        index,
        vacuum,
        index_bytes,
    })
}

/// The query as one SQL statement: `$1` the text, `$2` the viewer's readable groups.
fn statement(query: &Query, answer: Answer) -> String {
    let function = if query.phrase {
        "phraseto_tsquery"
    } else {
        "plainto_tsquery"
    };
    let mut filters = String::new();
    if let Some(group) = query.group {
        let _ = write!(filters, " AND group_id = {group}");
    }
    if let Some(author) = query.author {
        let _ = write!(filters, " AND author_id = {author}");
    }
    let ranked = format!(
        "SELECT id, ts_rank(bench_tsv, q) AS rank FROM posts, {function}('english', $1) AS q \
         WHERE bench_tsv @@ q AND deleted_at IS NULL \
         AND (group_id IS NULL OR group_id = ANY($2)){filters} \
         ORDER BY rank DESC LIMIT 20"
    );
    match answer {
        Answer::Ranked => ranked,
        // Titles and snippets for the 20 shown only, as the API makes them.
        Answer::Page => format!(
            "SELECT p.id, r.rank, u.name AS title, ts_headline('english', p.body, \
             {function}('english', $1), 'StartSel=<mark>, StopSel=</mark>, MaxFragments=1') \
             AS snippet FROM ({ranked}) AS r JOIN posts p ON p.id = r.id \
             JOIN users u ON u.id = p.author_id ORDER BY r.rank DESC"
        ),
    }
}

fn one(
    conn: &mut PgConnection,
    sql: &str,
    answer: Answer,
    text: &str,
    readable: &[i64],
) -> Result<usize, String> {
    let statement = diesel::sql_query(sql)
        .bind::<Text, _>(text)
        .bind::<Array<BigInt>, _>(readable);
    match answer {
        Answer::Ranked => statement.load::<Ranked>(conn).map(|rows| rows.len()),
        Answer::Page => statement.load::<Shown>(conn).map(|rows| rows.len()),
    }
    .map_err(|e| e.to_string())
}

/// The rows one viewer gets for `query`.
pub fn sample(url: &str, query: &Query, readable: &[i64]) -> Result<usize, String> {
    let mut conn = connect(url)?;
    let mut rows = |answer| {
        one(
            &mut conn,
            &statement(query, answer),
            answer,
            &query.text,
            readable,
        )
    };
    let (ranked, page) = (rows(Answer::Ranked)?, rows(Answer::Page)?);
    if ranked != page {
        return Err(format!(
            "{:?}: {ranked} ranked rows but a page of {page}",
            query.q
        ));
    }
    Ok(page)
}

/// Runs `query`, answered as `answer`, on `clients` connections for `seconds`, each time for a random viewer.
pub fn measure(
    url: &str,
    query: &Query,
    answer: Answer,
    readable: &[Vec<i64>],
    clients: usize,
    seconds: u64,
) -> Result<Stats, String> {
    let sql = statement(query, answer);
    let mut conns = (0..clients)
        .map(|_| connect(url))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = conns
            .iter_mut()
            .enumerate()
            .map(|(c, conn)| {
                let sql = &sql;
                scope.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(c as u64 + 1);
                    let (mut latencies, mut errors) = (Vec::new(), 0);
                    while Instant::now() < deadline {
                        let groups = &readable[rng.gen_range(0..readable.len())];
                        let t = Instant::now();
                        match one(conn, sql, answer, &query.text, groups) {
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
    Ok(Stats::of_clients(results, started.elapsed()))
}
