//! Drives a running Agora over HTTP with concurrent clients and measures each operation.

use std::fmt::Write;
use std::time::{Duration, Instant};

use agora::access::Scope;
use agora::db::Db;
use agora::feeds::{self, Feed};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::keepalive;
use crate::seed::Seeded;

/// Users signed in for the run (tokens are made straight in the database).
pub const SIGNED_IN: usize = 500;

#[derive(Clone, Copy, Debug)]
enum Op {
    Healthz,
    HomeFeed,
    /// The HTML home page: its feed, composer and side rail (trending tags, suggestions).
    HomePage,
    /// The rail's suggestions alone, through the API.
    Recommendations,
    CompanyFeed,
    GroupFeed,
    TagFeed,
    PersonFeed,
    ReadPost,
    CreatePost,
    Like,
    Comment,
}

struct Context<'a> {
    seeded: &'a Seeded,
    base: &'a str,
    tokens: Vec<(usize, String)>,
    http: reqwest::Client,
}

/// Latencies of one measured run.
pub struct Stats {
    /// Sorted.
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub elapsed: Duration,
}

impl Stats {
    /// The figures of clients that each report their latencies and how many requests failed.
    pub fn of_clients(clients: Vec<(Vec<Duration>, usize)>, elapsed: Duration) -> Stats {
        let errors = clients.iter().map(|(_, e)| e).sum();
        let mut latencies: Vec<Duration> = clients.into_iter().flat_map(|(l, _)| l).collect();
        latencies.sort_unstable();
        Stats {
            latencies,
            errors,
            elapsed,
        }
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[index]
    }

    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn row(&self, name: &str, clients: usize) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "| {name:<26} | {clients:>3} | {:>8} | {:>8.0} | {:>7.2} | {:>7.2} | {:>8.2} | {:>4} |",
            self.latencies.len(),
            self.rate(),
            ms(self.percentile(0.5)),
            ms(self.percentile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.errors
        )
    }
}

async fn one(ctx: &Context<'_>, op: Op, rng: &mut StdRng) -> Result<(), String> {
    let (user, token) = &ctx.tokens[rng.gen_range(0..ctx.tokens.len())];
    let seeded = ctx.seeded;
    let url = |path: String| format!("{}{path}", ctx.base);
    let get = |path: String| ctx.http.get(url(path)).bearer_auth(token);
    let request = match op {
        Op::Healthz => ctx.http.get(url("/healthz".into())),
        Op::HomeFeed => get("/api/v1/feeds/home".into()),
        Op::HomePage => get("/".into()),
        Op::Recommendations => get("/api/v1/recommendations?limit=3".into()),
        Op::CompanyFeed => get("/api/v1/feeds/company".into()),
        Op::GroupFeed => {
            let mine = &seeded.groups_of[*user];
            let group = if mine.is_empty() { seeded.public_groups[0] } else { seeded.group_ids[mine[rng.gen_range(0..mine.len())]] };
            get(format!("/api/v1/groups/{group}/feed"))
        }
        Op::TagFeed => get(format!("/api/v1/tags/tag{}/feed", seeded.tag_zipf.sample(rng))),
        Op::PersonFeed => get(format!("/api/v1/users/{}/feed", seeded.user_ids[rng.gen_range(0..seeded.user_ids.len())])),
        Op::ReadPost => {
            let post = pick(&seeded.company_posts, rng);
            check(get(format!("/api/v1/posts/{post}")).send().await)?;
            get(format!("/api/v1/posts/{post}/comments"))
        }
        Op::CreatePost => ctx
            .http
            .post(url("/api/v1/posts".into()))
            .bearer_auth(token)
            .json(&json!({"body": format!("Benchmark post about #tag{}", seeded.tag_zipf.sample(rng))})),
        Op::Like => ctx.http.put(url(format!("/api/v1/posts/{}/like", pick(&seeded.company_posts, rng)))).bearer_auth(token),
        Op::Comment => ctx
            .http
            .post(url(format!("/api/v1/posts/{}/comments", pick(&seeded.company_posts, rng))))
            .bearer_auth(token)
            .json(&json!({"body": "Measured comment"})),
    };
    check(request.send().await)
}

fn pick(ids: &[i64], rng: &mut StdRng) -> i64 {
    ids[rng.gen_range(0..ids.len())]
}

fn check(response: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    let response = response.map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(response.status().to_string())
    }
}

