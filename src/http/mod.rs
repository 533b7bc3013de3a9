//! The HTTP side: assembling the actix-web app, middleware, the JSON API and the pages.
//! Only this module (and `main`) knows about actix-web.

pub mod api;
mod assets;
pub mod error;
pub mod extract;
mod metrics;
mod ops;
mod pages;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, HttpServer, web};

use crate::App;
use crate::error::Error;
use crate::live::Hub;
use assets::Assets;
use metrics::Metrics;

/// Content Security Policy: no inline scripts, nothing from other origins, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

/// The server on `listener`, not yet running: await it, or keep its handle to stop it.
///
/// Also starts the live hub on the current runtime. The workers hold its only handles, so it
/// stops, closing every stream, once the server has stopped and dropped them.
pub fn server(app: App, listener: TcpListener) -> std::io::Result<Server> {
    let http = app.config.http.clone();
    let (hub, hub_task) = Hub::start(&app.db, &app.config)
        .map_err(|e| std::io::Error::other(format!("cannot start live updates: {}", e.detail)))?;
    actix_web::rt::spawn(hub_task);
    let hub = web::Data::new(hub);
    // The indexer stops once the workers, holding the only handles of `indexing`, are gone.
    let (indexing, stopped) = tokio::sync::watch::channel(());
    let poll = Duration::from_millis(app.config.search.poll_ms);
    actix_web::rt::spawn(crate::search::indexer::run(
        app.db.clone(),
        app.search.clone(),
        poll,
        stopped,
    ));
    let indexing = web::Data::new(indexing);
    // Likewise the mail sender.
    let (mailing, unmailed) = tokio::sync::watch::channel(());
    let (db, config) = (app.db.clone(), app.config.clone());
    actix_web::rt::spawn(async move { crate::mail::sender::run(db, &config, unmailed).await });
    let mailing = web::Data::new(mailing);
    // And the notifier.
    let (notifying, unnotified) = tokio::sync::watch::channel(());
    let (db, public_url) = (app.db.clone(), app.config.public_url());
    actix_web::rt::spawn(crate::signals::notifier::run(db, public_url, unnotified));
    let notifying = web::Data::new(notifying);
    // And the sweep of guests' access.
    let (sweeping, unswept) = tokio::sync::watch::channel(());
    let (db, config, signer) = (app.db.clone(), app.config.clone(), app.signer.clone());
    actix_web::rt::spawn(crate::guests::lifecycle::run(db, config, signer, unswept));
    let sweeping = web::Data::new(sweeping);
    // And the digest scheduler.
    let (scheduling, unscheduled) = tokio::sync::watch::channel(());
    let (db, config, signer) = (app.db.clone(), app.config.clone(), app.signer.clone());
    actix_web::rt::spawn(crate::signals::digests::schedule::run(
        db,
        config,
        signer,
        unscheduled,
    ));
    let scheduling = web::Data::new(scheduling);
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
            .app_data(indexing.clone())
            .app_data(mailing.clone())
            .app_data(sweeping.clone())
            .app_data(notifying.clone())
            .app_data(scheduling.clone())
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
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CSP))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("X-Frame-Options", "DENY")),
            )
            // gzip, brotli or zstd as the client accepts; the live stream opts out (see there).
            .wrap(Compress::default())
            .wrap(from_fn(metrics::observe))
            .configure(ops::routes)
            .configure(api::routes)
            .configure(pages::routes)
            .configure(move |cfg| assets_routes.routes(cfg))
            .default_service(web::to(not_found))
    })
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
