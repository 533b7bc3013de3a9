//! The `agora` command: serve (the default), migrate, and admin tasks.

use std::path::PathBuf;
use std::process::ExitCode;

use agora::accounts::UserKind;
use agora::cli;
use agora::config::{Config, LogFormat};
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
    /// Fill an empty instance with a demo company: people, groups and three months of posts,
    /// comments, likes and edits.
    Demo {
        /// Then keep posting as the demo company every 20 seconds until stopped (run beside
        /// the server; also on an instance already filled).
        #[arg(long)]
        live: bool,
    },
    /// Rebuild the search index from the database beside the one in use, then swap it in (a
    /// running server keeps answering and switches to it within a second).
    Reindex,
    /// Search index tasks.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Write the whole network (every table, the stored files, the signing key) to one ZIP
    /// archive, read in one consistent snapshot while the server keeps running.
    Export {
        /// The archive to write; it appears only when whole.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Load a network archive into this instance's new, empty database (SQLite or
    /// PostgreSQL), then rebuild the search index.
    Import {
        /// The archive `agora export` wrote.
        file: PathBuf,
    },
    /// Back up a SQLite instance while it serves: a consistent copy of the database, the
    /// signing key and the stored files, in a new folder.
    Backup {
        /// The folder to create; it appears only when whole.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Bring a backup back as this instance, whose database must not exist yet; then rebuild
    /// the search index.
    Restore {
        /// The folder `agora backup` wrote.
        dir: PathBuf,
    },
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
        Command::Serve => cli::serve::serve(config),
        Command::Migrate => cli::serve::migrate(config),
        Command::Demo { live } => cli::demo::run(config, live),
        Command::Reindex => cli::search::reindex(config),
        Command::Search(SearchCommand::Check { sample }) => cli::search::check(config, sample),
        Command::Export { out } => cli::portability::export(config, &out),
        Command::Import { file } => cli::portability::import(config, &file),
        Command::Backup { out } => cli::portability::backup(config, &out),
        Command::Restore { dir } => cli::portability::restore(config, &dir),
        Command::Admin(AdminCommand::CreateUser { email, name, kind }) => {
            let kind = match kind {
                Kind::Admin => UserKind::Admin,
                Kind::Employee => UserKind::Employee,
            };
            cli::admin::create_user(config, email, name, kind)
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
    // A line that cannot be written (its disk full) is dropped: reporting the failure would
    // print to the same standard error, and `eprintln!` panics when that fails too, taking
    // down whatever was logging, such as a request.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    if config.log.format == LogFormat::Json {
        builder.json().init();
    } else {
        builder.init();
    }
}
