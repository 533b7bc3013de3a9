//! The client itself: checks a URL, takes a place among the requests to its host, sends through
//! the checked resolver, follows redirects by hand (each one checked as a new URL) and reads
//! the answer up to the caller's limit, all within one deadline.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::allow::AllowList;
use super::policy::{Policy, Target, TargetHost};
use super::resolve::{Checked, Resolver, SystemResolver, resolve_checked};
use super::slots::Slots;
use super::{MAX_REDIRECTS, Refused, rules};

/// How the client behaves; the allow-list is parsed by `Outbound::new`.
#[derive(Clone, Debug)]
pub struct OutboundSettings {
    /// Destinations let past the rules: names, addresses or CIDR networks, each optionally
    /// with `:port` (see `allow`).
    pub allow: Vec<String>,
    /// A proxy every request goes through (`http://proxy.corp:3128`). Targets are still
    /// checked here first; the proxy then resolves names itself.
    pub proxy: Option<String>,
    /// The longest a whole fetch may take, redirects and reading the body included.
    pub timeout: Duration,
    /// Requests in flight to one host at most.
    pub per_host: usize,
    /// Sent with every request, so site owners can tell who calls and why.
    pub user_agent: String,
}

/// The one outbound HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    /// One client per port we may go to: see `Checked`.
    clients: HashMap<u16, reqwest::Client>,
    policy: Arc<Policy>,
    resolver: Arc<dyn Resolver>,
    proxied: bool,
    slots: Slots,
    timeout: Duration,
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// Where the answer came from, after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

/// A request as it goes out, before its URL is known to be good.
struct Outgoing {
    method: Method,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    max_bytes: usize,
    /// What to do with an answer longer than `max_bytes`.
    excess: Excess,
}

/// An answer longer than the caller's limit is refused, or read only up to the limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Excess {
    Refuse,
    Cut,
}

/// Headers the client owns: sending the caller's would confuse framing or routing.
const OWN_HEADERS: [&str; 9] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "proxy-authorization",
    "proxy-connection",
];

impl Outbound {
    /// A client that resolves names with the operating system.
    pub fn new(settings: &OutboundSettings) -> Result<Outbound, String> {
        Outbound::with_resolver(settings, Arc::new(SystemResolver))
    }

    /// A client that resolves names with `resolver`.
    pub fn with_resolver(
        settings: &OutboundSettings,
        resolver: Arc<dyn Resolver>,
    ) -> Result<Outbound, String> {
        if settings.per_host == 0 {
            return Err("outbound per_host must be at least 1".into());
        }
        if settings.timeout.is_zero() {
            return Err("outbound timeout must be longer than zero".into());
        }
        let policy = Arc::new(Policy::new(AllowList::parse(&settings.allow)?));
        let (proxy, proxy_host) = match &settings.proxy {
            Some(text) => {
                let bad = |e: &dyn fmt::Display| format!("outbound proxy {text:?}: {e}");
                let url = Url::parse(text).map_err(|e| bad(&e))?;
                let host = url.host_str().map(rules::normal_name);
                (Some(reqwest::Proxy::all(url).map_err(|e| bad(&e))?), host)
            }
            None => (None, None),
        };
        crate::init_tls();
        let mut clients = HashMap::new();
        for port in policy.ports() {
            let checked = Checked {
                resolver: resolver.clone(),
                policy: policy.clone(),
                port,
                proxy_host: proxy_host.clone(),
            };
            let builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .user_agent(settings.user_agent.as_str())
                .dns_resolver(checked);
            // Without a proxy of ours, none from the environment either.
            let builder = match &proxy {
                Some(proxy) => builder.proxy(proxy.clone()),
                None => builder.no_proxy(),
            };
            let client = builder
                .build()
                .map_err(|e| format!("cannot build the outbound client: {e}"))?;
            clients.insert(port, client);
        }
        let inner = Inner {
            clients,
            policy,
            resolver,
            proxied: proxy.is_some(),
            slots: Slots::new(settings.per_host),
            timeout: settings.timeout,
        };
        Ok(Outbound {
            inner: Arc::new(inner),
        })
    }

    /// GETs `url`, asking for `accept`, following up to three redirects; the body may be at
    /// most `max_bytes`. Any final status is an answer.
    pub async fn get(&self, url: &str, accept: &str, max_bytes: usize) -> Result<Fetched, Refused> {
        let mut headers = HeaderMap::new();
        let accept = HeaderValue::from_str(accept).map_err(|_| Refused::Header("accept".into()))?;
        headers.insert(header::ACCEPT, accept);
        let outgoing = Outgoing {
            method: Method::GET,
            headers,
            body: None,
            max_bytes,
            excess: Excess::Refuse,
        };
        self.fetch(url, outgoing).await
    }

