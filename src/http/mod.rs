//! The HTTP side: assembling the actix-web app, middleware, the JSON API and the pages.
//! Only this module (and `main`) knows about actix-web.

pub mod api;
mod assets;
mod downloads;
pub mod error;
pub mod extract;
mod live_position;
mod metrics;
mod nul_guard;
mod ops;
mod pages;
mod previews;
mod scim;
mod uploads;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, HttpServer, web};

use crate::error::Error;
use crate::{App, Workers};
use assets::Assets;
use metrics::Metrics;

/// Content Security Policy: no inline scripts, nothing from other origins, no framing. Forms
/// post only here, and their redirects lead only here or, with single sign-on, to the
/// identity provider (signing out goes on to its logout).
fn content_security_policy(app: &App) -> String {
    let provider = app
        .sso
        .as_ref()
        .and_then(|sso| url::Url::parse(sso.issuer()).ok())
        .map(|issuer| format!(" {}", issuer.origin().ascii_serialization()))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'{provider}; base-uri 'none'; \
         frame-ancestors 'none'; object-src 'none'"
    )
}

/// The server on `listener`, not yet running: await it, or keep its handle to stop it.
/// Live streams subscribe to the hub of `workers` (see [`App::spawn_workers`]), and the
/// status pages show their board.
pub fn server(app: App, workers: &Workers, listener: TcpListener) -> std::io::Result<Server> {
    let http = app.config.http.clone();
    let csp = content_security_policy(&app);
    let hub = web::Data::new(workers.hub.clone());
    let board = web::Data::new(workers.status.clone());
    let state = web::Data::new(app);
    let metrics = web::Data::new(Metrics::default());
    let assets = web::Data::new(Assets::default());
    let mut server = HttpServer::new(move || {
        let assets_routes = assets.clone();
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(assets.clone())
            .app_data(hub.clone())
            .app_data(board.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(http.json_limit_bytes)
                    .error_handler(error::extractors::json),
            )
            .app_data(
                web::FormConfig::default()
                    .limit(http.json_limit_bytes)
                    .error_handler(error::extractors::form),
            )
            .app_data(web::PathConfig::default().error_handler(error::extractors::path))
            .app_data(web::QueryConfig::default().error_handler(error::extractors::query))
            .wrap(from_fn(live_position::note_position))
            .wrap(from_fn(nul_guard::refuse_nul_in_address))
            .wrap(from_fn(pages::error_page::in_layout))
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", csp.clone()))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("X-Frame-Options", "DENY")),
            )
            // gzip, brotli or zstd as the client accepts; the live stream opts out (see there).
            .wrap(Compress::default())
            .wrap(from_fn(metrics::observe))
            .configure(api::openapi::root_routes)
            .configure(api::routes)
            .configure(scim::routes)
            .configure(downloads::routes)
            .configure(previews::routes)
            .configure(pages::routes)
            .configure(move |cfg| assets_routes.routes(cfg))
            .default_service(web::to(not_found))
    })
    // Responses go out in several writes (head, body chunks); with Nagle's algorithm on, the
    // second waits for the client's delayed ACK, some 40 ms on every kept-alive request.
    .tcp_nodelay(true)
    // `main` handles SIGTERM itself, so the handler is in place before "serving" is logged.
    .disable_signals()
    .shutdown_timeout(http.shutdown_timeout_secs)
    .client_request_timeout(Duration::from_secs(30));
    if http.workers > 0 {
        server = server.workers(http.workers);
    }
    Ok(server.listen(listener)?.run())
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    Err(error::for_path(&req, Error::not_found("page")))
}
