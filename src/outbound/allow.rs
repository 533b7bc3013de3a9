//! The administrator's allow-list: the only way past the fixed rules. Each entry is a host
//! name, an IP address or a CIDR network, optionally with a port:
//!
//! | entry | lets through |
//! |---|---|
//! | `wiki.corp.example` | that name (exact, any case, trailing dot ignored), whatever it resolves to, on 80 and 443 |
//! | `wiki.corp.example:8443` | the same, on 8443 only |
//! | `10.1.2.3`, `fd12::1`, `[fd12::1]` | that address, on 80 and 443 |
//! | `10.1.2.3:8080`, `[fd12::1]:8443` | that address, on that port only |
//! | `10.1.0.0/16`, `fd12::/16` | every address in the network, on 80 and 443 |
//! | `10.1.0.0/16:8443`, `[fd12::/16]:8443` | the same, on that port only |
//!
//! An IPv6 address or network takes brackets when it has a port, as in URLs; the port always
//! comes last. Names have no wildcards.

use std::net::IpAddr;

use super::rules::{self, DEFAULT_PORTS};

/// The parsed allow-list.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    entries: Vec<Entry>,
}

/// One entry: what it names and the port it opens (none: the default ports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    host: Allowed,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Allowed {
    Name(String),
    /// A single address is a network of its full length.
    Net {
        net: IpAddr,
        prefix: u8,
    },
}

impl AllowList {
    /// Parses every entry; the first bad one is the error, quoted and explained.
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        let entries = entries
            .iter()
            .map(|raw| Entry::parse(raw).map_err(|why| format!("allow-list entry {raw:?}: {why}")))
            .collect::<Result<_, _>>()?;
        Ok(AllowList { entries })
    }

    /// Whether `name` itself is listed (on any port).
    pub fn lists_name(&self, name: &str) -> bool {
        let name = rules::normal_name(name);
        self.entries
            .iter()
            .any(|e| matches!(&e.host, Allowed::Name(n) if *n == name))
    }

    /// Whether some entry could open `port` to the host `name`: a name entry for it, or any
    /// network entry, since the name may resolve into it.
    pub fn may_open(&self, name: &str, port: u16) -> bool {
        let name = rules::normal_name(name);
        self.entries.iter().any(|e| {
            e.port == Some(port)
                && match &e.host {
                    Allowed::Name(n) => *n == name,
                    Allowed::Net { .. } => true,
                }
        })
    }

    /// The entries that cover the address `ip`, reached through `name` when it was resolved
    /// from one.
    pub fn covering(&self, name: Option<&str>, ip: IpAddr) -> impl Iterator<Item = &Entry> {
        let name = name.map(rules::normal_name);
        // ::ffff:10.1.2.3 is 10.1.2.3 on the wire, so it is listed by 10.1.0.0/16.
        let ip = ip.to_canonical();
        self.entries.iter().filter(move |e| match &e.host {
            Allowed::Name(n) => name.as_deref() == Some(n.as_str()),
            Allowed::Net { net, prefix } => rules::in_net(ip, *net, *prefix),
        })
    }

    /// Every port some entry opens beyond the default ones.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.entries.iter().filter_map(|e| e.port)
    }
}

impl Entry {
    /// Whether this entry opens `port`.
    pub fn opens(&self, port: u16) -> bool {
        match self.port {
            Some(p) => p == port,
            None => DEFAULT_PORTS.contains(&port),
        }
    }

    fn parse(raw: &str) -> Result<Entry, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("is empty".into());
        }
        if text.contains("://") {
            return Err("is a URL: give the host alone".into());
        }
        let (host, port, bracketed) = split_port(text)?;
        let port = port.map(parse_port).transpose()?;
        let host = match host.split_once('/') {
            Some((net, prefix)) => parse_net(net, prefix)?,
            None => match host.parse::<IpAddr>() {
                Ok(ip) => Allowed::Net {
                    net: ip,
                    prefix: full_length(ip),
                },
                Err(_) if bracketed => return Err("brackets hold an IPv6 address".into()),
                Err(_) => parse_name(host)?,
            },
        };
        if bracketed
            && !matches!(
                host,
                Allowed::Net {
                    net: IpAddr::V6(_),
                    ..
                }
            )
        {
            return Err("brackets hold an IPv6 address".into());
        }
        Ok(Entry { host, port })
    }
}

/// Splits `host[:port]`, where an IPv6 host with a port is bracketed; a bare IPv6 address has
/// no port, since its last group could read as one.
fn split_port(text: &str) -> Result<(&str, Option<&str>, bool), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or("has '[' without ']'")?;
        return match after {
            "" => Ok((inside, None, true)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((inside, Some(port), true)),
                None => Err("expects ':port' after ']'".into()),
            },
        };
    }
    match text.matches(':').count() {
        0 => Ok((text, None, false)),
        1 => {
            let (host, port) = text.split_once(':').unwrap_or((text, ""));
            Ok((host, Some(port), false))
        }
        _ => Ok((text, None, false)),
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("port {text:?} is not a number from 1 to 65535")),
    }
}

