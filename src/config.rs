//! Configuration: `config/default.toml` (embedded), then an optional `--config FILE`, then
//! `AGORA_*` environment variables, each overriding the one before. A bad value is reported
//! by its name with a hint, before anything starts.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::Backend;

/// The documented defaults, compiled in so the binary runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Prefix of every environment variable read.
const ENV_PREFIX: &str = "AGORA_";

/// Top-level keys that have no default, and so are absent from `default.toml`.
const OPTIONAL_KEYS: &[&str] = &[
    "public_url",
    "database_url",
    "smtp_url",
    "auth.secret",
    "http.metrics_token",
];

/// Everything Agora reads at start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Base URL used in links that leave the server; unset: `http://` + listen.
    pub public_url: Option<String>,
    /// Database, search index, keys and `.eml` mail live here.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; unset: SQLite in the data directory.
    pub database_url: Option<Secret>,
    /// SMTP relay; unset: mail goes to `.eml` files.
    pub smtp_url: Option<Secret>,
    /// Sender address of every email.
    pub mail_from: String,
    /// Pool and SQLite settings.
    pub database: DatabaseSettings,
    /// Passwords, sessions and sign-in limits.
    pub auth: AuthSettings,
    /// HTTP server limits.
    pub http: HttpSettings,
    /// Logging.
    pub log: LogSettings,
    /// Live updates (`GET /api/v1/stream`).
    pub live: LiveSettings,
    pub search: SearchSettings,
    pub guests: GuestSettings,
    /// Email digests: when they go out and how long they are.
    pub digests: DigestSettings,
    /// Deliveries to the outside (mail): how long they are tried.
    pub outbox: OutboxSettings,
}

/// How long the outbox tries a delivery.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a delivery that keeps failing is dead (an admin can send it again).
    /// Waits between attempts double from 1 s to an hour, so 40 attempts span about 30 hours.
    pub max_attempts: i32,
}

/// Pool and SQLite settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// Seconds to wait for a free connection before answering 503.
    pub pool_timeout_secs: u64,
    /// SQLite `synchronous` pragma: OFF, NORMAL, FULL or EXTRA.
    pub sqlite_synchronous: String,
    /// Milliseconds SQLite waits for a lock held by another writer.
    pub busy_timeout_ms: u64,
    /// MiB of the SQLite file read through memory mapping (0: plain reads).
    pub sqlite_mmap_mb: u64,
}

/// Passwords, sessions and sign-in limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Key that signs session and link tokens; unset: generated into the data directory.
    pub secret: Option<Secret>,
    /// Shortest password accepted.
    pub min_password_length: usize,
    /// Days a browser session lasts.
    pub session_days: u32,
    /// Failed sign-ins allowed per account within the window.
    pub max_failures_per_account: u32,
    /// Failed sign-ins allowed per client address within the window.
    pub max_failures_per_ip: u32,
    /// Length of the failure window in seconds.
    pub failure_window_secs: u64,
}

/// HTTP server limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Seconds in-flight requests get to finish after SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Token that `GET /metrics` must carry (`Authorization: Bearer …`) from any address.
    /// Unset: metrics answer only clients on this machine (loopback).
    pub metrics_token: Option<Secret>,
}

/// Logging.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter such as `info`.
    pub level: String,
}

/// Live updates (`GET /api/v1/stream`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSettings {
    /// Seconds between heartbeat comments on an idle stream, so proxies keep it open.
    pub heartbeat_secs: u64,
    /// Longest time, in seconds, a stream keeps the viewer's groups without reading them
    /// again (membership changes of the viewer are applied at once regardless).
    pub scope_refresh_secs: u64,
    /// Most events replayed after `Last-Event-ID`; a client further behind is told to reload.
    pub replay_limit: i64,
    /// Events buffered for slow streams; one further behind catches up from the database.
    pub channel_capacity: usize,
    /// Milliseconds between reads of the events log when no commit in this process wakes
    /// the hub (commits by other processes on the same database).
    pub poll_ms: u64,
    /// Most live streams one user holds open at once; a new one past it closes her oldest.
    pub max_streams_per_user: usize,
}

/// Search ranking and indexing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// Age in days at which a post ranks half as high as a new one of the same relevance.
    pub recency_days: f32,
    /// Lift from likes and comments: relevance × (1 + weight × ln(1 + likes + comments)).
    pub engagement_weight: f32,
    /// Text searches blend only this many of their most relevant matches (BM25 alone picks
    /// them, skipping what cannot qualify); searches without words blend every match.
    pub relevance_window: usize,
    /// Milliseconds between reads of the events log when nothing in this process wakes the
    /// indexer (commits by other processes, a rebuilt index to switch to).
    pub poll_ms: u64,
    /// Indexing threads of `agora reindex`.
    pub reindex_threads: usize,
}

/// Who may be invited as a guest, and for how long.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSettings {
    /// The company's own email domains, comma-separated: never guests.
    pub company_domains: String,
    /// If set, only these domains (comma-separated) may be invited.
    pub allowed_domains: String,
    /// These domains (comma-separated) may never be invited.
    pub denied_domains: String,
    /// Days an invitation link stays valid.
    pub invitation_days: i64,
    /// Days a guest's access lasts before the sponsor must extend it.
    pub guest_days: i64,
}

