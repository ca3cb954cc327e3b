//! Attendee connections, in child processes ("shards") of the generator.
//!
//! One process may hold at most 20000 open files here, so attendees live in
//! shards of at most `SHARD_MAX` connections, each from its own 127.0.0.x
//! source address. The orchestrator talks to a shard over its stdin/stdout,
//! one JSON line per message: `ready`, then `snap` → counters, `stop` →
//! counters and arrivals.

use crate::wire::{self, Arrivals, Counters, Dialect, Kind};
use anyhow::{Context, bail};
use clap::ValueEnum;
use hoidap_protocol::{ResumeFrom, Role};
use std::net::{IpAddr, SocketAddr};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Semaphore, watch};

/// Attendee connections per shard process.
pub const SHARD_MAX: usize = 9_500;

#[derive(clap::Args, Clone, Debug)]
pub struct ShardArgs {
    #[arg(long)]
    pub addr: SocketAddr,
    #[arg(long)]
    pub code: String,
    #[arg(long)]
    pub connections: usize,
    #[arg(long)]
    pub source: IpAddr,
    /// Spread the joins over this many seconds (0: as fast as possible).
    #[arg(long, default_value_t = 0.0)]
    pub ramp_s: f64,
    /// Fraction of attendees that drop and reconnect (with resume) once,
    /// at a time spread over the first `churn_s` seconds (at least 2 s
    /// after their own join).
    #[arg(long, default_value_t = 0.0)]
    pub churn: f64,
    #[arg(long, default_value_t = 30.0)]
    pub churn_s: f64,
    /// Wait for a first frame before counting a connection ready (hoidap
    /// sends a snapshot at once; the peers send nothing until a delta).
    #[arg(long)]
    pub wait_first: bool,
    /// The client protocol the system under test speaks.
    #[arg(long, value_enum, default_value_t = Dialect::Hoidap)]
    pub dialect: Dialect,
    /// Hard limit: the shard exits by itself after this.
    #[arg(long, default_value_t = 900)]
    pub max_s: u64,
}

#[derive(Default)]
struct Shared {
    counters: Counters,
    arrivals: Arrivals,
    ready: usize,
    failed: usize,
}

/// The shard process's main.
pub async fn run(args: ShardArgs) -> anyhow::Result<()> {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let (stop_tx, stop) = watch::channel(false);
    let limit = Arc::new(Semaphore::new(128));
    let n = args.connections;
    let churn_every = if args.churn > 0.0 {
        (1.0 / args.churn).round().max(1.0) as usize
    } else {
        usize::MAX
    };
    let start = tokio::time::Instant::now();
    for i in 0..n {
        let (args, shared, stop, limit) =
            (args.clone(), shared.clone(), stop.clone(), limit.clone());
        let at = start + Duration::from_secs_f64(args.ramp_s * i as f64 / n as f64);
        // A deterministic spread of churn times, no RNG needed.
        let churn_at = (i % churn_every == churn_every / 2).then(|| {
            let frac = ((i * 7919) % 1000) as f64 / 1000.0;
            (start + Duration::from_secs_f64(args.churn_s * frac)).max(at + Duration::from_secs(2))
        });
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            attendee(args, shared, stop, limit, churn_at).await;
        });
    }
    // Ready once every connection is in (or failed).
    let deadline = start + Duration::from_secs(args.max_s);
    loop {
        let (ready, failed) = {
            let s = shared.lock().unwrap();
            (s.ready, s.failed)
        };
        if ready + failed >= n || tokio::time::Instant::now() > deadline {
            println!("{}", serde_json::json!({"ready": ready, "failed": failed}));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = tokio::select! {
            l = stdin.next_line() => l?,
            _ = tokio::time::sleep_until(deadline) => None,
        };
        let s = shared.lock().unwrap();
        match line.as_deref() {
            Some("snap") => println!("{}", serde_json::to_string(&s.counters)?),
            Some("stop") => {
                let _ = stop_tx.send(true);
                let arrivals: Vec<(u64, u64)> = s.arrivals.iter().map(|(k, v)| (*k, *v)).collect();
                let out = serde_json::json!({"counters": s.counters, "arrivals": arrivals});
                println!("{out}");
                return Ok(());
            }
            Some(_) => {}
            None => return Ok(()),
        }
    }
}

