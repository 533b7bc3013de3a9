//! Search mode (`--search`): builds the index of the seeded network, then measures a fixed
//! query mix through `GET /api/v1/search` and through `agora::search::search` in process at 1
//! and 16 clients (on PostgreSQL next to the same queries as PostgreSQL full-text SQL),
//! typeahead, and how soon a new post is found.

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use agora::access::{Principal, Scope, Viewer};
use agora::accounts::UserKind;
use agora::db::{Backend, Db};
use agora::search::SearchIndex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::drive::{self, Stats};
use crate::seed::{Seeded, Size};
use crate::{direct, freshness, fts, report};

/// Concurrent clients each query runs at.
const CLIENTS: [usize; 2] = [1, 16];
/// Typeahead prefixes: the starts of seeded names, handles, groups and tags.
pub const PREFIXES: [&str; 8] = ["us", "use", "user", "gr", "gro", "grou", "ta", "tag"];
/// New posts a second while measuring freshness.
pub const FRESHNESS_RATE: u32 = 50;

/// One query of the mix, as the search box's text and as its parts for SQL.
pub struct Query {
    pub name: &'static str,
    pub q: String,
    /// The words, or the phrase, without filters.
    pub text: String,
    pub phrase: bool,
    pub group: Option<i64>,
    pub author: Option<i64>,
}

fn queries(seeded: &Seeded) -> Result<Vec<Query>, String> {
    let mix = seeded
        .mix
        .as_ref()
        .ok_or("search mode needs posts seeded with prose")?;
    let query = |name, q: String, text: &str| Query {
        name,
        q,
        text: text.to_string(),
        phrase: false,
        group: None,
        author: None,
    };
    let phrase = format!("{} {}", mix.phrase.0, mix.phrase.1);
    let group = &seeded.group_names[mix.group];
    let handle = &seeded.handles[mix.author];
    Ok(vec![
        query("common word", mix.common.clone(), &mix.common),
        query("rare word", mix.rare.clone(), &mix.rare),
        Query {
            phrase: true,
            ..query("two-word phrase", format!("\"{phrase}\""), &phrase)
        },
        Query {
            group: Some(seeded.group_ids[mix.group]),
            ..query(
                "word in:group",
                format!("{} in:\"{group}\"", mix.group_word),
                &mix.group_word,
            )
        },
        Query {
            author: Some(seeded.user_ids[mix.author]),
            ..query(
                "word from:@handle",
                format!("{} from:@{handle}", mix.author_word),
                &mix.author_word,
            )
        },
    ])
}

/// What rebuilding the index cost.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Built {
    pub posts: usize,
    pub others: usize,
    pub seconds: f64,
    /// Of which reading rows and making documents, writing, and waiting for merges.
    pub phases: [f64; 3],
    pub bytes: u64,
}

/// Rebuilds the index from the database. The seeding writes rows without events, so the
/// events-log consumer would never see them; a full rebuild is how such data gets indexed.
pub fn build_index(
    db: &Db,
    search: &SearchIndex,
    data_dir: &Path,
    threads: usize,
) -> Result<Built, String> {
    let rebuilt = agora::search::maintenance::reindex(db, search, threads).map_err(|e| e.detail)?;
    search.follow_swap().map_err(|e| e.detail)?;
    Ok(Built {
        posts: rebuilt.posts,
        others: rebuilt.others,
        seconds: rebuilt.seconds,
        phases: [
            rebuilt.reading_seconds,
            rebuilt.writing_seconds,
            rebuilt.merging_seconds,
        ],
        bytes: size_of_dir(&data_dir.join("search")),
    })
}

/// The file in the data directory where a search run keeps what `--reuse` needs.
pub const PREPARED: &str = "search-bench.json";

/// A seeded and indexed data set, kept for later runs with `--reuse`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Prepared {
    pub scale: f64,
    pub size: Size,
    pub seeding_seconds: f64,
    pub seeded: Seeded,
    pub built: Built,
}

