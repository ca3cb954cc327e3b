//! The HTTP edge against a laptop on the hall's Wi-Fi: slowloris, huge
//! headers, idle sockets, one address holding every socket, pages from
//! other sites, and the headers every response carries (issue 9, items
//! 5, 10, 13, 15).

use crate::support::Hall;
use hoidap_protocol::Role;
use hoidap_tests::{ServerProcess, TestServer, raw};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn quick_headers(config: &mut hoidap_server::Config) {
    config.limits.header_timeout = Duration::from_millis(500);
}

/// A request head sent a byte at a time never completes in time: the
/// connection is closed, as is one that sends nothing at all.
#[tokio::test]
async fn slowloris_connections_are_closed() -> anyhow::Result<()> {
    let server = TestServer::start_with(quick_headers).await?;
    let mut idle = Vec::new();
    let mut trickling = Vec::new();
    for _ in 0..50 {
        idle.push(raw::tcp(server.addr, None).await?);
        let mut s = raw::tcp(server.addr, None).await?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await?;
        trickling.push(s);
    }
    // Keep the trickle going well past the timeout.
    for _ in 0..10 {
        for s in &mut trickling {
            let _ = s.write_all(b"X").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for s in idle.iter_mut().chain(trickling.iter_mut()) {
        assert!(
            raw::closed_within(s, Duration::from_secs(2)).await,
            "a connection without a complete request head stayed open"
        );
    }
    Ok(())
}

/// After a response, a kept-alive connection that asks nothing more is
/// closed too (the header timeout is the idle timeout).
#[tokio::test]
async fn idle_keep_alive_connections_are_closed() -> anyhow::Result<()> {
    let server = TestServer::start_with(quick_headers).await?;
    let mut s = raw::tcp(server.addr, None).await?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await?;
    assert!(
        raw::closed_within(&mut s, Duration::from_secs(3)).await,
        "an idle kept-alive connection stayed open"
    );
    Ok(())
}

/// A request head over 16 KiB gets 431, not a buffer the size of what the
/// client cares to send.
#[tokio::test]
async fn oversized_headers_get_431() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let filler = "a".repeat(20 * 1024);
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\n\r\n");
    let answer = raw::exchange(server.addr, request.as_bytes(), Duration::from_secs(5)).await?;
    assert!(answer.starts_with("HTTP/1.1 431"), "got: {:.80}", answer);
    // Under the cap is fine.
    let filler = "a".repeat(8 * 1024);
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: {filler}\r\n\r\n"
    );
    let answer = raw::exchange(server.addr, request.as_bytes(), Duration::from_secs(5)).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "got: {:.80}", answer);
    Ok(())
}

/// One address cannot hold more than its share of sockets, WebSockets
/// included; another address is not affected, and a freed slot is reused.
#[tokio::test]
async fn one_address_cannot_hold_every_socket() -> anyhow::Result<()> {
    let hall = Hall::configured(json!({ "title": "Giới hạn" }), |c| {
        c.limits.max_connections_per_address = 4;
    })
    .await?;
    let (addr, code) = (hall.server.addr, hall.event.join_code.clone());
    let mut phones = Vec::new();
    for _ in 0..4 {
        phones.push(raw::joined(addr, None, &code, Role::Attendee, None).await?);
    }
    // The fifth from 127.0.0.1 is dropped at once, unanswered.
    let mut fifth = raw::tcp(addr, None).await?;
    let _ = fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(raw::closed_within(&mut fifth, Duration::from_secs(2)).await);
    // 127.0.0.2 is another address.
    let other = tokio::net::TcpSocket::new_v4()?;
    other.bind(([127, 0, 0, 2], 0).into())?;
    let mut other = other.connect(addr).await?;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut other, &mut answer).await?;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "another address refused"
    );
    // One phone leaves; its slot is free again.
    let mut gone = phones.pop().expect("four phones");
    gone.close(None).await?;
    drop(gone);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        if raw::joined(addr, None, &code, Role::Attendee, None)
            .await
            .is_ok()
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot of a closed WebSocket was not released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The binary raises its soft open-file limit to the hard one: at 1024,
/// the thousandth phone would be turned away.
#[tokio::test]
async fn the_open_file_limit_is_raised_at_start() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = ServerProcess::start_limited(dir.path(), 512).await?;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid()))?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a Max open files line");
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (soft, hard) = (fields[3], fields[4]);
    assert_ne!(soft, "512", "the soft limit was not raised: {line}");
    assert_eq!(soft, hard, "{line}");
    Ok(())
}

