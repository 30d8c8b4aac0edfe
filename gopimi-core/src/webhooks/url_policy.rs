//! Where webhooks may be sent: only `http` and `https` URLs, and never to loopback, link-local,
//! private, shared (CGNAT), multicast, documentation or otherwise reserved addresses, unless
//! the server allows them (`GOPIMI_WEBHOOK_ALLOW_PRIVATE`, for development).
//!
//! Two checks, because a host name can point anywhere and change between the two: the URL's
//! literal host when an endpoint is saved ([`UrlPolicy::check_url`], a `url` validation error),
//! and every resolved address at delivery time ([`UrlPolicy::allows_ip`]), which the transport
//! must apply to the addresses it actually connects to (so DNS rebinding cannot slip a private
//! address in after the check).

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// The longest URL accepted.
pub const URL_MAX: usize = 2048;

/// The address rule of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlPolicy {
    /// Allow loopback, private and link-local addresses (development only).
    pub allow_private: bool,
}

impl UrlPolicy {
    /// The policy of a server that allows private addresses or not.
    pub fn new(allow_private: bool) -> Self {
        UrlPolicy { allow_private }
    }

    /// Parses and checks an endpoint URL: scheme, host, and the host itself when it is an
    /// address literal or a local name. Errors are validation errors on `url`.
    pub fn check_url(&self, raw: &str) -> Result<Url> {
        let bad = |m: &str| Error::validation("url", m);
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(bad("is required"));
        }
        if raw.len() > URL_MAX {
            return Err(bad("is too long"));
        }
        let url = Url::parse(raw).map_err(|e| bad(&format!("is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must be an http or https URL"));
        }
        let refused = || bad("points to a private, loopback or reserved address");
        match url.host() {
            None => return Err(bad("has no host")),
            Some(Host::Ipv4(ip)) if !self.allows_ip(IpAddr::V4(ip)) => return Err(refused()),
            Some(Host::Ipv6(ip)) if !self.allows_ip(IpAddr::V6(ip)) => return Err(refused()),
            Some(Host::Domain(d)) if !self.allow_private && is_local_name(d) => {
                return Err(refused());
            }
            Some(_) => {}
        }
        Ok(url)
    }

    /// Whether a (resolved) address may receive webhooks.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public_ip(ip)
    }
}

/// Names that always mean this machine or the local network.
fn is_local_name(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost"
        || d.ends_with(".localhost")
        || d.ends_with(".local")
        || d.ends_with(".internal")
        || !d.contains('.')
}

/// Whether an address is globally reachable (not loopback, private, link-local, shared,
/// multicast, documentation, benchmarking or reserved).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) embeds an IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new(
            (s[6] >> 8) as u8,
            (s[6] & 0xff) as u8,
            (s[7] >> 8) as u8,
            (s[7] & 0xff) as u8,
        );
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible and other reserved ::/96
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        matches!(UrlPolicy::default().check_url(url), Err(Error::Validation { field, .. }) if field == "url")
    }

    #[test]
    fn private_and_odd_urls_are_refused() {
        for url in [
            "ftp://example.com/x",
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a00:1]/",
            "http://intranet/",
            "not a url",
            "",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
    }

    #[test]
    fn public_urls_pass_and_private_ones_when_allowed() {
        let p = UrlPolicy::default();
        for url in [
            "https://hooks.example.com/in",
            "http://93.184.216.34/x",
            "https://[2606:4700::1111]/",
        ] {
            assert!(p.check_url(url).is_ok(), "{url} should pass");
        }
        assert!(
            UrlPolicy::new(true)
                .check_url("http://127.0.0.1:9/")
                .is_ok()
        );
        assert!(!p.allows_ip("10.0.0.1".parse().expect("ip")));
        assert!(UrlPolicy::new(true).allows_ip("10.0.0.1".parse().expect("ip")));
    }
}
