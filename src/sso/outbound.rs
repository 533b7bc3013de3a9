//! The HTTP client single sign-on talks to the provider with. It follows no redirect (a
//! token endpoint that redirects is an attack, not a convenience), gives up after a few
//! seconds, and reads at most a bounded answer.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

use crate::error::{Error, Result};

/// Longest answer read from the provider: discovery documents and key sets are small.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// Longest wait for one exchange with the provider.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why an exchange with the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Malformed(#[from] openidconnect::http::Error),
}

/// A client for the provider's endpoints.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
}

impl Outbound {
    pub fn new() -> Result<Outbound> {
        crate::init_tls();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT / 2)
            .user_agent(concat!("Agora/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::internal)?;
        Ok(Outbound { client })
    }

    /// Sends `request` and reads its answer, as the `openidconnect` crate asks of a client.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, OutboundError> {
        let (parts, body) = request.into_parts();
        let mut response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let mut answer = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(OutboundError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(answer.body(body)?)
    }
}
