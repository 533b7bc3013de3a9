//! Links over the API: backlinks (the posts that link to a post, a group or a tag, of those
//! the caller may read) and the removal of a link's preview.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::{read, write};
use crate::App;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{CommentId, GroupId, PostId};
use crate::links::backlinks;
use crate::posts::PostView;
use crate::previews::actions::{self as previews, Owner};

/// Posts linking to something, newest first, at most 20.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Backlinks {
    pub items: Vec<PostView>,
}

#[utoipa::path(get, path = "/api/v1/posts/{id}/backlinks", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = Backlinks), (status = 404, body = Problem)))]
/// The posts that link to this post, in their body or a comment, that the caller may read.
pub async fn post_backlinks(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = read(&app, &caller, move |conn, scope| {
        crate::posts::access::visible_post(conn, scope, id)?;
        backlinks::views(conn, scope, &format!("post:{id}"), Some(id))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Backlinks { items }))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/backlinks", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = Backlinks), (status = 404, body = Problem)))]
/// The posts that link to this group's page that the caller may read.
pub async fn group_backlinks(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = read(&app, &caller, move |conn, scope| {
        crate::groups::access::visible_group(conn, scope, id)?;
        backlinks::views(conn, scope, &format!("group:{id}"), None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Backlinks { items }))
}

#[utoipa::path(get, path = "/api/v1/tags/{name}/backlinks", tag = "feeds", params(("name" = String, Path)),
    responses((status = 200, body = Backlinks), (status = 422, body = Problem)))]
/// The posts that link to this tag's page that the caller may read.
pub async fn tag_backlinks(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = crate::tags::actions::normalize(&name)?;
    let items = read(&app, &caller, move |conn, scope| {
        backlinks::views(conn, scope, &format!("tag:{name}"), None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Backlinks { items }))
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/previews/{position}", tag = "posts",
    params(("id" = String, Path), ("position" = i32, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Removes a link's preview from a post, for good: its author or a moderator of its place.
pub async fn remove_post_preview(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(PostId, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, position) = path.into_inner();
    write(&app, &caller, move |conn, scope| {
        previews::remove(conn, scope, Owner::Post(id), position)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/comments/{id}/previews/{position}", tag = "posts",
    params(("id" = String, Path), ("position" = i32, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Removes a link's preview from a comment, for good: its author or a moderator.
pub async fn remove_comment_preview(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(CommentId, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, position) = path.into_inner();
    write(&app, &caller, move |conn, scope| {
        previews::remove(conn, scope, Owner::Comment(id), position)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
