//! The load benchmark: seeds a realistic network straight into the database, starts Agora on
//! it, and drives it over HTTP with concurrent clients, reporting throughput and latency per
//! operation, next to the bare database time of the home feed (the floor) and `/healthz`
//! (the ceiling of the HTTP stack).
//!
//! cargo bench --bench load -- [--database-url URL] [--scale 1.0] [--seconds 10] [--clients 32]
//!                             [--data-dir DIR (kept afterwards, for a look at the SQLite file)]
//!                             [--stream-connections N (instead of the load: memory per idle
//!                              live stream, over N streams, and the delivery latency of a
//!                              post to all of them)]
//!                             [--search (instead of the load: index the data set, then
//!                              search, typeahead and freshness; see `search`)]
//!                             [--only WORDS (with --search: only the queries of the mix whose
//!                              name contains WORDS, e.g. `rare`)]
//!                             [--fanout (instead of the load: a post's notifications to a
//!                              group of 5,000 members; see `fanout`)]
//!                             [--digests (instead of the load: a weekly digest run over every
//!                              user, twice; see `digests`)]
//!                             [--files (instead of the load: memory while 8 clients upload
//!                              20 MB each, a 12-megapixel photo's renditions, and the home feed
//!                              before and after images and polls join the data set; see
//!                              `files`)]
//!                             [--recommendations (instead of the load: the HTML home page
//!                              with the rail's suggestions and without, on two servers over
//!                              the same data set, in the same run; see `rail`)]
//!                             [--webhooks N (instead of the load: N posts' deliveries to a
//!                              signed webhook on this machine, timed; see `webhooks`)]
//!                             [--reuse (with --digests: skip seeding and run on the data set an
//!                              earlier --digests run left, its digests cleared; with --search
//!                              and the --data-dir of an earlier search run: skip seeding and
//!                              indexing and measure on what it left)]

mod delivery;
mod digests;
mod direct;
mod drive;
mod fanout;
mod files;
mod freshness;
mod fts;
mod keepalive;
mod portability;
mod rail;
mod report;
mod search;
mod seed;
mod stream;
mod webhooks;
mod words;

use std::net::TcpListener;
use std::time::Instant;

use agora::config::Config;

