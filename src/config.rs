//! Configuration: `config/default.toml` (embedded), then an optional `--config FILE`, then
//! `AGORA_*` environment variables, each overriding the one before, layered by figment into
//! typed fields. A bad value is reported by its name with a hint, before anything starts.
//! The README's table of variables is made from `default.toml`, and a test keeps the two, and
//! this struct, in step.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{FixedOffset, Weekday};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    "oidc.issuer_url",
    "oidc.client_id",
    "oidc.client_secret",
    "links.proxy",
    "files.s3_bucket",
    "files.s3_endpoint",
    "files.s3_region",
    "files.s3_access_key_id",
    "files.s3_secret_access_key",
];

/// Everything Agora reads at start.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
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
    /// What becomes of an account and its content when it is deleted (see docs/deletion.md).
    pub accounts: AccountSettings,
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
    /// Single sign-on with the company's OpenID Connect provider.
    pub oidc: OidcSettings,
    /// Attachments and profile photos: limits and where the bytes live.
    pub files: FileSettings,
    /// Links in posts: hygiene, previews, and the rules of every request Agora makes.
    pub links: LinkSettings,
    /// Outgoing webhooks: how long deliveries are tried and when an endpoint is turned off.
    pub webhooks: WebhookSettings,
    /// Recommendations of people, groups and tags (see docs/extensions.md).
    pub recommendations: RecommendationSettings,
    /// Exports of one's own data (see docs/exports.md).
    pub exports: ExportSettings,
    /// Reports of posts and comments (see docs/moderation.md).
    pub moderation: ModerationSettings,
    /// The audit log of administrative and security actions (see docs/audit.md).
    pub audit: AuditSettings,
}

/// Exports of one's own data: how long a ready one is kept, and how often one may be asked.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// Days a ready export can be downloaded before its file is deleted.
    pub keep_days: i64,
    /// Exports one person may request within 24 hours.
    pub per_day: i64,
}

/// Reports and moderation (see docs/moderation.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationSettings {
    /// Reports one person may file in an hour.
    pub reports_per_hour: i64,
}

/// The audit log (see docs/audit.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Days an entry is kept before the retention task deletes it; 0 keeps every entry.
    pub retention_days: u32,
}

/// Outgoing webhooks (see docs/extensions.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Hours a failing delivery is retried, with waits doubling from 1 s to an hour.
    pub retry_hours: i64,
    /// Failed attempts in a row after which an endpoint is turned off and its owner emailed.
    pub disable_after_failures: i32,
    /// Hours the secret before a rotation still signs deliveries beside the new one.
    pub rotation_overlap_hours: i64,
}

/// Recommendations on the home page's side rail and on `/discover`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationSettings {
    /// Suggest people, groups and tags on the home page's side rail; off: the rail shows
    /// trending tags only (`/discover` and the API still answer).
    pub rail: bool,
}

/// Attachments and profile photos.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Largest file, in bytes.
    pub max_bytes: u64,
    /// Most files on one post or comment.
    pub max_per_post: usize,
    /// Most pixels an image may decode to (a guard against decompression bombs).
    pub max_pixels: u64,
    /// Hours the files of a deleted post are kept before they are removed.
    pub grace_hours: i64,
    /// Hours an upload may stay on no post before it is swept.
    pub orphan_hours: i64,
    /// An S3-compatible bucket shared by every server of one installation; unset: `files/`
    /// in the data directory. Bucket, region and keys go together; the endpoint is for
    /// S3-compatible services other than Amazon's.
    pub s3_bucket: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
}

/// Links in posts and the requests Agora makes to other servers (see docs/links.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSettings {
    /// Query parameters taken off links when a body is saved: a name, or a prefix and `*`.
    #[serde(deserialize_with = "word_list")]
    pub tracking_parameters: Vec<String>,
    /// Intranet hosts, addresses and CIDRs, each optionally with `:port`, that outbound
    /// requests may reach: the only way past the rules against private destinations.
    #[serde(deserialize_with = "word_list")]
    pub allow: Vec<String>,
    /// A proxy for every outbound request.
    pub proxy: Option<String>,
    /// Seconds one outbound request may take, redirects included.
    pub timeout_secs: u64,
    /// Fetch previews of the first links of posts and comments.
    pub previews: bool,
    /// Hours a fetched preview is reused before a new post with its link fetches it again.
    pub preview_ttl_hours: i64,
}