/// When digests go out and how long they are.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    /// Send digests on schedule (false: only `POST /api/v1/admin/digests/run` sends them).
    pub scheduler: bool,
    /// Local hour (0–23) from which the day's digests go out.
    pub hour: u32,
    /// Day of the weekly digest: `mon` … `sun`.
    pub weekly_day: String,
    /// The local time of `hour` and `weekly_day` as an offset from UTC, `+HH:MM` or `-HH:MM`.
    pub utc_offset: String,
    /// Posts listed in one digest; the rest are counted as "and N more".
    pub max_posts: usize,
    /// Users written per transaction during a run.
    pub batch_size: usize,
    /// Threads composing a batch's digests side by side (each on its own connection).
    pub workers: usize,
    /// Milliseconds to pause between batches, to spread a run's load (0: none).
    pub pause_ms: u64,
}

impl GuestSettings {
    /// The domains of a comma-separated setting, lowercased.
    pub fn domains(list: &str) -> Vec<String> {
        list.split(',')
            .map(|d| d.trim().trim_start_matches('@').to_lowercase())
            .filter(|d| !d.is_empty())
            .collect()
    }
}

/// A value that never appears in logs or debug output.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A configuration problem, reported by the name of the setting with a hint to fix it.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {problem}\n  fix: {hint}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
    pub hint: String,
}

impl ConfigError {
    pub(crate) fn new(
        key: &str,
        problem: impl Into<String>,
        hint: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            key: key.to_string(),
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

/// The environment variable that sets `key` (`auth.secret` → `AGORA_AUTH__SECRET`).
pub fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "__").to_uppercase())
}

impl Config {
    /// Reads the defaults, then `file`, then the `AGORA_*` entries of `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = DEFAULT_TOML
            .parse()
            .map_err(|e| ConfigError::new("default.toml", format!("{e}"), "rebuild Agora"))?;
        let known = leaf_keys(&table);
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new(
                    "--config",
                    format!("cannot read {}: {e}", path.display()),
                    "give the path of a readable TOML file",
                )
            })?;
            let overlay: toml::Table = text.parse().map_err(|e| {
                ConfigError::new(
                    "--config",
                    format!("{} is not valid TOML: {e}", path.display()),
                    "fix the syntax at the line shown",
                )
            })?;
            merge(&mut table, overlay);
        }
        for (name, raw) in env {
            let Some(key) = known
                .iter()
                .map(String::as_str)
                .chain(OPTIONAL_KEYS.iter().copied())
                .find(|key| env_name(key) == name)
            else {
                continue;
            };
            set_path(&mut table, key, env_value(&raw));
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                let hint = format!("set {key} in your --config file or {}", env_name(&key));
                ConfigError::new(&key, e.into_inner().to_string(), hint)
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::new(
                "public_url",
                format!("{url:?} is not an http(s) URL"),
                "use e.g. AGORA_PUBLIC_URL=https://agora.example.com",
            ));
        }
        if let Some(url) = &self.database_url {
            Backend::of_url(&url.0).map_err(|problem| {
                ConfigError::new("database_url", problem, "e.g. AGORA_DATABASE_URL=sqlite://./data/agora.db or postgres://user@host/agora")
            })?;
        }
        if let Some(url) = &self.smtp_url
            && !(url.0.starts_with("smtp://") || url.0.starts_with("smtps://"))
        {
            return Err(ConfigError::new(
                "smtp_url",
                "not an smtp:// or smtps:// URL",
                "e.g. AGORA_SMTP_URL=smtp://127.0.0.1:25",
            ));
        }
        if !["OFF", "NORMAL", "FULL", "EXTRA"]
            .contains(&self.database.sqlite_synchronous.to_uppercase().as_str())
        {
            return Err(ConfigError::new(
                "database.sqlite_synchronous",
                format!(
                    "{:?} is not a SQLite synchronous mode",
                    self.database.sqlite_synchronous
                ),
                "use FULL (safest), NORMAL, EXTRA or OFF",
            ));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::new(
                "database.pool_size",
                "must be at least 1",
                "set AGORA_DATABASE__POOL_SIZE=10",
            ));
        }
        if self.auth.secret.as_ref().is_some_and(|s| s.0.len() < 32) {
            return Err(ConfigError::new(
                "auth.secret",
                "shorter than 32 characters",
                "use a long random string, or unset it to have one generated",
            ));
        }
        if self.auth.min_password_length < 8 {
            return Err(ConfigError::new(
                "auth.min_password_length",
                "below 8",
                "set it to 8 or more",
            ));
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(ConfigError::new(
                "log.format",
                format!("{:?} is neither text nor json", self.log.format),
                "set AGORA_LOG__FORMAT=text or json",
            ));
        }
        if self.live.heartbeat_secs == 0 || self.live.scope_refresh_secs == 0 {
            return Err(ConfigError::new(
                "live.heartbeat_secs",
                "live.heartbeat_secs and live.scope_refresh_secs must be at least 1",
                "set AGORA_LIVE__HEARTBEAT_SECS=15 and AGORA_LIVE__SCOPE_REFRESH_SECS=60",
            ));
        }
        let search = &self.search;
        if !(search.recency_days > 0.0 && search.engagement_weight >= 0.0) {
            return Err(ConfigError::new(
                "search.recency_days",
                "search.recency_days must be above 0 and search.engagement_weight at least 0",
                "use e.g. recency_days = 30.0 and engagement_weight = 0.1",
            ));
        }
        if !(20..=100_000).contains(&search.relevance_window) {
            return Err(ConfigError::new(
                "search.relevance_window",
                "search.relevance_window must be 20 to 100000",
                "use e.g. relevance_window = 500",
            ));
        }
        if search.poll_ms == 0 || !(1..=16).contains(&search.reindex_threads) {
            return Err(ConfigError::new(
                "search.poll_ms",
                "search.poll_ms must be at least 1 and search.reindex_threads 1 to 16",
                "use e.g. poll_ms = 500 and reindex_threads = 2",
            ));
        }
        if self.guests.invitation_days < 1 || self.guests.guest_days < 1 {
            return Err(ConfigError::new(
                "guests.invitation_days",
                "guests.invitation_days and guests.guest_days must be at least 1",
                "set AGORA_GUESTS__INVITATION_DAYS=7 and AGORA_GUESTS__GUEST_DAYS=90",
            ));
        }
        crate::signals::digests::check_settings(&self.digests)?;
        if self.outbox.max_attempts < 1 {
            return Err(ConfigError::new(
                "outbox.max_attempts",
                "outbox.max_attempts must be at least 1",
                "set e.g. AGORA_OUTBOX__MAX_ATTEMPTS=40",
            ));
        }
        if self.live.channel_capacity == 0 || self.live.poll_ms == 0 {
            return Err(ConfigError::new(
                "live.channel_capacity",
                "live.channel_capacity and live.poll_ms must be at least 1",
                "set AGORA_LIVE__CHANNEL_CAPACITY=1024 and AGORA_LIVE__POLL_MS=1000",
            ));
        }
        Ok(())
    }

    /// The socket address to listen on.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            ConfigError::new(
                "listen",
                format!("{:?} is not an address:port", self.listen),
                "e.g. AGORA_LISTEN=127.0.0.1:8080",
            )
        })
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.0.clone(),
            None => format!("sqlite://{}", self.data_dir.join("agora.db").display()),
        }
    }

    /// The base URL for links that leave the server, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// Dotted paths of every leaf value in `table`.
