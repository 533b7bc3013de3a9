//! The fixed rules: which addresses are public, which names are this machine, which ports any
//! destination may use. Pure functions over already-parsed values; the allow-list is applied
//! on top of them in `policy`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Ports every public destination may use; any other port needs an allow-list entry.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

/// IPv4 networks never reached unless allow-listed, with why.
const REFUSED_V4: [([u8; 4], u8, &str); 15] = [
    ([0, 0, 0, 0], 8, "this network"),
    ([10, 0, 0, 0], 8, "private"),
    ([100, 64, 0, 0], 10, "carrier-grade NAT"),
    ([127, 0, 0, 0], 8, "loopback"),
    (
        [169, 254, 0, 0],
        16,
        "link-local, where cloud metadata lives",
    ),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 0, 0, 0], 24, "IETF protocol assignments"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([192, 88, 99, 0], 24, "6to4 relay anycast"),
    ([192, 168, 0, 0], 16, "private"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([240, 0, 0, 0], 4, "reserved, and broadcast"),
];

/// Parts of global unicast (2000::/3) that are not reachable hosts on the internet.
const REFUSED_V6: [([u16; 8], u8, &str); 3] = [
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments: Teredo, benchmarking, ORCHID",
    ),
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
];

/// Whether `ip` is an ordinary address on the internet, fit to connect to without asking.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let ip = IpAddr::V4(ip);
    !REFUSED_V4
        .iter()
        .any(|&(net, prefix, _)| in_net(ip, IpAddr::from(net), prefix))
}

/// IPv6 is judged by allowing rather than refusing: only global unicast (2000::/3) is public.
/// That alone refuses ::, ::1, the deprecated IPv4-compatible ::/96, unique-local fc00::/7
/// (AWS's fd00:ec2::254 among them), link-local fe80::/10, site-local fec0::/10, multicast
/// ff00::/8, discard 100::/64 and local-use NAT64 64:ff9b:1::/48. Forms that carry an IPv4
/// address to a fixed place are judged by that address instead.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let ip = IpAddr::V6(ip);
    in_net(
        ip,
        IpAddr::V6(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0)),
        3,
    ) && !REFUSED_V6
        .iter()
        .any(|&(net, prefix, _)| in_net(ip, IpAddr::from(net), prefix))
}

/// The IPv4 address an IPv6 address leads to: IPv4-mapped ::ffff:0:0/96, well-known NAT64
/// 64:ff9b::/96 and 6to4 2002::/16. Teredo (2001::/32) also embeds addresses but is refused
/// outright with the rest of 2001::/23.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let [a, b, c, d, e, f, ..] = ip.segments();
    let o = ip.octets();
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if [a, b, c, d, e, f] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else if a == 0x2002 {
        Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]))
    } else {
        None
    }
}

/// `ip` with every bit past the first `prefix` cleared.
pub fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// Whether `ip` lies in the network `net`/`prefix` (never across address families).
pub fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    ip.is_ipv4() == net.is_ipv4() && masked(ip, prefix) == masked(net, prefix)
}

/// A host name as we compare it: lower case, without the trailing dot of a rooted name.
pub fn normal_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// `localhost` and its subdomains, which resolvers answer locally whatever DNS says.
pub fn is_local_name(name: &str) -> bool {
    let name = normal_name(name);
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn ordinary_internet_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(public(ip), "{ip} should be public");
        }
    }

    #[test]
    fn special_addresses_are_not_public() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0:8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::808:808",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(!public(ip), "{ip} should not be public");
        }
    }

    #[test]
    fn networks_match_by_prefix_within_a_family() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_net(ip("10.1.2.3"), ip("10.1.0.0"), 16));
        assert!(!in_net(ip("10.2.0.0"), ip("10.1.0.0"), 16));
        assert!(in_net(ip("1.2.3.4"), ip("0.0.0.0"), 0));
        assert!(in_net(ip("fd12::1"), ip("fd12::"), 16));
        assert!(!in_net(ip("::ffff:10.1.2.3"), ip("10.1.0.0"), 16));
        assert_eq!(masked(ip("10.1.2.3"), 16), ip("10.1.0.0"));
        assert_eq!(masked(ip("fd12:3456::1"), 16), ip("fd12::"));
    }

    #[test]
    fn localhost_and_its_subdomains_are_local_in_any_case() {
        for name in [
            "localhost",
            "localhost.",
            "LocalHost",
            "foo.localhost",
            "a.b.localhost.",
        ] {
            assert!(is_local_name(name), "{name}");
        }
        for name in ["localhost.example.com", "notlocalhost", "example.com"] {
            assert!(!is_local_name(name), "{name}");
        }
    }
}