/// Where files go when they go to an S3-compatible bucket.
#[derive(Debug)]
pub struct S3Bucket<'a> {
    pub bucket: &'a str,
    pub endpoint: Option<&'a str>,
    pub region: &'a str,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a Secret,
}

impl FileSettings {
    /// The bucket, when files go to one (validation made sure it is all set or none).
    pub fn s3(&self) -> Option<S3Bucket<'_>> {
        Some(S3Bucket {
            bucket: self.s3_bucket.as_deref()?,
            endpoint: self.s3_endpoint.as_deref(),
            region: self.s3_region.as_deref()?,
            access_key_id: self.s3_access_key_id.as_deref()?,
            secret_access_key: self.s3_secret_access_key.as_ref()?,
        })
    }
}

/// Single sign-on with the company's OpenID Connect provider.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The provider's issuer; its discovery document is read from
    /// `<issuer_url>/.well-known/openid-configuration`.
    pub issuer_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Text of the sign-in page's button.
    pub button_label: String,
    /// Scopes asked for, separated by spaces.
    pub scopes: String,
    /// If not empty, only these email domains may sign in through the provider.
    #[serde(deserialize_with = "domain_list")]
    pub allowed_domains: Vec<String>,
    /// Only people SCIM provisioned (and admins) may sign in; nobody is created at first sign-in.
    pub provisioned_only: bool,
    /// Whether employees may still sign in with a password while single sign-on is on.
    pub employee_passwords: bool,
    /// Seconds of clock difference with the provider tolerated in token times.
    pub leeway_secs: u64,
    /// Which claims carry the profile.
    pub claims: ClaimNames,
}

/// Names of the claims that carry a profile; empty: not read.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimNames {
    pub name: String,
    pub email: String,
    pub title: String,
    pub department: String,
    /// The manager's email address.
    pub manager: String,
    /// Names of Agora groups she joins at sign-in.
    pub groups: String,
}

/// What single sign-on needs, when it is configured.
#[derive(Clone, Debug)]
pub struct OidcClient<'a> {
    pub issuer_url: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a Secret,
}

impl OidcSettings {
    /// The provider and this client's credentials, if single sign-on is on.
    pub fn client(&self) -> Option<OidcClient<'_>> {
        Some(OidcClient {
            issuer_url: self.issuer_url.as_deref()?,
            client_id: self.client_id.as_deref()?,
            client_secret: self.client_secret.as_ref()?,
        })
    }

    /// Whether an account of `kind` may sign in with a password.
    pub fn allows_password(&self, kind: crate::accounts::UserKind) -> bool {
        self.client().is_none()
            || self.employee_passwords
            || kind != crate::accounts::UserKind::Employee
    }
}

/// How long the outbox tries a delivery.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a delivery that keeps failing is dead (an admin can send it again).
    /// Waits between attempts double from 1 s to an hour, so 40 attempts span about 30 hours.
    pub max_attempts: i32,
}

/// Pool and SQLite settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// Seconds to wait for a free connection before answering 503.
    pub pool_timeout_secs: u64,
    /// SQLite `synchronous` pragma.
    pub sqlite_synchronous: SqliteSynchronous,
    /// Milliseconds SQLite waits for a lock held by another writer.
    pub busy_timeout_ms: u64,
    /// MiB of the SQLite file read through memory mapping (0: plain reads).
    pub sqlite_mmap_mb: u64,
}

/// Accounts and their deletion (see docs/deletion.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// What happens to the posts and comments of a deleted account: `choice` (she, or the
    /// admin deleting it, chooses), `remove` or `anonymise` (the company decides).
    pub deletion_policy: DeletionPolicy,
}

/// Who decides what becomes of a deleted account's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletionPolicy {
    /// Whoever deletes the account chooses.
    Choice,
    /// Her posts and comments are always removed.
    Remove,
    /// Her posts and comments always stay, under a placeholder name.
    #[serde(alias = "anonymize")]
    Anonymise,
}

/// Passwords, sessions and sign-in limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
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
    /// Minutes an emailed sign-in link works (once).
    pub email_link_minutes: i64,
    /// Sign-in links that may be asked for one address within the failure window.
    pub email_links_per_address: u32,
    /// Sign-in links that may be asked for from one client address within the window.
    pub email_links_per_ip: u32,
    /// Whether employees, not only guests, may sign in by an emailed link.
    pub email_links_for_employees: bool,
}

/// HTTP server limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
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
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client: a list, or in
    /// the environment comma-separated ("127.0.0.1,10.0.0.5"). Empty: the TCP peer is the
    /// client.
    #[serde(deserialize_with = "address_list")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Logging.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter such as `info`.
    pub level: String,
}

