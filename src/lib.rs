//! Agora: a self-hosted enterprise social network. This crate is the whole server: domain
//! areas over one database (SQLite or PostgreSQL), the events log they all append to, and the
//! HTTP side that serves the JSON API and the pages.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod bots;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod db;
pub mod deletion;
pub mod error;
pub mod events;
pub mod exports;
pub mod feeds;
pub mod files;
pub mod follows;
pub mod groups;
pub mod guests;
pub mod html;
pub mod http;
pub mod ids;
pub mod links;
pub mod live;
pub mod mail;
pub mod moderation;
pub mod outbound;
pub mod outbox;
pub mod portability;
pub mod posts;
pub mod previews;
pub mod recommendations;
pub mod scim;
pub mod search;
pub mod signals;
pub mod signing;
pub mod sso;
pub mod tags;
pub mod webhooks;
pub mod workers;

use std::sync::Arc;
use std::time::Duration;

use accounts::rate_limit::LoginLimiter;
use config::Config;
use db::Db;
use error::Result;
use signing::Signer;
use workers::{ConsumerWorker, PeriodicWorker};

/// Makes ring the cryptography of TLS for every HTTP client of this process, as it already
/// is for mail. Call it before building a client; calling it again does nothing.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Everything a request handler needs, shared by all workers. No global state but the id
/// generator: tests run many of these side by side.
#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub db: Db,
    /// The id generator's node, leased from the database and renewed by a worker.
    pub node_lease: Arc<db::node_lease::NodeLease>,
    pub signer: Signer,
    pub limiter: LoginLimiter,
    /// Requests for emailed sign-in links, per address and per client.
    pub link_limiter: LoginLimiter,
    pub search: Arc<search::SearchIndex>,
    /// Live streams open per user, capped by `live.max_streams_per_user`.
    pub streams: Arc<live::StreamSlots>,
    /// The company's identity provider, when single sign-on is configured.
    pub sso: Option<Arc<sso::Sso>>,
    /// Attachments and photos: their storage and limits.
    pub files: files::Files,
    /// The one client for requests to other servers (link previews, webhooks).
    pub outbound: outbound::Outbound,
    /// Posts per incoming webhook per minute.
    pub hook_limiter: bots::HookLimiter,
    /// The home rail's suggestions per reader, for a few minutes.
    pub rail_cache: Arc<recommendations::cache::RailCache>,
    /// Trending tags per set of readable places, for a minute.
    pub trending: Arc<posts::trending::Trending>,
    /// What viewers' scopes, circles and home feeds are built from, remembered under their
    /// access stamps.
    pub remembered: Arc<access::remembered::Remembered>,
}

impl App {
    /// Opens the database, applies pending migrations and loads the signing key.
    pub fn build(config: Config) -> Result<App> {
        let db = Db::connect(&config.database_url(), &config.database)?;
        let applied = db.read(db::migrations::run_pending)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        let node_lease = Arc::new(db::node_lease::NodeLease::claim(&db)?);
        let secret = config.auth.secret.as_ref().map(|s| s.0.as_str());
        let signer = Signer::load_or_generate(secret, &config.data_dir)?;
        let limiter = LoginLimiter::new(
            Duration::from_secs(config.auth.failure_window_secs),
            config.auth.max_failures_per_account,
            config.auth.max_failures_per_ip,
        );
        let link_limiter = LoginLimiter::new(
            Duration::from_secs(config.auth.failure_window_secs),
            config.auth.email_links_per_address,
            config.auth.email_links_per_ip,
        );
        let search = Arc::new(search::SearchIndex::open(&config.data_dir)?);
        let sso = sso::Sso::from_config(&config)?.map(Arc::new);
        let files = files::Files::new(&config)?;
        let outbound = outbound::Outbound::new(&outbound::OutboundSettings {
            allow: config.links.allow.clone(),
            proxy: config.links.proxy.clone(),
            timeout: Duration::from_secs(config.links.timeout_secs),
            per_host: 2,
            user_agent: format!("Agora link preview (+{})", config.public_url()),
        })
        .map_err(|message| error::Error::internal(format!("links: {message}")))?;
        Ok(App {
            config,
            db,
            node_lease,
            signer,
            limiter,
            link_limiter,
            search,
            streams: Arc::default(),
            sso,
            files,
            outbound,
            hook_limiter: bots::HookLimiter::default(),
            rail_cache: Arc::default(),
            trending: Arc::default(),
            remembered: Arc::default(),
        })
    }

