//! The HTTP upgrade path. In process: `ws::upgrade` on requests with
//! mutated headers answers 405, 400 or 426 (426 here because no connection
//! stands behind the request) and never panics. Over a real socket: hyper's
//! parser, our upgrade and the accept key on raw request bytes; whatever
//! arrives, the answer is an HTTP response or a close, a 101 carries the
//! right `Sec-WebSocket-Accept`, and the server goes on serving.

use crate::fuzz;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hoidap_server::ws::upgrade;
use proptest::prelude::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

const NAMES: &[&str] = &[
    "connection",
    "upgrade",
    "sec-websocket-version",
    "sec-websocket-key",
    "host",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
    "content-length",
    "transfer-encoding",
    "x-junk",
];

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::sample::select(vec![
            "Upgrade",
            "upgrade",
            "keep-alive, Upgrade",
            "Upgrade,",
            ",,upgrade ,",
            "UPGRADE",
            "websocket",
            "WebSocket",
            "websocket, h2c",
            "13",
            " 13",
            "8",
            "13, 8",
            "",
            "dGhlIHNhbXBsZSBub25jZQ==",
            "x",
            "0",
            "-1",
            "chunked",
        ])
        .prop_map(|v| v.as_bytes().to_vec()),
        // Header values may hold any byte but CR, LF and NUL (obs-text too).
        proptest::collection::vec(
            any::<u8>().prop_filter("a header value byte", |b| {
                *b == b'\t' || (*b >= 0x20 && *b != 0x7f)
            }),
            0..40
        ),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(usize, Vec<u8>)>> {
    proptest::collection::vec((0..NAMES.len(), value()), 0..8)
}

fn method() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec![
        "GET", "GET", "GET", "POST", "HEAD", "OPTIONS", "CONNECT",
    ])
}

#[test]
fn upgrade_requests_get_a_clear_status() {
    let valid = [
        (0usize, b"Upgrade".to_vec()),
        (1, b"websocket".to_vec()),
        (2, b"13".to_vec()),
        (3, b"dGhlIHNhbXBsZSBub25jZQ==".to_vec()),
    ];
    // A valid request with some headers removed, replaced or added.
    let near = (
        proptest::collection::vec(any::<bool>(), 4),
        headers(),
        method(),
    )
        .prop_map(move |(keep, extra, method)| {
            let mut hs: Vec<_> = valid
                .iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(h, _)| h.clone())
                .collect();
            hs.extend(extra);
            (method, hs)
        });
    fuzz("upgrade: headers in process", near, |(method, hs)| {
        let mut req = Request::builder().method(method).uri("/ws");
        for (name, v) in &hs {
            req = req.header(NAMES[*name], v.as_slice());
        }
        let req = req.body(Body::empty()).expect("valid header bytes");
        let status = upgrade(req, |_| async {}).status();
        let allowed = [
            StatusCode::METHOD_NOT_ALLOWED,
            StatusCode::BAD_REQUEST,
            StatusCode::UPGRADE_REQUIRED,
            StatusCode::FORBIDDEN,
        ];
        prop_assert!(allowed.contains(&status), "{status}");
        if method != "GET" {
            prop_assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        }
        Ok(())
    });
}

/// Raw request bytes: a valid upgrade, its lines dropped, repeated,
/// rewritten or cut, or plain noise.
fn raw_request() -> impl Strategy<Value = (Vec<u8>, Option<String>)> {
    let key = proptest::collection::vec(any::<u8>(), 16)
        .prop_map(|k| k.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let line = prop_oneof![
        proptest::sample::select(vec![
            "Connection: Upgrade",
            "Upgrade: websocket",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Version: 99",
            "Host: x",
            "Content-Length: 5",
            "Content-Length: -1",
            "Content-Length: 18446744073709551616",
            "Transfer-Encoding: chunked",
            " folded",
            "No-Colon",
            ": empty-name",
            "X: \u{7f}\u{80}\u{ff}",
        ])
        .prop_map(String::from),
        "[ -~]{0,60}",
        "X-Long: a{1000,20000}",
    ];
    let first = proptest::sample::select(vec![
        "GET /ws HTTP/1.1",
        "GET /ws HTTP/1.1",
        "GET /ws HTTP/1.1",
        "GET /ws HTTP/1.0",
        "GET /ws?x=1 HTTP/1.1",
        "GET ws HTTP/1.1",
        "GET /ws HTTP/2.0",
        "GET /ws",
        "POST /ws HTTP/1.1",
        "get /ws HTTP/1.1",
        "GET  /ws  HTTP/1.1",
        "\u{0}GET /ws HTTP/1.1",
    ]);
    let noise = proptest::collection::vec(any::<u8>(), 0..300);
    prop_oneof![
        4 => (
            (first, key, proptest::collection::vec(line, 0..4)),
            proptest::collection::vec(proptest::bool::weighted(0.9), 4),
            any::<u16>(),
            proptest::bool::weighted(0.3),
        )
            .prop_map(|((first, key, extra), keep, cut, cut_it)| {
                let valid = [
                    "Host: 127.0.0.1".to_owned(),
                    "Connection: Upgrade".to_owned(),
                    "Upgrade: websocket".to_owned(),
                    "Sec-WebSocket-Version: 13".to_owned(),
                ];
                let mut text = format!("{first}\r\n");
                let lines = valid.iter().zip(&keep).filter(|(_, k)| **k).map(|(l, _)| l);
                for l in lines.chain(&extra) {
                    text.push_str(l);
                    text.push_str("\r\n");
                }
                let keyed = keep[0] || keep[1];
                if keyed {
                    text.push_str(&format!("Sec-WebSocket-Key: {key}\r\n"));
                }
                text.push_str("\r\n");
                let mut bytes = text.into_bytes();
                if cut_it {
                    bytes.truncate(bytes.len() * usize::from(cut) / usize::from(u16::MAX));
                }
                (bytes, keyed.then_some(key))
            }),
        1 => noise.prop_map(|n| (n, None)),
    ]
}

#[test]
fn raw_upgrade_requests_never_break_the_server() {
    let (rt, hall) = crate::hall();
    let addr = hall.server.addr;
    let before = crate::panics();
    let upgraded = std::sync::atomic::AtomicU64::new(0);
    fuzz(
        "upgrade: raw requests over a socket",
        raw_request(),
        |(bytes, key)| {
            let answer = rt.block_on(async {
                let mut stream = tokio::net::TcpStream::connect(addr)
                    .await
                    .expect("connects");
                // A write error means the server already answered and closed.
                let _ = stream.write_all(&bytes).await;
                // Half-close: a cut request ends instead of waiting for more.
                let _ = stream.shutdown().await;
                let mut answer = Vec::new();
                let read = stream.read_to_end(&mut answer);
                let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
                answer
            });
            let head = String::from_utf8_lossy(&answer);
            prop_assert!(answer.is_empty() || head.starts_with("HTTP/1."), "{head}");
            prop_assert_eq!(crate::panics(), before, "the server panicked");
            if head.starts_with("HTTP/1.1 101") {
                upgraded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let key = key.expect("only keyed requests upgrade");
                let accept = head.lines().find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("sec-websocket-accept")
                        .then(|| value.trim().to_owned())
                });
                prop_assert_eq!(accept, Some(derive_accept_key(key.as_bytes())), "{}", head);
            }
            Ok(())
        },
    );
    println!("  of which upgraded: {}", upgraded.into_inner());
    // Still serving.
    rt.block_on(async { hall.attendee().await.map(drop) })
        .expect("joins after the fuzzing");
}
