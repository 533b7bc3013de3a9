//! First-run setup, sign-in with personal access tokens, and the caller's own profile.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::blocking;
use crate::App;
use crate::accounts::actions::{self, Credential, Issued, NewAccount, ProfileUpdate, Registration};
use crate::accounts::{UserView, email_links, sessions};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{self, Caller};

/// The first admin's account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetupBody {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// A token and the user it belongs to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// A personal access token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: UserView,
}

/// Email and password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/setup", tag = "accounts", request_body = SetupBody, security(()),
    responses((status = 201, body = SignedIn), (status = 409, description = "a user already exists", body = Problem),
              (status = 422, body = Problem)))]
/// Creates the first admin; refused once any user exists.
pub async fn setup(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<SetupBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let origin = extract::origin(&req);
    let signed_in = blocking(move || {
        let account = NewAccount {
            email: body.email,
            name: body.name,
            password: body.password,
            kind: crate::accounts::UserKind::Admin,
        };
        let user = actions::register(
            &app.db,
            &app.config.auth,
            account,
            Registration::FirstAdmin,
            &origin,
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
    Ok(HttpResponse::Created().json(signed_in))
}

#[utoipa::path(post, path = "/api/v1/auth/token", tag = "accounts", request_body = Credentials, security(()),
    responses((status = 200, body = SignedIn), (status = 401, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)))]
/// Signs in and issues a personal access token. Unknown email and wrong password look alike.
///
/// While single sign-on is on and employees' passwords are switched off, an employee's
/// correct password gets 403 `password_sign_in_off`.
pub async fn create_token(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let origin = extract::origin(&req);
    let body = body.into_inner();
    let signed_in = blocking(move || {
        let (user, issued) = actions::sign_in(
            &app.db,
            &app.limiter,
            &app.config,
            &body.email,
            &body.password,
            &origin,
            Credential::Token,
        )?;
        let Issued::Token(token) = issued else {
            return Err(crate::error::Error::internal("expected a token"));
        };
        Ok(SignedIn {
            token,
            user: UserView::of(&user, &user.viewer()),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(signed_in))
}

/// An address to email a sign-in link to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub email: String,
}

/// The answer to every request for a sign-in link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkRequested {
    pub detail: String,
}

/// The token of an emailed sign-in link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/link", tag = "accounts", request_body = LinkRequest, security(()),
    responses((status = 202, body = LinkRequested), (status = 429, body = Problem)))]
/// Emails a one-time sign-in link (guests; employees unless `auth.email_links_for_employees`
/// is off). The answer is the same whether or not the address is known or may use links.
pub async fn request_link(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = extract::client_ip(&req);
    let email = body.into_inner().email;
    blocking(move || {
        let public_url = app.config.public_url();
        let auth = &app.config.auth;
        email_links::request(&app.db, &app.link_limiter, auth, &public_url, &email, &ip)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(LinkRequested {
        detail: "if this address may sign in by link, a link is on its way".into(),
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/link/redeem", tag = "accounts", request_body = LinkToken, security(()),
    responses((status = 200, body = SignedIn), (status = 401, description = "used, expired or unknown", body = Problem)))]
/// Uses an emailed sign-in link's token (once) for a personal access token.
pub async fn redeem_link(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<LinkToken>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let origin = extract::origin(&req);
    let signed_in = blocking(move || {
        app.db.write(|conn| {
            let user = email_links::redeem(conn, &app.config.auth, &token, &origin)?;
            let (_, token) = sessions::create_api_token(conn, user.id, &origin)?;
            Ok(SignedIn {
                token,
                user: UserView::of(&user, &user.viewer()),
            })
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(signed_in))
}

#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "accounts",
    responses((status = 204, description = "the credential used is revoked"), (status = 401, body = Problem)))]
/// Revokes the credential used for this request (the token, or the browser session).
pub async fn revoke_token(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let me = caller.viewer.require_user()?.id;
    blocking(move || {
        let origin = &caller.origin;
        app.db.write(|conn| match &caller.credential {
            extract::Credential::Token(id) => {
                sessions::revoke_api_token(conn, *id, Some(me), origin)
            }
            extract::Credential::Session(session) => {
                sessions::revoke_session(conn, session.id, Some(me), origin)
            }
            extract::Credential::None => Ok(()),
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
/// The caller's own profile.
pub async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    let user = caller.user()?;
    Ok(HttpResponse::Ok().json(UserView::of(user, &caller.viewer)))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = ProfileUpdate,
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Changes the caller's profile: name, title, department, bio, pronouns, location, phone, time
/// zone, manager, or digest frequency.
pub async fn update_me(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<ProfileUpdate>,
) -> Result<HttpResponse, ApiError> {
    let viewer = caller.viewer.clone();
    let user = blocking(move || {
        app.db
            .write(|conn| actions::update_profile(conn, &viewer, &body))
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::of(&user, &caller.viewer)))
}
