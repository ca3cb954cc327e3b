//! The connection loop against peers that misbehave the way phones and
//! scripts in a hall do: go quiet, pipeline too much, flood pings, close
//! badly. Each test reproduces one defect found in review (issue 9).

use crate::support::Hall;
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, ClientMsg, Role, ServerMsg};
use hoidap_tests::{Client, Faults, ServerProcess, raw, rss_kib};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Short heartbeat so "45 s of silence" fits in a test.
fn quick_heartbeat(config: &mut hoidap_server::Config) {
    config.limits.heartbeat = Duration::from_millis(200);
    config.limits.dead_after = Duration::from_millis(700);
}

/// Every peer is pinged and a silent one is dropped, however many messages
/// it sent before going quiet (the heartbeat's wake-up used to be lost once
/// the loop had run twice).
#[tokio::test]
async fn quiet_peers_are_pinged_and_dropped_after_any_number_of_messages() -> anyhow::Result<()> {
    let hall = Hall::configured(json!({ "title": "Nhịp tim" }), quick_heartbeat).await?;
    let code = hall.event.join_code.clone();
    for sent in [0usize, 1, 2, 5] {
        // One that answers pings (tungstenite pongs as it reads) and one that
        // goes silent after `sent` pings of its own.
        let mut alive = raw::joined(hall.server.addr, None, &code, Role::Attendee, None).await?;
        let mut silent = raw::joined(hall.server.addr, None, &code, Role::Attendee, None).await?;
        for ws in [&mut alive, &mut silent] {
            for _ in 0..sent {
                ws.send(Message::text(r#"{"type":"ping"}"#)).await?;
            }
        }
        let (mut pings, mut alive_closed) = (0, false);
        let until = Instant::now() + Duration::from_millis(2000);
        while let Ok(msg) = tokio::time::timeout_at(until, alive.next()).await {
            match msg {
                Some(Ok(Message::Ping(_))) => pings += 1,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    alive_closed = true;
                    break;
                }
                Some(Ok(_)) => {}
            }
        }
        assert!(
            !alive_closed,
            "after {sent} messages: a peer that answers pings was dropped"
        );
        assert!(
            pings >= 3,
            "after {sent} messages: {pings} pings in 2 s (every 200 ms)"
        );
        // The silent one: whatever it reads now, the server has given up on it.
        let mut ended = false;
        let until = Instant::now() + Duration::from_secs(2);
        while let Ok(msg) = tokio::time::timeout_at(until, silent.next()).await {
            if matches!(msg, Some(Ok(Message::Close(_))) | Some(Err(_)) | None) {
                ended = true;
                break;
            }
        }
        assert!(
            ended,
            "after {sent} messages: a silent peer was never dropped"
        );
    }
    Ok(())
}

/// A client with the maximum number of requests in flight is read again as
/// soon as answers come back (it used to hang for good at exactly 64).
#[tokio::test]
async fn a_full_request_window_reopens_when_answers_arrive() -> anyhow::Result<()> {
    let faults = Faults::new();
    let wrap = faults.clone();
    let hall = Hall::configured(
        json!({ "title": "Cửa sổ", "pre_moderation": false }),
        |c| {
            c.wrap_log = Some(Box::new(move |log| wrap.wrap(log)));
        },
    )
    .await?;
    let mut asker = hall.attendee().await?;
    let question = asker.ask("Câu hỏi để bỏ phiếu").await?;
    let mut voter = hall.attendee().await?;
    // Commits wait: every vote stays unanswered until released.
    faults.hold();
    const SENT: usize = 100;
    for i in 0..SENT {
        let action = Action::Vote {
            question,
            up: i % 2 == 0,
        };
        voter
            .send(&ClientMsg::Request {
                id: format!("v{i}"),
                action,
            })
            .await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    faults.release();
    let mut answered = 0;
    while answered < SENT {
        match voter.recv().await? {
            ServerMsg::Ack { .. } | ServerMsg::Error { id: Some(_), .. } => answered += 1,
            _ => {}
        }
    }
    voter.send(&ClientMsg::Ping {}).await?;
    loop {
        if let ServerMsg::Pong {} = voter.recv().await? {
            break;
        }
    }
    Ok(())
}

/// A client that sends pings and reads nothing must not grow the server's
/// memory: its pongs used to queue one by one without bound (8 → 191 MiB).
#[tokio::test]
async fn a_ping_flood_from_a_peer_that_reads_nothing_keeps_memory_flat() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = ServerProcess::start(dir.path()).await?;
    let event = server.create_event(json!({ "title": "Lũ ping" })).await?;
    let before = rss_kib(server.pid())?;
    // WebSocket control pings: each pong is 2 bytes on the wire, but an
    // entry in a queue costs far more.
    let (mut stream, _) = raw::upgrade(server.addr, Some(4096)).await?;
    stream
        .write_all(&raw::frame(
            1,
            raw::hello(&event.join_code, Role::Attendee, None)
                .to_text()?
                .as_bytes(),
            false,
        ))
        .await?;
    // First fill the kernel's buffers (pongs echo a ping's payload, so big
    // pings fill them fastest), then flood with empty pings: from then on
    // every pong waits in the server's queue.
    let fill: Vec<u8> = (0..40_000)
        .flat_map(|_| raw::frame(9, &[b'p'; 125], false))
        .collect();
    let flood: Vec<u8> = (0..4000).flat_map(|_| raw::frame(9, b"", false)).collect();
    let mut written = 0usize;
    if tokio::time::timeout(Duration::from_secs(10), stream.write_all(&fill))
        .await
        .is_ok()
    {
        written += fill.len();
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_millis(500), stream.write_all(&flood)).await {
                Ok(Ok(())) => written += flood.len(),
                // Dropped: also safe, if memory stayed flat until then.
                Ok(Err(_)) => break,
                // The server stopped reading it: that is one way to be safe.
                Err(_) => {}
            }
        }
    }
    let after = rss_kib(server.pid())?;
    // A normal client is still served.
    let mut other = Client::join(&server.ws_url(), &event.join_code, Role::Attendee, None).await?;
    other.send(&ClientMsg::Ping {}).await?;
    while !matches!(other.recv().await?, ServerMsg::Pong {}) {}
    println!(
        "ping flood: {} MiB of pings written; server RSS {} → {} MiB",
        written >> 20,
        before >> 10,
        after >> 10
    );
    assert!(
        after < before + 16 * 1024,
        "RSS grew from {before} KiB to {after} KiB under a ping flood"
    );
    Ok(())
}

