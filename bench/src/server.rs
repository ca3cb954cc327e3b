//! The server under test, as a child process on a free loopback port.

use anyhow::{Context, bail};
use hoidap_tests::http_request;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Spawned {
    pub addr: SocketAddr,
    child: Child,
    admin_token: String,
    /// From spawning the process to its first healthy answer.
    pub startup: Duration,
    _dir: tempfile::TempDir,
}

/// The CPU every server is pinned to (set once by `main`; `None`: unpinned).
pub static SERVER_CPU: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// A free loopback port, reserved then released for the child to take.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    Ok(format!("127.0.0.1:{port}").parse()?)
}

/// `program args…`, run under `taskset -c CPU` when pinned.
pub fn pinned(program: &Path, cpu: Option<&str>) -> Command {
    match cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpu]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Another system under test (reference or peer server): a child process
/// listening on `addr`, ready once it accepts TCP connections.
pub struct Peer {
    pub addr: SocketAddr,
    child: Child,
}

impl Peer {
    pub async fn start(mut cmd: Command, addr: SocketAddr) -> anyhow::Result<Peer> {
        let child = cmd
            .stdout(Stdio::null())
            .spawn()
            .context("starting a peer server")?;
        let mut peer = Peer { addr, child };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(peer);
            }
            if let Ok(Some(status)) = peer.child.try_wait() {
                bail!("peer server exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("peer server did not start listening")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process, KiB.
pub use hoidap_tests::rss_kib;

/// User + system CPU seconds a process has used so far.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may contain spaces).
    let rest = stat.rsplit_once(')').context("stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / 100.0)
}

impl Spawned {
    pub async fn start(bin: &Path) -> anyhow::Result<Spawned> {
        Self::start_with_args(bin, &[]).await
    }

    /// Like [`Spawned::start`], with `extra` arguments to `hoidap serve`.
    pub async fn start_with_args(bin: &Path, extra: &[&str]) -> anyhow::Result<Spawned> {
        let cpu = SERVER_CPU.get().cloned().flatten();
        Self::start_in_with(bin, cpu.as_deref(), tempfile::tempdir()?, extra).await
    }

    /// Starts the server on `dir`, pinned to `cpu` when given.
    pub async fn start_in(
        bin: &Path,
        cpu: Option<&str>,
        dir: tempfile::TempDir,
    ) -> anyhow::Result<Spawned> {
        Self::start_in_with(bin, cpu, dir, &[]).await
    }

    async fn start_in_with(
        bin: &Path,
        cpu: Option<&str>,
        dir: tempfile::TempDir,
        extra: &[&str],
    ) -> anyhow::Result<Spawned> {
        let addr = free_addr()?;
        let started = std::time::Instant::now();
        let child = pinned(bin, cpu)
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--no-demo",
                // The generator's thousands of clients share a few 127.0.0.x
                // addresses, as a hall shares one NAT'd access point, only
                // more so: lift the per-address cap.
                "--max-connections-per-address",
                "1000000",
                "--data",
            ])
            .arg(dir.path())
            .args(extra)
            .env("RUST_LOG", "warn")
            // One machine plays thousands of attendees from one address:
            // the hall's rate limits would measure themselves, not the
            // server. (An environment variable: older binaries ignore it.)
            .env("HOIDAP_NO_RATE_LIMITS", "1")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start {} (cargo build --release -p hoidap-server)",
                    bin.display()
                )
            })?;
        // Up to 120 s: a cold start of an older binary replays every
        // event's log first (`history`).
        for _ in 0..12_000 {
            if let Ok((200, _)) = http_request(addr, "GET", "/healthz", None, None).await {
                let startup = started.elapsed();
                let admin_token = std::fs::read_to_string(dir.path().join("admin-token"))?
                    .trim()
                    .to_owned();
                return Ok(Spawned {
                    addr,
                    child,
                    admin_token,
                    startup,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bail!("server did not become healthy")
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Creates an event; returns its join code.
    pub async fn create_event(&self, title: &str, pre_moderation: bool) -> anyhow::Result<String> {
        let v = self.create_event_info(title, pre_moderation).await?;
        Ok(v["join_code"].as_str().context("join_code")?.to_owned())
    }

    /// Creates an event; returns the API's answer (code and secrets).
    pub async fn create_event_info(
        &self,
        title: &str,
        pre_moderation: bool,
    ) -> anyhow::Result<serde_json::Value> {
        let body =
            serde_json::json!({ "title": title, "pre_moderation": pre_moderation }).to_string();
        let auth = format!("Bearer {}", self.admin_token);
        let (status, text) =
            http_request(self.addr, "POST", "/api/events", Some(&auth), Some(&body)).await?;
        if status != 201 {
            bail!("create event: {status} {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// The server's own counters, from `GET /metrics`: name → value (labels
    /// summed).
    pub async fn metrics(&self) -> anyhow::Result<std::collections::BTreeMap<String, f64>> {
        hoidap_tests::metrics(self.addr, &self.admin_token).await
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid())
    }

    /// User + system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        cpu_seconds(self.pid())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
