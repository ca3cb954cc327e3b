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
    _dir: tempfile::TempDir,
}

impl Spawned {
    pub async fn start(bin: &Path) -> anyhow::Result<Spawned> {
        let dir = tempfile::tempdir()?;
        // Reserve a free port, then hand it to the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let child = Command::new(bin)
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--no-demo",
                "--data",
            ])
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start {} (cargo build --release -p hoidap-server)",
                    bin.display()
                )
            })?;
        for _ in 0..100 {
            if let Ok((200, _)) = http_request(addr, "GET", "/healthz", None, None).await {
                let admin_token = std::fs::read_to_string(dir.path().join("admin-token"))?
                    .trim()
                    .to_owned();
                return Ok(Spawned {
                    addr,
                    child,
                    admin_token,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
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
        let body =
            serde_json::json!({ "title": title, "pre_moderation": pre_moderation }).to_string();
        let auth = format!("Bearer {}", self.admin_token);
        let (status, text) =
            http_request(self.addr, "POST", "/api/events", Some(&auth), Some(&body)).await?;
        if status != 201 {
            bail!("create event: {status} {text}");
        }
        let v: serde_json::Value = serde_json::from_str(&text)?;
        Ok(v["join_code"].as_str().context("join_code")?.to_owned())
    }

    /// Resident memory of the server process.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("VmRSS")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .context("VmRSS value")?
            .parse()?)
    }

    /// User + system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // Fields after the command name (which may contain spaces).
        let rest = stat.rsplit_once(')').context("stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
        Ok(ticks as f64 / 100.0)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
