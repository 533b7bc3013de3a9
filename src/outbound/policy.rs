//! The one decision: may we go to this URL, and to this address on this port? The fixed rules
//! with the allow-list laid over them. Asked once per URL (every redirect included) and once
//! per resolved address, by whoever resolves.

use std::net::IpAddr;

use url::{Host, Url};

use super::Refused;
use super::allow::AllowList;
use super::rules::{self, DEFAULT_PORTS};

/// Where a checked URL goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: TargetHost,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetHost {
    /// A name still to be resolved, normalised (lower case, no trailing dot).
    Name(String),
    /// An address literal, already checked: it never reaches a resolver.
    Addr(IpAddr),
}

impl Target {
    /// The key requests are counted under for the per-host limit.
    pub fn key(&self) -> String {
        match &self.host {
            TargetHost::Name(name) => name.clone(),
            TargetHost::Addr(ip) => ip.to_string(),
        }
    }
}

#[derive(Debug)]
pub struct Policy {
    allow: AllowList,
}

impl Policy {
    pub fn new(allow: AllowList) -> Policy {
        Policy { allow }
    }

    /// Every port a request may go to: the default ones and those the allow-list opens.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = DEFAULT_PORTS
            .into_iter()
            .chain(self.allow.ports())
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// Checks all a URL says by itself: scheme, user info, port, and the host once parsed
    /// (the WHATWG parser has already turned 2130706433, 0x7f.1 and fullwidth digits into
    /// 127.0.0.1, and Unicode names into punycode). An address host is checked in full here;
    /// a name is checked again per address once resolved.
    pub fn check_url(&self, url: &Url) -> Result<Target, Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme(url.scheme().to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::UserInfo);
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Refused::BadUrl("no port".into()))?;
        let host = match url.host() {
            None => return Err(Refused::BadUrl("no host".into())),
            Some(Host::Ipv4(ip)) => TargetHost::Addr(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => TargetHost::Addr(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => TargetHost::Name(rules::normal_name(name)),
        };
        match &host {
            TargetHost::Addr(ip) => self.check_address(None, *ip, port)?,
            TargetHost::Name(name) => self.check_name(name, port)?,
        }
        Ok(Target { host, port })
    }

    /// What can be said of a name before resolving it.
    fn check_name(&self, name: &str, port: u16) -> Result<(), Refused> {
        if rules::is_local_name(name) && !self.allow.lists_name(name) {
            return Err(Refused::Name(name.to_string()));
        }
        if !DEFAULT_PORTS.contains(&port) && !self.allow.may_open(name, port) {
            return Err(Refused::Port(port));
        }
        Ok(())
    }

    /// Whether `ip`, reached through `name` if it was resolved from one, may be connected to
    /// on `port`: when an allow-list entry covering it opens the port, or when it is public
    /// and the port a default one. Entries only ever add.
    pub fn check_address(&self, name: Option<&str>, ip: IpAddr, port: u16) -> Result<(), Refused> {
        let mut covered = false;
        for entry in self.allow.covering(name, ip) {
            if entry.opens(port) {
                return Ok(());
            }
            covered = true;
        }
        let public = rules::is_public(ip);
        if public && DEFAULT_PORTS.contains(&port) {
            Ok(())
        } else if public || covered {
            // The address may be reached, only not on this port.
            Err(Refused::Port(port))
        } else {
            Err(Refused::Address(ip))
        }
    }
}
