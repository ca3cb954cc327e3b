//! One fan-out run against one system under test: N attendees (in shard
//! processes), a screen, a moderator and V voters voting and un-voting at a
//! paced rate through the real protocol; the measurement window is
//! bracketed by counter snapshots and the server's /proc CPU time.

use crate::server::{cpu_seconds, rss_kib};
use crate::shard::{SHARD_MAX, Shard, ShardArgs};
use crate::wire::{self, Arrivals, Counters, Dialect, Kind, Sent};
use futures_util::SinkExt;
use hoidap_protocol::{Action, ClientMsg, Role};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Everything a run needs to know about the system under test.
pub struct Target {
    pub name: String,
    pub addr: SocketAddr,
    pub pid: u32,
    pub code: String,
    pub moderator_secret: Option<String>,
    pub screen_secret: Option<String>,
    /// The system sends a snapshot on join (hoidap): wait for it.
    pub sends_snapshot: bool,
    /// The client protocol it speaks.
    pub dialect: Dialect,
}

#[derive(Clone, Debug)]
pub struct LoadConfig {
    pub attendees: usize,
    pub voters: usize,
    pub votes_per_s: f64,
    /// Question ids voted on: 1..=questions (all live).
    pub questions: u64,
    pub warmup_s: f64,
    pub window_s: f64,
    /// Joins spread over this long; voting starts with the first join.
    pub ramp_s: f64,
    pub churn: f64,
    /// Hall mode: each voter asks one question first, the moderator
    /// approves each and sets a current question every 5 s; votes go only
    /// to approved questions.
    pub moderate: bool,
    /// CPU for the shard processes (the orchestrator pins itself).
    pub cpu: Option<String>,
}

const VOTER_SOURCE: [u8; 4] = [127, 0, 0, 2];

#[derive(Default)]
struct Local {
    counters: Counters,
    screen: Arrivals,
    votes: Vec<Sent>,
    actions: Vec<Sent>,
    refused: u64,
}

