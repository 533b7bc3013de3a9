//! Previews over HTTP: a preview's image, read from our storage and served to whoever may read
//! the post or comment showing it (no reader's browser ever talks to the linked site), and the
//! author's "Remove preview" button.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::api::{read, write};
use super::error::PageError;
use super::extract::Caller;
use super::pages::form;
use super::pages::see_other;
use crate::App;
use crate::files::sniff::Kind;
use crate::files::store::Form;
use crate::ids::{CommentId, PostId};
use crate::previews::actions::{self, Owner};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/posts/{id}/previews/{n}/image", web::get().to(post_image))
        .route(
            "/comments/{id}/previews/{n}/image",
            web::get().to(comment_image),
        )
        .route(
            "/posts/{id}/previews/{n}/remove",
            web::post().to(remove_from_post),
        )
        .route(
            "/comments/{id}/previews/{n}/remove",
            web::post().to(remove_from_comment),
        );
}

async fn post_image(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(PostId, i32)>,
) -> Result<HttpResponse, PageError> {
    let (id, n) = path.into_inner();
    image(app, caller, Owner::Post(id), n).await
}

async fn comment_image(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(CommentId, i32)>,
) -> Result<HttpResponse, PageError> {
    let (id, n) = path.into_inner();
    image(app, caller, Owner::Comment(id), n).await
}

async fn image(
    app: web::Data<App>,
    caller: Caller,
    owner: Owner,
    n: i32,
) -> Result<HttpResponse, PageError> {
    let sha256 = read(&app, &caller, move |conn, scope| {
        actions::image(conn, scope, owner, n)
    })
    .await?;
    let download = app.files.storage.get(&sha256, Form::Thumb).await?;
    // Thumbnails are made here: JPEG, or PNG where the image has transparency.
    let mut chunks = download.chunks;
    use futures_util::StreamExt;
    let first = chunks.next().await.transpose()?.unwrap_or_default();
    let content_type = match Kind::sniff(&first) {
        Kind::Png => "image/png",
        _ => "image/jpeg",
    };
    let rest = futures_util::stream::once(async move { Ok(first) }).chain(chunks);
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .no_chunking(download.size)
        .streaming(rest))
}

/// The remove button's form.
#[derive(Debug, Deserialize)]
struct RemoveForm {
    csrf: String,
    back: String,
}

async fn remove_from_post(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(PostId, i32)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, PageError> {
    let (id, n) = path.into_inner();
    remove(
        app,
        caller,
        Owner::Post(id),
        n,
        form.into_inner(),
        format!("/posts/{id}"),
    )
    .await
}

async fn remove_from_comment(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(CommentId, i32)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, PageError> {
    let (id, n) = path.into_inner();
    remove(
        app,
        caller,
        Owner::Comment(id),
        n,
        form.into_inner(),
        "/".to_string(),
    )
    .await
}

async fn remove(
    app: web::Data<App>,
    caller: Caller,
    owner: Owner,
    n: i32,
    form: RemoveForm,
    fallback: String,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    write(&app, &caller, move |conn, scope| {
        actions::remove(conn, scope, owner, n)
    })
    .await?;
    Ok(see_other(&form::local_path(&form.back, &fallback)))
}
