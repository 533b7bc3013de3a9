//! What goes out and what the allow-list lets through: our headers, a POST as a webhook sends
//! it, and each form of allow-list entry opening exactly what it says.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use agora::outbound::{HTML_LIMIT, Outbound, OutboundSettings, Refused};

use super::server::{Reply, Server};
use super::{AGENT, Rig, get, resolver, settings};

#[tokio::test]
async fn requests_say_who_we_are_and_ask_for_no_compression() {
    let rig = Rig::start().await;
    let url = rig.good("/page");
    let fetched = rig
        .outbound
        .get(&url, "text/html", HTML_LIMIT)
        .await
        .unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.url.as_str(), url);
    let content_type = fetched.content_type.as_deref();
    assert_eq!(content_type, Some("text/html; charset=utf-8"));
    assert_eq!(&fetched.body[..], b"<title>Hello</title>");

    let seen = &rig.good.requests()[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.header("user-agent"), Some(AGENT));
    assert_eq!(seen.header("accept"), Some("text/html"));
    assert_eq!(seen.header("accept-encoding"), Some("identity"));
    assert_eq!(seen.header("referer"), None);
}

#[tokio::test]
async fn a_post_carries_its_headers_and_body_and_follows_no_redirect() {
    let rig = Rig::start().await;
    let headers = [
        ("Content-Type", "application/json".to_string()),
        ("X-Agora-Signature", "sha256=abc".to_string()),
    ];
    let body = b"{\"event\":\"post.created\"}".to_vec();
    let url = rig.good("/hook");
    let fetched = rig.outbound.post(&url, &headers, body.clone(), 1024).await;
    assert_eq!(&fetched.unwrap().body[..], b"{\"ok\":true}");
    let seen = &rig.good.requests()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.body, body);
    assert_eq!(seen.header("x-agora-signature"), Some("sha256=abc"));
    assert_eq!(seen.header("user-agent"), Some(AGENT));

    // The first redirect of the table points at the victim, with a 301.
    let redirect = rig.good("/redirect/0");
    let redirected = rig.outbound.post(&redirect, &[], Vec::new(), 1024).await;
    assert_eq!(redirected.unwrap().status, 301);
    assert_eq!(rig.victim.connections(), 0);

    for own in ["Host", "Content-Length", "Transfer-Encoding", "Connection"] {
        let header = [(own, "x".to_string())];
        let result = rig.outbound.post(&url, &header, Vec::new(), 1024).await;
        assert_eq!(result.map(|f| f.status), Err(Refused::Header(own.into())));
    }
    let metadata = "http://169.254.169.254/latest/meta-data/";
    let refused = rig.outbound.post(metadata, &[], Vec::new(), 1024).await;
    let expected = Refused::Address("169.254.169.254".parse().unwrap());
    assert_eq!(refused.map(|f| f.status), Err(expected));
}

/// What a GET to `url` gave when a server listens on `ip` and the allow-list holds `entry`
/// (`{port}` standing for the server's port in both), with that port and the connections the
/// server saw.
async fn fetch_allowed(ip: &str, entry: &str, url: &str) -> (Result<String, Refused>, u16, usize) {
    let ip: IpAddr = ip.parse().unwrap();
    let server = Server::start_on(ip, |_| Reply::ok("text/plain", "inside")).await;
    let port = server.port.to_string();
    let allow = [entry.replace("{port}", &port)];
    let outbound = Outbound::with_resolver(&settings(&allow), resolver(&[])).unwrap();
    let got = get(&outbound, &url.replace("{port}", &port)).await;
    (got.map(|g| g.body), server.port, server.connections())
}

#[tokio::test]
async fn each_form_of_allow_list_entry_opens_what_it_names() {
    let cases = [
        ("127.0.0.1", "127.0.0.1:{port}", "http://127.0.0.1:{port}/"),
        ("127.0.0.1", "127.0.0.1:{port}", "http://2130706433:{port}/"),
        ("127.0.0.1", "good.test:{port}", "http://good.test:{port}/"),
        (
            "127.0.0.1",
            "GOOD.test.:{port}",
            "http://Good.Test.:{port}/",
        ),
        (
            "127.0.0.1",
            "127.0.0.0/8:{port}",
            "http://127.0.0.1:{port}/",
        ),
        (
            "127.0.0.1",
            "127.0.0.0/8:{port}",
            "http://loopback.test:{port}/",
        ),
        ("::1", "[::1]:{port}", "http://[::1]:{port}/"),
        ("::1", "[::/127]:{port}", "http://v6-loopback.test:{port}/"),
    ];
    for (ip, entry, url) in cases {
        let (got, _, connections) = fetch_allowed(ip, entry, url).await;
        assert_eq!(got, Ok("inside".to_string()), "{entry} for {url}");
        assert_eq!(connections, 1);
    }
}

/// The refusal expected, given the server's port.
type Expected = fn(u16) -> Refused;

#[tokio::test]
async fn an_entry_opens_nothing_beyond_what_it_names() {
    let loopback = |_| Refused::Address(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let cases: [(&str, &str, Expected); 5] = [
        // Another name resolving to the same place.
        (
            "good.test:{port}",
            "http://loopback.test:{port}/",
            Refused::Port,
        ),
        // The name's address written out.
        ("good.test:{port}", "http://127.0.0.1:{port}/", loopback),
        // A neighbouring network.
        ("127.0.0.2/31:{port}", "http://127.0.0.1:{port}/", loopback),
        // The entry's address on a default port.
        ("127.0.0.1:{port}", "http://127.0.0.1/", |_| {
            Refused::Port(80)
        }),
        // ::1 is another host than 127.0.0.1.
        ("127.0.0.1:{port}", "http://[::1]:{port}/", |_| {
            Refused::Address(IpAddr::V6(Ipv6Addr::LOCALHOST))
        }),
    ];
    for (entry, url, expected) in cases {
        let (got, port, connections) = fetch_allowed("127.0.0.1", entry, url).await;
        assert_eq!(got, Err(expected(port)), "{entry} for {url}");
        assert_eq!(connections, 0);
    }
}

#[test]
fn bad_settings_are_refused_with_a_reason() {
    let cases = [
        ("*.corp.example", "wildcards"),
        ("10.1.2.3/16", "did you mean 10.1.0.0/16?"),
        ("[10.1.2.3]:80", "brackets hold an IPv6 address"),
        ("wiki.corp.example:99999", "from 1 to 65535"),
        ("https://wiki.corp.example/", "give the host alone"),
        ("", "is empty"),
    ];
    for (entry, reason) in cases {
        let error = Outbound::new(&settings(&[entry.to_string()])).unwrap_err();
        assert!(
            error.contains(reason) && error.contains("allow-list entry"),
            "{entry}: {error}"
        );
    }
    let bad = [
        OutboundSettings {
            per_host: 0,
            ..settings(&[])
        },
        OutboundSettings {
            timeout: Duration::ZERO,
            ..settings(&[])
        },
        OutboundSettings {
            proxy: Some("not a url".into()),
            ..settings(&[])
        },
    ];
    for settings in bad {
        assert!(Outbound::new(&settings).is_err(), "{settings:?}");
    }
}
