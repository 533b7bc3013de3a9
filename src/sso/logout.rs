//! Logging out both ways. RP-initiated: signing out of Agora sends the browser on to the
//! provider's `end_session_endpoint`, so the provider's session ends too. Back-channel
//! (OpenID Connect Back-Channel Logout 1.0): the provider posts a logout token, and once it
//! is checked (signature, `iss`, `aud`, `iat`, the `events` claim, `sid` or `sub`, no
//! `nonce`, a `jti` never seen) every session it names ends at once, live streams included.

use base64::Engine;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{JsonWebKey, JsonWebKeyId, JwsSigningAlgorithm};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Sso;
use super::provider::Metadata;
use crate::accounts::sessions::{self, Origin};
use crate::db::DbConnection;
use crate::db::schema::{
    sessions as session_rows, sso_identities, sso_logout_tokens, sso_sessions,
};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::ids::UserId;

/// The event a logout token must carry.
const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Oldest logout token accepted, by its `iat`, and how long its `jti` is remembered.
const MAX_AGE: TimeDelta = TimeDelta::minutes(10);

/// A checked logout token: whom it logs out.
#[derive(Clone, Debug)]
pub struct LogoutOrder {
    pub jti: String,
    /// The provider's session; `None`: every session of `subject`.
    pub sid: Option<String>,
    pub subject: Option<String>,
    pub issued_at: NaiveDateTime,
}

fn bad(detail: impl Into<String>) -> Error {
    let detail = detail.into();
    tracing::warn!(%detail, "logout token refused");
    Error::new(ErrorKind::BadRequest, ErrorCode::SsoFailed, detail)
}

#[derive(Deserialize)]
struct Header {
    alg: CoreJwsSigningAlgorithm,
    kid: Option<String>,
}

impl Sso {
    /// Where to send the browser so the provider ends its session too, or `None` when the
    /// provider offers no `end_session_endpoint`.
    pub async fn end_session_url(&self, id_token: &str) -> Result<Option<String>> {
        let metadata = self.provider.metadata(&self.http).await?;
        let Some(endpoint) = &metadata.additional_metadata().end_session_endpoint else {
            return Ok(None);
        };
        let mut url = endpoint.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", &self.post_logout_uri)
            .append_pair("client_id", &self.client_id);
        Ok(Some(url.to_string()))
    }

    /// Checks a logout token the provider posted.
    pub async fn check_logout_token(&self, token: &str) -> Result<LogoutOrder> {
        let metadata = self.provider.metadata(&self.http).await?;
        match self.signed_claims(&metadata, token) {
            Ok(claims) => self.order_of(claims),
            Err(_) => {
                // Perhaps the provider rotated its keys.
                let fresh = self.provider.reread(&self.http).await?;
                self.order_of(self.signed_claims(&fresh, token)?)
            }
        }
    }