struct Options {
    database_url: Option<String>,
    data_dir: Option<std::path::PathBuf>,
    scale: f64,
    seconds: u64,
    clients: usize,
    stream_connections: Option<usize>,
    /// Set in the client process of the stream measurement: the server's base URL.
    stream_client: Option<String>,
    search: bool,
    /// With `--search`: only the queries of the mix whose name contains this.
    only: Option<String>,
    fanout: bool,
    digests: bool,
    files: bool,
    recommendations: bool,
    /// Posts whose webhook deliveries are timed.
    webhooks: Option<usize>,
    reuse: bool,
    /// The empty PostgreSQL database the seeded SQLite network moves to and back from.
    portability: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        database_url: None,
        data_dir: None,
        scale: 1.0,
        seconds: 10,
        clients: 32,
        stream_connections: None,
        stream_client: None,
        search: false,
        only: None,
        fanout: false,
        digests: false,
        files: false,
        recommendations: false,
        webhooks: None,
        reuse: false,
        portability: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--database-url" => options.database_url = Some(value()?),
            "--data-dir" => options.data_dir = Some(value()?.into()),
            "--scale" => options.scale = value()?.parse().map_err(|_| "--scale takes a number")?,
            "--seconds" => {
                options.seconds = value()?.parse().map_err(|_| "--seconds takes a number")?
            }
            "--clients" => {
                options.clients = value()?.parse().map_err(|_| "--clients takes a number")?
            }
            "--stream-connections" => {
                options.stream_connections = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--stream-connections takes a number")?,
                )
            }
            "--stream-client" => options.stream_client = Some(value()?),
            "--search" => options.search = true,
            "--only" => options.only = Some(value()?),
            "--fanout" => options.fanout = true,
            "--digests" => options.digests = true,
            "--files" => options.files = true,
            "--recommendations" => options.recommendations = true,
            "--webhooks" => {
                options.webhooks = Some(value()?.parse().map_err(|_| "--webhooks takes a number")?)
            }
            "--reuse" => options.reuse = true,
            "--portability" => options.portability = Some(value()?),
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn main() -> Result<(), String> {
    agora::init_tls();
    let options = options()?;
    if let Some(connections) = options.stream_connections {
        stream::raise_open_files(connections)?;
        if let Some(base) = &options.stream_client {
            return stream::client(base, connections);
        }
    }
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = options
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let receiver = options
        .webhooks
        .map(|_| webhooks::Receiver::bind())
        .transpose()?;
    let mut env = vec![
        ("AGORA_DATA_DIR".to_string(), dir.display().to_string()),
        ("AGORA_DATABASE_URL".to_string(), url.clone()),
        // Search mode's in-process threads hold a connection each beside the server's 16.
        (
            "AGORA_DATABASE__POOL_SIZE".to_string(),
            if options.search { "34" } else { "16" }.to_string(),
        ),
    ];
    if let Some(receiver) = &receiver {
        env.push(("AGORA_LINKS__ALLOW".to_string(), receiver.address()));
    }
    let config = Config::load(None, env.clone()).map_err(|e| e.to_string())?;
    let app = agora::App::build(config).map_err(|e| e.detail)?;
    if let (Some(receiver), Some(posts)) = (receiver, options.webhooks) {
        println!("\nAgora webhooks benchmark — {}", backend(&url));
        println!("{}", webhooks::run(app, receiver, posts)?);
        return Ok(());
    }
    if options.search {
        return search_mode(app, &options, &dir, &url);
    }
    if options.reuse {
        if !options.digests {
            return Err("--reuse works with --digests or --search only".into());
        }
        digests::clear(&app)?;
        println!(
            "\nAgora digests benchmark — {} — reused data set",
            agora::db::redact_url(&url)
        );
        println!("{}", digests::run(&app)?);
        return Ok(());
    }
    if options.fanout {
        let db = app.db.clone();
        let base = serve(app)?;
        eprintln!(
            "serving on {base}; fan-out on {}",
            agora::db::redact_url(&url)
        );
        println!("{}", fanout::run(&db, 5000, 5)?);
        return Ok(());
    }
    let size = seed::Size::scaled(options.scale);
    let (seeded, seeding) = seed_into(&app, size, &url)?;
    if let Some(postgres_url) = &options.portability {
        if options.database_url.is_some() {
            return Err("--portability seeds SQLite; give PostgreSQL as its value".into());
        }
        drop(app);
        println!(
            "\nAgora portability benchmark — SQLite → {} → SQLite — scale {} ({} posts, seeded in {seeding:.1?})\n",
            agora::db::redact_url(postgres_url),
            options.scale,
            size.posts
        );
        println!("{}", portability::run(&dir, postgres_url)?);
        return Ok(());
    }
    if options.digests {
        let report = digests::run(&app)?;
        println!(
            "\nAgora digests benchmark — {} — scale {} ({} users, {} posts, {} likes)",
            agora::db::redact_url(&url),
            options.scale,
            size.users,
            size.posts,
            size.likes
        );
        println!("seeding: {seeding:.1?}\n");
        println!("{report}");
        return Ok(());
    }
    let db = app.db.clone();
    let base = serve(app)?;
    if options.recommendations {
        // The baseline: a second server on the same database with the rail's suggestions off
        // (its own data directory, for its search index).
        let mut env = env;
        env.retain(|(name, _)| name != "AGORA_DATA_DIR");
        env.push((
            "AGORA_DATA_DIR".into(),
            dir.join("rail-off").display().to_string(),
        ));
        env.push(("AGORA_RECOMMENDATIONS__RAIL".into(), "false".into()));
        let config = Config::load(None, env).map_err(|e| e.to_string())?;
        let off = serve(agora::App::build(config).map_err(|e| e.detail)?)?;
        let report = rail::run(
            &db,
            &seeded,
            (&off, &base),
            options.seconds,
            options.clients,
        )?;
        println!(
            "\nAgora recommendations benchmark — {} — scale {} ({} users, {} posts, {} departments)",
            backend(&url),
            options.scale,
            size.users,
            size.posts,
            seed::DEPARTMENTS
        );
        println!("{report}");
        return Ok(());
    }
    if let Some(connections) = options.stream_connections {
        println!("{}", stream::run(&db, &seeded, &base, connections)?);
        return Ok(());
    }
    if options.files {
        let report = files::run(&db, &seeded, &base, options.seconds, options.clients)?;
        println!(
            "\nAgora files benchmark — {} — scale {} ({} users, {} posts)",
            backend(&url),
            options.scale,
            size.users,
            size.posts
        );
        println!("{report}");
        return Ok(());
    }
    let report = drive::run(&db, &seeded, &base, options.seconds, options.clients)?;
    println!(
        "\nAgora load benchmark — {} — scale {} ({} users, {} posts, {} comments, {} likes)",
        backend(&url),
        options.scale,
        size.users,
        size.posts,
        size.comments,
        size.likes
    );
    println!("seeding: {seeding:.1?}");
    println!("{report}");
    Ok(())
}