async fn measure(ctx: &Context<'_>, op: Op, clients: usize, seconds: u64) -> Stats {
    // Each phase's wall-clock start, so that a profiler can be started inside it (or a
    // profile recorded with `-k CLOCK_REALTIME` cut by it).
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    eprintln!("{op:?}, {clients} clients, from {:.3}", wall.as_secs_f64());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers = (0..clients).map(|c| async move {
        let mut rng = StdRng::seed_from_u64(c as u64 + 1);
        let mut latencies = Vec::new();
        let mut errors = 0;
        while Instant::now() < deadline {
            let t = Instant::now();
            match one(ctx, op, &mut rng).await {
                Ok(()) => latencies.push(t.elapsed()),
                Err(_) => errors += 1,
            }
        }
        (latencies, errors)
    });
    let results = futures_util::future::join_all(workers).await;
    Stats::of_clients(results, started.elapsed())
}

/// One client on one kept-alive connection, per client library and encoding: writes their
/// rows to `out`, returns the overhead beyond the server's own time of each.
fn kept_alive(
    runtime: &tokio::runtime::Runtime,
    base: &str,
    token: &str,
    seconds: u64,
    out: &mut String,
) -> Result<String, String> {
    let path = "/api/v1/feeds/home";
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut overheads = Vec::new();
    for encoding in ["identity", "gzip"] {
        let reqwest = runtime.block_on(keepalive::with_reqwest(
            base, path, token, encoding, seconds,
        ))?;
        let plain = keepalive::with_plain_http(base, path, token, encoding, seconds)?;
        for (library, kept) in [("reqwest", reqwest), ("plain HTTP/1.1", plain)] {
            let name = format!("home, kept alive, {library}, {encoding}");
            let _ = writeln!(out, "{}", kept.stats.row(&name, 1));
            let (p50, p99) = (
                kept.overhead.percentile(0.5),
                kept.overhead.percentile(0.99),
            );
            overheads.push(format!(
                "{library} {encoding} {:.2} / {:.2}",
                ms(p50),
                ms(p99)
            ));
        }
    }
    Ok(overheads.join("; "))
}

/// The home feed computed in-process, without HTTP, for the same users, one at a time.
fn bare_home_feed(
    db: &Db,
    seeded: &Seeded,
    tokens: &[(usize, String)],
    seconds: u64,
) -> Result<Stats, String> {
    let mut rng = StdRng::seed_from_u64(1);
    let viewers: Vec<_> = tokens
        .iter()
        .map(|(u, _)| {
            agora::access::Viewer::User(agora::access::Principal::new(
                agora::ids::UserId(seeded.user_ids[*u]),
                agora::accounts::UserKind::Employee,
            ))
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let viewer = &viewers[rng.gen_range(0..viewers.len())];
        let t = Instant::now();
        db.read(|conn| {
            let scope = Scope::resolve(conn, viewer)?;
            feeds::read(conn, &scope, &Feed::Home, None, 20)
        })
        .map_err(|e| e.detail)?;
        latencies.push(t.elapsed());
    }
    latencies.sort_unstable();
    Ok(Stats {
        latencies,
        errors: 0,
        elapsed: started.elapsed(),
    })
}

/// Makes API tokens for the first `SIGNED_IN` users: (user index, token).
pub fn sign_in(db: &Db, seeded: &Seeded) -> Result<Vec<(usize, String)>, String> {
    (0..SIGNED_IN.min(seeded.user_ids.len()))
        .map(|u| {
            db.write(|conn| {
                agora::accounts::sessions::create_api_token(
                    conn,
                    agora::ids::UserId(seeded.user_ids[u]),
                    &Default::default(),
                )
            })
            .map(|(_, token)| (u, token))
            .map_err(|e| e.detail)
        })
        .collect()
}

/// The load generator's runtime: one thread.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// An HTTP client for `clients` concurrent requests.
pub fn client(clients: usize) -> Result<reqwest::Client, String> {
    // Idle connections are dropped before the server's 5 s keep-alive closes them, so a
    // request is never sent on a connection the server is closing.
    reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| e.to_string())
}

