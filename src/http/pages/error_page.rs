//! Error pages in the app's layout. A handler's `PageError` leaves what it says on the response
//! (`Shown`); this middleware renders that with the reader's own toolbar, a plain sentence about
//! what happened, and ways on. A 404 says the same whether a thing is missing or hidden.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};
use askama::Template;

use super::Layout;
use crate::accounts::UserView;
use crate::http::error::Shown;
use crate::http::extract::Caller;

/// Renders error pages in the layout; every other response passes untouched.
pub async fn in_layout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let Some(shown) = response.response().extensions().get::<Shown>().cloned() else {
        return Ok(response.map_into_boxed_body());
    };
    // Resolved once per request and cached: the handler usually did it already.
    let caller = Caller::extract(response.request()).await.ok();
    match ErrorPage::new(response.request(), caller.as_ref(), &shown).render() {
        Ok(html) => Ok(response.map_body(|_, _| BoxBody::new(html))),
        Err(error) => {
            tracing::error!(%error, "error page");
            Ok(response.map_into_boxed_body())
        }
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    headline: &'static str,
    sentence: &'static str,
    /// The error's own message, where it adds to the sentence.
    detail: String,
    /// Where to go from here: (path, label).
    ways: Vec<(&'static str, &'static str)>,
}

impl ErrorPage {
    fn new(req: &HttpRequest, caller: Option<&Caller>, shown: &Shown) -> ErrorPage {
        let me = caller.and_then(|c| Some(UserView::of(c.user().ok()?, &c.viewer)));
        let signed_in = me.is_some();
        let (headline, sentence) = words(shown.status);
        let layout = Layout::new(req, headline, me, caller.and_then(Caller::csrf_token));
        let ways = if signed_in {
            vec![
                ("/", "Go to your home feed"),
                ("/groups", "See your groups"),
            ]
        } else {
            vec![("/sign-in", "Sign in"), ("/", "Go to the start page")]
        };
        ErrorPage {
            layout,
            status: shown.status.as_u16(),
            headline,
            sentence,
            detail: if shown.status == StatusCode::NOT_FOUND {
                String::new()
            } else {
                shown.detail.clone()
            },
            ways,
        }
    }
}

/// The headline and the sentence for a status.
fn words(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => (
            "That request could not be read",
            "Something in the address or the form was not what Agora expected. Go back and try again.",
        ),
        StatusCode::FORBIDDEN => (
            "This is not open to you",
            "Your account may not open this page or do this. If you need it, ask an owner of the group or an admin.",
        ),
        StatusCode::NOT_FOUND => (
            "Nothing here",
            "There is nothing at this address: it may have been removed, or it is not shared with you.",
        ),
        StatusCode::CONFLICT => (
            "That clashes with what is there",
            "Someone may have changed this at the same time. Reload the page and try again.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "That is too large",
            "What you sent is larger than Agora accepts. Make it shorter and try again.",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "That could not be used",
            "Something in what you sent could not be used. Go back, check it and try again.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "Slow down a little",
            "There were too many tries in a short time. Wait a moment, then try again.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Agora is busy",
            "Agora could not answer just now. Try again in a few seconds.",
        ),
        _ => (
            "Something went wrong",
            "Something went wrong on our side, and it has been logged. Try again; if it keeps happening, tell your admin.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_status_has_its_own_words() {
        let statuses = [400, 403, 404, 409, 413, 422, 429, 500, 503];
        let mut headlines: Vec<&str> = statuses
            .iter()
            .map(|s| words(StatusCode::from_u16(*s).unwrap()).0)
            .collect();
        headlines.sort();
        headlines.dedup();
        assert_eq!(headlines.len(), statuses.len());
    }
}
