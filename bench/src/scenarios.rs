//! The simple scenarios: durable ingestion, idle memory, cold start.

use crate::server::Spawned;
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, ClientMsg, Role, ServerMsg};
use hoidap_tests::Client;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

pub async fn ingest(
    bin: &std::path::Path,
    seconds: u64,
    voters: usize,
    questions: u64,
    events: usize,
    window: usize,
) -> anyhow::Result<serde_json::Value> {
    let server = Spawned::start(bin).await?;
    let mut codes = Vec::new();
    for i in 0..events {
        let event = server.create_event(&format!("Ingest {i}"), false).await?;
        let mut asker = Client::join(&server.ws_url(), &event, Role::Attendee, None).await?;
        for q in 0..questions {
            asker.ask(&format!("Câu hỏi số {q}")).await?;
        }
        codes.push(event);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for v in 0..voters {
        let code = codes[v % codes.len()].clone();
        let url = server.ws_url();
        tasks.push(tokio::spawn(async move {
            voter(&url, &code, questions, window, deadline).await
        }));
    }
    let mut acked = 0u64;
    for t in tasks {
        acked += t.await??;
    }
    let cpu = server.cpu_seconds()?;
    Ok(serde_json::json!({
        "scenario": "ingest",
        "events": events,
        "voters": voters,
        "seconds": seconds,
        "acked_votes": acked,
        "acked_votes_per_s": (acked as f64 / seconds as f64).round(),
        "server_cpu_s": cpu,
    }))
}

/// One participant toggling votes with `window` requests in flight; counts
/// acknowledgements received before the deadline.
async fn voter(
    url: &str,
    code: &str,
    questions: u64,
    window: usize,
    deadline: Instant,
) -> anyhow::Result<u64> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let hello = ClientMsg::Hello {
        protocol: hoidap_protocol::PROTOCOL_VERSION,
        join_code: code.to_owned(),
        role: Role::Attendee,
        secret: None,
        participant_token: None,
        delegate_code: None,
        resume: None,
    };
    ws.send(Message::text(serde_json::to_string(&hello)?))
        .await?;
    let mut up: HashSet<u64> = HashSet::new();
    let (mut sent, mut acked, mut in_flight) = (0u64, 0u64, 0usize);
    loop {
        while in_flight < window && Instant::now() < deadline {
            let question = sent % questions + 1;
            sent += 1;
            // Toggle, so every vote is a real change and a real log entry.
            let vote = !up.contains(&question);
            if vote {
                up.insert(question)
            } else {
                up.remove(&question)
            };
            let msg = ClientMsg::Request {
                id: sent.to_string(),
                action: Action::Vote { question, up: vote },
            };
            ws.send(Message::text(serde_json::to_string(&msg)?)).await?;
            in_flight += 1;
        }
        if in_flight == 0 {
            return Ok(acked);
        }
        let Some(msg) = ws.next().await else {
            anyhow::bail!("server closed")
        };
        if let Message::Text(text) = msg? {
            match serde_json::from_str::<ServerMsg>(&text)? {
                ServerMsg::Ack { .. } => {
                    in_flight -= 1;
                    if Instant::now() <= deadline {
                        acked += 1;
                    }
                }
                ServerMsg::Error {
                    id: Some(_),
                    code,
                    message,
                    ..
                } => anyhow::bail!("vote refused: {code:?} {message}"),
                _ => {}
            }
        }
    }
}

