//! The systems under test: hoidap, the minimal tokio reference, the Node.js
//! `ws` peer and the Centrifuge (Go) peer. Each is started pinned to CPU 0
//! on a free loopback port and driven by the same generator.

use crate::load::{self, LoadConfig, Target};
use crate::server::{Peer, Spawned, free_addr, pinned};
use crate::wire::Dialect;
use anyhow::{Context, bail};
use hoidap_protocol::Role;
use hoidap_tests::Client;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    Hoidap,
    Reference,
    Node,
    Centrifuge,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Hoidap => "hoidap",
            System::Reference => "reference",
            System::Node => "node-ws",
            System::Centrifuge => "centrifuge",
        }
    }
}

impl std::str::FromStr for System {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "hoidap" => Ok(System::Hoidap),
            "reference" | "ref" => Ok(System::Reference),
            "node" | "node-ws" => Ok(System::Node),
            "centrifuge" => Ok(System::Centrifuge),
            _ => Err(format!("unknown system {s}")),
        }
    }
}

/// Where things are, and whether to pin.
pub struct Env {
    pub server: PathBuf,
    /// The reference binary, next to this one.
    pub reference: PathBuf,
    pub bench_dir: PathBuf,
    pub server_cpu: Option<String>,
    pub generator_cpu: Option<String>,
}

pub fn can_pin() -> bool {
    Command::new("taskset")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

impl Env {
    pub fn new(server: PathBuf, pin: bool) -> anyhow::Result<Env> {
        let exe = std::env::current_exe()?;
        let reference = exe.with_file_name("fanout-ref");
        let server_cpu = pin.then(|| "0".to_owned());
        crate::server::SERVER_CPU.get_or_init(|| server_cpu.clone());
        Ok(Env {
            server,
            reference,
            bench_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            server_cpu,
            generator_cpu: pin.then(|| "1".to_owned()),
        })
    }

    pub fn cpu(&self) -> Option<&str> {
        self.server_cpu.as_deref()
    }
}

/// Keeps the system's process alive for the run.
pub enum Running {
    Hoidap(Spawned),
    // Held for its Drop, which stops the process.
    #[allow(dead_code)]
    Peer(Peer),
}

/// Starts `system` and runs one fan-out load against it.
pub async fn fanout(
    env: &Env,
    system: System,
    cfg: &LoadConfig,
) -> anyhow::Result<serde_json::Value> {
    let (target, _running) = start(env, system, cfg).await?;
    let mut result = load::run(&target, cfg).await?;
    if let Running::Hoidap(server) = &_running {
        // The server's own view, to cross-check the generator's.
        let m = server.metrics().await?;
        let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
        result["server_metrics"] = serde_json::json!({
            "frames_sent_total": get("hoidap_frames_sent_total"),
            "resyncs_total": get("hoidap_resyncs_total"),
            "drops_total": get("hoidap_drops_total"),
            "log_commit_seconds_count": get("hoidap_log_commit_seconds_count"),
        });
        // Where a vote's time goes, from the server's histograms (means):
        // the durable commit, the wait for its feed's flush, the fan-out.
        let mean_ms = |name: &str| {
            let (sum, n) = (get(&format!("{name}_sum")), get(&format!("{name}_count")));
            (n > 0.0).then(|| (sum / n * 100_000.0).round() / 100.0)
        };
        result["server_breakdown_ms"] = serde_json::json!({
            "commit_mean": mean_ms("hoidap_log_commit_seconds"),
            "vote_wait_mean": mean_ms("hoidap_vote_wait_seconds"),
            "attendee_fanout_mean": mean_ms("hoidap_attendee_fanout_seconds"),
            "panel_fanout_mean": mean_ms("hoidap_panel_fanout_seconds"),
        });
    }
    Ok(result)
}

async fn start(env: &Env, system: System, cfg: &LoadConfig) -> anyhow::Result<(Target, Running)> {
    let peer_target = |peer: &Peer| Target {
        name: system.name().into(),
        addr: peer.addr,
        pid: peer.pid(),
        code: "PEER00".into(),
        moderator_secret: None,
        screen_secret: None,
        sends_snapshot: false,
        dialect: match system {
            System::Centrifuge => Dialect::Centrifuge,
            _ => Dialect::Hoidap,
        },
    };
    match system {
        System::Hoidap => {
            let server = Spawned::start_in(&env.server, env.cpu(), tempfile::tempdir()?).await?;
            let info = server.create_event_info("Benchmark", cfg.moderate).await?;
            let code = info["join_code"].as_str().context("code")?.to_owned();
            if !cfg.moderate {
                let mut asker = Client::join(&server.ws_url(), &code, Role::Attendee, None).await?;
                for q in 0..cfg.questions {
                    asker
                        .ask(&format!("Câu hỏi số {q} về công tác đánh giá cán bộ?"))
                        .await?;
                }
            }
            let secret = |k: &str| info[k].as_str().map(str::to_owned);
            let target = Target {
                name: system.name().into(),
                addr: server.addr,
                pid: server.pid(),
                code,
                moderator_secret: secret("moderator_secret"),
                screen_secret: secret("screen_secret"),
                sends_snapshot: true,
                dialect: Dialect::Hoidap,
            };
            Ok((target, Running::Hoidap(server)))
        }
        System::Reference => {
            let addr = free_addr()?;
            let mut cmd = pinned(&env.reference, env.cpu());
            cmd.arg(addr.to_string());
            let peer = Peer::start(cmd, addr).await?;
            Ok((peer_target(&peer), Running::Peer(peer)))
        }
        System::Node => {
            let dir = env.bench_dir.join("peer-node");
            npm_ci(&dir)?;
            let addr = free_addr()?;
            let mut cmd = pinned(Path::new("node"), env.cpu());
            cmd.arg(dir.join("server.js")).arg(addr.port().to_string());
            let peer = Peer::start(cmd, addr).await?;
            Ok((peer_target(&peer), Running::Peer(peer)))
        }
        System::Centrifuge => {
            let bin = crate::report::centrifuge_binary(env)?;
            let addr = free_addr()?;
            let mut cmd = pinned(&bin, env.cpu());
            cmd.arg(addr.to_string());
            let peer = Peer::start(cmd, addr).await?;
            Ok((peer_target(&peer), Running::Peer(peer)))
        }
    }
}

fn npm_ci(dir: &Path) -> anyhow::Result<()> {
    if dir.join("node_modules/ws").is_dir() {
        return Ok(());
    }
    let ok = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .context("npm")?
        .success();
    if !ok {
        bail!("npm ci failed in {}", dir.display());
    }
    Ok(())
}
