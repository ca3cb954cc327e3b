//! Which web pages may open a WebSocket to us.
//!
//! A browser sends `Origin` with every WebSocket upgrade; without a check,
//! any page an attendee opens (or a page that learnt a moderator link)
//! could drive an event from their browser. We accept our own origin only:
//! the one in `--public-url`, those the operator lists (`--allow-origin`,
//! for a proxy in front), and the page's own host when it is an IP address
//! or `localhost`. A domain name in `Host` alone is not enough: with DNS
//! rebinding, an attacker's name resolves to our address, and its page's
//! origin and `Host` agree. Clients without `Origin` (not browsers) are not
//! driven by a page and pass.

use axum::http::{HeaderMap, header};
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct Origins {
    /// Normalised origins (`scheme://host[:port]`) always accepted.
    listed: Vec<String>,
    /// `--allow-origin '*'`: the check is off.
    any: bool,
}

impl Origins {
    pub fn new(public_url: &str, allowed: &[String]) -> Origins {
        let any = allowed.iter().any(|a| a.trim() == "*");
        let listed = std::iter::once(public_url)
            .chain(allowed.iter().map(String::as_str))
            .filter_map(normalise)
            .collect();
        Origins { listed, any }
    }

    /// Whether a WebSocket upgrade with these headers may go ahead.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        if self.any {
            return true;
        }
        // `null` (a sandboxed frame, a file) and anything unparsable: no.
        let Some(origin) = origin.to_str().ok().and_then(normalise) else {
            return false;
        };
        if self.listed.contains(&origin) {
            return true;
        }
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let Some((_, authority)) = origin.split_once("://") else {
            return false;
        };
        // Same host and port as the request, and not a name DNS can lie about.
        authority.eq_ignore_ascii_case(&strip_default_port(&origin, host))
            && is_literal_host(authority)
    }
}

/// `scheme://host[:port]` in lower case, without a default port or a path;
/// `None` for what is not an http(s) origin.
fn normalise(url: &str) -> Option<String> {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let full = format!("{scheme}://{authority}");
    Some(format!(
        "{scheme}://{}",
        strip_default_port(&full, authority)
    ))
}

/// `authority` without `:80` (for http) or `:443` (for https), which
/// browsers leave out of `Origin`.
fn strip_default_port(origin: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default = if origin.starts_with("https://") {
        ":443"
    } else {
        ":80"
    };
    authority
        .strip_suffix(default)
        .map(str::to_owned)
        .unwrap_or(authority)
}

/// An IP address or `localhost`, with or without a port.
fn is_literal_host(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        // [v6]:port
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn our_own_origin_only() {
        let o = Origins::new("http://192.168.1.20:8080", &[]);
        let host = "192.168.1.20:8080";
        assert!(o.allows(&headers(None, host)), "not a browser");
        assert!(o.allows(&headers(Some("http://192.168.1.20:8080"), host)));
        assert!(o.allows(&headers(Some("HTTP://192.168.1.20:8080/"), host)));
        assert!(!o.allows(&headers(Some("https://evil.example"), host)));
        assert!(!o.allows(&headers(Some("null"), host)));
        assert!(!o.allows(&headers(Some("http://192.168.1.20:9999"), host)));
        // The page's own address: localhost or another interface.
        assert!(o.allows(&headers(Some("http://localhost:8080"), "localhost:8080")));
        assert!(o.allows(&headers(Some("http://10.0.0.5:8080"), "10.0.0.5:8080")));
        assert!(o.allows(&headers(Some("http://[::1]:8080"), "[::1]:8080")));
        // DNS rebinding: the attacker's name, resolved to us.
        assert!(!o.allows(&headers(
            Some("http://evil.example:8080"),
            "evil.example:8080"
        )));
    }

    #[test]
    fn public_url_and_listed_origins() {
        let o = Origins::new(
            "https://hall.example.vn/",
            &["http://proxy.local:8000".to_owned()],
        );
        let host = "127.0.0.1:8080";
        assert!(o.allows(&headers(Some("https://hall.example.vn"), host)));
        assert!(o.allows(&headers(Some("https://hall.example.vn:443"), host)));
        assert!(o.allows(&headers(Some("http://proxy.local:8000"), host)));
        assert!(!o.allows(&headers(Some("http://hall.example.vn"), host)));
        let any = Origins::new("http://x", &["*".to_owned()]);
        assert!(any.allows(&headers(Some("https://anywhere.example"), host)));
    }
}
