//! Incoming webhooks: secret URLs that post into one group as the hook's own bot. Made and
//! revoked by the group's owners and admins; read by anyone holding the URL, so everything
//! about a request is checked here before anything is written.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::HookLimiter;
use super::message::{Message, slack_links, via};
use super::views::{CreatedHookView, HookView};
use crate::access::Scope;
use crate::accounts::{self, sessions};
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::db::schema::{incoming_webhooks, posts};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result, Validation, invalid};
use crate::groups::{self, Role};
use crate::ids::{GroupId, UserId};
use crate::links::Rules;
use crate::posts::Post;
use crate::posts::actions::{self as post_actions, NewPost};

/// Longest hook name.
const MAX_NAME: usize = 80;

/// An incoming webhook row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = incoming_webhooks)]
pub struct Hook {
    pub id: i64,
    pub group_id: GroupId,
    pub bot_id: UserId,
    pub name: String,
    pub secret_hash: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl Hook {
    fn view(&self) -> HookView {
        HookView {
            id: self.id.to_string(),
            name: self.name.clone(),
            group_id: self.group_id.to_string(),
            bot_id: self.bot_id.to_string(),
            created_at: self.created_at.and_utc(),
            revoked_at: self.revoked_at.map(|at| at.and_utc()),
        }
    }
}

/// An incoming webhook to make.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHook {
    /// Shown as its bot's name: the author of every post it makes.
    pub name: String,
}

/// Makes an incoming webhook for `group_id` named `name`, with its own bot as a member of the
/// group; its URL (under `public_url`) is in the answer and nowhere after. Owners and admins
/// of the group only. Asked from `origin`.
pub fn create_hook(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    input: &NewHook,
    public_url: &str,
    origin: &Origin,
) -> Result<CreatedHookView> {
    let me = scope.viewer().require_user()?.id;
    let group = managed_group(conn, scope, group_id)?;
    if group.broadcast {
        return Err(Error::conflict(
            ErrorCode::GroupAdminsOnly,
            "only the owners and admins of a broadcast group post in it, and a hook's bot is a member",
        ));
    }
    let name = input.name.trim();
    Validation::default()
        .check(name.is_empty(), "name", "enter a name")
        .check(
            name.chars().count() > MAX_NAME,
            "name",
            format!("at most {MAX_NAME} characters"),
        )
        .finish()?;
    let description = format!("Posts what an incoming webhook receives in {}.", group.name);
    let bot = accounts::bots::create_bot_account(conn, me, name, &description)?;
    groups::actions::add_member(conn, scope, group.id, bot.id, Role::Member, origin)?;
    let secret = sessions::random_secret();
    let hook = Hook {
        id: new_id(),
        group_id: group.id,
        bot_id: bot.id,
        name: name.to_string(),
        secret_hash: sessions::sha256_hex(&secret),
        created_by: me,
        created_at: crate::clock::now(),
        revoked_at: None,
    };
    diesel::insert_into(incoming_webhooks::table)
        .values((
            incoming_webhooks::id.eq(hook.id),
            incoming_webhooks::group_id.eq(hook.group_id),
            incoming_webhooks::bot_id.eq(hook.bot_id),
            incoming_webhooks::name.eq(&hook.name),
            incoming_webhooks::secret_hash.eq(&hook.secret_hash),
            incoming_webhooks::created_by.eq(hook.created_by),
            incoming_webhooks::created_at.eq(hook.created_at),
        ))
        .execute(conn)?;
    let created = Entry::new(AuditAction::BotHookCreated, Some(me))
        .subject(Subject::Hook(hook.id))
        .detail(serde_json::json!({"group": group.id.to_string(), "bot": bot.id.to_string(), "name": hook.name}));
    audit::record(conn, origin, created)?;
    Ok(CreatedHookView {
        url: format!("{public_url}/hooks/{}/{secret}", hook.id),
        hook: hook.view(),
    })
}

/// The incoming webhooks of `group_id`, newest first: for its owners and admins, and for site
/// admins who read it.
pub fn list_hooks(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
) -> Result<Vec<HookView>> {
    let group = moderated_group(conn, scope, group_id)?;
    let hooks: Vec<Hook> = incoming_webhooks::table
        .filter(incoming_webhooks::group_id.eq(group.id))
        .order(incoming_webhooks::id.desc())
        .select(Hook::as_select())
        .load(conn)?;
    Ok(hooks.iter().map(Hook::view).collect())
}