    /// The token's claims, once its signature verifies with one of the provider's keys.
    fn signed_claims(&self, metadata: &Metadata, token: &str) -> Result<Map<String, Value>> {
        let parts = token
            .rsplit_once('.')
            .and_then(|(message, signature)| Some((message, message.split_once('.')?, signature)));
        let Some((message, (header, payload), signature)) =
            parts.filter(|(_, (_, p), _)| !p.contains('.'))
        else {
            return Err(bad("a logout token is a signed JWT of three parts"));
        };
        let decode = |part: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| bad("the logout token is not base64url"))
        };
        let header: Header = serde_json::from_slice(&decode(header)?)
            .map_err(|_| bad("the logout token's header is not understood"))?;
        // Only the provider's own public keys sign: no `none`, no secret shared with us.
        if header.alg == CoreJwsSigningAlgorithm::None || header.alg.uses_shared_secret() {
            return Err(bad(
                "the logout token must be signed with the provider's key",
            ));
        }
        let kid = header.kid.map(JsonWebKeyId::new);
        let signature = decode(signature)?;
        let verified = metadata.jwks().keys().iter().any(|key| {
            (kid.is_none() || key.key_id() == kid.as_ref())
                && key
                    .verify_signature(&header.alg, message.as_bytes(), &signature)
                    .is_ok()
        });
        if !verified {
            return Err(bad("the logout token's signature does not verify"));
        }
        match serde_json::from_slice(&decode(payload)?) {
            Ok(Value::Object(claims)) => Ok(claims),
            _ => Err(bad("the logout token's claims are not a JSON object")),
        }
    }

    /// What a signed token orders, once its claims are the ones the specification requires.
    fn order_of(&self, claims: Map<String, Value>) -> Result<LogoutOrder> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        if text("iss").as_deref() != Some(self.issuer()) {
            return Err(bad("the logout token comes from another issuer"));
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => *aud == self.client_id,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(&self.client_id)),
            _ => false,
        };
        if !audience_ok {
            return Err(bad("the logout token is meant for another application"));
        }
        let now = Utc::now();
        let leeway = TimeDelta::from_std(self.leeway).unwrap_or_default();
        let issued_at = claims
            .get("iat")
            .and_then(Value::as_i64)
            .and_then(|iat| DateTime::from_timestamp(iat, 0))
            .ok_or_else(|| bad("the logout token has no iat"))?;
        if issued_at > now + leeway || issued_at < now - MAX_AGE - leeway {
            return Err(bad("the logout token is too old or from the future"));
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp + leeway.num_seconds() < now.timestamp()
        {
            return Err(bad("the logout token has expired"));
        }
        let event = claims
            .get("events")
            .and_then(Value::as_object)
            .and_then(|events| events.get(LOGOUT_EVENT));
        if !event.is_some_and(Value::is_object) {
            return Err(bad("the logout token lacks the back-channel logout event"));
        }
        if claims.contains_key("nonce") {
            return Err(bad("a logout token must not carry a nonce"));
        }
        let (sid, subject) = (text("sid"), text("sub"));
        if sid.is_none() && subject.is_none() {
            return Err(bad(
                "the logout token names neither a session nor a subject",
            ));
        }
        let jti = text("jti").ok_or_else(|| bad("the logout token has no jti"))?;
        Ok(LogoutOrder {
            jti,
            sid,
            subject,
            issued_at: issued_at.naive_utc(),
        })
    }
}

/// Carries out `order` from `issuer`: refuses a replayed token, then ends every session it
/// names. Returns how many ended.
pub fn carry_out(
    conn: &mut DbConnection,
    issuer: &str,
    order: &LogoutOrder,
    origin: &Origin,
) -> Result<usize> {
    let now = Utc::now().naive_utc();
    diesel::delete(sso_logout_tokens::table.filter(sso_logout_tokens::expires_at.lt(now)))
        .execute(conn)?;
    let seen = sso_logout_tokens::table
        .find(&order.jti)
        .count()
        .get_result::<i64>(conn)?;
    if seen > 0 {
        return Err(bad("this logout token was already used"));
    }
    diesel::insert_into(sso_logout_tokens::table)
        .values((
            sso_logout_tokens::jti.eq(&order.jti),
            sso_logout_tokens::expires_at.eq(order.issued_at + MAX_AGE * 2),
        ))
        .execute(conn)?;
    let person: Option<UserId> = match &order.subject {
        Some(subject) => sso_identities::table
            .find((issuer, subject))
            .select(sso_identities::user_id)
            .first(conn)
            .optional()?,
        None => None,
    };
    let mut ended = sso_sessions::table
        .inner_join(session_rows::table)
        .select(sso_sessions::session_id)
        .into_boxed();
    match (&order.sid, person) {
        (Some(sid), Some(user)) => {
            ended = ended
                .filter(sso_sessions::sid.eq(sid))
                .filter(session_rows::user_id.eq(user))
        }
        (Some(sid), None) if order.subject.is_none() => {
            ended = ended.filter(sso_sessions::sid.eq(sid))
        }
        (None, Some(user)) => ended = ended.filter(session_rows::user_id.eq(user)),
        // A subject we never linked: nobody to log out.
        _ => return Ok(0),
    }
    let ids: Vec<i64> = ended.load(conn)?;
    for id in &ids {
        // Ended by the provider, not by anyone in Agora.
        sessions::revoke_session(conn, *id, None, origin)?;
    }
    Ok(ids.len())
}
