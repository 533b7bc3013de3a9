//! Files arriving in multipart bodies: the API's upload, and composer forms sent without
//! JavaScript, whose files come in the same body as their text.

use actix_multipart::{Field, Multipart};
use actix_web::{HttpRequest, web};
use futures_util::TryStreamExt;
use serde::de::DeserializeOwned;

use crate::App;
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::files::upload::Received;
use crate::files::{FileView, Files, NewAttachment};
use crate::http::extract::Caller;

/// Text of a composer form sent as multipart, at most: its fields, not its files.
const MAX_TEXT: usize = 256 * 1024;

/// Receives one multipart field, a file, into staging.
pub async fn receive(files: &Files, field: &mut Field) -> Result<Received> {
    let mut incoming = files.begin()?;
    while let Some(chunk) = field.try_next().await.map_err(cut_off)? {
        incoming.write(&chunk).await?;
    }
    incoming.finish().await
}

/// The name a client gave a file field.
pub fn file_name(field: &Field) -> String {
    field
        .content_disposition()
        .and_then(|d| d.get_filename())
        .unwrap_or("file")
        .to_string()
}

/// A multipart body that ended before it was whole, or was not multipart at all.
pub fn cut_off(error: actix_multipart::MultipartError) -> Error {
    Error::bad_request(
        ErrorCode::BadForm,
        format!("the upload was cut off or malformed: {error}"),
    )
}

/// A composer form (`T`) and the files to put on what it makes: files uploaded beforehand
/// (fields `attachment`, each described by `alt_<id>`) and, from a form sent as multipart,
/// the files in it (field `files`, images described by `alt`), kept as the caller's uploads
/// once its CSRF token (which the form sends first) checks out.
pub async fn composed<T: DeserializeOwned>(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    payload: web::Payload,
) -> Result<(T, Vec<NewAttachment>)> {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (mut pairs, uploaded) = match multipart {
        true => multipart_fields(app, req, caller, payload).await?,
        false => {
            let body = payload
                .to_bytes_limited(app.config.http.json_limit_bytes)
                .await
                .map_err(|_| too_long())?
                .map_err(|_| Error::bad_request(ErrorCode::BadForm, "the form was cut off"))?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| Error::bad_request(ErrorCode::BadForm, e.to_string()))?;
            (pairs, Vec::new())
        }
    };
    let alt_of = |id: &str, pairs: &[(String, String)]| {
        pairs
            .iter()
            .find(|(k, _)| k.strip_prefix("alt_") == Some(id))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut attachments: Vec<NewAttachment> = pairs
        .iter()
        .filter(|(k, _)| k == "attachment")
        .map(|(_, id)| NewAttachment {
            id: id.clone(),
            alt: alt_of(id, &pairs),
        })
        .collect();
    // Without the script, one description serves the images sent with the form.
    let shared_alt = pairs
        .iter()
        .find(|(k, _)| k == "alt")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    attachments.extend(uploaded.into_iter().map(|file| NewAttachment {
        alt: match file.image {
            true => shared_alt.clone(),
            false => String::new(),
        },
        id: file.id,
    }));
    app.files.check_count(attachments.len())?;
    pairs.retain(|(k, _)| k != "attachment" && k != "alt" && !k.starts_with("alt_"));
    let encoded = serde_urlencoded::to_string(&pairs).map_err(Error::internal)?;
    let form = serde_urlencoded::from_str(&encoded)
        .map_err(|e| Error::bad_request(ErrorCode::BadForm, e.to_string()))?;
    Ok((form, attachments))
}

/// The text fields of a multipart form, and the files in it kept as uploads.
async fn multipart_fields(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    payload: web::Payload,
) -> Result<(Vec<(String, String)>, Vec<FileView>)> {
    let mut multipart = Multipart::new(req.headers(), payload.into_inner());
    let mut pairs = Vec::new();
    let mut text = 0;
    let mut uploaded = Vec::new();
    while let Some(mut field) = multipart.try_next().await.map_err(cut_off)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            // A form sent with no file chosen still has the field, empty and unnamed.
            if field.content_disposition().and_then(|d| d.get_filename()) == Some("") {
                while field.try_next().await.map_err(cut_off)?.is_some() {}
                continue;
            }
            let csrf = pairs
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v): &(String, String)| v.as_str());
            caller.verify_csrf(csrf.unwrap_or_default())?;
            app.files.check_count(uploaded.len() + 1)?;
            let file_name = file_name(&field);
            let received = receive(&app.files, &mut field).await?;
            uploaded.push(
                app.files
                    .keep(&app.db, &caller.viewer, &file_name, received)
                    .await?,
            );
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(cut_off)? {
            text += chunk.len();
            if text > MAX_TEXT {
                return Err(too_long());
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value).map_err(|_| invalid(&name, "not valid UTF-8"))?;
        pairs.push((name, value));
    }
    Ok((pairs, uploaded))
}

fn too_long() -> Error {
    Error::new(
        crate::error::ErrorKind::TooLarge,
        ErrorCode::BodyTooLarge,
        "the form is too long",
    )
}
