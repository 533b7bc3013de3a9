//! Search and the toolbar's typeahead.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{PageQuery, read};
use crate::App;
use crate::error::invalid;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::search::{self, Counts, Hit, Kind, Suggestions};

/// One page of results, and how many the caller may see of each type.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
    /// Counted over what the caller may see only: exact up to 1000 per type, then "at least".
    pub counts: Counts,
}

/// `?q=&type=&cursor=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words, `"phrases"`, `-excluded`, `from:@handle`, `in:group`, `#tag`,
    /// `before:YYYY-MM-DD`, `after:YYYY-MM-DD`.
    pub q: Option<String>,
    /// `posts`, `people`, `groups` or `tags`; none: every type, best first.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// The `type` asked for, if any.
pub fn parse_kind(raw: Option<&str>) -> Result<Option<Kind>, crate::error::Error> {
    match raw.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(raw) => Kind::parse(raw)
            .map(Some)
            .ok_or_else(|| invalid("type", "one of posts, people, groups or tags")),
    }
}

#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Searches posts (with their comments), people, groups and tags the caller may see.
pub async fn search(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let SearchQuery {
        q,
        kind,
        cursor,
        limit,
    } = query.into_inner();
    let limit = PageQuery {
        cursor: None,
        limit,
    }
    .limit()?;
    let kind = parse_kind(kind.as_deref())?;
    let (generation, settings) = (app.search.current(), app.config.search.clone());
    let results = read(&app, &caller, move |conn, scope| {
        let request = search::Request {
            q: q.as_deref().unwrap_or(""),
            kind,
            cursor: cursor.as_deref(),
            limit: usize::try_from(limit).unwrap_or(20),
        };
        search::search(conn, scope, &generation, &settings, request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SearchPage {
        items: results.hits,
        next_cursor: results.next_cursor,
        counts: results.counts,
    }))
}

/// `?q=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SuggestQuery {
    /// What has been typed so far.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestQuery),
    responses((status = 200, body = Suggestions), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Typeahead: people, groups and tags by the start of their names (one typo forgiven), and
/// the best posts, all of them ones the caller may see.
pub async fn suggest(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner().q.unwrap_or_default();
    let (generation, settings) = (app.search.current(), app.config.search.clone());
    let suggestions = read(&app, &caller, move |conn, scope| {
        search::suggest(conn, scope, &generation, &settings, &q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(suggestions))
}