/// Waits until the server answers `/readyz`.
pub async fn wait_ready(http: &reqwest::Client, base: &str) -> Result<(), String> {
    let ready = Instant::now();
    while http.get(format!("{base}/readyz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(30) {
            return Err("the server did not start".to_string());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Signs users in and makes the context of requests for `clients`, and the load generator's
/// runtime, once the server answers.
fn prepare<'a>(
    db: &Db,
    seeded: &'a Seeded,
    base: &'a str,
    clients: usize,
) -> Result<(Context<'a>, tokio::runtime::Runtime), String> {
    let tokens = sign_in(db, seeded)?;
    let runtime = runtime()?;
    let http = client(clients)?;
    runtime.block_on(wait_ready(&http, base))?;
    let ctx = Context {
        seeded,
        base,
        tokens,
        http,
    };
    Ok((ctx, runtime))
}

/// The home feed alone, warmed up: `(1 client, clients)`.
pub fn home_feed(
    db: &Db,
    seeded: &Seeded,
    base: &str,
    seconds: u64,
    clients: usize,
) -> Result<(Stats, Stats), String> {
    let (ctx, runtime) = prepare(db, seeded, base, clients)?;
    runtime.block_on(measure(&ctx, Op::HomeFeed, clients, 1));
    let one = runtime.block_on(measure(&ctx, Op::HomeFeed, 1, seconds));
    let many = runtime.block_on(measure(&ctx, Op::HomeFeed, clients, seconds));
    Ok((one, many))
}

/// The HTML home page, warmed up: `(1 client, clients)`, then the rail's suggestions alone
/// through the API at `clients`.
pub fn home_page(
    db: &Db,
    seeded: &Seeded,
    base: &str,
    seconds: u64,
    clients: usize,
) -> Result<(Stats, Stats, Stats), String> {
    let (ctx, runtime) = prepare(db, seeded, base, clients)?;
    runtime.block_on(measure(&ctx, Op::HomePage, clients, 1));
    let one = runtime.block_on(measure(&ctx, Op::HomePage, 1, seconds));
    let many = runtime.block_on(measure(&ctx, Op::HomePage, clients, seconds));
    let rail = runtime.block_on(measure(&ctx, Op::Recommendations, clients, seconds));
    Ok((one, many, rail))
}

/// `work` for the first signed-in users in turn, in process, without HTTP: its latencies.
pub fn bare<T>(
    db: &Db,
    seeded: &Seeded,
    seconds: u64,
    work: impl Fn(&mut agora::db::DbConnection, &Scope) -> agora::error::Result<T>,
) -> Result<Stats, String> {
    let mut rng = StdRng::seed_from_u64(1);
    let users = SIGNED_IN.min(seeded.user_ids.len());
    let started = Instant::now();
    let mut latencies = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let viewer = agora::access::Viewer::User(agora::access::Principal::new(
            agora::ids::UserId(seeded.user_ids[rng.gen_range(0..users)]),
            agora::accounts::UserKind::Employee,
        ));
        let t = Instant::now();
        db.read(|conn| {
            let scope = Scope::resolve(conn, &viewer)?;
            work(conn, &scope)
        })
        .map_err(|e| e.detail)?;
        latencies.push(t.elapsed());
    }
    latencies.sort_unstable();
    Ok(Stats {
        latencies,
        errors: 0,
        elapsed: started.elapsed(),
    })
}

/// Runs every measurement and returns the report as a Markdown table.
pub fn run(
    db: &Db,
    seeded: &Seeded,
    base: &str,
    seconds: u64,
    clients: usize,
) -> Result<String, String> {
    let (ctx, runtime) = prepare(db, seeded, base, clients)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| operation                  | clients | requests | req/s | p50 ms | p99 ms | max ms | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    runtime.block_on(measure(&ctx, Op::HomeFeed, clients, 1));
    let bare = bare_home_feed(db, seeded, &ctx.tokens, seconds)?;
    let _ = writeln!(out, "{}", bare.row("home feed, bare (no HTTP)", 1));
    let http_one = runtime.block_on(measure(&ctx, Op::HomeFeed, 1, seconds));
    let _ = writeln!(out, "{}", http_one.row("home feed", 1));
    let overheads = kept_alive(&runtime, base, &ctx.tokens[0].1, seconds, &mut out)?;
    let healthz = runtime.block_on(measure(&ctx, Op::Healthz, clients, seconds));
    let _ = writeln!(out, "{}", healthz.row("/healthz", clients));
    let mut home = None;
    for (name, op) in [
        ("home feed", Op::HomeFeed),
        ("home page (HTML, rail)", Op::HomePage),
        ("company feed", Op::CompanyFeed),
        ("group feed", Op::GroupFeed),
        ("tag feed", Op::TagFeed),
        ("person feed", Op::PersonFeed),
        ("read post + comments", Op::ReadPost),
        ("create post", Op::CreatePost),
        ("like", Op::Like),
        ("comment", Op::Comment),
    ] {
        let stats = runtime.block_on(measure(&ctx, op, clients, seconds));
        let _ = writeln!(out, "{}", stats.row(name, clients));
        if matches!(op, Op::HomeFeed) {
            home = Some(stats.rate());
        }
    }
    let _ = writeln!(
        out,
        "\nkept-alive transport overhead beyond Server-Timing, p50 / p99 ms: {overheads}"
    );
    let ratio =
        http_one.percentile(0.5).as_secs_f64() / bare.percentile(0.5).as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "\nhome feed over HTTP / bare query (p50, 1 client): {ratio:.2}×"
    );
    if let Some(home) = home {
        let _ = writeln!(
            out,
            "home feed throughput / /healthz throughput: {:.1}%",
            100.0 * home / healthz.rate()
        );
    }
    Ok(out)
}