    /// POSTs `body` with `headers` to `url`. A redirect is returned as the answer, not
    /// followed: a delivery goes where it was configured to, or nowhere. Of the answer's body
    /// at most `max_bytes` are read, the rest left unread: the caller wants its start.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        max_bytes: usize,
    ) -> Result<Fetched, Refused> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let refused = || Refused::Header(name.to_string());
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| refused())?;
            if OWN_HEADERS.contains(&name.as_str()) {
                return Err(refused());
            }
            map.append(name, HeaderValue::from_str(value).map_err(|_| refused())?);
        }
        let outgoing = Outgoing {
            method: Method::POST,
            headers: map,
            body: Some(body),
            max_bytes,
            excess: Excess::Cut,
        };
        self.fetch(url, outgoing).await
    }

    async fn fetch(&self, url: &str, outgoing: Outgoing) -> Result<Fetched, Refused> {
        let url = Url::parse(url).map_err(|e| Refused::BadUrl(e.to_string()))?;
        tokio::time::timeout(self.inner.timeout, self.follow(url, outgoing))
            .await
            .unwrap_or(Err(Refused::Timeout))
    }

    async fn follow(&self, mut url: Url, mut outgoing: Outgoing) -> Result<Fetched, Refused> {
        let mut redirects = 0;
        loop {
            let target = self.inner.policy.check_url(&url)?;
            let slot = self.inner.slots.take(&target.key()).await;
            let response = self.send(&url, &target, &mut outgoing).await?;
            if outgoing.method == Method::GET
                && let Some(next) = redirect_target(&url, &response)?
            {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(Refused::Redirects);
                }
                drop(slot);
                url = next;
                continue;
            }
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_body(response, outgoing.max_bytes, outgoing.excess).await?;
            return Ok(Fetched {
                url,
                status,
                content_type,
                body,
            });
        }
    }

    async fn send(
        &self,
        url: &Url,
        target: &Target,
        outgoing: &mut Outgoing,
    ) -> Result<reqwest::Response, Refused> {
        // Through a proxy the client never resolves the target; check it here instead. The
        // proxy resolves it again, which we cannot pin: that is the proxy's job to police.
        if self.inner.proxied
            && let TargetHost::Name(name) = &target.host
        {
            let resolver = self.inner.resolver.as_ref();
            resolve_checked(resolver, &self.inner.policy, name, target.port).await?;
        }
        let client = self
            .inner
            .clients
            .get(&target.port)
            .ok_or(Refused::Port(target.port))?;
        let mut request = client
            .request(outgoing.method.clone(), url.clone())
            .headers(outgoing.headers.clone())
            // We neither ask for nor decode compressed bodies, so none can inflate past the cap.
            .header(header::ACCEPT_ENCODING, "identity");
        if let Some(body) = outgoing.body.take() {
            request = request.body(body);
        }
        request.send().await.map_err(Refused::from_client)
    }
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("policy", &self.inner.policy)
            .field("proxied", &self.inner.proxied)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Where a redirect answer points, joined to the URL it came from; `None` for any other answer.
fn redirect_target(url: &Url, response: &reqwest::Response) -> Result<Option<Url>, Refused> {
    let redirect = [
        StatusCode::MOVED_PERMANENTLY,
        StatusCode::FOUND,
        StatusCode::SEE_OTHER,
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ];
    if !redirect.contains(&response.status()) {
        return Ok(None);
    }
    let Some(location) = response.headers().get(header::LOCATION) else {
        return Ok(None);
    };
    let location = location
        .to_str()
        .map_err(|_| Refused::BadUrl("a redirect to a Location that is not text".into()))?;
    url.join(location)
        .map(Some)
        .map_err(|e| Refused::BadUrl(format!("redirect to {location:?}: {e}")))
}

/// The body, read as it arrives and abandoned as soon as it passes `max_bytes`.
async fn read_body(
    mut response: reqwest::Response,
    max_bytes: usize,
    excess: Excess,
) -> Result<Bytes, Refused> {
    let declared = response.content_length().unwrap_or(0);
    if declared > max_bytes as u64 && excess == Excess::Refuse {
        return Err(Refused::TooLarge);
    }
    let mut body = BytesMut::with_capacity((declared as usize).min(max_bytes));
    while let Some(chunk) = response.chunk().await.map_err(Refused::from_client)? {
        if body.len() + chunk.len() > max_bytes {
            if excess == Excess::Refuse {
                return Err(Refused::TooLarge);
            }
            body.extend_from_slice(&chunk[..max_bytes - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