pub async fn idle(
    bin: &std::path::Path,
    connections: usize,
    questions: u64,
) -> anyhow::Result<serde_json::Value> {
    let server = Spawned::start(bin).await?;
    let code = server.create_event("Idle", false).await?;
    // Questions give every snapshot weight, as in a real hall; varying their
    // number shows which per-connection costs grow with the snapshot.
    let mut asker = Client::join(&server.ws_url(), &code, Role::Attendee, None).await?;
    for q in 0..questions {
        asker
            .ask(&format!("Câu hỏi mẫu số {q} về công tác cán bộ"))
            .await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss_kib()?;
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections {
        // Each has said hello and read its snapshot: every buffer is in use.
        clients.push(Client::join(&server.ws_url(), &code, Role::Attendee, None).await?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = server.rss_kib()?;
    let per = (after.saturating_sub(before)) as f64 / connections as f64;
    drop(clients);
    Ok(serde_json::json!({
        "scenario": "idle",
        "connections": connections,
        "questions": questions,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": (per * 10.0).round() / 10.0,
    }))
}

/// Cold start: writes a log of `entries` entries for one event (200
/// questions, then up-votes by 5,000 participants) straight through the
/// server's own SQLite log, then times the real binary from spawn to its
/// first healthy answer. Binaries before lazy loading replay every event
/// before they serve; later ones read only the events table, and the replay
/// moves to the event's first join (measured by `history`).
pub async fn coldstart(bin: &std::path::Path, entries: u64) -> anyhow::Result<serde_json::Value> {
    use hoidap_protocol::{QuestionStatus, Settings};
    use hoidap_server::log::{EventRecord, Log, SqliteLog};
    use hoidap_server::queue::{Entry, Event, Principal};
    let dir = tempfile::tempdir()?;
    let written = Instant::now();
    {
        // The server reads its signing key and admin token from the data
        // dir; starting it once creates them (and an empty log).
        drop(Spawned::start_in(bin, None, tempfile::TempDir::new_in(dir.path())?).await?);
        let log = SqliteLog::open(dir.path())?;
        let record = EventRecord {
            id: 1,
            join_code: hoidap_server::auth::join_code(),
            title: "Cold start".into(),
            moderator_secret: hoidap_server::auth::secret(),
            screen_secret: hoidap_server::auth::secret(),
            epoch: hoidap_server::auth::epoch(),
            created_at: crate::wire::now_us() / 1000,
        };
        let at = record.created_at;
        let event = |seq: u64, by: Principal, event: Event| Entry {
            seq,
            at: at + seq,
            by,
            req: Some(format!("r{seq}")),
            event,
        };
        let created = Event::Created {
            title: "Cold start".into(),
            settings: Settings::default(),
        };
        log.create_event(record, event(1, Principal::moderator_link(), created))
            .await?;
        const QUESTIONS: u64 = 200;
        let mut batch = Vec::with_capacity(10_000);
        for seq in 2..=entries {
            let k = seq - 2;
            let e = if k < QUESTIONS {
                Event::Asked {
                    id: k + 1,
                    text: format!("Câu hỏi số {k} về công tác đánh giá, xếp loại cán bộ?"),
                    name: None,
                    unit: Some("Sở Nội vụ".into()),
                    anonymous: false,
                    identity: None,
                    status: QuestionStatus::Live,
                    topic: None,
                    official: None,
                }
            } else {
                // Each (participant, question) pair votes once: all real.
                let v = k - QUESTIONS;
                Event::Voted {
                    question: v % QUESTIONS + 1,
                    up: true,
                }
            };
            let who =
                Principal::participant(format!("p{}", (k.saturating_sub(QUESTIONS)) / QUESTIONS));
            batch.push(event(seq, who, e));
            if batch.len() == 10_000 {
                log.append(1, std::mem::take(&mut batch)).await?;
            }
        }
        log.append(1, batch).await?;
    }
    let write_s = written.elapsed().as_secs_f64();
    let db = std::fs::metadata(dir.path().join("hoidap.sqlite3"))?.len();
    // Three starts; report each and the best (page cache warm after the first).
    let (mut starts, mut rss) = (Vec::new(), 0);
    for _ in 0..3 {
        let copy = tempfile::tempdir()?;
        for f in std::fs::read_dir(dir.path())? {
            let f = f?;
            if f.file_type()?.is_file() {
                std::fs::copy(f.path(), copy.path().join(f.file_name()))?;
            }
        }
        let server = Spawned::start_in(bin, Some("0"), copy).await?;
        starts.push(crate::wire::round1(server.startup.as_secs_f64() * 1000.0));
        rss = server.rss_kib()?;
    }
    let median = {
        let mut s = starts.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    Ok(serde_json::json!({
        "scenario": "coldstart",
        "entries": entries,
        "log_bytes": db,
        "write_s": crate::wire::round1(write_s),
        "start_ms": starts,
        "start_ms_median": median,
        "rss_after_start_kib": rss,
    }))
}

/// Repeated stalled episodes (see `hoidap_tests::stalls`): the server's RSS
/// after each, once the stalled connection is gone. A leak, or an allocator
/// that keeps what stalled readers made it allocate, shows as a slope.
pub async fn stalls(
    bin: &std::path::Path,
    episodes: usize,
    shape: hoidap_tests::stalls::HallShape,
    send_timeout_ms: u64,
    control: bool,
    max_kib_per_episode: Option<f64>,
) -> anyhow::Result<serde_json::Value> {
    use hoidap_tests::stalls::StallHall;
    let timeout = send_timeout_ms.to_string();
    let server = Spawned::start_with_args(bin, &["--send-timeout-ms", &timeout]).await?;
    let info = server.create_event_info("Stalls", false).await?;
    let code = info["join_code"].as_str().context("join_code")?;
    let secret = info["moderator_secret"].as_str().context("secret")?;
    let hall = StallHall::open(
        server.addr,
        server.admin_token(),
        code,
        secret,
        shape.clone(),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = server.rss_kib()?;
    let within = Duration::from_millis(send_timeout_ms) + Duration::from_secs(30);
    let mut rss = Vec::with_capacity(episodes);
    for n in 1..=episodes {
        let took = if control {
            // As long as an episode takes, without the stalled attendee.
            let pause = Duration::from_millis(send_timeout_ms + 100);
            tokio::time::sleep(pause).await;
            pause
        } else {
            hall.episode(within).await?
        };
        // Let the room and the allocator finish with the closed connection.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let kib = server.rss_kib()?;
        let heap = server
            .metrics()
            .await?
            .get("hoidap_heap_live_bytes")
            .map(|b| (b / 1024.0).round());
        eprintln!(
            "episode {n:>3}: {} {:>5} ms, RSS {kib} KiB{}",
            if control {
                "paused for"
            } else {
                "dropped after"
            },
            took.as_millis(),
            heap.map_or(String::new(), |h| format!(", live heap {h} KiB"))
        );
        rss.push(kib);
    }
    hall.close().await;
    let at = |n: usize| rss.get(n.saturating_sub(1)).copied();
    // Least squares over the episodes after the 10th (the first ones also
    // warm up caches and buffers that are then reused), or over all of a
    // short run.
    let from = if rss.len() >= 20 { 10 } else { 0 };
    let tail: Vec<(f64, f64)> = rss
        .iter()
        .enumerate()
        .skip(from)
        .map(|(i, &k)| (i as f64, k as f64))
        .collect();
    let slope = {
        let n = tail.len() as f64;
        let (mx, my) = (
            tail.iter().map(|p| p.0).sum::<f64>() / n,
            tail.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov: f64 = tail.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let var: f64 = tail.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if var > 0.0 { cov / var } else { 0.0 }
    };
    let result = serde_json::json!({
        "scenario": if control { "stalls (control: no stalled attendee)" } else { "stalls" },
        "episodes": episodes,
        "attendees": shape.watchers,
        "questions": shape.questions,
        "send_timeout_ms": send_timeout_ms,
        "rss_baseline_kib": baseline,
        "rss_after_1_kib": at(1),
        "rss_after_10_kib": at(10),
        "rss_after_50_kib": at(50),
        "rss_last_kib": rss.last(),
        "kib_per_episode": crate::wire::round1(slope),
        "slope_from_episode": from + 1,
    });
    if let Some(max) = max_kib_per_episode {
        anyhow::ensure!(
            slope <= max,
            "RSS grew {slope:.1} KiB per stalled episode (limit {max}): {result}"
        );
    }
    Ok(result)
}
