//! Resolving the caller of a request: a Bearer token or the session cookie, once per request.
//! Unsafe API requests made with the cookie must carry the session's CSRF token (`csrf`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};

use super::error::for_path;
use crate::App;
use crate::access::Viewer;
use crate::access::remembered::AccessStamp;
use crate::accounts::User;
use crate::accounts::sessions::{self, Origin, Session, seen_long_ago};
use crate::error::{Error, ErrorCode, Result};

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "agora_session";
/// Header that carries the CSRF token on unsafe requests made with the cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Claims of the session cookie's JWT.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The session row id.
    pub sid: String,
    pub exp: i64,
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    None,
    Token(i64),
    Session(Session),
}

/// The caller of a request, resolved once.
#[derive(Clone, Debug)]
pub struct Caller {
    pub viewer: Viewer,
    pub user: Option<User>,
    /// Under which the viewer's scope may be remembered: only for requests that change
    /// nothing (GET, HEAD). A request that does reads its stamps again after its change
    /// (`http::api::read`), so that it reads what it changed. `None` when not signed in.
    pub stamp: Option<AccessStamp>,
    pub credential: Credential,
    /// Where the request came from, for the audit log and credentials issued to it.
    pub origin: Origin,
}

impl Caller {
    /// The signed-in user, or 401.
    pub fn user(&self) -> Result<&User> {
        self.user.as_ref().ok_or_else(Error::unauthenticated)
    }

    /// The id of the session or token of this request.
    pub fn credential_id(&self) -> Option<i64> {
        match &self.credential {
            Credential::Token(id) => Some(*id),
            Credential::Session(session) => Some(session.id),
            Credential::None => None,
        }
    }

    /// The session's CSRF token, for pages to embed.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session(session) => Some(&session.csrf_token),
            _ => None,
        }
    }

    /// Checks a CSRF token sent in a form field.
    pub fn verify_csrf(&self, sent: &str) -> Result<()> {
        match self.csrf_token() {
            Some(expected) if constant_time_eq(expected, sent) => Ok(()),
            _ => Err(csrf_failed()),
        }
    }

    async fn resolve(req: &HttpRequest) -> Result<Caller> {
        let app = req
            .app_data::<web::Data<App>>()
            .ok_or_else(|| Error::internal("app state missing"))?;
        let bearer = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let ip = client_ip(req);
        if let Some(token) = bearer {
            let db = app.db.clone();
            let found = web::block(move || {
                let found = db.read(|conn| sessions::resolve_api_token(conn, &token))?;
                if let Some((token, _)) = found
                    .as_ref()
                    .filter(|(t, _)| seen_long_ago(t.last_seen_at))
                {
                    db.write(|conn| sessions::token_seen(conn, token.id, &ip))?;
                }
                Ok::<_, Error>(found)
            })
            .await
            .map_err(Error::internal)??;
            // A bad token is an error, not anonymity: the client meant to sign in.
            let (token, resolved) = found.ok_or_else(|| {
                Error::new(
                    crate::error::ErrorKind::Unauthenticated,
                    crate::error::ErrorCode::BadToken,
                    "the token is unknown or revoked",
                )
            })?;
            check_grant(req, &token)?;
            return Ok(Caller {
                viewer: resolved.viewer,
                user: Some(resolved.user),
                stamp: remembers(req).then_some(resolved.stamp),
                credential: Credential::Token(token.id),
                origin: origin(req),
            });
        }
        let claims = req
            .cookie(SESSION_COOKIE)
            .and_then(|cookie| app.signer.verify::<SessionClaims>(cookie.value()))
            .and_then(|claims| claims.sid.parse::<i64>().ok());
        let Some(session_id) = claims else {
            return Ok(Caller {
                viewer: Viewer::Anonymous,
                user: None,
                stamp: None,
                credential: Credential::None,
                origin: origin(req),
            });
        };
        let db = app.db.clone();
        let found = web::block(move || {
            let found = db.read(|conn| sessions::resolve_session(conn, session_id))?;
            if let Some((session, _)) = found
                .as_ref()
                .filter(|(s, _)| seen_long_ago(s.last_seen_at))
            {
                db.write(|conn| sessions::session_seen(conn, session.id, &ip))?;
            }
            Ok::<_, Error>(found)
        })
        .await
        .map_err(Error::internal)??;
        let Some((session, resolved)) = found else {
            return Ok(Caller {
                viewer: Viewer::Anonymous,
                user: None,
                stamp: None,
                credential: Credential::None,
                origin: origin(req),
            });
        };
        Ok(Caller {
            viewer: resolved.viewer,
            user: Some(resolved.user),
            stamp: remembers(req).then_some(resolved.stamp),
            credential: Credential::Session(session),
            origin: origin(req),
        })
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(cached) = req.extensions().get::<Caller>() {
                return Ok(cached.clone());
            }
            let caller = Caller::resolve(&req)
                .await
                .map_err(|error| for_path(&req, error))?;
            req.extensions_mut().insert(caller.clone());
            Ok(caller)
        })
    }
}

/// Whether `req` may read through remembered scopes: one that may change something must see
/// its own change, which its credential's stamps, read before it, do not cover.
fn remembers(req: &HttpRequest) -> bool {
    use actix_web::http::Method;
    matches!(*req.method(), Method::GET | Method::HEAD)
}

/// Where a request comes from, for credentials issued to it and the audit log.
pub fn origin(req: &HttpRequest) -> Origin {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    Origin {
        user_agent: user_agent.chars().take(300).collect(),
        ip: client_ip(req),
    }
}

/// The address the request came from: the TCP peer, or, when the peer is one of
/// `http.trusted_proxies`, the nearest address in `X-Forwarded-For` that is not one of them
/// (addresses further left were written by the client, who may write anything). Rate limits
/// and the audit log count by it.
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_string();
    };
    let trusted = req
        .app_data::<web::Data<App>>()
        .map(|app| app.config.http.trusted_proxies.as_slice())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    forwarded
        .iter()
        .rev()
        .map(|a| a.parse::<std::net::IpAddr>())
        .find(|a| !a.as_ref().is_ok_and(|a| trusted.contains(a)))
        .and_then(Result::ok)
        .unwrap_or(peer)
        .to_string()
}

/// Refuses a request its token may not make: a write with a read-only token, a read with a
/// write-only one (403 `token_read_only`, `token_write_only`).
fn check_grant(req: &HttpRequest, token: &sessions::ApiToken) -> Result<()> {
    use actix_web::http::Method;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe && !token.can_read {
        return Err(Error::forbidden(
            ErrorCode::TokenWriteOnly,
            "this token may only write; use a token that may read",
        ));
    }
    if !safe && !token.can_write {
        return Err(Error::forbidden(
            ErrorCode::TokenReadOnly,
            "this token may only read; use a token that may write",
        ));
    }
    Ok(())
}

fn csrf_failed() -> Error {
    Error::forbidden(
        ErrorCode::CsrfFailed,
        "the request is missing its CSRF token; reload the page and try again",
    )
}

pub use crate::signing::constant_time_eq;
