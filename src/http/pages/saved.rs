//! Bookmarks in the browser: the Save buttons on posts and comments, and the `/saved` list.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, CursorQuery, PAGE_SIZE, ToggleForm};
use super::view::Times as _;
use super::{Layout, Section, render};
use crate::App;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId};
use crate::posts::saved::{self, Saveable, SavedView};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/saved", web::get().to(list))
        .route("/posts/{id}/save", web::post().to(save_post))
        .route("/comments/{id}/save", web::post().to(save_comment));
}

#[derive(Template)]
#[template(path = "pages/saved/index.html")]
struct SavedPage {
    layout: Layout,
    items: Vec<SavedView>,
    more: Option<String>,
    back: String,
}

async fn list(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Saved", Section::None)?;
    let cursor = query.into_inner().cursor;
    let before = cursor
        .as_deref()
        .map(crate::cursor::decode::<i64>)
        .transpose()?
        .map(|(_, id)| id);
    let page = read(&app, &caller, move |conn, scope| {
        saved::saved_page(conn, scope, before, PAGE_SIZE)
    })
    .await?;
    let next = page.next.map(|id| crate::cursor::encode("s", id));
    let back = match &cursor {
        Some(c) => format!("/saved?cursor={c}"),
        None => "/saved".to_string(),
    };
    render(
        actix_web::http::StatusCode::OK,
        &SavedPage {
            layout,
            items: page.items,
            more: form::more_link("/saved", next.as_deref()),
            back,
        },
    )
}

async fn save_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let back = form::local_path(&form.back, &format!("/posts/{id}"));
    let back = format!("{back}#post-{id}");
    form::toggle(&app, &caller, &form, &back, move |conn, scope, on| {
        saved::set_saved(conn, scope, Saveable::Post(id), on)
    })
    .await
}

async fn save_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let back = format!("{}#comment-{id}", form::local_path(&form.back, "/saved"));
    form::toggle(&app, &caller, &form, &back, move |conn, scope, on| {
        saved::set_saved(conn, scope, Saveable::Comment(id), on)
    })
    .await
}