/// Revokes hook `id` of `group_id`, asked from `origin`: its URL answers 404 from now on; its
/// posts stay.
pub fn revoke_hook(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    id: i64,
    origin: &Origin,
) -> Result<()> {
    let group = moderated_group(conn, scope, group_id)?;
    let updated = diesel::update(
        incoming_webhooks::table
            .filter(incoming_webhooks::id.eq(id))
            .filter(incoming_webhooks::group_id.eq(group.id))
            .filter(incoming_webhooks::revoked_at.is_null()),
    )
    .set(incoming_webhooks::revoked_at.eq(Some(crate::clock::now())))
    .execute(conn)?;
    if updated == 0 {
        return Err(Error::not_found("hook"));
    }
    let revoked = Entry::new(AuditAction::BotHookRevoked, scope.viewer().user_id())
        .subject(Subject::Hook(id))
        .detail(serde_json::json!({"group": group.id.to_string()}));
    audit::record(conn, origin, revoked)
}

/// Posts `message` into the group of hook `id` as its bot, when `secret` is the hook's and the
/// hook is live (else 404, the same for a wrong secret, a revoked hook and no hook), within
/// the hook's rate (else 429). The post goes through `create_post` like any other.
pub fn post_via_hook(
    conn: &mut DbConnection,
    rules: &Rules,
    limiter: &HookLimiter,
    id: i64,
    secret: &str,
    message: &Message,
) -> Result<Post> {
    let hook: Option<Hook> = incoming_webhooks::table
        .find(id)
        .select(Hook::as_select())
        .first(conn)
        .optional()?;
    let hook = hook
        .filter(|h| h.revoked_at.is_none())
        .filter(|h| crate::signing::constant_time_eq(&h.secret_hash, &sessions::sha256_hex(secret)))
        .ok_or_else(|| Error::not_found("hook"))?;
    let bot = accounts::directory::find(conn, hook.bot_id)?
        .filter(|bot| bot.is_active())
        .ok_or_else(|| Error::not_found("hook"))?;
    let text = message.text.as_deref().map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(invalid("text", "send the post's text in `text`"));
    }
    let via = via(message.username.as_deref());
    let at = limiter.take(hook.id).map_err(|retry_after| {
        Error::new(
            ErrorKind::RateLimited { retry_after },
            ErrorCode::HookRateLimited,
            format!(
                "this hook posted {} times in the last minute; wait and send again",
                super::limiter::POSTS_PER_WINDOW
            ),
        )
    })?;
    let posted = publish(conn, rules, &hook, &bot, &slack_links(text), via);
    if posted.is_err() {
        limiter.give_back(hook.id, at);
    }
    posted
}

fn publish(
    conn: &mut DbConnection,
    rules: &Rules,
    hook: &Hook,
    bot: &accounts::User,
    body: &str,
    via: Option<String>,
) -> Result<Post> {
    let scope = Scope::resolve(conn, &bot.viewer())?;
    let input = NewPost {
        body: body.to_string(),
        group_id: Some(hook.group_id.to_string()),
        quiet: false,
        employees_only: false,
        question: false,
        poll: None,
        announcement: None,
        attachments: Vec::new(),
        shared_post_id: None,
    };
    let mut post = post_actions::create_post(conn, &scope, rules, &input)?;
    if via.is_some() {
        diesel::update(posts::table.find(post.id))
            .set(posts::via.eq(&via))
            .execute(conn)?;
        post.via = via;
    }
    Ok(post)
}

fn managed_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<groups::Group> {
    let group = groups::access::visible_group(conn, scope, id)?;
    if !scope.role_in(group.id).is_some_and(Role::manages) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins make its incoming webhooks",
        ));
    }
    Ok(group)
}

fn moderated_group(conn: &mut DbConnection, scope: &Scope, id: GroupId) -> Result<groups::Group> {
    let group = groups::access::visible_group(conn, scope, id)?;
    if !scope.moderates(Some(group.id)) {
        return Err(Error::forbidden(
            ErrorCode::GroupAdminsOnly,
            "only the group's owners and admins manage its incoming webhooks",
        ));
    }
    Ok(group)
}
