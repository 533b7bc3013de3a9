//! Turning names into addresses, once, and keeping only the addresses the policy allows. The
//! HTTP client resolves through `Checked`, so the addresses it connects to are the ones that
//! were checked: there is no second lookup for DNS rebinding to answer differently.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::Refused;
use super::policy::Policy;
use super::rules;

/// Looks names up. The system's resolver in production; a fixed table in tests.
pub trait Resolver: Send + Sync {
    /// Every address of `host` (a name, never an address literal).
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver (`getaddrinfo`, on tokio's blocking pool).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A fixed table from names (lower case, no trailing dot) to addresses; unknown names do not
/// resolve. For tests.
#[derive(Clone, Debug, Default)]
pub struct StaticResolver(pub HashMap<String, Vec<IpAddr>>);

impl Resolver for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        let found = self.0.get(&rules::normal_name(host)).cloned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "unknown name"))
        })
    }
}

/// Resolves `name` and keeps the addresses the policy allows on `port`. None left is the
/// refusal of the first address (or `Unresolved` when there was none).
pub async fn resolve_checked(
    resolver: &dyn Resolver,
    policy: &Policy,
    name: &str,
    port: u16,
) -> Result<Vec<IpAddr>, Refused> {
    let unresolved = || Refused::Unresolved(rules::normal_name(name));
    let addrs = resolver.resolve(name).await.map_err(|_| unresolved())?;
    let mut refusal = None;
    let allowed: Vec<IpAddr> = addrs
        .into_iter()
        .filter(|&ip| match policy.check_address(Some(name), ip, port) {
            Ok(()) => true,
            Err(refused) => {
                refusal.get_or_insert(refused);
                false
            }
        })
        .collect();
    match allowed.is_empty() {
        true => Err(refusal.unwrap_or_else(unresolved)),
        false => Ok(allowed),
    }
}

/// The resolver the HTTP client is given. reqwest asks it for a name without saying the port,
/// so each port gets its own client and its own `Checked` that knows it.
pub struct Checked {
    pub resolver: Arc<dyn Resolver>,
    pub policy: Arc<Policy>,
    pub port: u16,
    /// The configured proxy's host name: administrator's config, so resolved unchecked. With a
    /// proxy this is the only name the client ever resolves.
    pub proxy_host: Option<String>,
}

impl reqwest::dns::Resolve for Checked {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (resolver, policy, port) = (self.resolver.clone(), self.policy.clone(), self.port);
        let name = name.as_str().to_string();
        let is_proxy = self.proxy_host.as_deref() == Some(rules::normal_name(&name).as_str());
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = match is_proxy {
                // Port 0: the client puts in the proxy's own port.
                true => Box::new(
                    resolver
                        .resolve(&name)
                        .await?
                        .into_iter()
                        .map(|ip| SocketAddr::new(ip, 0)),
                ),
                false => Box::new(
                    resolve_checked(resolver.as_ref(), &policy, &name, port)
                        .await?
                        .into_iter()
                        .map(move |ip| SocketAddr::new(ip, port)),
                ),
            };
            Ok(addrs)
        })
    }
}
