//! Bookmarks: save posts and comments, and list them. Private to each person.

use actix_web::{HttpResponse, web};

use super::{Page, PageQuery, read, write};
use crate::App;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId};
use crate::posts::saved::{self, Saveable, SavedView};

async fn set_saved(
    app: web::Data<App>,
    caller: Caller,
    what: Saveable,
    on: bool,
) -> Result<HttpResponse, ApiError> {
    write(&app, &caller, move |conn, scope| {
        saved::set_saved(conn, scope, what, on)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/saved", tag = "saved", params(("id" = String, Path)),
    responses((status = 204, description = "saved"), (status = 404, body = Problem)))]
/// Saves a post to the caller's list; saving twice changes nothing.
pub async fn save_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_saved(app, caller, Saveable::Post(id.into_inner()), true).await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/saved", tag = "saved", params(("id" = String, Path)),
    responses((status = 204, description = "no longer saved"), (status = 404, body = Problem)))]
/// Takes a post off the caller's list.
pub async fn unsave_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_saved(app, caller, Saveable::Post(id.into_inner()), false).await
}

#[utoipa::path(put, path = "/api/v1/comments/{id}/saved", tag = "saved", params(("id" = String, Path)),
    responses((status = 204, description = "saved"), (status = 404, body = Problem)))]
/// Saves a comment to the caller's list; saving twice changes nothing.
pub async fn save_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    set_saved(app, caller, Saveable::Comment(id.into_inner()), true).await
}

#[utoipa::path(delete, path = "/api/v1/comments/{id}/saved", tag = "saved", params(("id" = String, Path)),
    responses((status = 204, description = "no longer saved"), (status = 404, body = Problem)))]
/// Takes a comment off the caller's list.
pub async fn unsave_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    set_saved(app, caller, Saveable::Comment(id.into_inner()), false).await
}

#[utoipa::path(get, path = "/api/v1/saved", tag = "saved", params(PageQuery),
    responses((status = 200, body = Page<SavedView>), (status = 401, body = Problem)))]
/// The caller's saved posts and comments, newest saved first; only what she may read now.
pub async fn list_saved(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let before = query
        .cursor
        .as_deref()
        .map(crate::cursor::decode::<i64>)
        .transpose()?
        .map(|(_, id)| id);
    let page = read(&app, &caller, move |conn, scope| {
        saved::saved_page(conn, scope, before, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items,
        next_cursor: page.next.map(|id| crate::cursor::encode("s", id)),
    }))
}
