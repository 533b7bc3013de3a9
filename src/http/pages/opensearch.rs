//! OpenSearch: the description browsers read to offer Agora as a search engine, and the
//! suggestions they ask for while someone types in the address bar.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::App;
use crate::error::{Error, ErrorKind};
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::search::{self, Hit};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/opensearch.xml", web::get().to(description))
        .route("/search/suggestions", web::get().to(suggestions));
}

/// The media type of an OpenSearch description.
const DESCRIPTION_TYPE: &str = "application/opensearchdescription+xml";
/// The media type of OpenSearch suggestions.
const SUGGESTIONS_TYPE: &str = "application/x-suggestions+json";

#[derive(Template)]
#[template(path = "pages/search/opensearch.xml")]
struct Description {
    base: String,
}

/// The address this server is reached at: the configured public URL, else the scheme and
/// `Host` of the request (forwarded headers are not trusted; behind a proxy, set the public
/// URL).
fn base_url(app: &App, req: &HttpRequest) -> String {
    if let Some(url) = &app.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let config = req.app_config();
    let scheme = if config.secure() { "https" } else { "http" };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_else(|| config.host());
    format!("{scheme}://{host}")
}

async fn description(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let xml = Description {
        base: base_url(&app, &req),
    }
    .render()
    .map_err(Error::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType(
            DESCRIPTION_TYPE.parse().map_err(Error::internal)?,
        ))
        .body(xml))
}

/// `?q=`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SuggestionsQuery {
    q: String,
}

/// `[query, [completions], [descriptions], [urls]]`, from the toolbar's typeahead. Someone
/// not signed in, or a query the search refuses, gets no suggestions rather than an error,
/// since the browser shows nothing else anyway.
async fn suggestions(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SuggestionsQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.into_inner().q;
    let mut hits = Vec::new();
    if caller.user().is_ok() && !q.trim().is_empty() {
        let (generation, settings) = (app.search.current(), app.config.search.clone());
        let text = q.clone();
        let found = read(&app, &caller, move |conn, scope| {
            search::suggest(conn, scope, &generation, &settings, &text)
        })
        .await;
        match found {
            Ok(s) => hits = [s.people, s.groups, s.tags, s.posts].concat(),
            Err(error) if error.kind == ErrorKind::Invalid => {}
            Err(error) => return Err(PageError(error)),
        }
    }
    let base = base_url(&app, &req);
    let body = answer(&q, &hits, &base);
    Ok(HttpResponse::Ok()
        .content_type(ContentType(
            SUGGESTIONS_TYPE.parse().map_err(Error::internal)?,
        ))
        .body(body.to_string()))
}

/// The suggestions format: completions are the results' titles, descriptions their types,
/// and urls where they live.
fn answer(q: &str, hits: &[Hit], base: &str) -> serde_json::Value {
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    let kinds: Vec<&str> = hits.iter().map(|h| h.kind).collect();
    let urls: Vec<String> = hits.iter().map(|h| format!("{base}{}", h.url)).collect();
    serde_json::json!([q, titles, kinds, urls])
}
