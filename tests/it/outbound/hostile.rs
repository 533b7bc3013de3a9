//! The hostile destinations: every one refused, directly or behind a redirect from an
//! allow-listed server, and a victim listening where they point never sees a connection.

use std::net::{IpAddr, Ipv4Addr};

use agora::outbound::{HTML_LIMIT, Outbound, OutboundSettings, Refused};

use super::server::{Reply, Seen, Server};
use super::{Rig, VICTIM, resolver, settings};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn addr(text: &str) -> Refused {
    Refused::Address(text.parse().unwrap())
}

fn name(text: &str) -> Refused {
    Refused::Name(text.into())
}

fn scheme(text: &str) -> Refused {
    Refused::Scheme(text.into())
}

/// URLs that must never be fetched, `<victim>` standing for `victim`, with the refusal each
/// must meet.
pub fn destinations(victim: u16) -> Vec<(&'static str, Refused)> {
    let mapped = addr("::ffff:127.0.0.1");
    vec![
        // 127.0.0.1 in every spelling a URL parser accepts.
        ("http://2130706433:<victim>/", Refused::Address(LOOPBACK)),
        ("http://0177.0.0.1:<victim>/", Refused::Address(LOOPBACK)),
        ("http://017700000001:<victim>/", Refused::Address(LOOPBACK)),
        ("http://0x7f000001:<victim>/", Refused::Address(LOOPBACK)),
        ("http://0x7f.1:<victim>/", Refused::Address(LOOPBACK)),
        ("http://127.1:<victim>/", Refused::Address(LOOPBACK)),
        ("http://127.0.0.1.:<victim>/", Refused::Address(LOOPBACK)),
        (
            "http://１２７.０.０.１:<victim>/",
            Refused::Address(LOOPBACK),
        ),
        (
            "http://１２７。０。０。１:<victim>/",
            Refused::Address(LOOPBACK),
        ),
        ("http://0:<victim>/", addr("0.0.0.0")),
        ("http://[::1]:<victim>/", addr("::1")),
        ("http://[::]:<victim>/", addr("::")),
        ("http://[::ffff:127.0.0.1]:<victim>/", mapped.clone()),
        ("http://[::ffff:7f00:1]:<victim>/", mapped.clone()),
        ("http://[0:0:0:0:0:ffff:127.0.0.1]:<victim>/", mapped),
        ("http://[::127.0.0.1]:<victim>/", addr("::7f00:1")),
        (
            "http://[64:ff9b::7f00:1]:<victim>/",
            addr("64:ff9b::7f00:1"),
        ),
        ("http://[2002:7f00:1::]:<victim>/", addr("2002:7f00:1::")),
        // Tricks that hide the real host from a careless reader.
        (
            "http://127.0.0.1:<victim>#@example.com/",
            Refused::Address(LOOPBACK),
        ),
        (
            "http://127.0.0.1:<victim>\\@example.com/",
            Refused::Address(LOOPBACK),
        ),
        ("http://example.com@127.0.0.1:<victim>/", Refused::UserInfo),
        (
            "http://example.com:80@127.0.0.1:<victim>/",
            Refused::UserInfo,
        ),
        // Names for this machine.
        ("http://localhost:<victim>/", name("localhost")),
        ("http://localhost.:<victim>/", name("localhost")),
        ("HTTP://LOCALHOST:<victim>/", name("localhost")),
        ("http://loc%61lhost:<victim>/", name("localhost")),
        ("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:<victim>/", name("localhost")),
        ("http://foo.localhost:<victim>/", name("foo.localhost")),
        ("http://foo.localhost.:<victim>/", name("foo.localhost")),
        // Names whose DNS answers point inside (see `resolver`).
        ("http://lоcalhost:<victim>/", Refused::Address(LOOPBACK)),
        ("http://loopback.test:<victim>/", Refused::Address(LOOPBACK)),
        ("http://v6-loopback.test:<victim>/", addr("::1")),
        ("http://mapped.test:<victim>/", addr("::ffff:127.0.0.1")),
        ("http://nat64.test:<victim>/", addr("64:ff9b::7f00:1")),
        ("http://zero.test:<victim>/", addr("0.0.0.0")),
        ("http://private.test/", addr("10.0.0.5")),
        (
            "http://private-and-loopback.test:<victim>/",
            addr("10.0.0.5"),
        ),
        (
            "http://metadata.test/computeMetadata/v1/",
            addr("169.254.169.254"),
        ),
        // Cloud metadata and other inside addresses.
        (
            "http://169.254.169.254/latest/meta-data/",
            addr("169.254.169.254"),
        ),
        (
            "http://[fd00:ec2::254]/latest/meta-data/",
            addr("fd00:ec2::254"),
        ),
        ("http://[fe80::1]/", addr("fe80::1")),
        ("http://[fec0::1]/", addr("fec0::1")),
        ("http://[fc00::1]/", addr("fc00::1")),
        ("http://[ff02::1]/", addr("ff02::1")),
        ("http://[2001::1]/", addr("2001::1")),
        ("http://[2001:db8::1]/", addr("2001:db8::1")),
        ("http://[64:ff9b:1::a00:1]/", addr("64:ff9b:1::a00:1")),
        ("http://10.0.0.1/", addr("10.0.0.1")),
        ("http://172.16.0.1/", addr("172.16.0.1")),
        ("http://192.168.1.1/", addr("192.168.1.1")),
        ("http://100.64.0.1/", addr("100.64.0.1")),
        ("http://192.0.0.170/", addr("192.0.0.170")),
        ("http://192.0.2.1/", addr("192.0.2.1")),
        ("http://198.18.0.1/", addr("198.18.0.1")),
        ("http://224.0.0.1/", addr("224.0.0.1")),
        ("http://240.0.0.1/", addr("240.0.0.1")),
        ("http://255.255.255.255/", addr("255.255.255.255")),
        // The same, on the default port, as they are usually written.
        ("http://2130706433/", Refused::Address(LOOPBACK)),
        ("http://0177.0.0.1/", Refused::Address(LOOPBACK)),
        ("http://0x7f000001/", Refused::Address(LOOPBACK)),
        ("http://127.1/", Refused::Address(LOOPBACK)),
        ("http://0/", addr("0.0.0.0")),
        ("http://[::1]/", addr("::1")),
        ("http://[::ffff:127.0.0.1]/", addr("::ffff:127.0.0.1")),
        ("http://localhost/", name("localhost")),
        ("http://127.0.0.1#@example.com/", Refused::Address(LOOPBACK)),
        ("https://127.0.0.1/", Refused::Address(LOOPBACK)),
        // Other schemes and ports.
        ("ftp://127.0.0.1:<victim>/", scheme("ftp")),
        ("gopher://127.0.0.1:<victim>/_INFO", scheme("gopher")),
        ("dict://127.0.0.1:<victim>/info", scheme("dict")),
        ("file:///etc/passwd", scheme("file")),
        ("http://public.test:22/", Refused::Port(22)),
        ("http://public.test:6379/", Refused::Port(6379)),
        ("http://93.184.215.14:25/", Refused::Port(25)),
        ("http://public.test:<victim>/", Refused::Port(victim)),
    ]
}