fn upgrade_request(origin: Option<&str>, version: &str) -> String {
    let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
    format!(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: {version}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         {origin}\r\n"
    )
}

/// Only our own pages may open a WebSocket; clients that are not browsers
/// (no `Origin`) still can; `--allow-origin` adds a proxy's name.
#[tokio::test]
async fn websocket_upgrades_from_other_origins_are_refused() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.allowed_origins = vec!["https://hoi-dap.example.vn".into()];
    })
    .await?;
    let port = server.addr.port();
    let ask = |origin: Option<String>| {
        let request = upgrade_request(origin.as_deref(), "13").replace(
            "Host: 127.0.0.1\r\n",
            &format!("Host: 127.0.0.1:{port}\r\n"),
        );
        raw::exchange(
            server.addr,
            request.into_bytes(),
            Duration::from_millis(300),
        )
    };
    for (origin, allowed) in [
        (None, true),
        (Some(format!("http://127.0.0.1:{port}")), true),
        (Some("https://hoi-dap.example.vn".to_owned()), true),
        (Some("https://evil.example".to_owned()), false),
        (Some(format!("http://evil.example:{port}")), false),
        (Some("null".to_owned()), false),
    ] {
        let answer = ask(origin.clone()).await?;
        let expected = if allowed {
            "HTTP/1.1 101"
        } else {
            "HTTP/1.1 403"
        };
        assert!(
            answer.starts_with(expected),
            "Origin {origin:?}: {:.60}",
            answer
        );
    }
    Ok(())
}

/// Another WebSocket version gets 426 and the one we speak (RFC 6455 §4.4).
#[tokio::test]
async fn a_wrong_websocket_version_gets_426() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let request = upgrade_request(None, "8");
    let answer = raw::exchange(server.addr, request.as_bytes(), Duration::from_secs(2)).await?;
    assert!(answer.starts_with("HTTP/1.1 426"), "got: {:.60}", answer);
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("sec-websocket-version: 13"),
        "{answer}"
    );
    Ok(())
}

/// Every response says `nosniff`; pages may connect only back to us; the
/// metrics are for the admin.
#[tokio::test]
async fn responses_carry_safe_headers_and_metrics_need_the_token() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let addr = hall.server.addr;
    let get = |path: &str, auth: Option<&str>| {
        let auth = auth.map_or(String::new(), |a| format!("Authorization: Bearer {a}\r\n"));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\r\n");
        raw::exchange(addr, request.into_bytes(), Duration::from_secs(5))
    };
    let code = &hall.event.join_code;
    for path in [
        "/healthz",
        &format!("/j/{code}"),
        &format!("/qr/{code}.svg"),
    ] {
        let head = get(path, None).await?.to_ascii_lowercase();
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head:.300}"
        );
    }
    let page = get(&format!("/m/{code}"), None).await?;
    let csp = page
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-security-policy:")
        })
        .expect("a CSP");
    assert!(
        csp.contains(&format!("connect-src 'self' ws://{addr} wss://{addr};")),
        "{csp}"
    );
    assert!(!csp.contains("ws: "), "any WebSocket host allowed: {csp}");
    let anonymous = get("/metrics", None).await?;
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous:.60}");
    let token = hall.server.admin_token.clone();
    let admin = get("/metrics", Some(&token)).await?;
    assert!(admin.starts_with("HTTP/1.1 200"), "{admin:.60}");
    assert!(admin.contains("hoidap_connections"), "{admin:.300}");
    Ok(())
}
