//! How errors leave the server: problem+json under `/api`, a readable page elsewhere. Internal
//! causes were logged where the error was made; only the safe message is shown.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

use crate::error::{Error, ErrorCode, ErrorKind};

/// The HTTP status for an error kind.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem: `about:blank#<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable snake_case code.
    pub code: ErrorCode,
    /// Per-field messages, for validation errors.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

/// An error answered as problem+json.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub Error);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let problem = Problem {
            kind: format!("about:blank#{}", self.0.code),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.0.detail.clone(),
            code: self.0.code,
            errors: self.0.fields.clone(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let ErrorKind::RateLimited { retry_after } = self.0.kind {
            response.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
        }
        response.json(problem)
    }
}

/// An error answered as an HTML page. The response carries what it says ([`Shown`]), and
/// `pages::error_page::in_layout` renders that in the app's layout with the reader's toolbar;
/// the bare page here is what is left if that cannot be done.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(#[from] pub Error);

/// What an error page tells its reader: the status and the safe message.
#[derive(Clone, Debug)]
pub struct Shown {
    pub status: StatusCode,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "pages/error_bare.html")]
struct BarePage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // Not signed in: to the sign-in page. Any other failed proof (a bad token, a refused
        // single sign-on answer) is a page that says what went wrong.
        if self.0.code == ErrorCode::NotSignedIn {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/sign-in"))
                .finish();
        }
        let page = BarePage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            detail: &self.0.detail,
        };
        let body = page.render().unwrap_or_else(|_| self.0.detail.clone());
        let mut response = HttpResponse::build(status);
        if let ErrorKind::RateLimited { retry_after } = self.0.kind {
            response.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
        }
        response.extensions_mut().insert(Shown {
            status,
            detail: self.0.detail.clone(),
        });
        response.content_type(ContentType::html()).body(body)
    }
}

/// `error` rendered the way the request's path expects: problem+json under `/api`, else HTML.
pub fn for_path(req: &actix_web::HttpRequest, error: Error) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        ApiError(error).into()
    } else {
        PageError(error).into()
    }
}

/// Errors of actix's own extractors (bad JSON, oversize body, bad path) as our errors.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};

    use super::{ApiError, for_path};
    use crate::error::{Error, ErrorCode, ErrorKind};

    pub fn json(error: JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
        let error = match &error {
            JsonPayloadError::Overflow { limit }
            | JsonPayloadError::OverflowKnownLength { limit, .. } => Error::new(
                ErrorKind::TooLarge,
                ErrorCode::BodyTooLarge,
                format!("the body is larger than {limit} bytes"),
            ),
            JsonPayloadError::ContentType => Error::new(
                ErrorKind::UnsupportedMediaType,
                ErrorCode::NotJson,
                "send Content-Type: application/json",
            ),
            JsonPayloadError::Deserialize(inner) if inner.is_data() => Error::new(
                ErrorKind::Invalid,
                ErrorCode::InvalidBody,
                inner.to_string(),
            ),
            other => Error::bad_request(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {other}"),
            ),
        };
        ApiError(error).into()
    }

    /// A path segment that is not what the route takes (a word where an id goes): nothing is
    /// there, as for an id that names nothing.
    pub fn path(_: PathError, req: &actix_web::HttpRequest) -> actix_web::Error {
        for_path(
            req,
            Error::new(
                ErrorKind::NotFound,
                ErrorCode::NotFound,
                "nothing is at this address",
            ),
        )
    }

    pub fn query(error: QueryPayloadError, req: &actix_web::HttpRequest) -> actix_web::Error {
        for_path(
            req,
            Error::bad_request(ErrorCode::BadQuery, format!("bad query string: {error}")),
        )
    }

    pub fn form(error: UrlencodedError, req: &actix_web::HttpRequest) -> actix_web::Error {
        let error = match error {
            UrlencodedError::Overflow { size, limit } => Error::new(
                ErrorKind::TooLarge,
                ErrorCode::BodyTooLarge,
                format!("the form is {size} bytes; at most {limit}"),
            ),
            other => Error::bad_request(
                ErrorCode::BadForm,
                format!("the form could not be read: {other}"),
            ),
        };
        for_path(req, error)
    }
}
