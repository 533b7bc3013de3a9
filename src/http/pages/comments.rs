//! Comments from the permalink: write one (a refused comment is shown again under the post,
//! as typed), like, edit and delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CsrfForm, FieldErrors, ToggleForm};
use super::posts::{BodyForm, CommentDraft, EditPage, permalink};
use super::view::{Edit, Times as _};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::error::{Error, ErrorCode};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::http::uploads::composed;
use crate::ids::{CommentId, PostId};
use crate::posts::{CommentView, access, comments};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/posts/{id}/comments", web::post().to(add))
        .route("/comments/{id}/like", web::post().to(like))
        .route("/comments/{id}/edit", web::get().to(edit_page))
        .route("/comments/{id}/edit", web::post().to(edit))
        .route("/comments/{id}/delete", web::post().to(delete))
        .route("/comments/{id}/history", web::get().to(history));
}

/// The comment form: a body, and the "employees only" checkbox where it is offered.
#[derive(Debug, Deserialize)]
struct CommentForm {
    csrf: String,
    body: String,
    /// A checkbox: present when ticked.
    employees_only: Option<String>,
}

async fn add(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let post_id = id.into_inner();
    let (form, attachments) = composed::<CommentForm>(&app, &req, &caller, payload).await?;
    let CommentForm {
        csrf,
        body,
        employees_only,
    } = form;
    let typed = body.clone();
    let files = attachments.clone();
    let rules = app.config.link_rules();
    let outcome = form::submit(&app, &caller, &csrf, move |conn, scope| {
        comments::add_comment(
            conn,
            scope,
            &rules,
            post_id,
            &typed,
            employees_only.is_some(),
            &files,
        )
    })
    .await?;
    match outcome {
        Ok(comment) => Ok(see_other(&format!(
            "/posts/{post_id}#comment-{}",
            comment.id
        ))),
        Err(refusal) => {
            let draft = CommentDraft {
                body,
                files: attachments,
                errors: refusal.errors,
            };
            permalink(&app, &req, &caller, post_id, None, draft, refusal.status).await
        }
    }
}

async fn like(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let on = form.on();
    let comment = write(&app, &caller, move |conn, scope| {
        comments::set_comment_like(conn, scope, id, on)
    })
    .await?;
    let fallback = format!("/posts/{}", comment.post_id);
    let back = form::local_path(&form.back, &fallback);
    Ok(see_other(&format!("{back}#comment-{id}")))
}

fn edit_form(
    layout: Layout,
    id: CommentId,
    post_id: PostId,
    body: String,
    errors: FieldErrors,
) -> EditPage {
    EditPage {
        layout,
        heading: "Edit comment",
        action: format!("/comments/{id}/edit"),
        body,
        errors,
        cancel: format!("/posts/{post_id}#comment-{id}"),
    }
}

async fn edit_page(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let layout = Layout::signed_in(&req, &caller, "Edit comment", Section::None)?;
    let (comment, post, may_edit) = read(&app, &caller, move |conn, scope| {
        let (comment, post) = access::visible_comment(conn, scope, id)?;
        let may_edit = scope.may_change(comment.author_id, post.group_id);
        Ok((comment, post, may_edit))
    })
    .await?;
    if !may_edit {
        let detail = "only the author or a moderator can edit a comment";
        return Err(Error::forbidden(ErrorCode::AuthorOnly, detail).into());
    }
    let page = edit_form(layout, id, post.id, comment.body, FieldErrors::default());
    render(StatusCode::OK, &page)
}

async fn edit(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<CommentId>,
    form: web::Form<BodyForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let BodyForm { csrf, body } = form.into_inner();
    let typed = body.clone();
    let rules = app.config.link_rules();
    let outcome = form::submit(&app, &caller, &csrf, move |conn, scope| {
        comments::edit_comment(conn, scope, &rules, id, &typed)
    })
    .await?;
    match outcome {
        Ok(comment) => Ok(see_other(&format!(
            "/posts/{}#comment-{id}",
            comment.post_id
        ))),
        Err(refusal) => {
            let (comment, _) = read(&app, &caller, move |conn, scope| {
                access::visible_comment(conn, scope, id)
            })
            .await?;
            let layout = Layout::signed_in(&req, &caller, "Edit comment", Section::None)?;
            let page = edit_form(layout, id, comment.post_id, body, refusal.errors);
            render(refusal.status, &page)
        }
    }
}

async fn delete(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let (comment, _) = write(&app, &caller, move |conn, scope| {
        let found = access::visible_comment(conn, scope, id)?;
        comments::delete_comment(conn, scope, id)?;
        Ok(found)
    })
    .await?;
    let fallback = format!("/posts/{}#comments", comment.post_id);
    Ok(see_other(&form::local_path(&form.back, &fallback)))
}

#[derive(Template)]
#[template(path = "pages/posts/comment_history.html")]
struct HistoryPage {
    layout: Layout,
    comment: CommentView,
    /// The post it is under (whose best answer it may be).
    post: crate::posts::PostView,
    /// Earlier versions, newest first, each against the text that replaced it.
    versions: Vec<Edit>,
    /// Where the comment's like button returns.
    back: String,
}

async fn history(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let layout = Layout::signed_in(&req, &caller, "Edit history", Section::None)?;
    let (comment, post, versions) = read(&app, &caller, move |conn, scope| {
        let versions = access::comment_history(conn, scope, id)?;
        let (comment, post) = access::visible_comment(conn, scope, id)?;
        let view = crate::posts::views::comment_views(conn, scope, post.group_id, &[comment])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("comment"))?;
        let post = crate::posts::views::post_views(conn, scope, &[post])?
            .pop()
            .ok_or_else(|| Error::not_found("comment"))?;
        Ok((view, post, versions))
    })
    .await?;
    let page = HistoryPage {
        layout,
        versions: Edit::list(&comment.body, versions),
        back: format!("/comments/{id}/history"),
        comment,
        post,
    };
    render(StatusCode::OK, &page)
}
