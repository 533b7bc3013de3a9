//! Uploads and profile photos. An upload is its uploader's alone until it goes on a post or
//! comment (`attachments` of a new post or comment) or becomes her photo.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::write;
use crate::App;
use crate::error::invalid;
use crate::files::FileView;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::http::uploads;
use crate::ids::FileId;

/// A file to upload.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Upload {
    /// The file; its type is sniffed from its bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/files", tag = "files",
    request_body(content = Upload, content_type = "multipart/form-data"),
    responses((status = 201, body = FileView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
/// Uploads a file (one `file` part), to attach to a post or comment or to make a profile
/// photo. Images get renditions and lose their metadata; an upload left unused is swept.
pub async fn upload_file(
    app: web::Data<App>,
    caller: Caller,
    mut body: Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.user()?;
    let one_part = || invalid("file", "send one part named `file`");
    let mut received = None;
    // The whole body is read before anything is kept: a second part refuses the first too.
    while let Some(mut field) = body.try_next().await.map_err(uploads::cut_off)? {
        if field.name() != Some("file") || received.is_some() {
            return Err(one_part().into());
        }
        let name = uploads::file_name(&field);
        received = Some((name, uploads::receive(&app.files, &mut field).await?));
    }
    let (name, received) = received.ok_or_else(one_part)?;
    let kept = app
        .files
        .keep(&app.db, &caller.viewer, &name, received)
        .await?;
    Ok(HttpResponse::Created().json(kept))
}

/// A profile photo to use.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoInput {
    /// An uploaded image's id.
    pub file_id: String,
}

#[utoipa::path(put, path = "/api/v1/me/photo", tag = "files", request_body = PhotoInput,
    responses((status = 204, description = "her photo now"), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Makes an uploaded image the caller's profile photo, shown instead of her initials.
pub async fn set_photo(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<PhotoInput>,
) -> Result<HttpResponse, ApiError> {
    let id: FileId = body
        .file_id
        .parse()
        .map_err(|_| invalid("file_id", "no such upload: upload the photo again"))?;
    write(&app, &caller, move |conn, scope| {
        crate::files::actions::set_photo(conn, scope, Some(id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/me/photo", tag = "files",
    responses((status = 204, description = "initials again"), (status = 401, body = Problem)))]
/// Removes the caller's profile photo.
pub async fn remove_photo(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    write(&app, &caller, |conn, scope| {
        crate::files::actions::set_photo(conn, scope, None)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
