//! The real `hoidap` binary as a child process, for tests that must kill the
//! server the way a power cut or the OOM killer would (SIGKILL): an
//! in-process server cannot die without taking the test with it.

use crate::server::{EventInfo, http_request};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server may take to answer `/healthz`.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// A port picked from `127.0.0.1:0` can be taken by someone else before the
/// child binds it; then the child exits and we try another.
const START_ATTEMPTS: usize = 3;

/// The server binary: `$HOIDAP_BIN`, else `hoidap` in the cargo target
/// directory this test executable was built into.
pub fn server_binary() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("HOIDAP_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            bail!("HOIDAP_BIN={} does not exist", bin.display());
        }
        return Ok(bin);
    }
    // The test runs as target/<profile>/deps/it-<hash>; the binary is
    // target/<profile>/hoidap.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no target directory")?;
    let bin = profile_dir.join(format!("hoidap{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!(
            "the server binary {} does not exist; build it first: cargo build -p hoidap-server \
             (or set HOIDAP_BIN)",
            bin.display()
        );
    }
    Ok(bin)
}

/// A running `hoidap serve` on a loopback port with a given data directory.
/// Dropping it kills the process, so a failing test leaves no server behind.
pub struct ServerProcess {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    child: Child,
}

impl ServerProcess {
    /// Starts the server on `dir` (created if needed) and waits until it
    /// answers `/healthz`.
    pub async fn start(dir: &Path) -> anyhow::Result<ServerProcess> {
        let bin = server_binary()?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&bin, dir).await {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    async fn try_start(bin: &Path, dir: &Path) -> anyhow::Result<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let url = format!("http://{addr}");
        let child = Command::new(bin)
            .arg("serve")
            .args(["--listen", &addr.to_string()])
            .arg("--data")
            .arg(dir)
            .arg("--no-demo")
            .args(["--public-url", &url])
            .env("RUST_LOG", "warn")
            // As in-process test servers: one machine plays the hall.
            .env("HOIDAP_NO_RATE_LIMITS", "1")
            // Links and tracing go to stdout; a panic still reaches stderr.
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let mut server = ServerProcess {
            addr,
            dir: dir.to_owned(),
            child,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited during start-up ({status}); port {port} taken?");
            }
            if let Ok((200, _)) = http_request(addr, "GET", "/healthz", None, None).await {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within {START_TIMEOUT:?}");
            }
            // Polling readiness: the child offers no other signal.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The admin token the server wrote into its data directory.
    pub fn admin_token(&self) -> anyhow::Result<String> {
        let path = self.dir.join("admin-token");
        let token = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(token.trim().to_owned())
    }

    /// Creates an event through the admin API.
    pub async fn create_event(&self, body: serde_json::Value) -> anyhow::Result<EventInfo> {
        let auth = format!("Bearer {}", self.admin_token()?);
        let body = body.to_string();
        let (status, text) =
            http_request(self.addr, "POST", "/api/events", Some(&auth), Some(&body)).await?;
        if status != 201 {
            bail!("create event: {status} {text}");
        }
        serde_json::from_str(&text).context("create event response")
    }

    /// SIGKILL (on Unix `Child::kill` sends SIGKILL): no shutdown code runs,
    /// exactly like a crash. Waits for the process to be gone.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        // Fails only if the process already exited, which wait() reports.
        let _ = self.child.kill();
        self.child.wait().context("waiting for the killed server")?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
