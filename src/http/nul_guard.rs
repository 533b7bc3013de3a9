//! Addresses carrying a NUL character are refused at the edge, whatever route they are for:
//! nobody types one, and PostgreSQL cannot store one in a text column (it would answer a
//! query with an error). Bodies are read by their extractors; a NUL that reaches the database
//! there is refused by the error mapping (`From<diesel::result::Error>`), never a 500.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::error::for_path;
use crate::error::{Error, ErrorCode, NUL_REFUSED};

/// Answers 400 `nul_character` to a request whose path or query holds a NUL, raw or
/// percent-encoded.
pub async fn refuse_nul_in_address(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let path_and_query = uri.path_and_query().map_or("", |pq| pq.as_str());
    if holds_nul(path_and_query) {
        let error = Error::bad_request(ErrorCode::NulCharacter, NUL_REFUSED);
        // Answered here (not raised), so the error page around it still dresses it.
        let response = for_path(req.request(), error).error_response();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn holds_nul(text: &str) -> bool {
    text.contains('\0') || text.to_ascii_lowercase().contains("%00")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nul_is_found_raw_or_encoded_in_either_case() {
        assert!(super::holds_nul("/api/v1/tags?q=a%00b"));
        assert!(super::holds_nul("/tags/x%00"));
        assert!(!super::holds_nul("/api/v1/tags?q=100%25"));
        assert!(!super::holds_nul("/search?q=%C2%85"));
    }
}
