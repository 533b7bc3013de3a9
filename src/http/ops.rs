//! Operations endpoints: liveness, readiness and metrics.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, web};

use super::api::blocking;
use super::metrics::{Metrics, render_board};
use crate::App;
use crate::error::{Error, ErrorCode};
use crate::http::error::ApiError;
use crate::http::extract::{client_ip, constant_time_eq};
use crate::workers::Status;

#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "the process is up", body = String, content_type = "text/plain")))]
/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "the database answers", body = String, content_type = "text/plain"),
              (status = 503, description = "not ready")))]
/// The database answers a query.
pub async fn readyz(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    blocking(move || app.db.read(|conn| crate::events::last_id(conn).map(|_| ()))).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("ready\n"))
}

#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain; version=0.0.4"),
              (status = 403, description = "not from this machine, or without `http.metrics_token`")))]
/// Request counts and latency histograms by route, and the workers' lag, failures and outbox:
/// for this machine's clients, or for those carrying `http.metrics_token` when one is set.
/// Routes and their traffic say what people do.
pub async fn metrics(
    req: HttpRequest,
    app: web::Data<App>,
    metrics: web::Data<Metrics>,
    status: web::Data<Status>,
) -> Result<HttpResponse, ApiError> {
    let token = app.config.http.metrics_token.as_ref().map(|t| t.0.as_str());
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    // The client, not the proxy in front: through a trusted proxy on this machine, an outside
    // client must not pass for a local one.
    let client = client_ip(&req).parse().ok();
    if !may_read_metrics(token, sent, client) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "metrics are for this machine or the metrics token",
        )
        .into());
    }
    let board = blocking(move || app.db.read(|conn| status.board(conn))).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render() + &render_board(&board)))
}

/// With a token configured, whoever sends it; without, only loopback clients.
fn may_read_metrics(token: Option<&str>, sent: Option<&str>, peer: Option<IpAddr>) -> bool {
    match token {
        Some(token) => sent.is_some_and(|sent| constant_time_eq(token, sent.trim())),
        None => peer.is_some_and(|ip| ip.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_go_to_the_token_or_to_loopback_alone() {
        let local: Option<IpAddr> = "127.0.0.1".parse().ok();
        let remote: Option<IpAddr> = "10.1.2.3".parse().ok();
        assert!(may_read_metrics(None, None, local));
        assert!(may_read_metrics(None, None, "::1".parse().ok()));
        assert!(!may_read_metrics(None, None, remote));
        assert!(!may_read_metrics(None, Some("anything"), remote));
        assert!(may_read_metrics(
            Some("s3cret-token"),
            Some("s3cret-token"),
            remote
        ));
        assert!(
            !may_read_metrics(Some("s3cret-token"), Some("wrong"), local),
            "a token, once set, is needed everywhere"
        );
        assert!(!may_read_metrics(Some("s3cret-token"), None, local));
    }
}