async fn attendee(
    args: ShardArgs,
    shared: Arc<Mutex<Shared>>,
    mut stop: watch::Receiver<bool>,
    limit: Arc<Semaphore>,
    mut churn_at: Option<tokio::time::Instant>,
) {
    let mut resume: Option<ResumeFrom> = None;
    let mut first = true;
    loop {
        let ws = {
            let _permit = limit.acquire().await;
            connect(&args, resume.clone()).await
        };
        let Ok(mut ws) = ws else {
            if first {
                shared.lock().unwrap().failed += 1;
            }
            return;
        };
        if first && !args.wait_first {
            shared.lock().unwrap().ready += 1;
        }
        let mut snapshots = 0;
        let mut epoch: Option<String> = resume.as_ref().map(|r| r.epoch.clone());
        let mut held = resume.as_ref().map_or(0, |r| r.seq);
        let churn_when = churn_at;
        let churn = async move {
            match churn_when {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(churn);
        loop {
            tokio::select! {
                text = wire::next_text(&mut ws) => {
                    let now = wire::now_us();
                    let Some(text) = text else {
                        if !*stop.borrow() {
                            shared.lock().unwrap().counters.drops += 1;
                        }
                        return;
                    };
                    let mut s = shared.lock().unwrap();
                    s.counters.bytes += text.len() as u64;
                    if first {
                        first = false;
                        if args.wait_first {
                            s.ready += 1;
                        }
                    }
                    // One message per frame, except for Centrifuge.
                    for msg in wire::messages(args.dialect, &text) {
                        s.counters.frames += 1;
                        match wire::kind(msg) {
                            Kind::Delta => {
                                if let Some(seq) = wire::seq_of(msg) {
                                    let t = s.arrivals.entry(seq).or_insert(0);
                                    *t = (*t).max(now);
                                    held = held.max(seq);
                                }
                                if epoch.is_none() {
                                    epoch = wire::epoch_of(msg);
                                }
                            }
                            Kind::Snapshot => {
                                snapshots += 1;
                                if snapshots > 1 || resume.is_some() {
                                    s.counters.resyncs += 1;
                                }
                                epoch = wire::epoch_of(msg);
                                held = wire::seq_of(msg).unwrap_or(held);
                            }
                            _ => {}
                        }
                    }
                }
                _ = &mut churn => {
                    // A phone that walks out of range and comes back: close,
                    // then resume from the position it holds.
                    churn_at = None;
                    let _ = futures_util::SinkExt::close(&mut ws).await;
                    shared.lock().unwrap().counters.reconnects += 1;
                    resume = epoch.clone().map(|epoch| ResumeFrom { epoch, seq: held });
                    break;
                }
                _ = stop.changed() => return,
            }
        }
    }
}

async fn connect(args: &ShardArgs, resume: Option<ResumeFrom>) -> anyhow::Result<wire::Ws> {
    let mut ws = wire::connect(args.addr, Some(args.source)).await?;
    wire::join(
        &mut ws,
        args.dialect,
        &args.code,
        Role::Attendee,
        None,
        resume,
    )
    .await?;
    Ok(ws)
}

/// The orchestrator's handle on one shard process.
pub struct Shard {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    pub ready: usize,
    pub failed: usize,
}

impl Shard {
    /// Starts `connections` attendees in a child process (pinned to `cpu`
    /// when given) and waits until they are in.
    pub async fn spawn(args: &ShardArgs, cpu: Option<&str>) -> anyhow::Result<Shard> {
        let exe = std::env::current_exe()?;
        let mut cmd = match cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpu]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.arg("shard")
            .args(["--addr", &args.addr.to_string(), "--code", &args.code])
            .args(["--connections", &args.connections.to_string()])
            .args(["--source", &args.source.to_string()])
            .args(["--ramp-s", &args.ramp_s.to_string()])
            .args(["--churn", &args.churn.to_string()])
            .args(["--churn-s", &args.churn_s.to_string()])
            .args(["--max-s", &args.max_s.to_string()]);
        if args.wait_first {
            cmd.arg("--wait-first");
        }
        if let Some(dialect) = args.dialect.to_possible_value() {
            cmd.args(["--dialect", dialect.get_name()]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting a shard")?;
        let stdin = child.stdin.take().context("stdin")?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let line = lines.next_line().await?.context("shard ended early")?;
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let ready = v["ready"].as_u64().context("ready")? as usize;
        let failed = v["failed"].as_u64().unwrap_or(0) as usize;
        Ok(Shard {
            child,
            stdin,
            lines,
            ready,
            failed,
        })
    }

    async fn ask(&mut self, cmd: &str) -> anyhow::Result<String> {
        self.stdin.write_all(format!("{cmd}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        match self.lines.next_line().await? {
            Some(l) => Ok(l),
            None => bail!("shard ended"),
        }
    }

    pub async fn snap(&mut self) -> anyhow::Result<Counters> {
        Ok(serde_json::from_str(&self.ask("snap").await?)?)
    }

    /// Stops the shard; returns its counters and arrivals.
    pub async fn stop(mut self) -> anyhow::Result<(Counters, Arrivals)> {
        let line = self.ask("stop").await?;
        let _ = self.child.wait().await;
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let counters = serde_json::from_value(v["counters"].clone())?;
        let arrivals: Vec<(u64, u64)> = serde_json::from_value(v["arrivals"].clone())?;
        Ok((counters, arrivals.into_iter().collect()))
    }
}
