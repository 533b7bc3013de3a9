//! The provider's discovery document and signing keys, read on first use (Agora starts
//! even while the provider is down) and kept for an hour. A token signed with a key we do
//! not hold makes us read them again, since providers rotate keys, but not more than once a
//! second, so forged tokens cannot make us hammer the provider.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::IssuerUrl;
use openidconnect::ProviderMetadataWithLogout;

use super::outbound::Outbound;
use crate::error::{Error, ErrorCode, ErrorKind, Result};

/// How long discovered metadata and keys are trusted before they are read again.
const FRESH_FOR: Duration = Duration::from_secs(3600);
/// Shortest time between two reads forced by an unknown key.
const REREAD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

pub type Metadata = ProviderMetadataWithLogout;

/// The discovered provider, cached.
#[derive(Debug)]
pub struct Provider {
    issuer: IssuerUrl,
    cached: Mutex<Option<Discovered>>,
}

#[derive(Clone, Debug)]
struct Discovered {
    metadata: Arc<Metadata>,
    at: Instant,
}

impl Provider {
    pub fn new(issuer_url: &str) -> Result<Provider> {
        let issuer = IssuerUrl::new(issuer_url.to_string()).map_err(Error::internal)?;
        Ok(Provider {
            issuer,
            cached: Mutex::new(None),
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The metadata, read now if we hold none or it is stale.
    pub async fn metadata(&self, http: &Outbound) -> Result<Arc<Metadata>> {
        match self.cached() {
            Some(found) if found.at.elapsed() < FRESH_FOR => Ok(found.metadata),
            _ => self.discover(http).await,
        }
    }

    /// Reads the metadata and keys again, after a token named a key we did not know. Keys read
    /// moments ago may predate a rotation that just happened, so a reread that comes too soon
    /// waits out the interval rather than refuse the token; if another request read them
    /// meanwhile, that reading is the answer.
    pub async fn reread(&self, http: &Outbound) -> Result<Arc<Metadata>> {
        if let Some(found) = self.cached() {
            let since = found.at.elapsed();
            if since < REREAD_AT_MOST_EVERY {
                tokio::time::sleep(REREAD_AT_MOST_EVERY - since).await;
                if let Some(newer) = self.cached().filter(|newer| newer.at != found.at) {
                    return Ok(newer.metadata);
                }
            }
        }
        self.discover(http).await
    }

    fn cached(&self) -> Option<Discovered> {
        self.cached.lock().ok().and_then(|cached| cached.clone())
    }

    async fn discover(&self, http: &Outbound) -> Result<Arc<Metadata>> {
        let send = |request| http.send(request);
        let metadata = Metadata::discover_async(self.issuer.clone(), &send)
            .await
            .map_err(|error| {
                tracing::warn!(issuer = %self.issuer.as_str(), %error, "identity provider discovery failed");
                Error::new(
                    ErrorKind::Unavailable,
                    ErrorCode::Unavailable,
                    "the company's identity provider cannot be reached; try again in a minute",
                )
            })?;
        let metadata = Arc::new(metadata);
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(Discovered {
                metadata: metadata.clone(),
                at: Instant::now(),
            });
        }
        Ok(metadata)
    }
}