pub async fn run(t: &Target, cfg: &LoadConfig) -> anyhow::Result<Value> {
    let rss_base = rss_kib(t.pid)?;
    let local = Arc::new(Mutex::new(Local::default()));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let approved = Arc::new(Mutex::new(Vec::<u64>::new()));
    if !cfg.moderate {
        approved.lock().unwrap().extend(1..=cfg.questions);
    }
    let (asked_tx, asked_rx) = mpsc::unbounded_channel::<u64>();
    // The screen and the moderator first, so they see everything.
    let screen = client(t, Role::Screen, t.screen_secret.as_deref()).await?;
    let mut tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>> = Vec::new();
    tasks.push(tokio::spawn(reader(
        screen,
        t.dialect,
        local.clone(),
        stop.clone(),
        true,
    )));
    let moderator = client(t, Role::Moderator, t.moderator_secret.as_deref()).await?;
    if cfg.moderate {
        let m = moderate(
            moderator,
            t.dialect,
            asked_rx,
            approved.clone(),
            local.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(m));
    } else {
        tasks.push(tokio::spawn(reader(
            moderator,
            t.dialect,
            local.clone(),
            stop.clone(),
            false,
        )));
    }
    // Attendees, in shards from their own source addresses.
    let shards_n = cfg.attendees.div_ceil(SHARD_MAX).max(1);
    let mut starting = Vec::new();
    for k in 0..shards_n {
        let n = cfg.attendees / shards_n + usize::from(k < cfg.attendees % shards_n);
        let args = ShardArgs {
            addr: t.addr,
            code: t.code.clone(),
            connections: n,
            source: IpAddr::from([127, 0, 0, 10 + k as u8]),
            ramp_s: cfg.ramp_s,
            churn: cfg.churn,
            churn_s: (cfg.ramp_s + cfg.warmup_s + cfg.window_s) * 0.8,
            wait_first: t.sends_snapshot,
            dialect: t.dialect,
            max_s: (cfg.ramp_s + cfg.warmup_s + cfg.window_s) as u64 + 600,
        };
        let cpu = cfg.cpu.clone();
        starting.push(tokio::spawn(async move {
            Shard::spawn(&args, cpu.as_deref()).await
        }));
    }
    let join_started = std::time::Instant::now();
    let mut shards = Vec::new();
    if cfg.ramp_s == 0.0 {
        for s in starting.drain(..) {
            shards.push(s.await??);
        }
    }
    let join_s = join_started.elapsed().as_secs_f64();
    // Memory per connection: every attendee has read (its hello) and, for
    // hoidap, received its snapshot.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_joined = rss_kib(t.pid)?;
    // Voters.
    let vote_until = tokio::time::Instant::now()
        + Duration::from_secs_f64(cfg.ramp_s.max(0.0) + cfg.warmup_s + cfg.window_s);
    for v in 0..cfg.voters {
        let ws = wire::connect(t.addr, Some(IpAddr::from(VOTER_SOURCE))).await?;
        let voter = Voter {
            index: v,
            count: cfg.voters,
            interval: Duration::from_secs_f64(cfg.voters as f64 / cfg.votes_per_s),
            until: vote_until,
            ask: cfg.moderate,
            dialect: t.dialect,
            approved: approved.clone(),
            asked: asked_tx.clone(),
        };
        tasks.push(tokio::spawn(voter.run(
            ws,
            t.code.clone(),
            local.clone(),
            stop.clone(),
        )));
    }
    if cfg.ramp_s > 0.0 {
        for s in starting.drain(..) {
            shards.push(s.await??);
        }
    }
    let ready: usize = shards.iter().map(|s| s.ready).sum();
    let failed: usize = shards.iter().map(|s| s.failed).sum();
    let sleep_warm = (cfg.ramp_s + cfg.warmup_s - join_started.elapsed().as_secs_f64()).max(0.5);
    tokio::time::sleep(Duration::from_secs_f64(sleep_warm)).await;
    // The window.
    let (c0, cpu0, win0) = (
        snap(&mut shards, &local).await?,
        cpu_seconds(t.pid)?,
        wire::now_us(),
    );
    let rss0 = rss_kib(t.pid)?;
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(cfg.window_s);
    let mut rss_max = rss0;
    while tokio::time::Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_max = rss_max.max(rss_kib(t.pid)?);
    }
    let (c1, cpu1, win1) = (
        snap(&mut shards, &local).await?,
        cpu_seconds(t.pid)?,
        wire::now_us(),
    );
    let rss1 = rss_kib(t.pid)?;
    // Let the last votes become visible everywhere, then stop.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut arrivals = Arrivals::new();
    let mut total = Counters::default();
    for s in shards {
        let (c, a) = s.stop().await?;
        total.add(&c);
        for (seq, at) in a {
            let e = arrivals.entry(seq).or_insert(0);
            *e = (*e).max(at);
        }
    }
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    let l = local.lock().unwrap();
    let in_window = |s: &&Sent| s.sent_us >= win0 && s.sent_us <= win1;
    let votes: Vec<Sent> = l.votes.iter().filter(in_window).copied().collect();
    let (screen_lat, screen_unseen) = wire::latencies(&votes, &l.screen);
    let (last_lat, last_unseen) = wire::latencies(&votes, &arrivals);
    let (act_screen, _) = wire::latencies(&l.actions, &l.screen);
    let (act_last, _) = wire::latencies(&l.actions, &arrivals);
    let d = c1.since(&c0);
    let secs = (win1 - win0) as f64 / 1e6;
    let cpu = cpu1 - cpu0;
    let conns = cfg.attendees + cfg.voters + 2;
    Ok(json!({
        "system": t.name,
        "attendees": cfg.attendees,
        "connected": ready,
        "failed_to_connect": failed,
        "voters": cfg.voters,
        "votes_per_s_target": cfg.votes_per_s,
        "votes_acked_per_s": wire::round1(votes.len() as f64 / secs),
        "votes_acked_total": l.votes.len(),
        "votes_refused": l.refused,
        "join_s": wire::round1(join_s),
        "window_s": wire::round1(secs),
        "vote_to_screen": wire::percentiles(screen_lat),
        "vote_to_last_attendee": wire::percentiles(last_lat),
        "votes_unseen": {"screen": screen_unseen, "last_attendee": last_unseen},
        "action_to_screen": wire::percentiles(act_screen),
        "action_to_last_attendee": wire::percentiles(act_last),
        "frames_per_s": (d.frames as f64 / secs).round(),
        "bytes_per_s": (d.bytes as f64 / secs).round(),
        "bytes_per_frame": d.bytes.checked_div(d.frames).unwrap_or(0),
        "server_cpu_cores": wire::round1(cpu / secs * 100.0) / 100.0,
        "server_cpu_us_per_frame": if d.frames > 0 { wire::round1(cpu * 1e6 / d.frames as f64) } else { 0.0 },
        "frames_per_cpu_s": if cpu > 0.0 { (d.frames as f64 / cpu).round() } else { 0.0 },
        "rss_base_kib": rss_base,
        "rss_joined_kib": rss_joined,
        "kib_per_connection": wire::round1(rss_joined.saturating_sub(rss_base) as f64 / conns as f64),
        "rss_window_start_kib": rss0,
        "rss_window_end_kib": rss1,
        "rss_window_max_kib": rss_max,
        "resyncs": total.resyncs + l.counters.resyncs,
        "drops": total.drops + l.counters.drops,
        "reconnects": total.reconnects,
    }))
}

