//! A post's permalink with its comments, and what its author and moderators do to it: like,
//! mark a question's best answer, edit (keeping the history), delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CsrfForm, CursorQuery, FieldErrors, PAGE_SIZE, ToggleForm};
use super::view::{Edit, Times as _};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId};
use crate::moderation::views::HiddenView;
use crate::posts::announcements::{self, ReadReport};
use crate::posts::views::{self, post_view};
use crate::posts::{CommentView, PostView, access, actions, answers, polls};
use crate::signals::preferences;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/posts/{id}", web::get().to(show))
        .route("/posts/{id}/like", web::post().to(like))
        .route("/posts/{id}/mute", web::post().to(mute))
        .route("/posts/{id}/best-answer", web::post().to(best_answer))
        .route("/posts/{id}/vote", web::post().to(vote))
        .route("/posts/{id}/read", web::post().to(mark_read))
        .route("/posts/{id}/edit", web::get().to(edit_page))
        .route("/posts/{id}/edit", web::post().to(edit))
        .route("/posts/{id}/delete", web::post().to(delete))
        .route("/posts/{id}/history", web::get().to(history));
}

#[derive(Template)]
#[template(path = "pages/posts/show.html")]
struct ShowPage {
    layout: Layout,
    post: PostView,
    /// A question's best answer, shown above the thread.
    best_answer: Option<CommentView>,
    /// For an announcement's author and moderators: who has read it.
    readers: Option<ReadReport>,
    /// The posts linking to it that the viewer may read.
    linked_from: Vec<PostView>,
    /// The viewer's own comments on it that moderators hid, with the reasons.
    hidden_comments: Vec<HiddenView>,
    comments: Vec<CommentView>,
    more: Option<String>,
    /// Whether the viewer muted the post's thread.
    muted: bool,
    /// Whether the viewer may comment (not in an archived group, nor in an announcements group
    /// closed to members' comments).
    may_comment: bool,
    /// The comment form's text, kept when a comment is refused.
    comment_body: String,
    /// Files uploaded for a comment that was refused, kept for the next try.
    comment_files: Vec<crate::files::NewAttachment>,
    errors: FieldErrors,
    back: String,
}

/// A post of the viewer's own that a moderator hid: hers alone to see, with the reason.
#[derive(Template)]
#[template(path = "pages/posts/hidden.html")]
struct HiddenPage {
    layout: Layout,
    hidden: HiddenView,
}

#[derive(Template)]
#[template(path = "pages/posts/edit.html")]
pub(super) struct EditPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub action: String,
    pub body: String,
    pub errors: FieldErrors,
    pub cancel: String,
}

#[derive(Template)]
#[template(path = "pages/posts/history.html")]
pub(super) struct HistoryPage {
    layout: Layout,
    post: PostView,
    /// Earlier versions, newest first, each against the text that replaced it.
    versions: Vec<Edit>,
    back: String,
}

/// A new Markdown body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct BodyForm {
    pub csrf: String,
    pub body: String,
}

/// The comment form as typed, to show again when it was refused.
#[derive(Debug, Default)]
pub(super) struct CommentDraft {
    pub body: String,
    pub files: Vec<crate::files::NewAttachment>,
    pub errors: FieldErrors,
}

/// The permalink of post `id` with a page of its comments after `cursor`.
pub(super) async fn permalink(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: PostId,
    cursor: Option<String>,
    draft: CommentDraft,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Post", Section::None)?;
    let after = cursor
        .as_deref()
        .map(crate::cursor::decode)
        .transpose()?
        .map(|(_, id)| id);
    let (post, best_answer, (readers, linked_from, hidden), comments, next, muted, may_comment) =
        read(app, caller, move |conn, scope| {
            let post = post_view(conn, scope, id)?;
            let me = scope.viewer().require_user()?.id;
            let muted = preferences::muted_among(conn, id, &[me])?.contains(&me);
            let (row, rows) = access::comments_page(conn, scope, id, after, PAGE_SIZE + 1)?;
            let (rows, next) =
                crate::cursor::page(rows, PAGE_SIZE, |c| crate::cursor::encode("c", c.id));
            let comments = views::comment_views(conn, scope, row.group_id, &rows)?;
            let may_comment = access::may_comment(conn, scope, &row)?;
            let best_answer = match row.best_answer_id {
                Some(answer) => {
                    let (comment, _) = access::visible_comment(conn, scope, answer)?;
                    views::comment_views(conn, scope, row.group_id, &[comment])?.pop()
                }
                None => None,
            };
            let readers = match (&post.announcement, post.can_edit) {
                (Some(_), true) => Some(announcements::read_report(conn, scope, id)?),
                _ => None,
            };
            let linked_from =
                crate::links::backlinks::views(conn, scope, &format!("post:{id}"), Some(id))?;
            let hidden = access::own_hidden_comments(conn, scope, id)?;
            let hidden = hidden.iter().map(HiddenView::of).collect();
            Ok((
                post,
                best_answer,
                (readers, linked_from, hidden),
                comments,
                next,
                muted,
                may_comment,
            ))
        })
        .await?;
    crate::http::api::digests::record_read(app, caller, id).await;
    let back = format!("/posts/{id}");
    let page = ShowPage {
        layout,
        more: form::more_link(&back, next.as_deref()),
        post,
        best_answer,
        readers,
        linked_from,
        hidden_comments: hidden,
        comments,
        muted,
        may_comment,
        comment_body: draft.body,
        comment_files: draft.files,
        errors: draft.errors,
        back,
    };
    render(status, &page)
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let cursor = query.into_inner().cursor;
    let shown = permalink(
        &app,
        &req,
        &caller,
        id,
        cursor,
        CommentDraft::default(),
        StatusCode::OK,
    )
    .await;
    match shown {
        Err(PageError(error)) if error.is_not_found() => hidden(&app, &req, &caller, id)
            .await
            .map_err(|_| PageError(error)),
        shown => shown,
    }
}

