//! hoidap benchmarks. Each scenario starts the real server binary (release
//! build) on a fresh data directory and drives it through the protocol.
//!
//! - `ingest`: acknowledged (durable, `synchronous=FULL`) votes per second.
//! - `idle`: server memory per idle WebSocket connection.

mod server;

use anyhow::Context;
use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, ClientMsg, Role, ServerMsg};
use hoidap_tests::Client;
use server::Spawned;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Cli {
    /// The server binary to measure.
    #[arg(long, default_value = "target/release/hoidap", global = true)]
    server: PathBuf,
    /// Print the result as JSON too.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Acknowledged durable votes per second.
    Ingest {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Voting connections (each a participant), spread over the events.
        #[arg(long, default_value_t = 64)]
        voters: usize,
        #[arg(long, default_value_t = 100)]
        questions: u64,
        #[arg(long, default_value_t = 1)]
        events: usize,
        /// Requests each voter keeps in flight.
        #[arg(long, default_value_t = 32)]
        window: usize,
    },
    /// Server memory per idle connection.
    Idle {
        #[arg(long, default_value_t = 1000)]
        connections: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Ingest {
            seconds,
            voters,
            questions,
            events,
            window,
        } => ingest(&cli.server, seconds, voters, questions, events, window).await?,
        Cmd::Idle { connections } => idle(&cli.server, connections).await?,
    };
    for (k, v) in result.as_object().context("object")? {
        println!("{k:>28}  {v}");
    }
    if cli.json {
        println!("{result}");
    }
    Ok(())
}

async fn ingest(
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
                } => anyhow::bail!("vote refused: {code:?} {message}"),
                _ => {}
            }
        }
    }
}

async fn idle(bin: &std::path::Path, connections: usize) -> anyhow::Result<serde_json::Value> {
    let server = Spawned::start(bin).await?;
    let code = server.create_event("Idle", false).await?;
    // A few questions so every snapshot has some weight, as in a real hall.
    let mut asker = Client::join(&server.ws_url(), &code, Role::Attendee, None).await?;
    for q in 0..20 {
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
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": (per * 10.0).round() / 10.0,
    }))
}
