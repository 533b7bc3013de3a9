//! Posts and comments: publish, read, edit with history, delete, like, mark best answers,
//! vote in polls.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery, read, write, write_then_read};
use crate::App;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::Result;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId};
use crate::posts::actions::{self, NewPost};
use crate::posts::views::{self, VersionView, comment_view, post_view};
use crate::posts::{CommentView, PostView, access, answers, comments, polls};

/// A new body for a post or comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyInput {
    /// Markdown.
    pub body: String,
}

/// Runs a change, answered with what `answer` reads of it as the caller sees it after it.
async fn answered<T: Send + 'static, V: Serialize + Send + 'static>(
    app: &web::Data<App>,
    caller: &Caller,
    change: impl FnOnce(&mut DbConnection, &Scope) -> Result<T> + Send + 'static,
    answer: impl FnOnce(&mut DbConnection, &Scope) -> Result<V> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let view = write_then_read(app, caller, change, |conn, scope, _| answer(conn, scope)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(post, path = "/api/v1/posts", tag = "posts", request_body = NewPost,
    responses((status = 201, body = PostView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Publishes a post in the company feed, or in one of the caller's groups.
pub async fn create_post(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<NewPost>,
) -> Result<HttpResponse, ApiError> {
    app.files.check_count(body.attachments.len())?;
    let rules = app.config.link_rules();
    let post = write_then_read(
        &app,
        &caller,
        move |conn, scope| actions::create_post(conn, scope, &rules, &body),
        |conn, scope, post| post_view(conn, scope, post.id),
    )
    .await?;
    Ok(HttpResponse::Created().json(post))
}

/// A body rendered for the composer's preview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewView {
    /// Sanitised HTML, as the post would show it.
    pub html: String,
}

#[utoipa::path(post, path = "/api/v1/posts/preview", tag = "posts", request_body = BodyInput,
    responses((status = 200, body = PreviewView), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Renders a body as a post would show it, without storing anything.
pub async fn preview_post(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<BodyInput>,
) -> Result<HttpResponse, ApiError> {
    let rules = app.config.link_rules();
    let html = read(&app, &caller, move |conn, scope| {
        actions::preview(conn, scope, &rules, &body.body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PreviewView { html }))
}

#[utoipa::path(get, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = Problem)))]
/// One post.
pub async fn show_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let post = read(&app, &caller, move |conn, scope| post_view(conn, scope, id)).await?;
    super::digests::record_read(&app, &caller, id).await;
    Ok(HttpResponse::Ok().json(post))
}

#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = String, Path)), request_body = BodyInput,
    responses((status = 200, body = PostView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Edits a post (its author); the old version is kept.
pub async fn edit_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    body: web::Json<BodyInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rules = app.config.link_rules();
    answered(
        &app,
        &caller,
        move |conn, scope| actions::edit_post(conn, scope, &rules, id, &body.body),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Deletes a post (author, group owner or admin, site admin).
pub async fn delete_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        actions::delete_post(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/posts/{id}/history", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = Page<VersionView>), (status = 404, body = Problem)))]
/// Earlier versions of a post, newest first.
pub async fn post_history(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = read(&app, &caller, move |conn, scope| {
        access::post_history(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

async fn set_post_like(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    like: bool,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    answered(
        &app,
        &caller,
        move |conn, scope| actions::set_post_like(conn, scope, id, like),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/like", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = Problem)))]
/// Likes a post; liking twice changes nothing.
pub async fn like_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_post_like(app, caller, id, true).await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/like", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = Problem)))]
/// Takes a like back.
pub async fn unlike_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_post_like(app, caller, id, false).await
}

/// A new comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Markdown.
    pub body: String,
    /// Hidden from guests everywhere (employees, in groups open to guests).
    #[serde(default)]
    pub employees_only: bool,
    /// Uploaded files to put on it, in order.
    #[serde(default)]
    pub attachments: Vec<crate::files::NewAttachment>,
}

#[utoipa::path(post, path = "/api/v1/posts/{id}/comments", tag = "posts", params(("id" = String, Path)), request_body = NewComment,
    responses((status = 201, body = CommentView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Comments on a post.
pub async fn add_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    body: web::Json<NewComment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    app.files.check_count(body.attachments.len())?;
    let rules = app.config.link_rules();
    let comment = write_then_read(
        &app,
        &caller,
        move |conn, scope| {
            comments::add_comment(
                conn,
                scope,
                &rules,
                id,
                &body.body,
                body.employees_only,
                &body.attachments,
            )
        },
        |conn, scope, comment| comment_view(conn, scope, comment.id),
    )
    .await?;
    Ok(HttpResponse::Created().json(comment))
}

#[utoipa::path(get, path = "/api/v1/posts/{id}/comments", tag = "posts", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<CommentView>), (status = 404, body = Problem)))]
/// A post's comments, oldest first.
pub async fn list_comments(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = query.limit()?;
    let after = query
        .cursor
        .as_deref()
        .map(crate::cursor::decode)
        .transpose()?
        .map(|(_, id)| id);
    let (items, next_cursor) = read(&app, &caller, move |conn, scope| {
        let (post, rows) = access::comments_page(conn, scope, id, after, limit + 1)?;
        let (rows, next) = crate::cursor::page(rows, limit, |c| crate::cursor::encode("c", c.id));
        Ok((
            views::comment_views(conn, scope, post.group_id, &rows)?,
            next,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "posts", params(("id" = String, Path)), request_body = BodyInput,
    responses((status = 200, body = CommentView), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Edits a comment (its author); the old version is kept.
pub async fn edit_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    body: web::Json<BodyInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rules = app.config.link_rules();
    answered(
        &app,
        &caller,
        move |conn, scope| comments::edit_comment(conn, scope, &rules, id, &body.body),
        move |conn, scope| comment_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "posts", params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Deletes a comment (author, group owner or admin, site admin).
pub async fn delete_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        comments::delete_comment(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/comments/{id}/history", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = Page<VersionView>), (status = 404, body = Problem)))]
/// Earlier versions of a comment, newest first.
pub async fn comment_history(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = read(&app, &caller, move |conn, scope| {
        access::comment_history(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

async fn set_comment_like(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    like: bool,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    answered(
        &app,
        &caller,
        move |conn, scope| comments::set_comment_like(conn, scope, id, like),
        move |conn, scope| comment_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(put, path = "/api/v1/comments/{id}/like", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = CommentView), (status = 404, body = Problem)))]
/// Likes a comment; liking twice changes nothing.
pub async fn like_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    set_comment_like(app, caller, id, true).await
}

#[utoipa::path(delete, path = "/api/v1/comments/{id}/like", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = CommentView), (status = 404, body = Problem)))]
/// Takes a like on a comment back.
pub async fn unlike_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    set_comment_like(app, caller, id, false).await
}

/// The comment to mark as a question's best answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BestAnswerInput {
    /// A comment on this question.
    pub comment_id: String,
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/best-answer", tag = "posts", params(("id" = String, Path)), request_body = BestAnswerInput,
    responses((status = 200, body = PostView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "not a question", body = Problem), (status = 422, body = Problem)))]
/// Marks a comment as the question's best answer (the asker, a moderator).
pub async fn mark_best_answer(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    body: web::Json<BestAnswerInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let answer: CommentId = body
        .comment_id
        .parse::<i64>()
        .map(CommentId)
        .map_err(|_| crate::error::invalid("comment_id", "not a comment id"))?;
    answered(
        &app,
        &caller,
        move |conn, scope| answers::mark_best_answer(conn, scope, id, Some(answer)),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/best-answer", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "not a question", body = Problem)))]
/// Unmarks the question's best answer: it is unanswered again.
pub async fn unmark_best_answer(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    answered(
        &app,
        &caller,
        move |conn, scope| answers::mark_best_answer(conn, scope, id, None),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}

/// A vote: the options chosen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// One option, or several where the poll allows it.
    pub option_ids: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/vote", tag = "posts", params(("id" = String, Path)), request_body = VoteInput,
    responses((status = 200, body = PostView), (status = 404, body = Problem), (status = 409, description = "no poll, or closed", body = Problem), (status = 422, body = Problem)))]
/// Votes in the post's poll, replacing any earlier vote of the caller's.
pub async fn vote(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    body: web::Json<VoteInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let choice: Vec<i64> = body
        .option_ids
        .iter()
        .map(|option| {
            option
                .parse()
                .map_err(|_| crate::error::invalid("option_ids", "not an option id"))
        })
        .collect::<crate::error::Result<_>>()?;
    if choice.is_empty() {
        return Err(crate::error::invalid(
            "option_ids",
            "choose an option; DELETE takes a vote back",
        )
        .into());
    }
    answered(
        &app,
        &caller,
        move |conn, scope| polls::vote(conn, scope, id, &choice),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/vote", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = Problem), (status = 409, description = "no poll, or closed", body = Problem)))]
/// Takes the caller's vote back, while the poll is open.
pub async fn withdraw_vote(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    answered(
        &app,
        &caller,
        move |conn, scope| polls::vote(conn, scope, id, &[]),
        move |conn, scope| post_view(conn, scope, id),
    )
    .await
}
