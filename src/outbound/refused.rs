//! Why a fetch did not happen or did not finish. Every variant but `Network` and `Timeout` is a
//! decision of ours, made before any byte went to the destination it names.

use std::net::IpAddr;

use super::MAX_REDIRECTS;

/// Why `Outbound` gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a URL, or a redirect to something that is not one.
    #[error("not a usable URL: {0}")]
    BadUrl(String),
    /// Anything but http and https.
    #[error("the scheme {0:?} is not allowed: only http and https are")]
    Scheme(String),
    /// `user:password@` in the URL: never needed for a public page, often a disguise.
    #[error("a URL with a user name or password is not allowed")]
    UserInfo,
    /// A port other than 80 and 443 that no allow-list entry opens.
    #[error("port {0} is not allowed")]
    Port(u16),
    /// An address that is not public and not allow-listed.
    #[error("the address {0} is not allowed")]
    Address(IpAddr),
    /// A name that is this machine whatever DNS says (`localhost`).
    #[error("the name {0:?} is not allowed")]
    Name(String),
    /// A name with no address.
    #[error("the name {0:?} does not resolve")]
    Unresolved(String),
    /// A request header the client sets itself or that cannot be sent.
    #[error("the header {0:?} cannot be sent")]
    Header(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    Redirects,
    /// The answer is larger than the caller's limit; it was not read further.
    #[error("the answer is larger than allowed")]
    TooLarge,
    /// No complete answer within the configured time, redirects included.
    #[error("no complete answer in time")]
    Timeout,
    /// Connecting, TLS, or the exchange failed.
    #[error("{0}")]
    Network(String),
}

impl Refused {
    /// The refusal a client error carries when our resolver refused, else a network error.
    pub(super) fn from_client(error: reqwest::Error) -> Refused {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        let mut causes = Vec::new();
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return refused.clone();
            }
            causes.push(cause.to_string());
            source = cause.source();
        }
        match error.is_timeout() {
            true => Refused::Timeout,
            false => Refused::Network(causes.join(": ")),
        }
    }
}
