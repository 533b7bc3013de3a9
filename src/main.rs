//! The `agora` command: serve (the default), migrate, and admin tasks.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use agora::accounts::UserKind;
use agora::accounts::actions::{self, NewAccount, Registration};
use agora::config::Config;
use agora::{App, db, http};
use clap::{Parser, Subcommand, ValueEnum};

/// Agora, a self-hosted enterprise social network.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// A TOML file overriding config/default.toml (AGORA_* variables still win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web app and API (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill an empty instance with a small demo company: people, groups, posts, comments, likes.
    Demo,
    /// Rebuild the search index from the database beside the one in use, then swap it in (a
    /// running server keeps answering and switches to it within a second).
    Reindex,
    /// Search index tasks.
    #[command(subcommand)]
    Search(SearchCommand),
}

#[derive(Subcommand, Debug)]
enum SearchCommand {
    /// Compare the search index with the database; exits 1 on any difference.
    Check {
        /// Posts compared field by field, picked at random.
        #[arg(long, default_value_t = 200)]
        sample: usize,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a user. The password is read from standard input (or prompted for on a terminal).
    CreateUser {
        /// Email address; its part before @ becomes the @handle.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Account kind.
        #[arg(long, value_enum, default_value = "employee")]
        kind: Kind,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Admin,
    Employee,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("agora: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => migrate(config),
        Command::Demo => demo(config),
        Command::Reindex => reindex(config),
        Command::Search(SearchCommand::Check { sample }) => search_check(config, sample),
        Command::Admin(AdminCommand::CreateUser { email, name, kind }) => {
            create_user(config, email, name, kind)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("agora: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AGORA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn build(config: Config) -> Result<App, String> {
    let url = db::redact_url(&config.database_url());
    App::build(config).map_err(|e| format!("cannot start on {url}: {}", e.detail))
}

fn serve(config: Config) -> Result<(), String> {
    let addr = config.listen_addr().map_err(|e| e.to_string())?;
    let public_url = config.public_url();
    let app = build(config)?;
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let workers = app
            .spawn_workers(stopped)
            .map_err(|e| format!("cannot start the workers: {}", e.detail))?;
        let server = http::server(app, &workers, listener).map_err(|e| e.to_string())?;
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("stopping: finishing in-flight requests");
            handle.stop(true).await;
        });
        tracing::info!(%addr, %public_url, "Agora is serving; open {public_url}");
        server.await.map_err(|e| e.to_string())?;
        // In-flight requests are done: now the workers, which ends every live stream.
        let _ = stop.send(true);
        tracing::info!("stopped");
        Ok(())
    })
}

fn migrate(config: Config) -> Result<(), String> {
    let app = build(config)?;
    let pending = app
        .db
        .read(db::migrations::run_pending)
        .map_err(|e| e.detail)?;
    println!(
        "database is up to date ({} migrations applied now)",
        pending.len()
    );
    Ok(())
}

fn create_user(config: Config, email: String, name: String, kind: Kind) -> Result<(), String> {
    let password = read_password()?;
    let app = build(config)?;
    let kind = match kind {
        Kind::Admin => UserKind::Admin,
        Kind::Employee => UserKind::Employee,
    };
    let account = NewAccount {
        email,
        name,
        password,
        kind,
    };
    // The command line acts with an administrator's authority.
    let operator = agora::access::Viewer::User(agora::access::Principal {
        id: 0,
        kind: UserKind::Admin,
    });
    let user = actions::register(
        &app.db,
        &app.config.auth,
        account,
        Registration::ByAdmin(&operator),
    )
    .map_err(|e| {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|(f, m)| format!("{f}: {}", m.join("; ")))
            .collect();
        if fields.is_empty() {
            e.detail
        } else {
            fields.join(", ")
        }
    })?;
    println!(
        "created {} <{}> as {} (id {})",
        user.name, user.email, user.kind, user.id
    );
    Ok(())
}

fn demo(config: Config) -> Result<(), String> {
    let app = build(config)?;
    let summary = agora::demo::fill(&app.db, &app.config.auth).map_err(|e| e.detail)?;
    println!("{summary}");
    Ok(())
}

fn reindex(config: Config) -> Result<(), String> {
    let threads = config.search.reindex_threads;
    let app = build(config)?;
    let rebuilt =
        agora::search::maintenance::reindex(&app.db, &app.search, threads).map_err(|e| e.detail)?;
    println!(
        "search index rebuilt: {} posts and {} people, groups and tags in {:.1} s; now in use",
        rebuilt.posts, rebuilt.others, rebuilt.seconds
    );
    Ok(())
}

fn search_check(config: Config, sample: usize) -> Result<(), String> {
    let app = build(config)?;
    let report =
        agora::search::maintenance::check(&app.db, &app.search, sample).map_err(|e| e.detail)?;
    for line in &report.lines {
        println!("{line}");
    }
    match report.differences {
        0 => Ok(()),
        n => Err(format!(
            "the search index differs from the database in {n} ways; `agora reindex` rebuilds it"
        )),
    }
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(|e| e.to_string());
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
