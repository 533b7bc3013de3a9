//! Inviting guests into groups, and accepting invitations.

use actix_web::{HttpRequest, HttpResponse, web};

use super::accounts::SignedIn;
use super::{Page, blocking, read, write};
use crate::App;
use crate::accounts::{UserView, sessions};
use crate::guests::InvitationView;
use crate::guests::actions::{self, Acceptance, NewInvitation};
use crate::guests::lifecycle::{self, GuestRow};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{self, Caller};
use crate::ids::{GroupId, InvitationId, UserId};

#[utoipa::path(post, path = "/api/v1/groups/{id}/invitations", tag = "guests", params(("id" = String, Path)),
    request_body = NewInvitation,
    responses((status = 201, body = InvitationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Invites a guest by email into a group that allows guests (its owners and admins); the
/// email with a single-use link goes out through the mail outbox.
pub async fn invite(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    body: web::Json<NewInvitation>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app2 = app.clone();
    let origin = caller.origin.clone();
    let invitation = write(&app, &caller, move |conn, scope| {
        actions::invite(conn, scope, &app2.config, &app2.signer, id, &body, &origin)
    })
    .await?;
    Ok(HttpResponse::Created().json(InvitationView::of(&invitation)))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/invitations", tag = "guests", params(("id" = String, Path)),
    responses((status = 200, body = Page<InvitationView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// The group's pending invitations (its owners and admins).
pub async fn list_invitations(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let pending = read(&app, &caller, move |conn, scope| {
        actions::pending(conn, scope, id)
    })
    .await?;
    let items = pending.iter().map(InvitationView::of).collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/invitations/{id}/resend", tag = "guests", params(("id" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
/// Sends a pending (or expired) invitation again, valid for the full period from now.
pub async fn resend(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<InvitationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app2 = app.clone();
    let origin = caller.origin.clone();
    let invitation = write(&app, &caller, move |conn, scope| {
        actions::resend(conn, scope, &app2.config, &app2.signer, id, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(InvitationView::of(&invitation)))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "guests", params(("id" = String, Path)),
    responses((status = 204, description = "the link no longer works"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
/// Cancels a pending invitation.
pub async fn cancel(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<InvitationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::cancel(conn, scope, id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "guests", request_body = Acceptance, security(()),
    responses((status = 200, body = SignedIn), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
/// Accepts an invitation: creates the guest (or, for an existing guest, checks her password)
/// and adds her to the group; answers with a token for her.
pub async fn accept(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    let origin = extract::origin(&req);
    let signed_in = blocking(move || {
        let (user, _) = actions::accept(
            &app.db,
            &app.config,
            &app.signer,
            &app.limiter,
            &origin,
            body.into_inner(),
        )?;
        let (_, token) = app
            .db
            .write(|conn| sessions::create_api_token(conn, user.id, &origin))?;
        Ok(SignedIn {
            token,
            user: UserView::of(&user, &user.viewer()),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(signed_in))
}

#[utoipa::path(get, path = "/api/v1/admin/guests", tag = "guests",
    responses((status = 200, body = Page<GuestRow>), (status = 403, body = Problem)))]
/// Every guest with her sponsor, groups, expiry and last sign-in, soonest expiry first
/// (admins only).
pub async fn list_guests(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let items = read(&app, &caller, lifecycle::list).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// A guest's new expiry.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Extended {
    pub expires_at: chrono::NaiveDateTime,
}

#[utoipa::path(post, path = "/api/v1/admin/guests/{id}/extend", tag = "guests", params(("id" = String, Path)),
    responses((status = 200, body = Extended), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Extends a guest's access by the configured period from now (admins only).
pub async fn extend_guest(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app2 = app.clone();
    let origin = caller.origin.clone();
    let expires_at = write(&app, &caller, move |conn, scope| {
        lifecycle::extend(conn, &app2.config, scope, id, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Extended { expires_at }))
}

#[utoipa::path(post, path = "/api/v1/admin/guests/{id}/revoke", tag = "guests", params(("id" = String, Path)),
    responses((status = 204, description = "deactivated: every session and token ended"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Ends a guest's access now (admins only); what she wrote stays.
pub async fn revoke_guest(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        lifecycle::revoke(conn, scope, id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
