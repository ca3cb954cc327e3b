//! A client that stops reading entirely (a phone whose app froze with the
//! socket open) must not slow anyone else, and must itself be resynced or
//! dropped rather than hold the room's memory or attention.
//!
//! The stalled client uses a tiny receive buffer so the server's writes to
//! it really block once the kernel buffers are full; an observer's latency
//! (asker's ack → observer sees the question) is measured with and without
//! it. A room that waited on the stalled socket would show it in seconds.

use crate::support::Hall;
// Diacritics take 2–3 bytes in UTF-8: 750 characters are about 1 KB.
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, Change, ClientMsg, PROTOCOL_VERSION, QuestionId, Role, ServerMsg};
use hoidap_tests::Client;
use hoidap_tests::stalls::question_text;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Asks per measured phase, one at a time, ~1 KB of text each.
const ASKS: usize = 100;
/// Bytes of questions broadcast after the stalled client joins and before
/// the measurement: more than the kernel can buffer for it (its receive
/// buffer is tiny; the server's send buffer autotunes up to tcp_wmem's
/// maximum, 4 MiB by default), so it is stuck for the whole measured phase.
const FILL_BYTES: usize = 5 << 20;
/// Requests kept in flight while filling (the server allows 64).
const PIPELINE: usize = 48;
/// The server's timeouts (conn.rs): a frame not taken within SEND_TIMEOUT
/// closes the connection; the close frame itself gets CLOSE_TIMEOUT.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Presence goes out on the room's tick (100 ms); allow for a busy machine.
const PRESENCE_SLACK: Duration = Duration::from_millis(1000);

struct Latencies(Vec<Duration>);

impl Latencies {
    /// Nearest-rank percentile.
    fn pct(&self, p: usize) -> Duration {
        let mut v = self.0.clone();
        v.sort_unstable();
        v[(v.len() * p).div_ceil(100).max(1) - 1]
    }

    fn max(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }

    fn describe(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let first = self.0.iter().filter(|d| d.is_zero()).count();
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({first} of {} seen before the ack)",
            ms(self.pct(50)),
            ms(self.pct(99)),
            ms(self.max()),
            self.0.len()
        )
    }
}

