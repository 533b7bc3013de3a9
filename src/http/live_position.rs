//! Where the events log stood when a request arrived, for the page it renders. The page hands
//! it to its script, which opens the live stream after that event, so whatever happens between
//! the render and the stream's opening still reaches the page (`docs/live.md`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};

use crate::live::Hub;

/// The last event the hub had broadcast when the request arrived.
#[derive(Clone, Copy, Debug)]
struct RenderedAfter(i64);

/// Notes the hub's position on the request before any handler reads the database: every event
/// up to it was committed before the page's reads, so the page shows it, and a stream resuming
/// after it replays the rest. It may replay a few the page already shows; the page's live
/// updates apply those idempotently (a post already there, a count set again).
pub async fn note_position(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(hub) = req.app_data::<web::Data<Hub>>() {
        let position = RenderedAfter(hub.last_id());
        req.extensions_mut().insert(position);
    }
    next.call(req).await
}

/// The position noted for `req`; none when no hub runs.
pub fn rendered_after(req: &HttpRequest) -> Option<i64> {
    req.extensions().get::<RenderedAfter>().map(|p| p.0)
}