impl Prepared {
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn load(path: &Path) -> Result<Prepared, String> {
        let json = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&json).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn size_of_dir(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => size_of_dir(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Runs `GET {path}` for `seconds` from `clients` concurrent clients, each request as a
/// random signed-in person, reading the whole answer.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    tokens: &[(usize, String)],
    clients: usize,
    seconds: u64,
    path: impl Fn(&mut StdRng) -> String,
) -> Stats {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let path = &path;
    let workers = (0..clients).map(|c| async move {
        let mut rng = StdRng::seed_from_u64(c as u64 + 1);
        let (mut latencies, mut errors) = (Vec::new(), 0);
        while Instant::now() < deadline {
            let (_, token) = &tokens[rng.gen_range(0..tokens.len())];
            let t = Instant::now();
            let response = http
                .get(format!("{base}{}", path(&mut rng)))
                .bearer_auth(token)
                .send()
                .await;
            let ok = match response {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                latencies.push(t.elapsed());
            } else {
                errors += 1;
            }
        }
        (latencies, errors)
    });
    let results = futures_util::future::join_all(workers).await;
    Stats::of_clients(results, started.elapsed())
}

fn search_path(q: &str) -> String {
    let mut encoded = String::new();
    for byte in q.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("/api/v1/search?type=posts&q={encoded}")
}

/// Results on the first page for the first signed-in person.
async fn first_page(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    q: &str,
) -> Result<usize, String> {
    let response = http
        .get(format!("{base}{}", search_path(q)))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let page: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    match page["items"].as_array() {
        Some(items) if status.is_success() => Ok(items.len()),
        _ => Err(format!("{q:?}: {status} {page}")),
    }
}

/// The access scope of each signed-in person, resolved once: for the in-process searches, and
/// its readable groups for the SQL baseline.
fn scopes(db: &Db, seeded: &Seeded, tokens: &[(usize, String)]) -> Result<Vec<Scope>, String> {
    tokens
        .iter()
        .map(|(u, _)| {
            let viewer = Viewer::User(Principal::new(
                agora::ids::UserId(seeded.user_ids[*u]),
                UserKind::Employee,
            ));
            db.read(|conn| Scope::resolve(conn, &viewer))
                .map_err(|e| e.detail)
        })
        .collect()
}

/// One query at one client count, each way.
pub struct Measured<'a> {
    pub query: &'a Query,
    pub clients: usize,
    /// Tantivy through `GET /api/v1/search`.
    pub http: Stats,
    /// Tantivy through `agora::search::search` in process, the scope resolved beforehand.
    pub direct: Stats,
    /// PostgreSQL full-text SQL, on PostgreSQL only: the ranked ids alone, and the page.
    pub postgres: Option<(Stats, Stats)>,
}

/// Everything search mode measured, for the report.
pub struct Results<'a> {
    pub built: &'a Built,
    pub caught_up: Duration,
    pub setup: Option<fts::Setup>,
    /// Each query with the first page's results for one person (tantivy through HTTP,
    /// tantivy in process, PostgreSQL).
    pub mix: Vec<(&'a Query, usize, usize, Option<usize>)>,
    pub rare_posts: u32,
    pub seconds: u64,
    /// Per query and client count.
    pub searches: Vec<Measured<'a>>,
    pub suggest: Vec<(usize, Stats)>,
    pub freshness: freshness::Freshness,
}

/// Runs every search measurement and returns the report as Markdown tables.
pub fn run(
    engine: &direct::Engine<'_>,
    prepared: &Prepared,
    base: &str,
    url: &str,
    seconds: u64,
    only: Option<&str>,
) -> Result<String, String> {
    let (seeded, built) = (&prepared.seeded, &prepared.built);
    let (db, search) = (engine.db, engine.index);
    let mut queries = queries(seeded)?;
    queries.retain(|q| only.is_none_or(|only| q.name.contains(only)));
    let tokens = drive::sign_in(db, seeded)?;
    let runtime = drive::runtime()?;
    let http = drive::client(16)?;
    runtime.block_on(drive::wait_ready(&http, base))?;
    let caught_up = catch_up(db, search)?;
    let scopes = scopes(db, seeded, &tokens)?;
    let postgres = (db.backend() == Backend::Postgres).then(|| {
        scopes
            .iter()
            .map(|s| {
                s.readable_groups()
                    .iter()
                    .map(|g| g.0)
                    .collect::<Vec<i64>>()
            })
            .collect::<Vec<_>>()
    });
    let setup = match postgres {
        Some(_) => {
            eprintln!("adding the PostgreSQL full-text column and index");
            Some(fts::prepare(url)?)
        }
        None => None,
    };

    let (_, first_token) = tokens.first().ok_or("nobody signed in")?;
    let mut mix = Vec::new();
    for query in &queries {
        let hits = runtime.block_on(first_page(&http, base, first_token, &query.q))?;
        let direct_hits = direct::sample(engine, &scopes[0], &query.q)?;
        if hits == 0 || direct_hits == 0 {
            return Err(format!("{:?} finds nothing", query.q));
        }
        let rows = match &postgres {
            Some(readable) => Some(fts::sample(url, query, &readable[0])?),
            None => None,
        };
        mix.push((query, hits, direct_hits, rows));
    }

    let mut searches = Vec::new();
    for query in &queries {
        for clients in CLIENTS {
            let path = search_path(&query.q);
            let ours = runtime.block_on(measure(&http, base, &tokens, clients, seconds, |_| {
                path.clone()
            }));
            eprintln!("  {} at {clients}: {:.1}/s", query.name, ours.rate());
            let direct = direct::measure(engine, &scopes, &query.q, clients, seconds);
            eprintln!(
                "  in process {} at {clients}: {:.1}/s",
                query.name,
                direct.rate()
            );
            searches.push(Measured {
                query,
                clients,
                http: ours,
                direct,
                postgres: None,
            });
        }
    }
    if let Some(readable) = &postgres {
        for measured in &mut searches {
            let (query, clients) = (measured.query, measured.clients);
            let answered = |answer| fts::measure(url, query, answer, readable, clients, seconds);
            let (ranked, page) = (answered(fts::Answer::Ranked)?, answered(fts::Answer::Page)?);
            eprintln!(
                "  PostgreSQL {} at {clients}: {:.1}/s ids, {:.1}/s pages",
                query.name,
                ranked.rate(),
                page.rate()
            );
            measured.postgres = Some((ranked, page));
        }
    }

    let suggest = CLIENTS
        .iter()
        .map(|&clients| {
            let stats = runtime.block_on(measure(&http, base, &tokens, clients, seconds, |rng| {
                let prefix = PREFIXES[rng.gen_range(0..PREFIXES.len())];
                format!("/api/v1/search/suggest?q={prefix}")
            }));
            (clients, stats)
        })
        .collect();

    eprintln!("freshness");
    let freshness = runtime.block_on(freshness::run(
        &http,
        base,
        first_token,
        FRESHNESS_RATE,
        seconds.max(20),
    ));
    Ok(report::render(&Results {
        built,
        caught_up,
        setup,
        mix,
        rare_posts: seeded.mix.as_ref().map_or(0, |m| m.rare_posts),
        seconds,
        searches,
        suggest,
        freshness,
    }))
}

/// Waits until the index has applied every event in the log: how long that took.
fn catch_up(db: &Db, search: &SearchIndex) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        let last = db.read(agora::events::last_id).map_err(|e| e.detail)?;
        let applied = search.current().applied_event().map_err(|e| e.detail)?;
        if applied >= last {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!("the indexer is at event {applied} of {last}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
