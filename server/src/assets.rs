//! The web client, embedded in the binary so the hall needs no internet.
//!
//! Static files are served under `/a/<hash>/…`, where the hash covers every
//! embedded file: an upgraded server busts browser caches, and unchanged
//! files can be cached forever. Pages are served from stable URLs (the
//! links people scan) with `{{ASSETS}}` replaced by that prefix.
//! `--web-dir` serves from disk instead, for development.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::PathBuf;

#[derive(RustEmbed)]
#[folder = "../web-client/app/"]
#[exclude = "*.d.ts"]
struct Embedded;

pub struct Assets {
    /// `/a/<hash>`: where pages find their scripts and styles.
    pub prefix: String,
    dir: Option<PathBuf>,
}

impl Assets {
    pub fn new(dir: Option<PathBuf>) -> Assets {
        let mut hasher = Sha256::new();
        let mut names: Vec<_> = Embedded::iter().collect();
        names.sort();
        for name in &names {
            hasher.update(name.as_bytes());
            if let Some(file) = Embedded::get(name) {
                hasher.update(file.metadata.sha256_hash());
            }
        }
        let hash = hasher.finalize();
        let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
        Assets {
            prefix: format!("/a/{short}"),
            dir,
        }
    }

    fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        if path.split('/').any(|part| part == ".." || part.is_empty()) {
            return None;
        }
        match &self.dir {
            Some(dir) => std::fs::read(dir.join(path)).ok().map(Cow::Owned),
            None => Embedded::get(path).map(|f| f.data),
        }
    }

    /// A versioned static file.
    pub fn file(&self, path: &str) -> Response {
        let Some(body) = self.read(path) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let mime = mime_type(path);
        let cache = if self.dir.is_some() {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            body.into_owned(),
        )
            .into_response()
    }

    /// A page, with the asset prefix filled in.
    pub fn page(&self, name: &str, headers: &HeaderMap) -> Response {
        let Some(body) = self.read(name) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let html = String::from_utf8_lossy(&body).replace("{{ASSETS}}", &self.prefix);
        let Ok(csp) = HeaderValue::from_str(&content_security_policy(headers)) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (header::CONTENT_SECURITY_POLICY, csp),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ),
            ],
            html,
        )
            .into_response()
    }
}

/// Everything comes from this server; nothing else may load, and scripts
/// may connect only back to it. `'self'` covers `ws:` of the same host in
/// CSP 3 only; older phone browsers need the WebSocket origin spelt out,
/// taken from the `Host` the page was loaded from.
fn content_security_policy(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        // A host and a port, nothing that could end the directive.
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let connect = match host {
        Some(host) => format!("'self' ws://{host} wss://{host}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; connect-src {connect}; img-src 'self' data:; style-src 'self'; \
         script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

fn mime_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}