fn leaf_keys(table: &toml::Table) -> Vec<String> {
    let mut keys = Vec::new();
    for (name, value) in table {
        match value {
            toml::Value::Table(inner) => {
                keys.extend(leaf_keys(inner).into_iter().map(|k| format!("{name}.{k}")))
            }
            _ => keys.push(name.clone()),
        }
    }
    keys
}

/// Overlays `top` on `base`, table by table.
fn merge(base: &mut toml::Table, top: toml::Table) {
    for (name, value) in top {
        match (base.get_mut(&name), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(top_inner)) => {
                merge(inner, top_inner)
            }
            (_, value) => {
                base.insert(name, value);
            }
        }
    }
}

fn set_path(table: &mut toml::Table, dotted: &str, value: toml::Value) {
    match dotted.split_once('.') {
        Some((head, rest)) => {
            let entry = table
                .entry(head.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                set_path(inner, rest, value);
            }
        }
        None => {
            table.insert(dotted.to_string(), value);
        }
    }
}

/// An environment value as TOML: numbers and booleans typed, anything else a string.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(n) = raw.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    if let Ok(x) = raw.parse::<f64>().map(toml::Value::Float)
        && raw.contains('.')
    {
        return x;
    }
    match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_match_the_struct() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.database_url(), "sqlite://./data/agora.db");
    }

    #[test]
    fn environment_overrides_nested_and_optional_keys() {
        let config = Config::load(
            None,
            env(&[
                ("AGORA_DATABASE__POOL_SIZE", "3"),
                ("AGORA_PUBLIC_URL", "https://a.example/"),
                ("AGORA_TEST_DATABASE_URL", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(config.database.pool_size, 3);
        assert_eq!(config.public_url(), "https://a.example");
    }

    #[test]
    fn a_bad_value_is_named_with_its_variable() {
        let error = Config::load(None, env(&[("AGORA_DATABASE__POOL_SIZE", "many")])).unwrap_err();
        assert_eq!(error.key, "database.pool_size");
        assert!(error.hint.contains("AGORA_DATABASE__POOL_SIZE"), "{error}");
    }

    #[test]
    fn a_typo_in_the_database_scheme_is_refused() {
        let error = Config::load(None, env(&[("AGORA_DATABASE_URL", "sqlit://x.db")])).unwrap_err();
        assert_eq!(error.key, "database_url");
    }

    #[test]
    fn secrets_never_print() {
        let config = Config::load(
            None,
            env(&[("AGORA_AUTH__SECRET", "0123456789abcdef0123456789abcdef")]),
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("0123456789abcdef"));
    }
}
