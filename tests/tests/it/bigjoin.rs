//! Big events over slow links: a snapshot of several MiB to a phone on a
//! busy Wi-Fi settles after one copy, and a stalled phone keeps one notice
//! about its own questions, not one per change.

use crate::support::Hall;
use futures_util::StreamExt;
use hoidap_protocol::{Action, ClientMsg, Role, ServerMsg};
use hoidap_tests::{Client, raw};
use serde_json::json;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

fn long_question(i: usize) -> String {
    let sentence = "Đề nghị lãnh đạo tỉnh cho biết lộ trình đánh giá, xếp loại cán bộ, \
                    công chức cấp xã theo quy định mới và việc lấy phiếu tín nhiệm. ";
    let mut text = format!("[{i}] ");
    while text.chars().count() < 2000 {
        text.push_str(sentence);
    }
    text.chars().take(2000).collect()
}

/// Asks `n` long questions, 48 in flight at a time.
async fn fill(asker: &mut Client, n: usize) -> anyhow::Result<()> {
    let mut sent = 0;
    while sent < n {
        let batch = 48.min(n - sent);
        for i in sent..sent + batch {
            let action = Action::Ask {
                text: long_question(i),
                name: None,
                unit: None,
                anonymous: false,
                identity: None,
                topic: None,
                official: None,
            };
            asker
                .send(&ClientMsg::Request {
                    id: format!("fill-{i}"),
                    action,
                })
                .await?;
        }
        let mut acks = 0;
        while acks < batch {
            match asker.recv().await? {
                ServerMsg::Ack { .. } => acks += 1,
                ServerMsg::Error {
                    id: Some(id), code, ..
                } => anyhow::bail!("{id}: {code:?}"),
                _ => {}
            }
        }
        sent += batch;
    }
    Ok(())
}

/// What a slow reader got.
#[derive(Debug, Default)]
struct Read {
    snapshots: usize,
    bytes: usize,
    /// Frames after the first snapshot, by type.
    after: std::collections::BTreeMap<String, usize>,
}

/// Reads `ws` at about `bytes_per_s` for `duration`.
async fn read_slowly(
    ws: &mut WebSocketStream<TcpStream>,
    bytes_per_s: usize,
    duration: Duration,
) -> anyhow::Result<Read> {
    let mut read = Read::default();
    let start = Instant::now();
    while start.elapsed() < duration {
        let msg = match tokio::time::timeout(Duration::from_millis(500), ws.next()).await {
            Ok(Some(msg)) => msg?,
            Ok(None) => anyhow::bail!("the server closed the slow connection"),
            Err(_) => continue,
        };
        if let Message::Text(text) = &msg {
            read.bytes += text.len();
            let kind = serde_json::from_str::<serde_json::Value>(text)?["type"]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            if kind == "snapshot" {
                read.snapshots += 1;
            } else if read.snapshots > 0 {
                *read.after.entry(kind).or_default() += 1;
            }
        }
        if let Message::Close(frame) = msg {
            anyhow::bail!("the server closed the slow connection: {frame:?}");
        }
        // Throttle: never more than `bytes_per_s` on average.
        let due = start + Duration::from_secs_f64(read.bytes as f64 / bytes_per_s as f64);
        tokio::time::sleep_until(due).await;
    }
    Ok(read)
}