/// Live updates (`GET /api/v1/stream`).
#[derive(Clone, Debug, Deserialize, Serialize)]
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
#[derive(Clone, Debug, Deserialize, Serialize)]
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
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSettings {
    /// The company's own email domains: never guests.
    #[serde(deserialize_with = "domain_list")]
    pub company_domains: Vec<String>,
    /// If not empty, only these domains may be invited.
    #[serde(deserialize_with = "domain_list")]
    pub allowed_domains: Vec<String>,
    /// These domains may never be invited.
    #[serde(deserialize_with = "domain_list")]
    pub denied_domains: Vec<String>,
    /// Days an invitation link stays valid.
    pub invitation_days: i64,
    /// Days a guest's access lasts before the sponsor must extend it.
    pub guest_days: i64,
    /// Days after a guest's access ended (expired, revoked or suspended) before her personal
    /// data is deleted and her content kept under a placeholder name; 0 never deletes.
    pub delete_after_days: i64,
}

/// When digests go out and how long they are.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    /// Send digests on schedule (false: only `POST /api/v1/admin/digests/run` sends them).
    pub scheduler: bool,
    /// Local hour (0–23) from which the day's digests go out.
    pub hour: u32,
    /// Day of the weekly digest: `mon` … `sun`.
    pub weekly_day: Weekday,
    /// The local time of `hour` and `weekly_day` as an offset from UTC.
    pub utc_offset: UtcOffset,
    /// Posts listed in one digest; the rest are counted as "and N more".
    pub max_posts: usize,
    /// Users written per transaction during a run.
    pub batch_size: usize,
    /// Threads composing a batch's digests side by side (each on its own connection).
    pub workers: usize,
    /// Milliseconds to pause between batches, to spread a run's load (0: none).
    pub pause_ms: u64,
}

/// SQLite's `synchronous` pragma: FULL survives power loss after a write is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SqliteSynchronous {
    #[serde(alias = "off")]
    Off,
    #[serde(alias = "normal")]
    Normal,
    #[serde(alias = "full")]
    Full,
    #[serde(alias = "extra")]
    Extra,
}

impl SqliteSynchronous {
    /// The pragma's value.
    pub fn as_str(self) -> &'static str {
        match self {
            SqliteSynchronous::Off => "OFF",
            SqliteSynchronous::Normal => "NORMAL",
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Extra => "EXTRA",
        }
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// An offset from UTC written `+HH:MM` or `-HH:MM`, at most 14 hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcOffset(pub FixedOffset);

impl std::str::FromStr for UtcOffset {
    type Err = String;

