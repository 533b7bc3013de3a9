//! Recommendations that say why: people to follow, groups to join and tags to follow, and
//! dismissing one.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{read, write};
use crate::App;
use crate::error::invalid;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::recommendations::{self, Kind, Limits, Recommendations};

/// `?limit=` of the recommendations.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RecommendationsQuery {
    /// Of each kind, 1–20, default 10.
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<usize>,
}

/// A recommendation to dismiss.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Dismissal {
    /// `person`, `group` or `tag`.
    #[schema(example = "person")]
    pub kind: String,
    /// The person's or group's id, or the tag's name.
    pub id: String,
}

#[utoipa::path(get, path = "/api/v1/recommendations", tag = "recommendations", params(RecommendationsQuery),
    responses((status = 200, body = Recommendations), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// People to follow, groups to join and tags to follow, best first, each with its `reason`.
/// Only what the caller may see; a guest is suggested nothing outside her groups.
pub async fn list_recommendations(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<RecommendationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query.limit {
        None => 10,
        Some(n) if (1..=20).contains(&n) => n,
        Some(_) => return Err(invalid("limit", "use a limit from 1 to 20").into()),
    };
    let trending = app.trending.clone();
    let found = read(&app, &caller, move |conn, scope| {
        recommendations::access::recommend(conn, scope, &trending, Limits::each(limit))
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(post, path = "/api/v1/recommendations/dismissals", tag = "recommendations", request_body = Dismissal,
    responses((status = 204, description = "never suggested again"), (status = 404, body = Problem),
              (status = 422, description = "an unknown kind", body = Problem)))]
/// Dismisses a recommendation: it is never suggested to the caller again. Repeating changes
/// nothing.
pub async fn dismiss_recommendation(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<Dismissal>,
) -> Result<HttpResponse, ApiError> {
    let Dismissal { kind, id } = body.into_inner();
    let kind = Kind::parse(&kind)?;
    write(&app, &caller, move |conn, scope| {
        recommendations::actions::dismiss_recommendation(conn, scope, kind, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
