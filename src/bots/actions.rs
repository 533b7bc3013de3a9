//! What admins do with bots: create them, issue and revoke their tokens, deactivate them.
//! A bot joins groups the way anyone does: a group's owners and admins add it as a member.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::views::{BotGroupView, BotView, IssuedTokenView, TokenView};
use crate::access::Viewer;
use crate::accounts::sessions::{self, Grant, Origin};
use crate::accounts::{self, User};
use crate::audit::{self, AuditAction, Entry, Subject};
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result, Validation, invalid};
use crate::groups;
use crate::ids::{GroupId, UserId};

/// Longest token name.
const MAX_TOKEN_NAME: usize = 100;
/// Most groups one token may list.
const MAX_TOKEN_GROUPS: usize = 100;

/// A bot to create.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBot {
    pub name: String,
    /// What it does, shown on its profile.
    #[serde(default)]
    pub description: String,
}

/// A token to issue to a bot.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, to recognise it by.
    #[serde(default)]
    pub name: String,
    /// May read (GET requests); default true.
    #[serde(default = "yes")]
    pub read: bool,
    /// May write (POST, PATCH, PUT, DELETE: post, comment, react); default false.
    #[serde(default)]
    pub write: bool,
    /// Reaches only these of the bot's groups; absent: every group the bot belongs to.
    #[serde(default)]
    pub group_ids: Option<Vec<String>>,
    /// Refused from then on; absent: until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

/// Creates a bot account (admins only), asked from `origin`.
pub fn create_bot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    input: &NewBot,
    origin: &Origin,
) -> Result<BotView> {
    let admin = viewer.require_admin()?.id;
    let bot = accounts::bots::create_bot_account(conn, admin, &input.name, &input.description)?;
    let created = Entry::new(AuditAction::BotCreated, Some(admin))
        .subject(Subject::User(bot.id))
        .detail(json!({"name": bot.name}));
    audit::record(conn, origin, created)?;
    Ok(BotView::of(&bot, Vec::new(), Vec::new()))
}

/// Every bot with its tokens (admins only).
pub fn list_bots(conn: &mut DbConnection, viewer: &Viewer) -> Result<Vec<BotView>> {
    viewer.require_admin()?;
    accounts::bots::list_bots(conn)?
        .iter()
        .map(|bot| view(conn, bot))
        .collect()
}

/// One bot with its tokens (admins only).
pub fn show_bot(conn: &mut DbConnection, viewer: &Viewer, id: UserId) -> Result<BotView> {
    viewer.require_admin()?;
    let bot = accounts::bots::find_bot(conn, id)?;
    view(conn, &bot)
}

/// Issues a token to bot `id` (admins only); the token is in the answer, and nowhere after.
pub fn issue_token(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: UserId,
    input: &NewToken,
    origin: &Origin,
) -> Result<IssuedTokenView> {
    let admin = viewer.require_admin()?.id;
    let bot = accounts::bots::find_bot(conn, id)?;
    if !bot.is_active() {
        return Err(Error::conflict(
            ErrorCode::BotDeactivated,
            "this bot is deactivated; create another",
        ));
    }
    let grant = grant(conn, input)?;
    let (token_id, token) = sessions::create_granted_token(conn, bot.id, &grant, origin)?;
    let groups: Option<Vec<String>> = grant
        .groups
        .as_ref()
        .map(|groups| groups.iter().map(ToString::to_string).collect());
    let issued = Entry::new(AuditAction::TokenCreated, Some(admin))
        .subject(Subject::Token(token_id))
        .detail(json!({
            "user": bot.id.to_string(),
            "name": grant.name,
            "can_read": grant.can_read,
            "can_write": grant.can_write,
            "groups": groups,
            "expires_at": grant.expires_at.map(|at| at.and_utc()),
        }));
    audit::record(conn, origin, issued)?;
    let details = view(conn, &bot)?
        .tokens
        .into_iter()
        .find(|t| t.id == token_id.to_string())
        .ok_or_else(|| Error::internal("token vanished after insert"))?;
    Ok(IssuedTokenView { token, details })
}

/// Revokes token `token_id` of bot `id` (admins only), asked from `origin`; requests with it
/// fail at once.
pub fn revoke_token(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: UserId,
    token_id: i64,
    origin: &Origin,
) -> Result<()> {
    let admin = viewer.require_admin()?.id;
    let bot = accounts::bots::find_bot(conn, id)?;
    let (_, tokens) = sessions::credentials_of(conn, bot.id)?;
    if !tokens.iter().any(|t| t.id == token_id) {
        return Err(Error::not_found("token"));
    }
    sessions::revoke_api_token(conn, token_id, Some(admin), origin)
}

/// Deactivates bot `id` (admins only), asked from `origin`: its tokens die at once, what it
/// posted stays.
pub fn deactivate_bot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: UserId,
    origin: &Origin,
) -> Result<()> {
    let admin = viewer.require_admin()?.id;
    let bot = accounts::bots::find_bot(conn, id)?;
    accounts::actions::deactivate(conn, Some(admin), bot.id, origin)
}

/// The grant `input` asks for, checked.
fn grant(conn: &mut DbConnection, input: &NewToken) -> Result<Grant> {
    let name = input.name.trim();
    Validation::default()
        .single_line(Some(name), "name")
        .check(
            name.chars().count() > MAX_TOKEN_NAME,
            "name",
            format!("at most {MAX_TOKEN_NAME} characters"),
        )
        .check(
            !input.read && !input.write,
            "write",
            "a token must at least read or write",
        )
        .check(
            input.expires_at.is_some_and(|at| at <= Utc::now()),
            "expires_at",
            "choose a time in the future",
        )
        .check(
            input
                .group_ids
                .as_ref()
                .is_some_and(|g| g.len() > MAX_TOKEN_GROUPS),
            "group_ids",
            format!("at most {MAX_TOKEN_GROUPS} groups"),
        )
        .finish()?;
    let groups = match &input.group_ids {
        None => None,
        Some(raw) => {
            let mut ids = Vec::with_capacity(raw.len());
            for raw in raw {
                let id: GroupId = raw
                    .parse()
                    .map_err(|_| invalid("group_ids", format!("no group {raw}")))?;
                if groups::system::group_by_id(conn, id)?.is_none() {
                    return Err(invalid("group_ids", format!("no group {raw}")));
                }
                ids.push(id);
            }
            ids.sort_unstable();
            ids.dedup();
            Some(ids)
        }
    };
    Ok(Grant {
        name: name.to_string(),
        can_read: input.read,
        can_write: input.write,
        groups,
        expires_at: input.expires_at.map(|at| at.naive_utc()),
    })
}

fn view(conn: &mut DbConnection, bot: &User) -> Result<BotView> {
    let (_, tokens) = sessions::credentials_of(conn, bot.id)?;
    let mut views = Vec::with_capacity(tokens.len());
    for token in &tokens {
        let groups = if token.group_limited {
            sessions::token_groups(conn, token.id)?
        } else {
            Vec::new()
        };
        views.push(TokenView::of(token, &groups));
    }
    let ids: Vec<GroupId> = groups::system::roles_of(conn, bot.id)?
        .into_keys()
        .collect();
    let mut member_of: Vec<BotGroupView> = groups::system::groups_by_id(conn, &ids)?
        .into_values()
        .map(|g| BotGroupView {
            id: g.id.to_string(),
            name: g.name,
        })
        .collect();
    member_of.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(BotView::of(bot, views, member_of))
}