async fn snap(shards: &mut [Shard], local: &Mutex<Local>) -> anyhow::Result<Counters> {
    let mut c = local.lock().unwrap().counters;
    for s in shards.iter_mut() {
        c.add(&s.snap().await?);
    }
    Ok(c)
}

async fn client(t: &Target, role: Role, secret: Option<&str>) -> anyhow::Result<wire::Ws> {
    let mut ws = wire::connect(t.addr, None).await?;
    wire::join(&mut ws, t.dialect, &t.code, role, secret, None).await?;
    Ok(ws)
}

/// Counts frames; the screen also records when each delta arrived.
async fn reader(
    mut ws: wire::Ws,
    dialect: Dialect,
    local: Arc<Mutex<Local>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    screen: bool,
) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            text = wire::next_text(&mut ws) => {
                let now = wire::now_us();
                let mut l = local.lock().unwrap();
                let Some(text) = text else {
                    if !*stop.borrow() { l.counters.drops += 1; }
                    return Ok(());
                };
                count(&mut l, dialect, &text, now, screen);
            }
            _ = stop.changed() => return Ok(()),
        }
    }
}

/// Counts a frame's bytes and its messages (one, except for Centrifuge,
/// which may join several in a frame); the screen records its deltas.
fn count(l: &mut Local, dialect: Dialect, text: &str, now: u64, screen: bool) {
    l.counters.bytes += text.len() as u64;
    for msg in wire::messages(dialect, text) {
        l.counters.frames += 1;
        if screen
            && wire::kind(msg) == Kind::Delta
            && let Some(seq) = wire::seq_of(msg)
        {
            l.screen.entry(seq).or_insert(now);
        }
    }
}

struct Voter {
    index: usize,
    count: usize,
    interval: Duration,
    until: tokio::time::Instant,
    ask: bool,
    dialect: Dialect,
    approved: Arc<Mutex<Vec<u64>>>,
    asked: mpsc::UnboundedSender<u64>,
}

