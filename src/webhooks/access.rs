//! Who manages an endpoint: site admins the company-wide ones and those of groups they can
//! see; a group's owners and admins their group's. To anyone else an endpoint does not exist.

use diesel::prelude::*;

use super::model::{Attempt, Webhook};
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::error::{Error, Result};
use crate::groups::{self, Role};
use crate::ids::{GroupId, WebhookId};

/// Whether the viewer of `scope` may manage endpoints of `group_id` (`None`: company-wide).
pub fn manages_endpoints_of(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: Option<GroupId>,
) -> Result<bool> {
    let admin = scope.viewer().is_admin();
    Ok(match group_id {
        None => admin,
        Some(id) if scope.role_in(id).is_some_and(Role::manages) => true,
        Some(id) => admin && groups::access::visible_group(conn, scope, id).is_ok(),
    })
}

/// Endpoint `id`, if the viewer manages it.
pub fn managed_webhook(conn: &mut DbConnection, scope: &Scope, id: WebhookId) -> Result<Webhook> {
    let found: Option<Webhook> = webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .optional()?;
    match found {
        Some(hook) if manages_endpoints_of(conn, scope, hook.group_id)? => Ok(hook),
        _ => Err(Error::not_found("webhook")),
    }
}

/// Every endpoint the viewer manages, newest first; of one group when `group_id` is given.
pub fn managed_webhooks(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: Option<GroupId>,
) -> Result<Vec<Webhook>> {
    let mut query = webhooks::table
        .select(Webhook::as_select())
        .order(webhooks::id.desc())
        .into_boxed();
    if let Some(id) = group_id {
        query = query.filter(webhooks::group_id.eq(id));
    }
    let mut managed = Vec::new();
    for hook in query.load::<Webhook>(conn)? {
        if manages_endpoints_of(conn, scope, hook.group_id)? {
            managed.push(hook);
        }
    }
    Ok(managed)
}

/// Up to `limit` lines of the delivery log of `hook`, newest first, before line `before`.
pub fn attempts(
    conn: &mut DbConnection,
    hook: &Webhook,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Attempt>> {
    let mut query = webhook_attempts::table
        .filter(webhook_attempts::webhook_id.eq(hook.id))
        .select(Attempt::as_select())
        .order(webhook_attempts::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_attempts::id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Line `attempt_id` of the delivery log of `hook`.
pub fn attempt(conn: &mut DbConnection, hook: &Webhook, attempt_id: i64) -> Result<Attempt> {
    webhook_attempts::table
        .find(attempt_id)
        .filter(webhook_attempts::webhook_id.eq(hook.id))
        .select(Attempt::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("delivery"))
}
