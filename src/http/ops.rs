//! Operations endpoints: liveness, readiness and metrics.

use actix_web::{HttpResponse, web};

use super::api::blocking;
use super::metrics::{Metrics, render_board};
use crate::App;
use crate::http::error::ApiError;
use crate::workers::Status;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the process is up")))]
/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "the database answers"), (status = 503, description = "not ready")))]
/// The database answers a query.
pub async fn readyz(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    blocking(move || app.db.read(|conn| crate::events::last_id(conn).map(|_| ()))).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("ready\n"))
}

#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text")))]
/// Request counts and latency histograms by route, and the workers' lag, failures and outbox.
pub async fn metrics(
    app: web::Data<App>,
    metrics: web::Data<Metrics>,
    status: web::Data<Status>,
) -> Result<HttpResponse, ApiError> {
    let board = blocking(move || app.db.read(|conn| status.board(conn))).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render() + &render_board(&board)))
}