    /// Starts every background worker of this process on the current runtime: the search
    /// indexer, the live hub and its heartbeat, the notifier, the mail sender, the guest sweep
    /// and the digest schedule. They run until `stop` turns true or its sender is dropped;
    /// the returned handles are what the HTTP side needs of them.
    pub fn spawn_workers(&self, stop: workers::Stop) -> Result<Workers> {
        let status = workers::Status::default();
        let db = &self.db;
        let hub = live::Hub::new(db, &self.config, self.remembered.heads().clone())?;
        if let Some(signals) = hub.subscribe() {
            tokio::spawn(self.trending.clone().forget_on_removals(signals));
        }
        if db.backend() == db::Backend::Postgres {
            workers::spawn(
                db,
                &status,
                events::sequencer::Sequencer::new(db),
                stop.clone(),
            );
        }
        let (publisher, heartbeat) = hub.workers();
        let renewal = db::node_lease::Renewal(self.node_lease.clone());
        workers::spawn(db, &status, PeriodicWorker(renewal), stop.clone());
        workers::spawn(db, &status, publisher, stop.clone());
        workers::spawn(db, &status, PeriodicWorker(heartbeat), stop.clone());
        workers::spawn(
            db,
            &status,
            search::indexer::Indexer::new(
                db,
                &self.search,
                Duration::from_millis(self.config.search.poll_ms),
            ),
            stop.clone(),
        );
        let notifier = signals::notifier::Notifier {
            public_url: self.config.public_url(),
        };
        workers::spawn(db, &status, ConsumerWorker::new(db, notifier), stop.clone());
        if let Some(courier) = mail::sender::MailCourier::new(&self.config) {
            let url = self.config.database_url();
            let max_attempts = self.config.outbox.max_attempts;
            let sender = outbox::OutboxWorker::new(db, &url, courier, max_attempts);
            workers::spawn(db, &status, sender, stop.clone());
        }
        workers::spawn(
            db,
            &status,
            ConsumerWorker::new(db, webhooks::queue::WebhookQueue),
            stop.clone(),
        );
        let courier = webhooks::courier::WebhookCourier {
            db: db.clone(),
            outbound: self.outbound.clone(),
            disable_after: self.config.webhooks.disable_after_failures,
            public_url: self.config.public_url(),
        };
        let attempts = outbox::attempts_within(self.config.webhooks.retry_hours);
        let sender = outbox::OutboxWorker::new(db, &self.config.database_url(), courier, attempts);
        workers::spawn(db, &status, sender, stop.clone());
        let poll_closer = posts::poll_closing::PollCloser { db: db.clone() };
        workers::spawn(db, &status, PeriodicWorker(poll_closer), stop.clone());
        let (config, signer) = (self.config.clone(), self.signer.clone());
        let sweep = guests::lifecycle::GuestSweep {
            db: db.clone(),
            config: config.clone(),
            signer: signer.clone(),
        };
        workers::spawn(db, &status, PeriodicWorker(sweep), stop.clone());
        let erasure = guests::erasure::GuestErasure {
            db: db.clone(),
            config: config.clone(),
            signer: signer.clone(),
        };
        workers::spawn(db, &status, PeriodicWorker(erasure), stop.clone());
        let file_sweep = files::sweep::FileSweep {
            db: db.clone(),
            files: self.files.clone(),
        };
        workers::spawn(db, &status, PeriodicWorker(file_sweep), stop.clone());
        let builder = exports::build::ExportBuilder::new(db, &self.files, &config)?;
        workers::spawn(db, &status, builder, stop.clone());
        let export_sweep = exports::sweep::ExportSweep {
            db: db.clone(),
            storage: self.files.storage.clone(),
            staging: exports::build::staging_dir(&config),
        };
        workers::spawn(db, &status, PeriodicWorker(export_sweep), stop.clone());
        let retention = audit::retention::AuditRetention {
            db: db.clone(),
            days: config.audit.retention_days,
        };
        workers::spawn(db, &status, PeriodicWorker(retention), stop.clone());
        if config.links.previews {
            let ttl = chrono::Duration::hours(config.links.preview_ttl_hours);
            let queue = previews::queue::PreviewQueue { ttl };
            workers::spawn(db, &status, ConsumerWorker::new(db, queue), stop.clone());
            let fetcher = previews::fetch::PreviewFetcher {
                db: db.clone(),
                outbound: self.outbound.clone(),
                files: self.files.clone(),
            };
            workers::spawn(db, &status, PeriodicWorker(fetcher), stop.clone());
        }
        if config.digests.scheduler {
            let schedule = signals::digests::DigestSchedule::new(db.clone(), config, signer);
            workers::spawn(db, &status, PeriodicWorker(schedule), stop);
        }
        Ok(Workers { hub, status })
    }
}

/// What the HTTP side needs of the running workers.
#[derive(Clone, Debug)]
pub struct Workers {
    /// Where live streams subscribe.
    pub hub: live::Hub,
    /// How each worker is doing.
    pub status: workers::Status,
}