fn parse_net(net: &str, prefix: &str) -> Result<Allowed, String> {
    let net: IpAddr = net
        .parse()
        .map_err(|_| format!("{net:?} before '/' is not an IP address"))?;
    let prefix = prefix
        .parse::<u8>()
        .ok()
        .filter(|&p| p <= full_length(net))
        .ok_or_else(|| {
            let most = full_length(net);
            format!("prefix {prefix:?} is not a length from 0 to {most}")
        })?;
    let start = rules::masked(net, prefix);
    if start != net {
        // 10.1.2.3/16 is most likely a typo; silently widening or narrowing it would be worse.
        return Err(format!(
            "has bits set past /{prefix}: did you mean {start}/{prefix}?"
        ));
    }
    Ok(Allowed::Net { net, prefix })
}

fn parse_name(name: &str) -> Result<Allowed, String> {
    if name.contains('*') {
        return Err("names have no wildcards: list each name".into());
    }
    match url::Host::parse(name) {
        Ok(url::Host::Domain(domain)) => {
            let domain = rules::normal_name(&domain);
            match domain.is_empty() {
                true => Err("is not a host name".into()),
                false => Ok(Allowed::Name(domain)),
            }
        }
        // Odd spellings such as 0x7f.1 are addresses, as they are in URLs.
        Ok(url::Host::Ipv4(ip)) => Ok(Allowed::Net {
            net: IpAddr::V4(ip),
            prefix: 32,
        }),
        Ok(url::Host::Ipv6(ip)) => Ok(Allowed::Net {
            net: IpAddr::V6(ip),
            prefix: 128,
        }),
        Err(e) => Err(format!("is not a host name, IP address or network ({e})")),
    }
}

fn full_length(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(raw: &str) -> Result<Entry, String> {
        AllowList::parse(&[raw.to_string()]).map(|list| list.entries[0].clone())
    }

    fn net(ip: &str, prefix: u8, port: Option<u16>) -> Entry {
        Entry {
            host: Allowed::Net {
                net: ip.parse().unwrap(),
                prefix,
            },
            port,
        }
    }

    fn name(name: &str, port: Option<u16>) -> Entry {
        Entry {
            host: Allowed::Name(name.into()),
            port,
        }
    }

    #[test]
    fn every_documented_form_parses() {
        let cases = [
            ("wiki.corp.example", name("wiki.corp.example", None)),
            ("Wiki.Corp.Example.", name("wiki.corp.example", None)),
            (
                "wiki.corp.example:8443",
                name("wiki.corp.example", Some(8443)),
            ),
            ("10.1.2.3", net("10.1.2.3", 32, None)),
            ("10.1.2.3:8080", net("10.1.2.3", 32, Some(8080))),
            ("fd12::1", net("fd12::1", 128, None)),
            ("[fd12::1]", net("fd12::1", 128, None)),
            ("[fd12::1]:8443", net("fd12::1", 128, Some(8443))),
            ("10.1.0.0/16", net("10.1.0.0", 16, None)),
            ("10.1.0.0/16:8443", net("10.1.0.0", 16, Some(8443))),
            ("fd12::/16", net("fd12::", 16, None)),
            ("[fd12::/16]:8443", net("fd12::", 16, Some(8443))),
            (" 127.0.0.1:9000 ", net("127.0.0.1", 32, Some(9000))),
        ];
        for (raw, expected) in cases {
            assert_eq!(entry(raw), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let cases = [
            ("", "is empty"),
            ("*.corp.example", "wildcards"),
            ("wiki.corp.example:0", "from 1 to 65535"),
            ("wiki.corp.example:http", "from 1 to 65535"),
            ("10.1.2.3:70000", "from 1 to 65535"),
            ("10.1.2.3/16", "did you mean 10.1.0.0/16?"),
            ("10.1.0.0/33", "from 0 to 32"),
            ("fd12::/129", "from 0 to 128"),
            ("wiki/16", "not an IP address"),
            ("[fd12::1", "without ']'"),
            ("[fd12::1]8443", "':port'"),
            ("[10.1.2.3]:80", "brackets hold an IPv6"),
            ("[wiki.corp.example]", "brackets hold an IPv6"),
            ("http://wiki.corp.example", "give the host alone"),
            ("wiki corp", "is not a host name"),
        ];
        for (raw, expected) in cases {
            let error = entry(raw).unwrap_err();
            assert!(error.contains(expected), "{raw}: {error}");
            assert!(error.starts_with("allow-list entry"), "{error}");
        }
    }

    #[test]
    fn entries_cover_names_and_networks_on_their_ports() {
        let list =
            AllowList::parse(&["wiki.corp.example".into(), "10.1.0.0/16:8443".into()]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let covering = |name, addr| list.covering(name, ip(addr)).collect::<Vec<_>>();
        assert_eq!(covering(Some("WIKI.corp.example."), "10.9.9.9").len(), 1);
        assert_eq!(covering(None, "10.9.9.9").len(), 0);
        assert_eq!(covering(None, "10.1.200.1").len(), 1);
        assert_eq!(covering(None, "::ffff:10.1.200.1").len(), 1);
        assert!(covering(None, "10.1.200.1")[0].opens(8443));
        assert!(!covering(None, "10.1.200.1")[0].opens(443));
        assert!(covering(Some("wiki.corp.example"), "10.9.9.9")[0].opens(443));
        assert!(list.lists_name("wiki.corp.example."));
        assert!(list.may_open("anything.example", 8443));
        assert!(!list.may_open("wiki.corp.example", 8080));
    }
}