/// The backend's name from its URL: `sqlite` or `postgres`.
fn backend(url: &str) -> String {
    agora::db::redact_url(url)
        .split("://")
        .next()
        .unwrap_or("?")
        .to_string()
}

/// Seeds the network; how long that took.
fn seed_into(
    app: &agora::App,
    size: seed::Size,
    url: &str,
) -> Result<(seed::Seeded, std::time::Duration), String> {
    eprintln!("seeding {size:?} into {}", agora::db::redact_url(url));
    let started = Instant::now();
    let seeded = seed::seed(&app.db, size)?;
    let seeding = started.elapsed();
    eprintln!("seeded in {seeding:.1?}");
    Ok((seeded, seeding))
}

/// Search mode: seeds and indexes the network (or, with `--reuse`, takes the data set and index
/// an earlier search run left in `--data-dir`), then measures.
fn search_mode(
    app: agora::App,
    options: &Options,
    dir: &std::path::Path,
    url: &str,
) -> Result<(), String> {
    let kept = dir.join(search::PREPARED);
    let prepared = if options.reuse {
        if options.data_dir.is_none() {
            return Err("--search --reuse needs the --data-dir of an earlier search run".into());
        }
        search::Prepared::load(&kept)?
    } else {
        let size = seed::Size {
            prose: true,
            ..seed::Size::scaled(options.scale)
        };
        let (seeded, seeding) = seed_into(&app, size, url)?;
        eprintln!("indexing");
        let threads = app.config.search.reindex_threads;
        let built = search::build_index(&app.db, &app.search, dir, threads)?;
        eprintln!("indexed in {:.1} s", built.seconds);
        let prepared = search::Prepared {
            scale: options.scale,
            size,
            seeding_seconds: seeding.as_secs_f64(),
            seeded,
            built,
        };
        prepared.save(&kept)?;
        prepared
    };
    let (db, index) = (app.db.clone(), app.search.clone());
    let engine = direct::Engine {
        db: &db,
        index: &index,
        settings: app.config.search.clone(),
    };
    let base = serve(app)?;
    let report = search::run(
        &engine,
        &prepared,
        &base,
        url,
        options.seconds,
        options.only.as_deref(),
    )?;
    let size = prepared.size;
    println!(
        "\nAgora search benchmark — {} — scale {} ({} users, {} posts, {} comments){}",
        backend(url),
        prepared.scale,
        size.users,
        size.posts,
        size.comments,
        if options.reuse {
            ", reused data set"
        } else {
            ""
        }
    );
    println!("seeding: {:.1} s\n", prepared.seeding_seconds);
    println!("{report}");
    Ok(())
}

/// Runs Agora on a free local port in a thread of its own; returns its base URL.
fn serve(app: agora::App) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            // The workers run as long as the server: their stop sender lives in this block.
            let (_stop, stopped) = tokio::sync::watch::channel(false);
            let Ok(workers) = app.spawn_workers(stopped) else {
                return;
            };
            if let Ok(server) = agora::http::server(app, &workers, listener) {
                let _ = server.await;
            }
        })
    });
    Ok(base)
}
