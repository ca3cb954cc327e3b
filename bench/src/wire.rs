//! The load generator's building blocks: raw WebSocket clients bound to a
//! chosen 127.0.0.x source address, and the cheap frame reading that lets
//! 19k connections be followed from one core.
//!
//! Latency method (docs/performance.md): every vote is acknowledged with its
//! log position `seq`, and every delta says the position it brings the
//! client to. A vote is visible to a client at the arrival of the first
//! delta whose `seq` is at least the vote's. The screen records every
//! arrival; attendees record, per delta `seq`, the latest arrival over all
//! of them, which is "the last attendee".

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{ClientMsg, PROTOCOL_VERSION, ResumeFrom, Role};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Ws = WebSocketStream<TcpStream>;

/// Wall-clock microseconds: comparable across the generator's processes.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Opens a WebSocket from `source` (port chosen by the kernel). Small
/// buffers: the default 128 KiB read buffer would cost 2.4 GiB at 19k.
pub async fn connect(addr: SocketAddr, source: Option<IpAddr>) -> anyhow::Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket
        .connect(addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://{addr}/ws"),
        stream,
        Some(config),
    )
    .await?;
    Ok(ws)
}

/// The client protocol a system under test speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// hoidap's frames (hoidap, the reference, Node): one JSON message per
    /// WebSocket frame.
    #[default]
    Hoidap,
    /// Centrifuge's JSON protocol (v0.15): a `connect` command first,
    /// requests as RPC commands, replies and publications wrapped
    /// (`{"id":N,"result":{"data":…}}`, `{"result":{"channel":…,"data":{"data":…}}}`),
    /// and up to four newline-terminated messages in one frame.
    Centrifuge,
}

/// Centrifuge's connect command (method 0). The peer accepts anyone and
/// subscribes the connection to its channel on the server side.
const CENTRIFUGE_CONNECT: &str = r#"{"id":1,"method":0,"params":{}}"#;

/// Joins in the system's dialect: hoidap's hello, or Centrifuge's connect.
pub async fn join(
    ws: &mut Ws,
    dialect: Dialect,
    code: &str,
    role: Role,
    secret: Option<&str>,
    resume: Option<ResumeFrom>,
) -> anyhow::Result<()> {
    match dialect {
        Dialect::Hoidap => hello(ws, code, role, secret, resume).await,
        Dialect::Centrifuge => {
            ws.send(Message::text(CENTRIFUGE_CONNECT)).await?;
            Ok(())
        }
    }
}

/// A request frame: hoidap's request as it is, or for Centrifuge the same
/// JSON as the data of an RPC command (method 9) numbered `command` (> 1:
/// the connect command is 1).
pub fn request(dialect: Dialect, command: u32, msg: &ClientMsg) -> anyhow::Result<String> {
    let json = serde_json::to_string(msg)?;
    Ok(match dialect {
        Dialect::Hoidap => json,
        Dialect::Centrifuge => {
            format!(r#"{{"id":{command},"method":9,"params":{{"data":{json}}}}}"#)
        }
    })
}

/// The messages in a frame, each as the hoidap-shaped JSON that `kind` and
/// `seq_of` read: for hoidap the frame itself; for Centrifuge every
/// newline-terminated message, from its payload on (still without parsing).
pub fn messages(dialect: Dialect, text: &str) -> impl Iterator<Item = &str> {
    let (whole, split) = match dialect {
        Dialect::Hoidap => (Some(text), None),
        Dialect::Centrifuge => (None, Some(text.split('\n').filter(|m| !m.is_empty()))),
    };
    whole
        .into_iter()
        .chain(split.into_iter().flatten().map(centrifuge_payload))
}

/// A Centrifuge message's payload: a publication push or an RPC reply
/// carries our JSON, the first `{"type":` in the message; an error reply
/// reads as hoidap's error; anything else (the connect reply) is left as it
/// is and reads as `Kind::Other`.
fn centrifuge_payload(message: &str) -> &str {
    match message.find(r#"{"type":"#) {
        Some(at) => &message[at..],
        None if message.contains(r#""error":{"#) => r#"{"type":"error"}"#,
        None => message,
    }
}

/// Sends the protocol hello. Peers (reference, Node) ignore it.
pub async fn hello(
    ws: &mut Ws,
    code: &str,
    role: Role,
    secret: Option<&str>,
    resume: Option<ResumeFrom>,
) -> anyhow::Result<()> {
    let msg = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        join_code: code.to_owned(),
        role,
        secret: secret.map(str::to_owned),
        participant_token: None,
        delegate_code: None,
        resume,
    };
    ws.send(Message::text(serde_json::to_string(&msg)?)).await?;
    Ok(())
}

/// What kind of frame arrived, read without parsing the JSON: a client that
/// parsed every delta would measure its own parser, not the server.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    Delta,
    Snapshot,
    Ack,
    Other,
}

pub fn kind(text: &str) -> Kind {
    let head = &text[..text.len().min(24)];
    if head.starts_with(r#"{"type":"delta""#) {
        Kind::Delta
    } else if head.starts_with(r#"{"type":"snapshot""#) {
        Kind::Snapshot
    } else if head.starts_with(r#"{"type":"ack""#) {
        Kind::Ack
    } else {
        Kind::Other
    }
}

