//! The reference: the least a server can do for this workload, and so the
//! floor for any design that sends one frame per subscriber per update.
//!
//! It speaks just enough of the protocol for the same load generator: votes
//! are counted in memory (no log, no rules) and acknowledged at once; the
//! changed counts go out as one delta, serialised once, the same bytes
//! written to every subscriber, with hoidap's rule: at once after a quiet
//! period, then as soon as every subscriber has taken the previous delta
//! (and at least 1 ms apart). Each
//! connection is one task that writes the broadcast frames and reads votes,
//! with the same 4 KiB read buffer as hoidap.
//!
//! Usage: `fanout-ref 127.0.0.1:PORT`

use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, Change, ClientMsg, ServerMsg, VoteCount};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

#[derive(Default)]
struct Counts {
    votes: BTreeMap<u64, u32>,
    changed: BTreeSet<u64>,
    seq: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    let (tx, _) = broadcast::channel::<Utf8Bytes>(256);
    let counts = Arc::new(Mutex::new(Counts::default()));
    let voted = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(ticker(tx.clone(), counts.clone(), voted.clone()));
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let peer = (tx.subscribe(), counts.clone(), voted.clone());
        tokio::spawn(serve(stream, peer.0, peer.1, peer.2));
    }
}

async fn ticker(
    tx: broadcast::Sender<Utf8Bytes>,
    counts: Arc<Mutex<Counts>>,
    voted: Arc<tokio::sync::Notify>,
) {
    let mut prev = 0;
    let mut last = tokio::time::Instant::now();
    loop {
        voted.notified().await;
        // The previous delta must have reached every subscriber first.
        while !tx.is_empty() || last.elapsed() < Duration::from_millis(1) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        last = tokio::time::Instant::now();
        let msg = {
            let mut c = counts.lock().unwrap();
            if c.changed.is_empty() {
                continue;
            }
            let ids = std::mem::take(&mut c.changed);
            let counts = ids
                .into_iter()
                .map(|id| VoteCount {
                    id,
                    votes: c.votes[&id],
                    votes_top_source_share: None,
                })
                .collect();
            let msg = ServerMsg::Delta {
                epoch: "0123456789abcdef".into(),
                prev,
                seq: c.seq,
                changes: vec![Change::Votes { counts }],
            };
            prev = c.seq;
            msg
        };
        // Serialised once; every subscriber gets the same bytes.
        let frame = Utf8Bytes::from(serde_json::to_string(&msg).unwrap());
        let _ = tx.send(frame);
    }
}

async fn serve(
    stream: TcpStream,
    mut feed: broadcast::Receiver<Utf8Bytes>,
    counts: Arc<Mutex<Counts>>,
    voted: Arc<tokio::sync::Notify>,
) {
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    loop {
        tokio::select! {
            frame = feed.recv() => match frame {
                Ok(f) => if ws.send(Message::Text(f)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            msg = ws.next() => {
                let Some(Ok(Message::Text(text))) = msg else {
                    match msg { Some(Ok(_)) => continue, _ => return }
                };
                let Ok(ClientMsg::Request { id, action: Action::Vote { question, up } }) =
                    serde_json::from_str::<ClientMsg>(&text) else { continue };
                let seq = {
                    let mut c = counts.lock().unwrap();
                    c.seq += 1;
                    let v = c.votes.entry(question).or_insert(0);
                    *v = if up { *v + 1 } else { v.saturating_sub(1) };
                    c.changed.insert(question);
                    c.seq
                };
                voted.notify_one();
                let ack = ServerMsg::Ack { id, seq, question: None };
                let ack = Utf8Bytes::from(serde_json::to_string(&ack).unwrap());
                if ws.send(Message::Text(ack)).await.is_err() { return }
            }
        }
    }
}