/// Where the allow-listed server redirects to, with the refusal each redirect must meet.
pub fn redirects() -> Vec<(&'static str, Refused)> {
    vec![
        ("http://127.0.0.1:<victim>/", Refused::Address(LOOPBACK)),
        ("http://2130706433:<victim>/", Refused::Address(LOOPBACK)),
        ("http://[::ffff:7f00:1]:<victim>/", addr("::ffff:127.0.0.1")),
        ("//127.0.0.1:<victim>/", Refused::Address(LOOPBACK)),
        ("http://loopback.test:<victim>/", Refused::Address(LOOPBACK)),
        ("http://localhost:<victim>/", name("localhost")),
        (
            "http://169.254.169.254/latest/meta-data/",
            addr("169.254.169.254"),
        ),
        ("http://private.test/", addr("10.0.0.5")),
        ("http://example.com@127.0.0.1:<victim>/", Refused::UserInfo),
        ("file:///etc/passwd", scheme("file")),
        ("gopher://127.0.0.1:<victim>/", scheme("gopher")),
        ("http://public.test:22/", Refused::Port(22)),
    ]
}

#[tokio::test]
async fn hostile_destinations_are_refused_and_the_victim_sees_no_connection() {
    let rig = Rig::start().await;
    let cases = destinations(rig.victim.port);
    assert!(cases.len() >= 30);
    for (template, expected) in cases {
        let url = template.replace(VICTIM, &rig.victim.port.to_string());
        assert_eq!(rig.get(&url).await, Err(expected), "{url}");
        assert_eq!(rig.victim.connections(), 0, "{url} reached the victim");
    }
    assert_eq!(rig.good.connections(), 0);
}

