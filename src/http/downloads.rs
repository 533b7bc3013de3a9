//! `GET /files/{id}/{name}`: a file, to whoever reads what it is on, asked anew on every
//! request (the name in the address is for the browser only). Safe images (JPEG, PNG, GIF,
//! WebP) may show inline; everything else is a download under a sandboxing policy, so an
//! uploaded HTML or SVG file can never run script on this origin.

use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, EntityTag, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::error::PageError;
use super::extract::Caller;
use crate::App;
use crate::error::Error;
use crate::files::store::Form;
use crate::ids::FileId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/files/{id}/{name}", web::get().to(download));
}

/// `?size=thumb` or `?size=medium`: an image's rendition; none: the file itself.
#[derive(Debug, Deserialize)]
struct SizeQuery {
    size: Option<String>,
}

/// Nothing on the file's own page may load or run: it is data, not a document.
const SANDBOX: &str = "default-src 'none'; sandbox";

async fn download(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(FileId, String)>,
    query: web::Query<SizeQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, _) = path.into_inner();
    let form = match query.size.as_deref() {
        None => Form::Original,
        Some("thumb") => Form::Thumb,
        Some("medium") => Form::Medium,
        Some(_) => return Err(Error::not_found("file").into()),
    };
    let opened = app.files.open(&app.db, &caller.viewer, id, form).await?;
    // The content never changes under an id; asking again still passes the access check.
    let tag = EntityTag::new_strong(format!(
        "{}{}",
        opened.view.id,
        query.size.as_deref().unwrap_or("")
    ));
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(header::ETag(tag.clone()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, SANDBOX))
        // Sent as stored: images and archives gain nothing from compressing again.
        .insert_header((header::CONTENT_ENCODING, "identity"));
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag.to_string()));
    if matches {
        return Ok(response
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish());
    }
    let disposition = ContentDisposition {
        disposition: match opened.inline {
            true => DispositionType::Inline,
            false => DispositionType::Attachment,
        },
        parameters: vec![
            DispositionParam::Filename(ascii_name(&opened.view.name)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: opened.view.name.clone().into_bytes(),
            }),
        ],
    };
    Ok(response
        .content_type(opened.content_type)
        .insert_header(disposition)
        .no_chunking(opened.download.size)
        .streaming(opened.download.chunks))
}

/// The name for clients that know no `filename*`: ASCII, without quotes.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect()
}