/// Reads everything the observer receives and reports when each question
/// first reaches it.
fn observe(mut observer: Client) -> mpsc::UnboundedReceiver<(QuestionId, Instant)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut seen = HashSet::new();
        // Ends when the test drops the receiver or the socket fails; a
        // failure shows as a question never seen.
        while let Ok(msg) = observer.recv().await {
            let now = Instant::now();
            let arrived: Vec<QuestionId> = match &msg {
                ServerMsg::Delta { changes, .. } => changes
                    .iter()
                    .filter_map(|c| match c {
                        Change::Question { question } => Some(question.id),
                        _ => None,
                    })
                    .collect(),
                // A resync (the observer fell behind): whatever is new in it.
                ServerMsg::Snapshot { snapshot } => {
                    snapshot.questions.iter().map(|q| q.id).collect()
                }
                _ => continue,
            };
            for id in arrived {
                if seen.insert(id) && tx.send((id, now)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// `asks` sequential asks; latency from each ack to the observer seeing it.
async fn measure(
    asker: &mut Client,
    seen: &mut mpsc::UnboundedReceiver<(QuestionId, Instant)>,
    tag: &str,
    asks: usize,
) -> anyhow::Result<Latencies> {
    let mut acked = HashMap::with_capacity(asks);
    for i in 0..asks {
        let ask = Action::Ask {
            text: question_text(&format!("{tag} {i}"), 750),
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        };
        asker
            .request_with_id(&format!("{tag}-{i}"), ask)
            .await?
            .map_err(|r| anyhow::anyhow!("ask refused: {r:?}"))?;
        // Stamped as soon as the ack is read (it is the last message logged).
        let at = Instant::now();
        match asker.log.last() {
            Some(ServerMsg::Ack {
                question: Some(q), ..
            }) => acked.insert(q.id, at),
            other => anyhow::bail!("expected an ack with the question, got {other:?}"),
        };
    }
    let mut latencies = Vec::with_capacity(asks);
    while latencies.len() < asks {
        let (id, seen_at) = tokio::time::timeout(Duration::from_secs(10), seen.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the observer stopped"))?;
        // The observer may read the question before the asker reads its
        // ack: the room releases both together after the commit. Zero.
        if let Some(at) = acked.get(&id) {
            latencies.push(seen_at.saturating_duration_since(*at));
        }
    }
    Ok(Latencies(latencies))
}

/// Asks until `bytes` of question text went out, `PIPELINE` at a time;
/// returns the questions' ids.
async fn fill(asker: &mut Client, bytes: usize) -> anyhow::Result<Vec<QuestionId>> {
    let text = question_text("fill", 2000);
    let mut ids = Vec::new();
    while ids.len() * text.len() < bytes {
        for i in 0..PIPELINE {
            let ask = Action::Ask {
                text: text.clone(),
                name: None,
                unit: None,
                anonymous: false,
                identity: None,
                topic: None,
                official: None,
            };
            let id = format!("fill-{}", ids.len() + i);
            asker.send(&ClientMsg::Request { id, action: ask }).await?;
        }
        let mut acks = 0;
        while acks < PIPELINE {
            match asker.recv().await? {
                ServerMsg::Ack {
                    question: Some(q), ..
                } => {
                    ids.push(q.id);
                    acks += 1;
                }
                ServerMsg::Error {
                    id: Some(id), code, ..
                } => anyhow::bail!("{id}: {code:?}"),
                _ => {}
            }
        }
    }
    Ok(ids)
}

/// Waits until the observer has seen every one of `ids`, so a backlog does
/// not count as latency in the next phase.
async fn caught_up(
    seen: &mut mpsc::UnboundedReceiver<(QuestionId, Instant)>,
    ids: &[QuestionId],
) -> anyhow::Result<()> {
    let mut missing: HashSet<QuestionId> = ids.iter().copied().collect();
    while !missing.is_empty() {
        let (id, _) = tokio::time::timeout(Duration::from_secs(10), seen.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the observer stopped"))?;
        missing.remove(&id);
    }
    Ok(())
}

/// Keeps reading the moderator's connection (a moderator that stops reading
/// is itself a stalled client) and publishes the attendee count.
fn attendees(mut moderator: Client) -> watch::Receiver<Option<u32>> {
    let (tx, rx) = watch::channel(moderator.view.presence.map(|p| p.0));
    tokio::spawn(async move {
        loop {
            match moderator.recv().await {
                Ok(ServerMsg::Presence { attendees, .. }) => {
                    if tx.send(Some(attendees)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                // recv gives up after 10 s of silence: keep listening.
                Err(_) if !tx.is_closed() => {}
                Err(_) => return,
            }
        }
    });
    rx
}

/// A WebSocket with a 4 KiB receive buffer that says hello and never reads.
async fn stalled_client(hall: &Hall) -> anyhow::Result<WebSocketStream<TcpStream>> {
    let socket = TcpSocket::new_v4()?;
    // Before connecting, so the window it advertises is small from the start.
    socket.set_recv_buffer_size(4096)?;
    let stream = socket.connect(hall.server.addr).await?;
    let (mut ws, _) = tokio_tungstenite::client_async(hall.server.ws_url(), stream).await?;
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        join_code: hall.event.join_code.clone(),
        role: Role::Attendee,
        secret: None,
        participant_token: None,
        delegate_code: None,
        resume: None,
    };
    ws.send(Message::text(serde_json::to_string(&hello)?))
        .await?;
    Ok(ws)
}

/// What the stalled client finds once it reads again.
#[derive(Debug)]
struct Aftermath {
    frames: usize,
    snapshots: usize,
    end: End,
}

#[derive(Debug, PartialEq)]
enum End {
    /// A close frame with this code.
    Closed(Option<u16>),
    /// Reset or cut mid-frame: dropped without a close frame (a stuck
    /// socket cannot take one).
    Broken(String),
    /// Still open, nothing more to read.
    Open,
}

async fn read_all(ws: &mut WebSocketStream<TcpStream>) -> Aftermath {
    let (mut frames, mut snapshots) = (0, 0);
    let end = loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                frames += 1;
                if let Ok(ServerMsg::Snapshot { .. }) = serde_json::from_str(&text) {
                    snapshots += 1;
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => break End::Closed(frame.map(|f| f.code.into())),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => break End::Broken(e.to_string()),
            Ok(None) => break End::Broken("end of stream".into()),
            Err(_) => break End::Open,
        }
    };
    Aftermath {
        frames,
        snapshots,
        end,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_slows_no_one_and_is_dropped() -> anyhow::Result<()> {
    let hall = Hall::with(json!({
        "title": "Hội nghị tiếp xúc cử tri",
        "pre_moderation": false,
        "max_length": 2000,
    }))
    .await?;
    let mut present = attendees(hall.moderator().await?);
    let mut asker = hall.attendee().await?;
    let mut seen = observe(hall.attendee().await?);

    let baseline = measure(&mut asker, &mut seen, "baseline", ASKS).await?;

    let mut stalled = stalled_client(&hall).await?;
    let joined = Instant::now();
    let filled = fill(&mut asker, FILL_BYTES).await?;
    caught_up(&mut seen, &filled).await?;
    let measured_from = Instant::now();
    let with_stall = measure(&mut asker, &mut seen, "stalled", ASKS).await?;
    // Presence lags by at most a tick: good enough to tell "still there".
    let present_at_end = *present.borrow();

    // Dropped: it leaves the room (only the asker and observer remain).
    // Generous: when the kernel's send buffer grows past what was filled,
    // the socket gets stuck a few seconds later than planned.
    let deadline = measured_from + SEND_TIMEOUT + CLOSE_TIMEOUT + Duration::from_secs(20);
    let left = tokio::time::timeout_at(deadline, present.wait_for(|n| *n == Some(2)))
        .await
        .is_ok();
    let left_at = Instant::now();
    let aftermath = read_all(&mut stalled).await;
    let ms = |d: Duration| d.as_millis();
    println!(
        "stall: {} fill asks; measured from {} ms after the stalled client joined",
        filled.len(),
        ms(measured_from - joined)
    );
    println!("stall: baseline   {}", baseline.describe());
    println!("stall: with stall {}", with_stall.describe());
    println!(
        "stall: stalled client left={left} {} ms after joining, {} ms after the measured \
         phase began; then read {} frames ({} snapshots), ending {:?}",
        ms(left_at - joined),
        ms(left_at.saturating_duration_since(measured_from)),
        aftermath.frames,
        aftermath.snapshots,
        aftermath.end
    );

    // The others did not wait for it. A room that waited on the stuck socket
    // would show seconds (up to SEND_TIMEOUT); the bounds leave room for a
    // noisy two-core machine.
    let (b50, b99) = (baseline.pct(50), baseline.pct(99));
    let (s50, s99) = (with_stall.pct(50), with_stall.pct(99));
    let ms20 = Duration::from_millis(20);
    let ms100 = Duration::from_millis(100);
    assert!(
        s50 <= (b50 * 3).max(b50 + ms20),
        "median {s50:?} vs {b50:?}"
    );
    assert!(s99 <= (b99 * 3).max(b99 + ms100), "p99 {s99:?} vs {b99:?}");
    assert!(
        with_stall.max() < Duration::from_secs(1),
        "max {:?}",
        with_stall.max()
    );

    if left {
        // The measurement meant something only if the socket was stuck all
        // along: still connected at the end, and dropped no later than
        // SEND_TIMEOUT (+ the close attempt, + a tick) after it began.
        assert_eq!(
            present_at_end,
            Some(3),
            "the stalled client left before the measured phase ended"
        );
        if left_at > measured_from + SEND_TIMEOUT + CLOSE_TIMEOUT + PRESENCE_SLACK {
            // Not a failure of the server: the socket only got stuck after
            // the measured phase began, so that phase measured less.
            println!(
                "stall: note: the socket got stuck late; the measured phase was partly unstalled"
            );
        }
        assert!(
            matches!(aftermath.end, End::Closed(Some(4001)) | End::Broken(_)),
            "dropped, yet the socket ends {:?}",
            aftermath.end
        );
    } else {
        assert!(
            aftermath.snapshots >= 2,
            "the stalled client was neither dropped nor resynced: {aftermath:?}"
        );
    }
    Ok(())
}

/// Questions asked one right after another each reach an observer at once.
/// With Nagle's algorithm on the server's sockets (no TCP_NODELAY), a frame
/// sent while the previous one is unacknowledged waits for that ACK, which
/// the observer's kernel delays: ~40 ms on Linux (the second question here),
/// up to 200 ms with Windows clients.
#[tokio::test]
async fn back_to_back_questions_are_not_held_back_by_nagle() -> anyhow::Result<()> {
    let hall = Hall::with(json!({ "title": "Nagle", "pre_moderation": false, "max_length": 2000 }))
        .await?;
    let mut asker = hall.attendee().await?;
    let mut seen = observe(hall.attendee().await?);
    let latencies = measure(&mut asker, &mut seen, "nagle", 10).await?;
    println!("back to back: {}", latencies.describe());
    assert!(
        latencies.max() < Duration::from_millis(25),
        "a question reached the observer {:?} after its ack",
        latencies.max()
    );
    Ok(())
}