#[tokio::test]
async fn redirects_from_an_allowed_server_are_checked_like_new_urls() {
    let rig = Rig::start().await;
    for (i, (location, expected)) in redirects().into_iter().enumerate() {
        let result = rig.get(&rig.good(&format!("/redirect/{i}"))).await;
        assert_eq!(result, Err(expected), "redirect to {location}");
        assert_eq!(rig.victim.connections(), 0, "{location} reached the victim");
    }
    assert_eq!(rig.good.requests().len(), redirects().len());
}

#[tokio::test]
async fn a_name_with_a_refused_and_an_allowed_address_connects_only_to_the_allowed_one() {
    let answer = |who: &'static str| move |_: &Seen| Reply::ok("text/plain", who);
    let (victim, good) = Server::pair(answer("victim"), answer("good")).await;
    let names: &[(&str, &[&str])] = &[
        ("refused-first.test", &["127.0.0.2", "127.0.0.1"]),
        ("refused-last.test", &["127.0.0.1", "127.0.0.2"]),
    ];
    // 127.0.0.1 on this port stands for a public address; 127.0.0.2 stays loopback.
    let allow = [format!("127.0.0.1:{}", good.port)];
    let outbound = Outbound::with_resolver(&settings(&allow), resolver(names)).unwrap();
    for host in ["refused-first.test", "refused-last.test"] {
        let url = format!("http://{host}:{}/", good.port);
        let fetched = outbound.get(&url, "text/plain", HTML_LIMIT).await.unwrap();
        assert_eq!(&fetched.body[..], b"good");
    }
    assert_eq!(good.connections(), 2);
    assert_eq!(victim.connections(), 0);
}

#[tokio::test]
async fn through_a_proxy_targets_are_still_checked_and_refused_ones_never_reach_it() {
    let proxy = Server::start(|seen| Reply::ok("text/plain", &seen.target)).await;
    let outbound = Outbound::with_resolver(
        &OutboundSettings {
            // The proxy's own name resolves to loopback: it is configuration, not a target.
            proxy: Some(format!("http://proxy.test:{}", proxy.port)),
            ..settings(&[])
        },
        resolver(&[]),
    )
    .unwrap();
    let hostile = [
        (
            "http://private.test/",
            Refused::Address("10.0.0.5".parse().unwrap()),
        ),
        ("http://loopback.test/", Refused::Address(LOOPBACK)),
        ("http://127.0.0.1/", Refused::Address(LOOPBACK)),
        (
            "http://[::ffff:7f00:1]/",
            Refused::Address("::ffff:7f00:1".parse().unwrap()),
        ),
        ("http://localhost/", Refused::Name("localhost".into())),
        ("http://proxy.test/", Refused::Address(LOOPBACK)),
        ("http://public.test:6379/", Refused::Port(6379)),
        (
            "http://unknown.test/",
            Refused::Unresolved("unknown.test".into()),
        ),
    ];
    for (url, expected) in hostile {
        let result = outbound.get(url, "text/html", HTML_LIMIT).await;
        assert_eq!(result.map(|f| f.status), Err(expected), "{url}");
    }
    assert_eq!(proxy.connections(), 0);

    let fetched = outbound
        .get("http://public.test/page", "text/html", HTML_LIMIT)
        .await
        .unwrap();
    assert_eq!(&fetched.body[..], b"http://public.test/page");
    assert_eq!(proxy.connections(), 1);
}

#[test]
fn every_hostile_destination_is_listed_in_the_docs() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/links.md"));
    let docs = docs.unwrap();
    let listed = destinations(0).into_iter().chain(redirects());
    for (template, _) in listed {
        assert!(
            docs.contains(&format!("`{template}`")),
            "{template} is not in docs/links.md"
        );
    }
}
