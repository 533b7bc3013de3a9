//! Digests: the admin's "send what is due now", and each member's email frequency per group.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{blocking, read, write};
use crate::App;
use crate::error::invalid;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{GroupId, PostId};
use crate::signals::digests::{Period, RunReport, run_now};
use crate::signals::frequency::{self, EmailFrequency};
use crate::signals::seen::{self, How};

/// `{period}` of a run.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RunInput {
    /// `daily` or `weekly`.
    pub period: String,
}

#[utoipa::path(post, path = "/api/v1/admin/digests/run", tag = "digests", request_body = RunInput,
    responses((status = 200, body = RunReport), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
/// Sends the period's digests now, whatever the hour (admins only). Idempotent per user and
/// period: a second run in the same day (or ISO week) sends nothing.
pub async fn run_digests(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<RunInput>,
) -> Result<HttpResponse, ApiError> {
    let period =
        Period::parse(&body.period).ok_or_else(|| invalid("period", "choose daily or weekly"))?;
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let report =
        blocking(move || run_now(&app.db, &app.config, &app.signer, &viewer, period, &origin))
            .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The caller's email settings in one group.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MembershipSettings {
    /// `each_post`, `daily`, `weekly`, `never`, or `digest` (with the member's own digest).
    pub email_frequency: String,
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/membership", tag = "digests", params(("id" = String, Path)),
    responses((status = 200, body = MembershipSettings), (status = 404, body = Problem)))]
/// The caller's email frequency in a group they belong to (404 for non-members).
pub async fn show_membership(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let frequency = read(&app, &caller, move |conn, scope| {
        frequency::of_group(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipSettings {
        email_frequency: frequency.as_str().into(),
    }))
}

#[utoipa::path(put, path = "/api/v1/groups/{id}/membership", tag = "digests", params(("id" = String, Path)),
    request_body = MembershipSettings,
    responses((status = 200, body = MembershipSettings), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Sets how often the caller hears of a group's posts by email (404 for non-members).
pub async fn set_membership(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    body: web::Json<MembershipSettings>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let wanted = EmailFrequency::parse(&body.email_frequency)?;
    write(&app, &caller, move |conn, scope| {
        frequency::set_frequency(conn, scope, id, wanted)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipSettings {
        email_frequency: wanted.as_str().into(),
    }))
}

/// Records that the caller opened post `post_id` (already known readable), so digests leave
/// it out. A failure here must not cost the reader the page: it is logged, not returned.
pub(crate) async fn record_read(app: &web::Data<App>, caller: &Caller, post_id: PostId) {
    let Some(me) = caller.viewer.user_id() else {
        return;
    };
    let db = app.db.clone();
    let recorded =
        blocking(move || db.write_quietly(|conn| seen::record(conn, me, &[post_id], How::Read)))
            .await;
    if let Err(error) = recorded {
        tracing::warn!(%error, %post_id, "could not record a read post");
    }
}