/// A snapshot bigger than the lag limit used to make the connection lag the
/// moment it was queued: a phone on a slow link got snapshot after snapshot
/// and never settled. Join frames do not count as lag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_of_several_mib_over_a_slow_link_is_sent_once() -> anyhow::Result<()> {
    let hall =
        Hall::with(json!({ "title": "Hội nghị lớn", "pre_moderation": false, "max_length": 2000 }))
            .await?;
    let mut asker = hall.attendee().await?;
    // About 5 MiB of questions (2,000 Vietnamese characters, ~2.7 KB each).
    fill(&mut asker, 2000).await?;
    let question = asker.ask("Câu hỏi được bỏ phiếu liên tục").await?;

    let code = hall.event.join_code.clone();
    let secret = hall.event.moderator_secret.clone();
    let mut moderator = raw::joined(
        hall.server.addr,
        Some(16 * 1024),
        &code,
        Role::Moderator,
        Some(&secret),
    )
    .await?;
    let mut attendee = raw::joined(
        hall.server.addr,
        Some(16 * 1024),
        &code,
        Role::Attendee,
        None,
    )
    .await?;
    // The hall keeps voting meanwhile: feed frames queue behind the snapshots.
    let mut voters = Vec::new();
    for _ in 0..4 {
        voters.push(hall.attendee().await?);
    }
    let voting = tokio::spawn(async move {
        for round in 0..60 {
            for v in &mut voters {
                v.vote(question, round % 2 == 0).await?;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::Ok(())
    });
    // ~2 MiB/s: a 5 MiB snapshot takes a few seconds to get through.
    let (mod_read, att_read) = tokio::join!(
        read_slowly(&mut moderator, 2 << 20, Duration::from_secs(10)),
        read_slowly(&mut attendee, 2 << 20, Duration::from_secs(10)),
    );
    voting.await??;
    let (moderator, attendee) = (mod_read?, att_read?);
    println!("big join: moderator {moderator:?}");
    println!("big join: attendee {attendee:?}");
    for (who, read, own) in [
        ("moderator", &moderator, "presence"),
        ("attendee", &attendee, "mine"),
    ] {
        assert_eq!(
            read.snapshots, 1,
            "the {who} was resynced in a loop: {read:?}"
        );
        // What follows the snapshot arrives: its own notice, then the feed.
        assert!(
            read.after.contains_key(own),
            "the {who} never got {own}: {read:?}"
        );
        assert!(
            read.after.contains_key("delta"),
            "the {who} never got a delta: {read:?}"
        );
    }
    Ok(())
}

/// Only the latest `mine` matters ("replace what you held"): a stalled
/// reader whose question is edited again and again keeps one, not one per
/// edit (it used to queue every one: 1,800 frames, 5 MB, until the
/// connection was closed for holding too much).
#[tokio::test]
async fn a_stalled_asker_keeps_one_notice_about_its_questions() -> anyhow::Result<()> {
    // The asker reads nothing while 400 edits go by: on a busy machine that
    // takes longer than the stall timeout, which is not what this tests.
    let hall = Hall::configured(
        json!({ "title": "Sửa câu hỏi", "pre_moderation": true, "max_length": 2000 }),
        |c| c.limits.send_timeout = Duration::from_secs(300),
    )
    .await?;
    let code = hall.event.join_code.clone();
    // The asker asks ten long questions, then stops reading: every `mine`
    // lists all ten, ~27 KB, so the kernel's buffers fill after a few.
    let mut stalled = raw::phone(hall.server.addr, 4096, &code, Role::Attendee, None).await?;
    for i in 0..10 {
        let action = Action::Ask {
            text: long_question(i),
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        };
        let ask = ClientMsg::Request {
            id: format!("q{i}"),
            action,
        };
        futures_util::SinkExt::send(&mut stalled, Message::text(serde_json::to_string(&ask)?))
            .await?;
    }
    let mut moderator = hall.moderator().await?;
    moderator
        .wait_until("the questions arrive", |v| v.questions.len() == 10)
        .await?;
    let id = moderator
        .view
        .questions
        .keys()
        .next()
        .copied()
        .unwrap_or_default();
    // Pending questions reach only the moderators and the asker: every edit
    // is a `mine` for the asker and nothing for the public feed.
    const EDITS: usize = 400;
    for i in 0..EDITS {
        let text = format!("Câu hỏi đã sửa lần thứ {i}: {}", long_question(i));
        let text: String = text.chars().take(2000).collect();
        moderator.ok(Action::Edit { question: id, text }).await?;
    }
    let (mut mines, mut last_text, mut end) = (0, None, None);
    loop {
        match tokio::time::timeout(Duration::from_secs(2), stalled.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                if let Ok(ServerMsg::Mine { questions, .. }) = serde_json::from_str(&text) {
                    mines += 1;
                    last_text = questions
                        .iter()
                        .find(|q| q.id == id)
                        .map(|q| q.text.clone());
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                end = Some(format!("closed: {frame:?}"));
                break;
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => {
                end = Some(e.to_string());
                break;
            }
            Ok(None) => {
                end = Some("ended".into());
                break;
            }
            Err(_) => break,
        }
    }
    println!("stalled asker: {mines} mine frames after {EDITS} edits; end: {end:?}");
    assert_eq!(end, None, "the stalled asker was dropped");
    let latest = format!("lần thứ {}:", EDITS - 1);
    assert!(
        last_text.is_some_and(|t| t.contains(&latest)),
        "the last mine holds the latest edit"
    );
    // What the kernel buffered went out as it was; the rest was one notice.
    assert!(
        mines <= EDITS / 2,
        "{mines} mine frames queued for a stalled reader"
    );
    Ok(())
}
