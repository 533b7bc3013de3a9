//! CSRF for the JSON API: an unsafe request made with the session cookie must carry the
//! session's token in `X-CSRF-Token`. The check wraps the API scope, so it applies to every
//! request routing sent there, however its path was spelled (`/%61pi/…` routes like `/api/…`);
//! a check on the raw path would miss those. Pages check the token of each form themselves.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

use crate::http::error::ApiError;
use crate::http::extract::{CSRF_HEADER, Caller, Credential};

/// Refuses an unsafe cookie request without the session's CSRF token (403 `csrf_failed`).
pub async fn require_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if is_unsafe(req.method()) {
        // Resolved once here and cached for the handler.
        let caller = req.extract::<Caller>().await?;
        if let Credential::Session(_) = caller.credential {
            let sent = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            caller.verify_csrf(sent).map_err(ApiError)?;
        }
    }
    next.call(req).await
}

/// Methods that may change something.
fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
