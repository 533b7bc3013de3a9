//! Atom feeds for feed readers: home, company, a group, a tag and a person, authenticated by the feed
//! token in `?token=` and nothing else (a reader has no session). Registered before the
//! pages, whose `/groups/{id}` and `/tags/{name}` would otherwise take these paths.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::App;
use crate::error::{Error, ErrorKind};
use crate::feeds::Feed;
use crate::feeds::atom::AtomFeed;
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::ids::{GroupId, UserId};
use crate::posts::listing::Listing;
use crate::signals::atom_feeds::{self, TokenFeed};

/// The media type of an Atom document.
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/feeds/home.atom", web::get().to(home))
        .route("/feeds/company.atom", web::get().to(company))
        .route("/groups/{id}.atom", web::get().to(group))
        .route("/tags/{name}.atom", web::get().to(tag))
        .route("/people/{id}.atom", web::get().to(person));
}

/// `?token=` of every feed.
#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn home(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    serve(app, req, query, Feed::Home, "/").await
}

async fn company(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    serve(
        app,
        req,
        query,
        Feed::Company(Listing::default()),
        "/company",
    )
    .await
}

async fn group(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<GroupId>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    serve(
        app,
        req,
        query,
        Feed::Group(id, Listing::default()),
        &format!("/groups/{id}"),
    )
    .await
}

async fn person(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<UserId>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    serve(app, req, query, Feed::Person(id), &format!("/people/{id}")).await
}

async fn tag(
    app: web::Data<App>,
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let name = crate::tags::actions::normalize(&name).map_err(|_| Error::not_found("tag"))?;
    let page = format!("/tags/{name}");
    serve(app, req, query, Feed::Tag(name, Listing::default()), &page).await
}

async fn serve(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
    feed: Feed,
    page_path: &str,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token.unwrap_or_default();
    let (db, signer, presented) = (app.db.clone(), app.signer.clone(), token.clone());
    let read =
        blocking(move || db.read(|conn| atom_feeds::read(conn, &signer, &presented, &feed))).await;
    let read = match read {
        Ok(read) => read,
        // A feed reader cannot sign in: it is told so, not sent to the sign-in page.
        Err(error) if error.kind == ErrorKind::Unauthenticated => {
            return Ok(HttpResponse::Unauthorized()
                .content_type("text/plain; charset=utf-8")
                .body(error.detail));
        }
        Err(error) => return Err(PageError(error)),
    };
    Ok(respond(
        &req,
        &document(&app, &req, &read, &token, page_path)?,
    ))
}

/// The Atom document and its Last-Modified time.
fn document(
    app: &App,
    req: &HttpRequest,
    read: &TokenFeed,
    token: &str,
    page_path: &str,
) -> Result<(String, chrono::DateTime<chrono::Utc>), Error> {
    let base = app.config.public_url();
    let path = req.path();
    let feed = AtomFeed {
        base: &base,
        id: format!("{base}{path}#reader-{}", read.reader_id),
        title: read.title.clone(),
        // Readers that follow `self` keep the token; the document goes to its owner only.
        self_url: format!("{base}{path}?token={token}"),
        page_path: page_path.to_string(),
        posts: &read.posts,
    };
    Ok((feed.render()?, feed.updated()))
}

/// 200 with the document, or 304 when the reader already has these bytes.
fn respond(
    req: &HttpRequest,
    (xml, updated): &(String, chrono::DateTime<chrono::Utc>),
) -> HttpResponse {
    let digest = Sha256::digest(xml.as_bytes());
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    let last_modified = updated.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((header::ETAG, etag)).insert_header((
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    ));
    if let Ok(value) = HeaderValue::from_str(&last_modified) {
        response.insert_header((header::LAST_MODIFIED, value));
    }
    if unchanged {
        return response.finish();
    }
    response.content_type(ATOM_TYPE).body(xml.clone())
}
