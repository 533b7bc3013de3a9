//! Single sign-on's pages: the button's start, the provider's redirect back, and the
//! back-channel logout endpoint the provider posts to. The sign-in under way waits in a
//! signed cookie that lives ten minutes and is used once.

use std::sync::Arc;

use actix_web::cookie::time;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::auth::start_session_at;
use super::{cookie, see_other};
use crate::App;
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract;
use crate::sso::{self, PendingLogin, Sso, logout, people};

/// Cookie holding the sign-in under way.
const PENDING_COOKIE: &str = "agora_sso";
/// Minutes a person has to sign in at the provider.
const PENDING_MINUTES: i64 = 10;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sso/start", web::get().to(start))
        .route(sso::CALLBACK_PATH, web::get().to(callback))
        .route(sso::BACKCHANNEL_PATH, web::post().to(backchannel_logout));
}

#[derive(Deserialize, Serialize)]
struct PendingClaims {
    #[serde(flatten)]
    pending: PendingLogin,
    exp: i64,
}

/// The provider's answer on the redirect URI: a code, or an error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Callback {
    code: Option<String>,
    state: String,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LogoutForm {
    logout_token: String,
}

fn configured(app: &App) -> Result<Arc<Sso>, PageError> {
    app.sso
        .clone()
        .ok_or_else(|| Error::not_found("page").into())
}

async fn start(app: web::Data<App>) -> Result<HttpResponse, PageError> {
    let sso = configured(&app)?;
    let (url, pending) = sso.begin().await?;
    let exp = (chrono::Utc::now() + chrono::Duration::minutes(PENDING_MINUTES)).timestamp();
    let token = app.signer.sign(&PendingClaims { pending, exp })?;
    let mut response = see_other(&url);
    let lifetime = time::Duration::minutes(PENDING_MINUTES);
    let _ = response.add_cookie(&cookie(&app, PENDING_COOKIE, token, lifetime));
    Ok(response)
}

async fn callback(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<Callback>,
) -> Result<HttpResponse, PageError> {
    let sso = configured(&app)?;
    let origin = extract::origin(&req);
    let session = match signed_in(&app, &req, sso, query.into_inner(), origin.clone()).await {
        Ok(session) => session,
        Err(error) => {
            // Refused by the provider or by Agora: the sign-in wrote nothing, the log keeps why.
            let (db, reason) = (app.db.clone(), error.code);
            blocking(move || db.write(|conn| people::record_refusal(conn, &origin, reason)))
                .await?;
            return Err(error.into());
        }
    };
    let mut response = start_session_at(&app, &session, "/")?;
    let _ = response.add_removal_cookie(&cookie(
        &app,
        PENDING_COOKIE,
        String::new(),
        time::Duration::ZERO,
    ));
    Ok(response)
}

/// The session of the person the provider's `answer` signs in, or why not.
async fn signed_in(
    app: &web::Data<App>,
    req: &HttpRequest,
    sso: Arc<Sso>,
    answer: Callback,
    origin: crate::audit::Origin,
) -> Result<crate::accounts::sessions::Session, Error> {
    let failed =
        |detail: String| Error::new(ErrorKind::Unauthenticated, ErrorCode::SsoFailed, detail);
    if let Some(error) = answer.error {
        let said = answer.error_description.unwrap_or(error);
        return Err(failed(format!(
            "The company's identity provider did not sign you in: {said}."
        )));
    }
    let pending = req
        .cookie(PENDING_COOKIE)
        .and_then(|c| app.signer.verify::<PendingClaims>(c.value()))
        .ok_or_else(|| failed("This sign-in has expired or was started in another browser. Start again from the sign-in page.".into()))?;
    let code = answer
        .code
        .ok_or_else(|| failed("The identity provider's answer carries no code.".into()))?;
    let identity = sso.complete(pending.pending, &answer.state, code).await?;
    let claimed = sso.profile_of(&identity.claims);
    let state = app.clone();
    let (_, session) = blocking(move || {
        let days = state.config.auth.session_days;
        state
            .db
            .write(|conn| people::sign_in(conn, &sso, &identity, &claimed, days, &origin))
    })
    .await?;
    Ok(session)
}

/// OpenID Connect Back-Channel Logout 1.0: 200 once the sessions the token names have ended,
/// 400 with an OAuth error body when the token is refused.
async fn backchannel_logout(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> HttpResponse {
    let Some(sso) = app.sso.clone() else {
        return HttpResponse::NotFound().finish();
    };
    let result = async {
        let order = sso.check_logout_token(&form.logout_token).await?;
        let (db, origin) = (app.db.clone(), extract::origin(&req));
        blocking(move || db.write(|conn| logout::carry_out(conn, sso.issuer(), &order, &origin)))
            .await
    }
    .await;
    let mut response = match result {
        Ok(ended) => {
            tracing::info!(ended, "back-channel logout");
            HttpResponse::Ok().finish()
        }
        Err(error) if error.kind == ErrorKind::Unavailable => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "error": "temporarily_unavailable" })),
        Err(error) => HttpResponse::BadRequest().json(serde_json::json!({
            "error": "invalid_request",
            "error_description": error.detail,
        })),
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