/// The first `"seq":N` of a frame: a delta's position, a snapshot's, an ack's.
pub fn seq_of(text: &str) -> Option<u64> {
    number_after(text, r#""seq":"#)
}

pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    let digits: &str = &text[at..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// The `"epoch":"…"` of a snapshot or delta, for resuming.
pub fn epoch_of(text: &str) -> Option<String> {
    let key = r#""epoch":""#;
    let at = text.find(key)? + key.len();
    let end = text[at..].find('"')?;
    Some(text[at..at + end].to_owned())
}

/// Counters a group of clients keeps; snapshots are diffed over the window.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    pub frames: u64,
    pub bytes: u64,
    pub resyncs: u64,
    pub drops: u64,
    pub reconnects: u64,
}

impl Counters {
    pub fn add(&mut self, o: &Counters) {
        self.frames += o.frames;
        self.bytes += o.bytes;
        self.resyncs += o.resyncs;
        self.drops += o.drops;
        self.reconnects += o.reconnects;
    }
    pub fn since(&self, before: &Counters) -> Counters {
        Counters {
            frames: self.frames - before.frames,
            bytes: self.bytes - before.bytes,
            resyncs: self.resyncs - before.resyncs,
            drops: self.drops - before.drops,
            reconnects: self.reconnects - before.reconnects,
        }
    }
}

/// Per delta `seq`: the latest arrival (µs) over every client that got it.
pub type Arrivals = BTreeMap<u64, u64>;

/// A vote (or moderator action) sent at `sent_us`, acknowledged at `seq`.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub sent_us: u64,
    pub seq: u64,
}

/// Latency (µs) of each action to the first arrival at or past its `seq`,
/// and how many were never seen.
pub fn latencies(sent: &[Sent], arrivals: &Arrivals) -> (Vec<u64>, usize) {
    let mut out = Vec::with_capacity(sent.len());
    let mut unseen = 0;
    for s in sent {
        match arrivals.range(s.seq..).next() {
            Some((_, &t)) => out.push(t.saturating_sub(s.sent_us)),
            None => unseen += 1,
        }
    }
    (out, unseen)
}

/// p50, p99, max in milliseconds.
pub fn percentiles(mut us: Vec<u64>) -> serde_json::Value {
    if us.is_empty() {
        return serde_json::json!({"n": 0});
    }
    us.sort_unstable();
    let at = |p: f64| us[((us.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0;
    serde_json::json!({
        "n": us.len(),
        "p50_ms": round1(at(0.5)),
        "p99_ms": round1(at(0.99)),
        "max_ms": round1(at(1.0)),
    })
}

pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Reads the next text frame; `None` when the connection ended.
pub async fn next_text(ws: &mut Ws) -> Option<tokio_tungstenite::tungstenite::Utf8Bytes> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(t)) => return Some(t),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_positions_without_parsing() {
        let d = r#"{"type":"delta","epoch":"ab12","prev":4,"seq":17,"changes":[]}"#;
        assert_eq!(kind(d), Kind::Delta);
        assert_eq!(seq_of(d), Some(17));
        assert_eq!(epoch_of(d).as_deref(), Some("ab12"));
        let s = r#"{"type":"snapshot","snapshot":{"epoch":"ab12","seq":9}}"#;
        assert_eq!(kind(s), Kind::Snapshot);
        assert_eq!(seq_of(s), Some(9));
        let mut arr = Arrivals::new();
        arr.insert(10, 1_000);
        arr.insert(20, 5_000);
        let sent = [
            Sent { sent_us: 0, seq: 9 },
            Sent {
                sent_us: 0,
                seq: 11,
            },
            Sent {
                sent_us: 0,
                seq: 21,
            },
        ];
        assert_eq!(latencies(&sent, &arr), (vec![1_000, 5_000], 1));
    }

    #[test]
    fn reads_centrifuge_frames() {
        // A frame is read as it is in hoidap's dialect, even with newlines.
        let d = r#"{"type":"delta","epoch":"e","prev":1,"seq":2,"changes":[]}"#;
        assert_eq!(messages(Dialect::Hoidap, d).collect::<Vec<_>>(), [d]);
        // Centrifuge: a connect reply, an RPC reply and two publications in
        // one frame, as its writer joins queued messages.
        let frame = concat!(
            r#"{"id":1,"result":{"client":"c0ffee","subs":{"hall":{}}}}"#,
            "\n",
            r#"{"id":2,"result":{"data":{"type":"ack","id":"v1","seq":7}}}"#,
            "\n",
            r#"{"result":{"channel":"hall","data":{"data":{"type":"delta","epoch":"e","prev":5,"seq":7,"changes":[]}}}}"#,
            "\n",
            r#"{"result":{"channel":"hall","data":{"data":{"type":"delta","epoch":"e","prev":7,"seq":9,"changes":[]}}}}"#,
            "\n",
            r#"{"id":3,"error":{"code":107,"message":"bad request"}}"#,
            "\n",
        );
        let got: Vec<(Kind, Option<u64>)> = messages(Dialect::Centrifuge, frame)
            .map(|m| (kind(m), seq_of(m)))
            .collect();
        assert_eq!(
            got,
            [
                (Kind::Other, None),
                (Kind::Ack, Some(7)),
                (Kind::Delta, Some(7)),
                (Kind::Delta, Some(9)),
                (Kind::Other, None),
            ]
        );
        let msgs: Vec<&str> = messages(Dialect::Centrifuge, frame).collect();
        assert!(msgs[4].starts_with(r#"{"type":"error""#));
        assert_eq!(epoch_of(msgs[2]).as_deref(), Some("e"));
        let vote = ClientMsg::Request {
            id: "v1".into(),
            action: hoidap_protocol::Action::Vote {
                question: 3,
                up: true,
            },
        };
        let rpc = request(Dialect::Centrifuge, 2, &vote).unwrap();
        assert!(
            rpc.starts_with(r#"{"id":2,"method":9,"params":{"data":{"type":"request","id":"v1""#)
        );
        assert_eq!(
            request(Dialect::Hoidap, 2, &vote).unwrap(),
            serde_json::to_string(&vote).unwrap()
        );
    }
}
