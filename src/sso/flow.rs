//! The authorization code flow with PKCE, `state` and `nonce`: where to send the browser,
//! and what the provider's answer proves once the code is exchanged and the ID token checked
//! (signature against the provider's keys, issuer, audience, expiry, nonce).

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdTokenClaims, IdTokenFields, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Sso;
use super::provider::Metadata;
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::signing::constant_time_eq;

/// Every claim the provider sends beyond the standard ones, kept by name, since which claim
/// carries a title or a department is configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims(Map<String, Value>);
impl AdditionalClaims for OtherClaims {}

type TokenAnswer = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

/// A client of the provider, as discovery describes it.
type ProviderClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenAnswer,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in under way: the secrets that tie the provider's answer to this browser. The
/// HTTP layer keeps it in a signed, short-lived cookie.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// Who the provider says signed in.
#[derive(Clone, Debug)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// The provider's session, named again by its back-channel logout.
    pub sid: Option<String>,
    /// The ID token as received, the hint of a later RP-initiated logout.
    pub id_token: String,
    /// Every claim of the ID token, then those of userinfo that the token lacked.
    pub claims: Map<String, Value>,
}

/// Why the provider's answer was refused: said plainly on the page, logged in full.
fn refused(reason: &str, cause: impl std::fmt::Display) -> Error {
    tracing::warn!(%cause, reason, "single sign-on refused");
    Error::new(
        ErrorKind::Unauthenticated,
        ErrorCode::SsoFailed,
        format!(
            "Sign-in with the company's identity provider failed: {reason}. Try again; if it keeps failing, tell your administrator."
        ),
    )
}

impl Sso {
    fn client(&self, metadata: &Metadata) -> Result<ProviderClient> {
        let redirect = RedirectUrl::new(self.redirect_uri.clone()).map_err(Error::internal)?;
        Ok(ProviderClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.0.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser to sign in, and what to remember until it comes back.
    pub async fn begin(&self) -> Result<(String, PendingLogin)> {
        let metadata = self.provider.metadata(&self.http).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&metadata)?;
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.scopes.split_whitespace().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    /// Checks that `state` is the one this browser was sent with, exchanges `code` for tokens
    /// and checks the ID token against `pending`. Claims the token lacks are asked of the
    /// userinfo endpoint.
    pub async fn complete(
        &self,
        pending: PendingLogin,
        state: &str,
        code: String,
    ) -> Result<Identity> {
        if !constant_time_eq(&pending.state, state) {
            return Err(refused(
                "the answer does not belong to this sign-in",
                "state differs",
            ));
        }
        let metadata = self.provider.metadata(&self.http).await?;
        let client = self.client(&metadata)?;
        let send = |request| self.http.send(request);
        let answer = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| refused("the provider has no token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&send)
            .await
            .map_err(|e| refused("the provider did not accept the sign-in code", e))?;
        let id_token = answer
            .id_token()
            .ok_or_else(|| refused("the provider sent no ID token", "no id_token"))?;
        let nonce = Nonce::new(pending.nonce);
        let mut client = client;
        let mut verified = self.verified(&client, id_token, &nonce);
        if let Err(ClaimsVerificationError::SignatureVerification(_)) = verified {
            // Perhaps the provider rotated its keys: read them again, once.
            let fresh = self.provider.reread(&self.http).await?;
            client = self.client(&fresh)?;
            verified = self.verified(&client, id_token, &nonce);
        }
        let claims = verified.map_err(|e| refused(reason_of(&e), e))?;
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let mismatch = |e: &dyn std::fmt::Display| {
                refused(
                    "the access token does not match the ID token",
                    e.to_string(),
                )
            };
            let alg = id_token.signing_alg().map_err(|e| mismatch(&e))?;
            let key = id_token.signing_key(&verifier).map_err(|e| mismatch(&e))?;
            let actual = AccessTokenHash::from_token(answer.access_token(), alg, key)
                .map_err(|e| mismatch(&e))?;
            if actual != *expected {
                return Err(refused(
                    "the access token does not match the ID token",
                    "at_hash differs",
                ));
            }
        }
        let mut all = to_map(claims)?;
        let wanted = self.claim_names();
        if wanted.iter().any(|name| !all.contains_key(*name)) {
            self.add_userinfo(&client, answer.access_token().clone(), claims, &mut all)
                .await?;
        }
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            sid: all.get("sid").and_then(Value::as_str).map(str::to_string),
            id_token: id_token.to_string(),
            claims: all,
        })
    }

    fn verified<'t>(
        &self,
        client: &ProviderClient,
        id_token: &'t openidconnect::IdToken<
            OtherClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        >,
        nonce: &Nonce,
    ) -> Result<&'t IdTokenClaims<OtherClaims, CoreGenderClaim>, ClaimsVerificationError> {
        let leeway = self.leeway;
        let verifier = client
            .id_token_verifier()
            .set_time_fn(move || Utc::now() - leeway);
        id_token.claims(&verifier, nonce)
    }

    /// Adds the userinfo endpoint's claims that `all` lacks; its subject must be the token's.
    async fn add_userinfo(
        &self,
        client: &ProviderClient,
        access_token: openidconnect::AccessToken,
        claims: &IdTokenClaims<OtherClaims, CoreGenderClaim>,
        all: &mut Map<String, Value>,
    ) -> Result<()> {
        let request = match client.user_info(access_token, Some(claims.subject().clone())) {
            Ok(request) => request,
            // No userinfo endpoint: the token's claims are all there is.
            Err(_) => return Ok(()),
        };
        let send = |request| self.http.send(request);
        let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = request
            .request_async(&send)
            .await
            .map_err(|e| refused("the provider's userinfo answer was refused", e))?;
        for (name, value) in to_map(&info)? {
            all.entry(name).or_insert(value);
        }
        Ok(())
    }
}

/// The claims as one JSON object, standard and other alike, by their claim names.
fn to_map(claims: &impl Serialize) -> Result<Map<String, Value>> {
    match serde_json::to_value(claims).map_err(Error::internal)? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::internal("claims are not an object")),
    }
}

/// The part of a refused ID token a person can act on.
fn reason_of(error: &ClaimsVerificationError) -> &'static str {
    match error {
        ClaimsVerificationError::Expired(_) => "the provider's answer has expired",
        ClaimsVerificationError::InvalidAudience(_) => {
            "the provider's answer was meant for another application"
        }
        ClaimsVerificationError::InvalidIssuer(_) => {
            "the answer did not come from the configured provider"
        }
        ClaimsVerificationError::InvalidNonce(_) => "the answer does not belong to this sign-in",
        ClaimsVerificationError::SignatureVerification(_) => {
            "the provider's answer has no valid signature"
        }
        _ => "the provider's answer could not be verified",
    }
}