/// Post `id` as its author sees it after a moderator hid it; 404 for anyone else.
async fn hidden(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: PostId,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Hidden post", Section::None)?;
    let hidden = read(app, caller, move |conn, scope| {
        access::own_hidden_post(conn, scope, id)
    })
    .await?;
    let hidden = HiddenView::of(&hidden);
    render(StatusCode::OK, &HiddenPage { layout, hidden })
}

async fn like(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let on = form.on();
    write(&app, &caller, move |conn, scope| {
        actions::set_post_like(conn, scope, id, on)
    })
    .await?;
    let fallback = format!("/posts/{id}");
    let back = form::local_path(&form.back, &fallback);
    Ok(see_other(&format!("{back}#post-{id}")))
}

/// The best-answer button: `comment_id` marks that comment, empty unmarks.
#[derive(Debug, Deserialize)]
struct BestAnswerForm {
    csrf: String,
    comment_id: String,
    back: String,
}

async fn best_answer(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<BestAnswerForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let answer = match form.comment_id.as_str() {
        "" => None,
        raw => Some(CommentId(raw.parse().map_err(|_| {
            crate::error::invalid("comment_id", "not a comment id")
        })?)),
    };
    write(&app, &caller, move |conn, scope| {
        answers::mark_best_answer(conn, scope, id, answer)
    })
    .await?;
    let back = form::local_path(&form.back, &format!("/posts/{id}"));
    Ok(see_other(&back))
}

/// The poll's form: `option` once per ticked option, or `withdraw` to take the vote back.
async fn vote(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    form::check(&caller, field("csrf").unwrap_or_default())?;
    let id = id.into_inner();
    let choice: Vec<i64> = match field("withdraw") {
        Some(_) => Vec::new(),
        None => {
            let chosen: Vec<i64> = form
                .iter()
                .filter(|(k, _)| k == "option")
                .map(|(_, v)| {
                    v.parse()
                        .map_err(|_| invalid("option_ids", "not an option"))
                })
                .collect::<Result<_>>()?;
            if chosen.is_empty() {
                return Err(invalid("option_ids", "choose an option first").into());
            }
            chosen
        }
    };
    write(&app, &caller, move |conn, scope| {
        polls::vote(conn, scope, id, &choice)
    })
    .await?;
    let back = form::local_path(field("back").unwrap_or_default(), &format!("/posts/{id}"));
    Ok(see_other(&format!("{back}#post-{id}")))
}

/// "I have read this", or "Dismiss", on an announcement.
async fn mark_read(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<BackForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        announcements::mark_read(conn, scope, id)
    })
    .await?;
    Ok(see_other(&form::local_path(
        &form.back,
        &format!("/posts/{id}"),
    )))
}

/// A button's form: the CSRF token and where to go back to.
#[derive(Debug, Deserialize)]
struct BackForm {
    csrf: String,
    back: String,
}

/// Mutes or unmutes the post's thread for the caller: no more notifications of its comments
/// and likes (mentions still come).
async fn mute(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    form::toggle(
        &app,
        &caller,
        &form,
        &format!("/posts/{id}"),
        move |conn, scope, on| preferences::set_thread_mute(conn, scope, id, on),
    )
    .await
}

async fn edit_page(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let layout = Layout::signed_in(&req, &caller, "Edit post", Section::None)?;
    let post = read(&app, &caller, move |conn, scope| post_view(conn, scope, id)).await?;
    if !post.can_edit {
        return Err(Error::forbidden(
            ErrorCode::AuthorOnly,
            "only the author or a moderator can edit a post",
        )
        .into());
    }
    render(StatusCode::OK, &edit_form(layout, id, post.body, None))
}

fn edit_form(layout: Layout, id: PostId, body: String, errors: Option<FieldErrors>) -> EditPage {
    EditPage {
        layout,
        heading: "Edit post",
        action: format!("/posts/{id}/edit"),
        body,
        errors: errors.unwrap_or_default(),
        cancel: format!("/posts/{id}"),
    }
}

async fn edit(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<BodyForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let BodyForm { csrf, body } = form.into_inner();
    let typed = body.clone();
    let rules = app.config.link_rules();
    let outcome = form::submit(&app, &caller, &csrf, move |conn, scope| {
        actions::edit_post(conn, scope, &rules, id, &typed)
    })
    .await?;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/posts/{id}"))),
        Err(refusal) => {
            let layout = Layout::signed_in(&req, &caller, "Edit post", Section::None)?;
            let page = edit_form(layout, id, body, Some(refusal.errors));
            render(refusal.status, &page)
        }
    }
}

async fn delete(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        actions::delete_post(conn, scope, id)
    })
    .await?;
    Ok(see_other("/"))
}

async fn history(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let layout = Layout::signed_in(&req, &caller, "Edit history", Section::None)?;
    let (post, versions) = read(&app, &caller, move |conn, scope| {
        let versions = access::post_history(conn, scope, id)?;
        Ok((post_view(conn, scope, id)?, versions))
    })
    .await?;
    let back = format!("/posts/{id}/history");
    let page = HistoryPage {
        layout,
        versions: Edit::list(&post.body, versions),
        post,
        back,
    };
    render(StatusCode::OK, &page)
}