impl Voter {
    /// Votes and un-votes at its share of the rate; records each vote's
    /// send time against the position its ack reports.
    async fn run(
        self,
        mut ws: wire::Ws,
        code: String,
        local: Arc<Mutex<Local>>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        wire::join(&mut ws, self.dialect, &code, Role::Attendee, None, None).await?;
        // Centrifuge numbers its commands (1 was the connect).
        let mut commands = 1u32;
        let phase = self.interval.mul_f64(self.index as f64 / self.count as f64);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + phase, self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut sent: HashMap<String, (u64, bool)> = HashMap::new();
        let mut up: HashMap<u64, bool> = HashMap::new();
        let mut n = 0u64;
        if self.ask {
            // Spread the questions over the first 20 s, as a hall would.
            let wait = Duration::from_secs_f64(20.0 * self.index as f64 / self.count as f64);
            tokio::time::sleep(wait).await;
            let text = format!("Câu hỏi số {} về công tác đánh giá cán bộ?", self.index);
            let action = Action::Ask {
                text,
                name: None,
                unit: None,
                anonymous: false,
                identity: None,
                topic: None,
                official: None,
            };
            send(&mut ws, self.dialect, &mut commands, "ask".into(), action).await?;
        }
        loop {
            tokio::select! {
                _ = tick.tick(), if tokio::time::Instant::now() < self.until => {
                    let question = {
                        let ids = self.approved.lock().unwrap();
                        if ids.is_empty() { continue; }
                        ids[(self.index + n as usize * 7) % ids.len()]
                    };
                    n += 1;
                    // Toggle, so every vote is a real change and a log entry.
                    let vote = !up.get(&question).copied().unwrap_or(false);
                    up.insert(question, vote);
                    let id = format!("v{n}");
                    sent.insert(id.clone(), (wire::now_us(), true));
                    let action = Action::Vote { question, up: vote };
                    send(&mut ws, self.dialect, &mut commands, id, action).await?;
                }
                text = wire::next_text(&mut ws) => {
                    let now = wire::now_us();
                    let Some(text) = text else {
                        if !*stop.borrow() { local.lock().unwrap().counters.drops += 1; }
                        return Ok(());
                    };
                    let mut l = local.lock().unwrap();
                    count(&mut l, self.dialect, &text, now, false);
                    for msg in wire::messages(self.dialect, &text) {
                        if wire::kind(msg) == Kind::Ack {
                            let id = ack_id(msg);
                            if id == "ask" {
                                if let Some(q) = wire::number_after(msg, r#""question":{"id":"#) {
                                    let _ = self.asked.send(q);
                                }
                            } else if let (Some((at, _)), Some(seq)) = (sent.remove(id), wire::seq_of(msg)) {
                                l.votes.push(Sent { sent_us: at, seq });
                            }
                        } else if msg.starts_with(r#"{"type":"error""#) {
                            l.refused += 1;
                        }
                    }
                }
                _ = stop.changed() => return Ok(()),
            }
        }
    }
}

fn ack_id(text: &str) -> &str {
    let key = r#""id":""#;
    let Some(at) = text.find(key).map(|a| a + key.len()) else {
        return "";
    };
    text[at..].split('"').next().unwrap_or("")
}

/// Sends a request; `commands` numbers Centrifuge's RPC commands.
async fn send(
    ws: &mut wire::Ws,
    dialect: Dialect,
    commands: &mut u32,
    id: String,
    action: Action,
) -> anyhow::Result<()> {
    *commands += 1;
    let msg = ClientMsg::Request { id, action };
    ws.send(Message::text(wire::request(dialect, *commands, &msg)?))
        .await?;
    Ok(())
}

/// The podium: approves every question as it comes in, and every 5 s makes
/// the next one current. Each action's latency is measured like a vote's.
async fn moderate(
    mut ws: wire::Ws,
    dialect: Dialect,
    mut asked: mpsc::UnboundedReceiver<u64>,
    approved: Arc<Mutex<Vec<u64>>>,
    local: Arc<Mutex<Local>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut sent: HashMap<String, (u64, u64)> = HashMap::new();
    let mut current = tokio::time::interval(Duration::from_secs(5));
    let mut n = 0u64;
    let mut commands = 1u32;
    loop {
        tokio::select! {
            Some(q) = asked.recv() => {
                n += 1;
                sent.insert(format!("a{n}"), (wire::now_us(), q));
                let action = Action::Approve { question: q };
                send(&mut ws, dialect, &mut commands, format!("a{n}"), action).await?;
            }
            _ = current.tick() => {
                let pick = {
                    let ids = approved.lock().unwrap();
                    (!ids.is_empty()).then(|| ids[n as usize % ids.len()])
                };
                if let Some(q) = pick {
                    n += 1;
                    sent.insert(format!("c{n}"), (wire::now_us(), 0));
                    let action = Action::SetCurrent { question: q };
                    send(&mut ws, dialect, &mut commands, format!("c{n}"), action).await?;
                }
            }
            text = wire::next_text(&mut ws) => {
                let now = wire::now_us();
                let Some(text) = text else { return Ok(()) };
                let mut l = local.lock().unwrap();
                count(&mut l, dialect, &text, now, false);
                for msg in wire::messages(dialect, &text) {
                    if wire::kind(msg) == Kind::Ack
                        && let (Some((at, q)), Some(seq)) = (sent.remove(ack_id(msg)), wire::seq_of(msg))
                    {
                        l.actions.push(Sent { sent_us: at, seq });
                        if q > 0 {
                            approved.lock().unwrap().push(q);
                        }
                    }
                }
            }
            _ = stop.changed() => return Ok(()),
        }
    }
}
