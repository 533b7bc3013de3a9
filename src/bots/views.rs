//! What handlers and templates get of bots, their tokens and incoming webhooks.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::User;
use crate::accounts::sessions::ApiToken;
use crate::ids::GroupId;

/// A bot as its admins see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BotView {
    pub id: String,
    /// The name used in @mentions.
    pub handle: String,
    pub name: String,
    pub description: String,
    /// False once deactivated: its tokens are gone and it can do nothing more.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Its live tokens (never the tokens themselves).
    pub tokens: Vec<TokenView>,
    /// The groups it is a member of, by name.
    pub groups: Vec<BotGroupView>,
}

/// A group a bot belongs to.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BotGroupView {
    pub id: String,
    pub name: String,
}

impl BotView {
    /// `bot` with its `tokens` and its `groups`.
    pub fn of(bot: &User, tokens: Vec<TokenView>, groups: Vec<BotGroupView>) -> BotView {
        BotView {
            id: bot.id.to_string(),
            handle: bot.handle.clone(),
            name: bot.name.clone(),
            description: bot.bio.clone(),
            active: bot.is_active(),
            created_at: bot.created_at.and_utc(),
            tokens,
            groups,
        }
    }

    /// The name of group `id` among the bot's, else the id itself.
    pub fn group_name(&self, id: &str) -> String {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| id.to_string(), |g| g.name.clone())
    }
}

/// A bot's token as its admins see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// May read (GET).
    pub read: bool,
    /// May write (POST, PATCH, PUT, DELETE).
    pub write: bool,
    /// The groups it reaches; null: every group the bot belongs to.
    pub group_ids: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has expired (an expired token is refused like a revoked one).
    pub expired: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenView {
    /// `token`, limited to `groups` when it is limited.
    pub fn of(token: &ApiToken, groups: &[GroupId]) -> TokenView {
        TokenView {
            id: token.id.to_string(),
            name: token.name.clone(),
            read: token.can_read,
            write: token.can_write,
            group_ids: token
                .group_limited
                .then(|| groups.iter().map(ToString::to_string).collect()),
            expires_at: token.expires_at.map(|at| at.and_utc()),
            expired: token.expires_at.is_some_and(|at| at <= crate::clock::now()),
            created_at: token.created_at.and_utc(),
            last_used_at: token.last_seen_at.map(|at| at.and_utc()),
        }
    }
}

/// A token just issued: the only time the token itself is shown.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedTokenView {
    /// Send as `Authorization: Bearer <token>`; shown once, never again.
    pub token: String,
    #[serde(flatten)]
    pub details: TokenView,
}

/// An incoming webhook as its group's admins see it (never its secret).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HookView {
    pub id: String,
    pub name: String,
    pub group_id: String,
    /// The bot account its posts are by.
    pub bot_id: String,
    pub created_at: DateTime<Utc>,
    /// Set once revoked: its URL answers 404 from then on.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An incoming webhook just made: the only time its URL (with the secret) is shown.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedHookView {
    /// `POST` JSON `{"text": "…"}` here; keep it secret, it is shown once.
    pub url: String,
    #[serde(flatten)]
    pub hook: HookView,
}