    fn from_str(raw: &str) -> Result<UtcOffset, String> {
        let refused = || format!("{raw:?} is not an offset from UTC such as +01:00 or -05:30");
        let (sign, rest) = match raw.as_bytes().first() {
            Some(b'+') => (1, &raw[1..]),
            Some(b'-') => (-1, &raw[1..]),
            _ => return Err(refused()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(refused)?;
        let (h, m): (i32, i32) = (
            h.parse().map_err(|_| refused())?,
            m.parse().map_err(|_| refused())?,
        );
        if !((0..=14).contains(&h) && (0..60).contains(&m)) {
            return Err(refused());
        }
        FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            .map(UtcOffset)
            .ok_or_else(refused)
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UtcOffset, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Email domains, from a TOML list or a comma-separated string (how an environment variable
/// gives them), lowercased and without a leading `@`.
fn domain_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(word_list(deserializer)?
        .iter()
        .map(|d| d.trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect())
}

/// IP addresses from a TOML list or a comma-separated string.
fn address_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<std::net::IpAddr>, D::Error> {
    word_list(deserializer)?
        .iter()
        .map(|a| {
            a.parse()
                .map_err(|_| serde::de::Error::custom(format!("{a:?} is not an IP address")))
        })
        .collect()
}

/// Words from a TOML list or a comma-separated string, trimmed, without empty ones.
fn word_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        List(Vec<String>),
        Text(String),
    }
    let items = match Given::deserialize(deserializer)? {
        Given::List(items) => items,
        Given::Text(text) => text.split(',').map(str::to_string).collect(),
    };
    Ok(items
        .iter()
        .map(|word| word.trim().to_string())
        .filter(|word| !word.is_empty())
        .collect())
}

/// A value that never appears in logs, debug output or a serialised configuration.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
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
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "--config",
                    format!("cannot read {}", path.display()),
                    "give the path of a readable TOML file",
                ));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let keys = keys();
        for (name, raw) in env {
            if let Some(key) = keys.iter().find(|key| env_name(key) == name) {
                // Typed leniently, as figment reads its own environment: `3` is a number.
                let value: figment::value::Value = match raw.parse() {
                    Ok(value) => value,
                    Err(never) => match never {},
                };
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        let config: Config = figment.extract().map_err(|error| {
            if error.path.is_empty() {
                let source = if file.is_some() {
                    "--config"
                } else {
                    "default.toml"
                };
                return ConfigError::new(
                    source,
                    error.to_string(),
                    "fix the file at the line shown",
                );
            }
            let key = error.path.join(".");
            let hint = format!("set {key} in your --config file or {}", env_name(&key));
            ConfigError::new(&key, error.kind.to_string(), hint)
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
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
        if !(1..=24 * 60).contains(&self.auth.email_link_minutes) {
            return Err(ConfigError::new(
                "auth.email_link_minutes",
                "must be from 1 to 1440",
                "a sign-in link should be short-lived: AGORA_AUTH__EMAIL_LINK_MINUTES=15",
            ));
        }
        if self.auth.min_password_length < 8 {
            return Err(ConfigError::new(
                "auth.min_password_length",
                "below 8",
                "set it to 8 or more",
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
        self.validate_oidc()?;
        if self.exports.keep_days < 1 || self.exports.per_day < 1 {
            return Err(ConfigError::new(
                "exports.keep_days",
                "exports.keep_days and exports.per_day must be at least 1",
                "set AGORA_EXPORTS__KEEP_DAYS=7 and AGORA_EXPORTS__PER_DAY=3",
            ));
        }
        let files = &self.files;
        if files.max_bytes == 0 || files.max_per_post == 0 || files.max_pixels == 0 {
            return Err(ConfigError::new(
                "files.max_bytes",
                "files.max_bytes, files.max_per_post and files.max_pixels must be at least 1",
                "set e.g. AGORA_FILES__MAX_BYTES=52428800 and AGORA_FILES__MAX_PER_POST=10",
            ));
        }
        let s3_set = [
            files.s3_bucket.is_some(),
            files.s3_region.is_some(),
            files.s3_access_key_id.is_some(),
            files.s3_secret_access_key.is_some(),
        ];
        if s3_set.contains(&true) && s3_set.contains(&false) {
            return Err(ConfigError::new(
                "files.s3_bucket",
                "an S3 bucket needs its bucket, region, access key id and secret access key",
                "set all four (AGORA_FILES__S3_BUCKET, AGORA_FILES__S3_REGION, AGORA_FILES__S3_ACCESS_KEY_ID, AGORA_FILES__S3_SECRET_ACCESS_KEY), or none",
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

    fn validate_oidc(&self) -> Result<(), ConfigError> {
        let oidc = &self.oidc;
        let given = [
            oidc.issuer_url.is_some(),
            oidc.client_id.is_some(),
            oidc.client_secret.is_some(),
        ];
        if given.contains(&true) && given.contains(&false) {
            return Err(ConfigError::new(
                "oidc.issuer_url",
                "single sign-on needs oidc.issuer_url, oidc.client_id and oidc.client_secret together",
                "set all three (AGORA_OIDC__ISSUER_URL, AGORA_OIDC__CLIENT_ID, AGORA_OIDC__CLIENT_SECRET), or none",
            ));
        }
        if let Some(url) = &oidc.issuer_url
            && url::Url::parse(url).map_or(true, |u| {
                !matches!(u.scheme(), "http" | "https") || u.host().is_none()
            })
        {
            return Err(ConfigError::new(
                "oidc.issuer_url",
                format!("{url:?} is not an http(s) URL"),
                "use the issuer your provider names, e.g. https://login.example.com/realms/acme",
            ));
        }
        if oidc.claims.email.trim().is_empty() {
            return Err(ConfigError::new(
                "oidc.claims.email",
                "cannot be empty: people are matched by their email address",
                "set AGORA_OIDC__CLAIMS__EMAIL=email",
            ));
        }
        Ok(())
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

    /// What links in a body go through when it is saved.
    pub fn link_rules(&self) -> crate::links::Rules {
        crate::links::Rules {
            tracking: crate::links::Tracking::new(&self.links.tracking_parameters),
            site: url::Url::parse(&format!("{}/", self.public_url())).ok(),
        }
    }
}

/// Every key there is: those `default.toml` sets, and those without a default.
fn keys() -> Vec<String> {
    let defaults: toml::Table = DEFAULT_TOML.parse().unwrap_or_default();
    let mut keys = leaf_keys(&defaults);
    keys.extend(OPTIONAL_KEYS.iter().map(|k| k.to_string()));
    keys
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
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
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
    fn single_sign_on_is_all_or_nothing_and_its_issuer_a_url() {
        let sso = [
            (
                "AGORA_OIDC__ISSUER_URL",
                "https://login.example.com/realms/acme",
            ),
            ("AGORA_OIDC__CLIENT_ID", "agora"),
            ("AGORA_OIDC__CLIENT_SECRET", "a secret"),
        ];
        let config = Config::load(None, env(&sso)).unwrap();
        let client = config.oidc.client().unwrap();
        assert_eq!(client.client_id, "agora");
        assert!(!format!("{config:?}").contains("a secret"));
        assert!(
            Config::load(None, env(&[]))
                .unwrap()
                .oidc
                .client()
                .is_none()
        );

        let error = Config::load(None, env(&sso[..2])).unwrap_err();
        assert_eq!(error.key, "oidc.issuer_url");
        assert!(error.hint.contains("AGORA_OIDC__CLIENT_SECRET"), "{error}");
        let mut bad = sso;
        bad[0].1 = "login.example.com";
        assert_eq!(
            Config::load(None, env(&bad)).unwrap_err().key,
            "oidc.issuer_url"
        );
        let no_email = [&sso[..], &[("AGORA_OIDC__CLAIMS__EMAIL", "")]].concat();
        let error = Config::load(None, env(&no_email)).unwrap_err();
        assert_eq!(error.key, "oidc.claims.email");
    }

    #[test]
    fn only_employees_lose_their_passwords_to_single_sign_on() {
        use crate::accounts::UserKind;
        let mut vars = vec![("AGORA_OIDC__EMPLOYEE_PASSWORDS", "false")];
        let without_sso = Config::load(None, env(&vars)).unwrap();
        assert!(
            without_sso.oidc.allows_password(UserKind::Employee),
            "no provider, no switch"
        );
        vars.extend([
            ("AGORA_OIDC__ISSUER_URL", "https://login.example.com"),
            ("AGORA_OIDC__CLIENT_ID", "agora"),
            ("AGORA_OIDC__CLIENT_SECRET", "a secret"),
        ]);
        let oidc = Config::load(None, env(&vars)).unwrap().oidc;
        assert!(!oidc.allows_password(UserKind::Employee));
        assert!(
            oidc.allows_password(UserKind::Admin),
            "the break-glass account"
        );
        assert!(oidc.allows_password(UserKind::Guest));
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

    #[test]
    fn typed_values_are_read_from_the_environment() {
        let config = Config::load(
            None,
            env(&[
                ("AGORA_LISTEN", "0.0.0.0:9000"),
                ("AGORA_LOG__FORMAT", "json"),
                ("AGORA_DATABASE__SQLITE_SYNCHRONOUS", "normal"),
                ("AGORA_DIGESTS__WEEKLY_DAY", "fri"),
                ("AGORA_DIGESTS__UTC_OFFSET", "-09:30"),
                (
                    "AGORA_GUESTS__DENIED_DOMAINS",
                    "Rival.example, @spam.example",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.log.format, LogFormat::Json);
        assert_eq!(
            config.database.sqlite_synchronous,
            SqliteSynchronous::Normal
        );
        assert_eq!(config.digests.weekly_day, Weekday::Fri);
        assert_eq!(
            config.digests.utc_offset.0.local_minus_utc(),
            -(9 * 3600 + 30 * 60)
        );
        assert_eq!(
            config.guests.denied_domains,
            ["rival.example", "spam.example"]
        );
    }

    #[test]
    fn values_of_the_wrong_shape_are_named() {
        for (name, raw, key) in [
            ("AGORA_LISTEN", "localhost", "listen"),
            ("AGORA_LOG__FORMAT", "xml", "log.format"),
            (
                "AGORA_DATABASE__SQLITE_SYNCHRONOUS",
                "sometimes",
                "database.sqlite_synchronous",
            ),
            ("AGORA_DIGESTS__WEEKLY_DAY", "someday", "digests.weekly_day"),
            ("AGORA_DIGESTS__UTC_OFFSET", "01:00", "digests.utc_offset"),
            ("AGORA_DIGESTS__UTC_OFFSET", "+15:00", "digests.utc_offset"),
            (
                "AGORA_HTTP__TRUSTED_PROXIES",
                "127.0.0.1, proxy.internal",
                "http.trusted_proxies",
            ),
        ] {
            let error = Config::load(None, env(&[(name, raw)])).unwrap_err();
            assert_eq!(error.key, key, "{name}={raw}: {error}");
            assert!(error.hint.contains(name), "{error}");
        }
    }

    #[test]
    fn a_config_file_overrides_the_defaults_and_its_typos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agora.toml");
        std::fs::write(
            &path,
            "mail_from = \"news@acme.example\"\n[guests]\ncompany_domains = [\"acme.example\"]\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), env(&[])).unwrap();
        assert_eq!(config.mail_from, "news@acme.example");
        assert_eq!(config.guests.company_domains, ["acme.example"]);
        std::fs::write(&path, "[database]\npool_sise = 3\n").unwrap();
        let error = Config::load(Some(&path), env(&[])).unwrap_err();
        assert!(error.to_string().contains("pool_sise"), "{error}");
        let missing = Config::load(Some(&dir.path().join("nope.toml")), env(&[])).unwrap_err();
        assert_eq!(missing.key, "--config");
    }

    /// Every key of the struct, from its serialised defaults (unset options are `null`).
    fn struct_keys(value: &serde_json::Value, prefix: &str, keys: &mut Vec<String>) {
        match value.as_object() {
            Some(fields) => {
                for (name, field) in fields {
                    let key = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    struct_keys(field, &key, keys);
                }
            }
            None => keys.push(prefix.to_string()),
        }
    }

    #[test]
    fn the_struct_and_default_toml_name_the_same_keys() {
        let defaults = serde_json::to_value(Config::load(None, env(&[])).unwrap()).unwrap();
        let mut in_struct = Vec::new();
        struct_keys(&defaults, "", &mut in_struct);
        let mut in_file = keys();
        in_struct.sort();
        in_file.sort();
        assert_eq!(in_struct, in_file);
    }

    /// The README's table of variables, one row per key of `default.toml` (including the
    /// commented-out ones without a default): the comment above it, and its default.
    fn readme_table() -> String {
        let mut rows = vec![
            "| variable | meaning | default |".to_string(),
            "|---|---|---|".to_string(),
        ];
        let (mut section, mut comment) = (String::new(), Vec::new());
        for line in DEFAULT_TOML.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = format!("{name}.");
                comment.clear();
                continue;
            }
            let (text, optional) = match line.strip_prefix("# ") {
                Some(text) => (text, true),
                None => (line, false),
            };
            let setting = text.split_once(" = ").filter(|(key, _)| {
                !key.contains(' ')
                    && (!optional || OPTIONAL_KEYS.contains(&format!("{section}{key}").as_str()))
            });
            match setting {
                Some((key, value)) => {
                    let key = format!("{section}{key}");
                    assert!(!comment.is_empty(), "{key} has no comment in default.toml");
                    let default = if optional {
                        "unset".to_string()
                    } else {
                        format!("`{}`", value.trim_matches('"'))
                    };
                    rows.push(format!(
                        "| `{}` | {} | {default} |",
                        env_name(&key),
                        comment.join(" ")
                    ));
                    comment.clear();
                }
                None if line.is_empty() => comment.clear(),
                // `<data_dir>` would read as an HTML tag in Markdown.
                None => comment.push(text.trim_start_matches('#').trim().replace('<', "&lt;")),
            }
        }
        rows.join("\n")
    }

    #[test]
    fn the_readme_lists_every_variable_as_default_toml_documents_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (begin, end) = (
            "<!-- variables: made from config/default.toml -->\n",
            "\n<!-- /variables -->",
        );
        let start = readme
            .find(begin)
            .expect("the README marks its table of variables")
            + begin.len();
        let stop = start + readme[start..].find(end).unwrap();
        let table = readme_table();
        if readme[start..stop] != table {
            if std::env::var_os("AGORA_WRITE_README").is_some() {
                let written = format!("{}{table}{}", &readme[..start], &readme[stop..]);
                std::fs::write(path, written).unwrap();
            } else {
                panic!(
                    "the README's table of variables is stale: run this test with AGORA_WRITE_README=1"
                );
            }
        }
        for key in keys() {
            assert!(table.contains(&format!("`{}`", env_name(&key))), "{key}");
        }
    }
}
