//! Outbound requests: hostile URLs, spelled every way we know, are refused before any byte
//! leaves, and a victim server listening where they point never sees a connection; redirects
//! are checked like the URLs they are; answers are cut at their size and time; the allow-list
//! is the only way in. No database: plain tokio tests over loopback.

mod hostile;
mod limits;
mod requests;
mod server;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use agora::outbound::{HTML_LIMIT, Outbound, OutboundSettings, Refused, StaticResolver};
use server::{Reply, Seen, Server};

const AGENT: &str = "Agora link preview (+https://agora.example/about/previews)";
/// Stands for the port of the victim server in the tables of `hostile` and in docs/links.md.
const VICTIM: &str = "<victim>";

/// The test's DNS: the names the tables use, and `extra`.
fn resolver(extra: &[(&str, &[&str])]) -> Arc<StaticResolver> {
    // A Cyrillic "о" in place of the Latin "o": the parser turns it into punycode.
    let homograph = url::Url::parse("http://lоcalhost/").unwrap();
    let homograph = homograph.host_str().unwrap().to_string();
    let known: &[(&str, &[&str])] = &[
        (&homograph, &["127.0.0.1"]),
        ("localhost", &["127.0.0.1", "::1"]),
        ("foo.localhost", &["127.0.0.1"]),
        ("good.test", &["127.0.0.1"]),
        ("proxy.test", &["127.0.0.1"]),
        ("loopback.test", &["127.0.0.1"]),
        ("v6-loopback.test", &["::1"]),
        ("mapped.test", &["::ffff:127.0.0.1"]),
        ("nat64.test", &["64:ff9b::7f00:1"]),
        ("zero.test", &["0.0.0.0"]),
        ("private.test", &["10.0.0.5"]),
        ("private-and-loopback.test", &["10.0.0.5", "127.0.0.1"]),
        ("metadata.test", &["169.254.169.254"]),
        ("public.test", &["93.184.215.14"]),
    ];
    let mut table: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for (host, addrs) in known.iter().chain(extra) {
        let addrs = addrs.iter().map(|a| a.parse().unwrap()).collect();
        table.insert(host.to_string(), addrs);
    }
    Arc::new(StaticResolver(table))
}

fn settings(allow: &[String]) -> OutboundSettings {
    OutboundSettings {
        allow: allow.to_vec(),
        proxy: None,
        timeout: Duration::from_secs(10),
        per_host: 4,
        user_agent: AGENT.into(),
    }
}

/// What a fetch gave, in a form tests compare whole.
#[derive(Debug, PartialEq)]
struct Got {
    url: String,
    status: u16,
    body: String,
}

async fn get(outbound: &Outbound, url: &str) -> Result<Got, Refused> {
    let fetched = outbound.get(url, "text/html", HTML_LIMIT).await?;
    Ok(Got {
        url: fetched.url.to_string(),
        status: fetched.status,
        body: String::from_utf8_lossy(&fetched.body).into_owned(),
    })
}

/// A victim, and an allow-listed server (`good.test:<port>`) that answers pages, redirects,
/// endless and silent bodies. The administrator has also opened an unrelated network on the
/// victim's port, so names on that port get as far as being resolved and checked.
struct Rig {
    victim: Server,
    good: Server,
    outbound: Outbound,
}

impl Rig {
    async fn start() -> Rig {
        Rig::start_with(|s| s).await
    }

    async fn start_with(adjust: impl FnOnce(OutboundSettings) -> OutboundSettings) -> Rig {
        let victim = Server::victim().await;
        let port = victim.port.to_string();
        let good = Server::start(move |seen| route(seen, &port)).await;
        let allow = [
            format!("good.test:{}", good.port),
            format!("10.20.0.0/16:{}", victim.port),
        ];
        let settings = adjust(settings(&allow));
        let outbound = Outbound::with_resolver(&settings, resolver(&[])).unwrap();
        Rig {
            victim,
            good,
            outbound,
        }
    }

    /// A URL on the allow-listed server.
    fn good(&self, path: &str) -> String {
        format!("http://good.test:{}{path}", self.good.port)
    }

    async fn get(&self, url: &str) -> Result<Got, Refused> {
        get(&self.outbound, url).await
    }
}

/// What the allow-listed server answers.
fn route(seen: &Seen, victim: &str) -> Reply {
    let path = seen.target.as_str();
    if let Some(i) = path.strip_prefix("/redirect/") {
        let i: usize = i.parse().unwrap();
        let (location, _) = &hostile::redirects()[i];
        let status = [301, 302, 303, 307, 308][i % 5];
        return Reply::redirect(status, &location.replace(VICTIM, victim));
    }
    if let Some(hops) = path.strip_prefix("/hops/") {
        // /hops/<total>/<n>: a relative redirect to n + 1 until n reaches total.
        let (total, n) = hops.split_once('/').unwrap();
        let (total, n): (u32, u32) = (total.parse().unwrap(), n.parse().unwrap());
        return match n < total {
            true => Reply::redirect(302, &(n + 1).to_string()),
            false => Reply::ok("text/plain", &format!("arrived after {n}")),
        };
    }
    match path {
        "/page" => Reply::ok("text/html; charset=utf-8", "<title>Hello</title>"),
        "/endless" => Reply::Endless,
        "/drip" => Reply::Drip,
        "/silent" => Reply::Silent,
        "/declared-huge" => Reply::Fixed {
            status: 200,
            headers: vec![("Content-Length".into(), (100u64 << 20).to_string())],
            body: Vec::new(),
            delay: Duration::ZERO,
        },
        "/slow" => Reply::Fixed {
            status: 200,
            headers: Vec::new(),
            body: b"slow".to_vec(),
            delay: Duration::from_millis(100),
        },
        "/hook" => Reply::ok("application/json", "{\"ok\":true}"),
        _ => Reply::ok("text/plain", "not found"),
    }
}
