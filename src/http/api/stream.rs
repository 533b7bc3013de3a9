//! `GET /api/v1/stream`: live updates as Server-Sent Events, from the hub in `crate::live`.

use std::convert::Infallible;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::App;
use crate::error::{Error, invalid};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Caller, Credential};
use crate::live::{Hub, StreamCredential, Subscriber};

/// `?last_event_id=…`, for clients that cannot set the header.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StreamQuery {
    /// Resume after this event (the `Last-Event-ID` header wins when both are given).
    pub last_event_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "live", params(StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "Events `post`, `comment` and `like` for what the caller may read, each \
                        with `id:` and one line of JSON data (ids, group, counts; never bodies); \
                        `reload` when the caller missed more than can be replayed; `: ping` \
                        comments as heartbeats"),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
/// At most `live.max_streams_per_user` streams of one user stay open: a new one closes her
/// oldest.
/// Live updates for the caller, as Server-Sent Events.
pub async fn stream(
    req: HttpRequest,
    app: web::Data<App>,
    hub: web::Data<Hub>,
    caller: Caller,
    query: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let header = req
        .headers()
        .get("last-event-id")
        .and_then(|value| value.to_str().ok());
    let last_event_id =
        match header.or(query.last_event_id.as_deref()) {
            None | Some("") => None,
            Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
                invalid("last_event_id", "use the id of an event this stream sent")
            })?),
        };
    let credential = match &caller.credential {
        Credential::Session(session) => StreamCredential::Session(session.id),
        Credential::Token(id) => StreamCredential::Token(*id),
        Credential::None => return Err(ApiError(Error::unauthenticated())),
    };
    let slot = app
        .streams
        .acquire(caller.user()?.id, app.config.live.max_streams_per_user);
    let subscriber = Subscriber {
        viewer: caller.viewer.clone(),
        credential,
        last_event_id,
    };
    let connection = hub.open(subscriber).await?;
    // The slot lives as long as the body: freed when the stream ends or the client leaves;
    // the stream ends when a newer one of the same user takes its slot.
    let body =
        futures_util::stream::unfold((connection, slot), |(mut connection, slot)| async move {
            let chunk = tokio::select! {
                chunk = connection.next() => chunk?,
                () = slot.closed() => return None,
            };
            Some((
                Ok::<_, Infallible>(web::Bytes::from(chunk)),
                (connection, slot),
            ))
        });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // Tells a proxy in front (nginx) to pass events on at once rather than buffer them.
        .insert_header(("X-Accel-Buffering", "no"))
        // An encoder would hold events back to fill its blocks; `identity` makes Compress skip.
        .insert_header(("Content-Encoding", "identity"))
        .streaming(body))
}
