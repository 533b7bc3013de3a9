//! The people directory, profiles, and admin management of users.

use actix_web::{HttpResponse, web};

use super::{DirectoryQuery, Page, blocking, read};
use crate::App;
use crate::accounts::actions::{self, NewAccount, ProfileUpdate, Registration};
use crate::accounts::{UserView, access};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::UserId;

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
/// Creates an employee or admin account (admins only).
pub async fn create_user(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let user = blocking(move || {
        actions::register(
            &app.db,
            &app.config.auth,
            body.into_inner(),
            Registration::ByAdmin(&viewer),
            &origin,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::of(&user, &caller.viewer)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(DirectoryQuery),
    responses((status = 200, body = Page<UserView>), (status = 401, body = Problem)))]
/// The people directory, by name. A guest sees only people she shares a group with.
pub async fn list_users(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = query.limit()?;
    let (users, next_cursor) = read(&app, &caller, move |conn, scope| {
        access::directory(
            conn,
            scope,
            access::Lookup {
                q: query.q.as_deref(),
                department: None,
            },
            query.cursor.as_deref(),
            limit,
        )
    })
    .await?;
    let items = users
        .iter()
        .map(|u| UserView::of(u, &caller.viewer))
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
/// One profile.
pub async fn show_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = read(&app, &caller, move |conn, scope| {
        access::visible_user(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::of(&user, &caller.viewer)))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204, description = "deactivated; sessions and tokens revoked"), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "one's own account", body = Problem)))]
/// Deactivates a user (admins only): their sessions and tokens die at once; content stays.
pub async fn deactivate_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    blocking(move || {
        app.db
            .write(|conn| actions::deactivate_user(conn, &viewer, id, &origin))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body = ProfileUpdate,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
/// Changes a person's profile (admins only): name, title, department, bio, pronouns, location,
/// phone, time zone and manager, as a directory sync would. Her digest setting stays hers.
pub async fn update_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    body: web::Json<ProfileUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (id, viewer, origin) = (
        id.into_inner(),
        caller.viewer.clone(),
        caller.origin.clone(),
    );
    let user = blocking(move || {
        app.db
            .write(|conn| actions::update_profile_of(conn, &viewer, id, &body, &origin))
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::of(&user, &caller.viewer)))
}
