//! The JSON API under `/api/v1`: thin handlers that parse, call one domain function on the
//! blocking pool, and answer JSON.

mod accounts;
pub mod openapi;
mod users;

use actix_web::web;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::error::{Error, Result, invalid};

/// Registers every API route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi::document))
            .configure(accounts::routes)
            .configure(users::routes),
    );
}

/// Runs `work` on the blocking pool (diesel is synchronous).
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    web::block(work).await.map_err(Error::internal)?
}

/// `?cursor=…&limit=…` of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Opaque, from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100, default 20.
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

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// An id from the path; anything that is not one is simply not found.
pub fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError(Error::not_found(what)))
}
