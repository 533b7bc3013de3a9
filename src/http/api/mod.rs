//! The JSON API under `/api/v1`: thin handlers that parse, call one domain function on the
//! blocking pool, and answer JSON.

mod accounts;
mod admin_mail;
mod announcements;
pub(crate) mod audit;
mod bots;
mod csrf;
mod deletion;
pub(crate) mod digests;
mod error_responses;
mod exports;
mod feed_tokens;
mod feeds;
mod files;
mod groups;
mod guests;
mod links;
mod notifications;
pub mod openapi;
mod posts;
mod recommendations;
mod reports;
mod saved;
mod search;
mod security;
mod stream;
mod users;
mod webhooks;

use std::sync::Arc;

use actix_web::web;
use serde::{Deserialize, Serialize};

use super::extract::Caller;
use crate::App;
use crate::access::remembered::{AccessStamp, Remembered};
use crate::access::{Scope, Viewer};
use crate::accounts::sessions;
use crate::db::DbConnection;
use crate::error::{Error, Result, invalid};

/// Registers every API route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(csrf::require_token))
            .route("/openapi.json", web::get().to(openapi::document))
            .configure(openapi::api_routes),
    );
}

/// Runs `work` on the blocking pool (diesel is synchronous).
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    web::block(work).await.map_err(Error::internal)?
}

/// Runs a read on the blocking pool with the caller's scope, resolved once for the request.
pub async fn read<T: Send + 'static>(
    app: &web::Data<App>,
    caller: &Caller,
    work: impl FnOnce(&mut DbConnection, &Scope) -> Result<T> + Send + 'static,
) -> Result<T> {
    let (db, viewer, stamp) = (app.db.clone(), caller.viewer.clone(), caller.stamp);
    let remembered = Arc::clone(&app.remembered);
    blocking(move || {
        db.read(|conn| {
            let scope = read_scope(conn, &remembered, &viewer, stamp)?;
            work(conn, &scope)
        })
    })
    .await
}

/// The viewer's scope for a read, remembered under her stamps: the credential's (`stamp`), or,
/// for a request that may have changed something, read again after its change.
fn read_scope(
    conn: &mut DbConnection,
    remembered: &Arc<Remembered>,
    viewer: &Viewer,
    stamp: Option<AccessStamp>,
) -> Result<Scope> {
    let stamp = match (stamp, viewer.user_id()) {
        (Some(stamp), _) => Some(stamp),
        (None, Some(user)) => sessions::current_stamp(conn, user)?,
        (None, None) => None,
    };
    match stamp {
        Some(stamp) => remembered.scope(conn, viewer, stamp),
        None => Scope::resolve(conn, viewer),
    }
}

/// Runs a change in one write transaction with the caller's scope, resolved inside it (never
/// remembered: what a change may do is decided on what its transaction reads).
pub async fn write<T: Send + 'static>(
    app: &web::Data<App>,
    caller: &Caller,
    work: impl FnOnce(&mut DbConnection, &Scope) -> Result<T> + Send + 'static,
) -> Result<T> {
    write_then_read(app, caller, work, |_, _, written| Ok(written)).await
}

/// Runs a change as `write` does, then `read` as `read` does, on the same connection once the
/// change committed: for a change answered with what it changed (a post after a like), which
/// then takes one connection from the pool, not two.
pub async fn write_then_read<T, U: Send + 'static>(
    app: &web::Data<App>,
    caller: &Caller,
    work: impl FnOnce(&mut DbConnection, &Scope) -> Result<T> + Send + 'static,
    read: impl FnOnce(&mut DbConnection, &Scope, T) -> Result<U> + Send + 'static,
) -> Result<U> {
    let (db, viewer) = (app.db.clone(), caller.viewer.clone());
    let remembered = Arc::clone(&app.remembered);
    blocking(move || {
        db.write_then_read(
            |conn| {
                let scope = Scope::resolve(conn, &viewer)?;
                work(conn, &scope)
            },
            |conn, written| {
                // The stamps are read again: the change may have moved them.
                let scope = read_scope(conn, &remembered, &viewer, None)?;
                read(conn, &scope, written)
            },
        )
    })
    .await
}

/// `?cursor=…&limit=…` of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Opaque, from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The limit, checked.
    pub fn limit(&self) -> Result<i64> {
        match self.limit {
            None => Ok(20),
            Some(n) if (1..=100).contains(&n) => Ok(n),
            Some(_) => Err(invalid("limit", "use a limit from 1 to 100")),
        }
    }
}

/// `?q=` plus paging, of the people and group directories.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// Part of a name (of a person also her handle, and for admins her email).
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

impl DirectoryQuery {
    /// The limit, checked as every list checks it.
    pub fn limit(&self) -> Result<i64> {
        PageQuery {
            cursor: None,
            limit: self.limit,
        }
        .limit()
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
