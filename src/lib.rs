//! Agora: a self-hosted enterprise social network. This crate is the whole server: domain
//! areas over one database (SQLite or PostgreSQL), the events log they all append to, and the
//! HTTP side that serves the JSON API and the pages.

pub mod access;
pub mod accounts;
pub mod config;
pub mod cursor;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod feeds;
pub mod follows;
pub mod groups;
pub mod guests;
pub mod html;
pub mod http;
pub mod live;
pub mod mail;
pub mod posts;
pub mod search;
pub mod signals;
pub mod signing;
pub mod stream_slots;
pub mod tags;

use std::sync::Arc;
use std::time::Duration;

use accounts::rate_limit::LoginLimiter;
use config::Config;
use db::Db;
use error::Result;
use signing::Signer;

/// Everything a request handler needs, shared by all workers. No global state: tests run many
/// of these side by side.
#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub db: Db,
    pub signer: Signer,
    pub limiter: LoginLimiter,
    pub search: Arc<search::SearchIndex>,
    /// Live streams open per user, capped by `live.max_streams_per_user`.
    pub streams: Arc<stream_slots::StreamSlots>,
}

impl App {
    /// Opens the database, applies pending migrations and loads the signing key.
    pub fn build(config: Config) -> Result<App> {
        let db = Db::connect(&config.database_url(), &config.database)?;
        let applied = db.read(db::migrations::run_pending)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        let secret = config.auth.secret.as_ref().map(|s| s.0.as_str());
        let signer = Signer::load_or_generate(secret, &config.data_dir)?;
        let limiter = LoginLimiter::new(
            Duration::from_secs(config.auth.failure_window_secs),
            config.auth.max_failures_per_account,
            config.auth.max_failures_per_ip,
        );
        let search = Arc::new(search::SearchIndex::open(&config.data_dir)?);
        Ok(App {
            config,
            db,
            signer,
            limiter,
            search,
            streams: Arc::default(),
        })
    }
}