/// A client's close gets the server's close frame back (it used to end the
/// TCP connection first: the client saw 1006).
#[tokio::test]
async fn a_client_close_is_answered_with_a_close_frame() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut client = hall.attendee().await?;
    let mut ws = raw::joined(
        hall.server.addr,
        None,
        &hall.event.join_code,
        Role::Attendee,
        None,
    )
    .await?;
    ws.close(None).await?;
    let mut echoed = None;
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await? {
        match msg {
            Ok(Message::Close(frame)) => {
                echoed = Some(frame);
                break;
            }
            Ok(_) => {}
            Err(e) => anyhow::bail!("no close frame from the server: {e}"),
        }
    }
    assert!(echoed.is_some(), "the server never answered the close");
    client.send(&ClientMsg::Ping {}).await?;
    while !matches!(client.recv().await?, ServerMsg::Pong {}) {}
    Ok(())
}

/// Broken frames get the close code RFC 6455 §7.4.1 gives them.
#[tokio::test]
async fn broken_frames_get_their_close_codes() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let hello = raw::hello(&hall.event.join_code, Role::Attendee, None);
    let hello = raw::frame(1, hello.to_text()?.as_bytes(), false);
    let big = vec![b'a'; 17 * 1024];
    let cases: [(&str, Vec<u8>, u16); 4] = [
        ("an oversized message", raw::frame(1, &big, false), 1009),
        (
            "invalid UTF-8 in a text frame",
            raw::frame(1, b"{\"type\":\"\xff\"}", false),
            1007,
        ),
        (
            "a continuation frame with nothing to continue",
            raw::frame(0, b"x", false),
            1002,
        ),
        (
            "reserved bits",
            {
                let mut f = raw::frame(1, b"{}", false);
                f[0] |= 0x40;
                f
            },
            1002,
        ),
    ];
    for (what, bad, expected) in cases {
        for before_hello in [true, false] {
            let (mut stream, _) = raw::upgrade(hall.server.addr, None).await?;
            if !before_hello {
                stream.write_all(&hello).await?;
            }
            stream.write_all(&bad).await?;
            let code = raw::close_code(&mut stream, Duration::from_secs(5)).await;
            let when = if before_hello { "before" } else { "after" };
            assert_eq!(code, Some(expected), "{what} {when} the hello");
        }
    }
    Ok(())
}
