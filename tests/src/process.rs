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

/// How to start a [`ServerProcess`].
#[derive(Default)]
struct Start<'a> {
    /// Write stdout here and create the demo event (else: no demo, no stdout).
    stdout: Option<&'a Path>,
    /// Start with this soft open-file limit.
    soft_nofile: Option<u64>,
    /// More arguments to `hoidap serve`.
    args: &'a [&'a str],
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
        Self::start_inner(dir, Start::default()).await
    }

    /// Starts the server as an operator would (a demo event on first start),
    /// with its stdout (the printed token and links) written to `stdout`.
    pub async fn start_printing(dir: &Path, stdout: &Path) -> anyhow::Result<ServerProcess> {
        let how = Start {
            stdout: Some(stdout),
            ..Start::default()
        };
        Self::start_inner(dir, how).await
    }

    /// Like [`start`](Self::start), with the soft open-file limit the
    /// process starts with set to `soft_nofile` (as a distribution's
    /// default of 1024 would).
    pub async fn start_limited(dir: &Path, soft_nofile: u64) -> anyhow::Result<ServerProcess> {
        let how = Start {
            soft_nofile: Some(soft_nofile),
            ..Start::default()
        };
        Self::start_inner(dir, how).await
    }

    /// Like [`ServerProcess::start`], with `extra` arguments to `hoidap
    /// serve` (e.g. a shorter `--send-timeout-ms`).
    pub async fn start_with_args(dir: &Path, extra: &[&str]) -> anyhow::Result<ServerProcess> {
        let how = Start {
            args: extra,
            ..Start::default()
        };
        Self::start_inner(dir, how).await
    }

    async fn start_inner(dir: &Path, how: Start<'_>) -> anyhow::Result<ServerProcess> {
        let bin = server_binary()?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&bin, dir, &how).await {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    async fn try_start(bin: &Path, dir: &Path, how: &Start<'_>) -> anyhow::Result<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let url = format!("http://{addr}");
        let mut command = match how.soft_nofile {
            // The shell lowers its own limit, then becomes the server.
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", r#"ulimit -Sn "$0" && exec "$@""#, &n.to_string()])
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        command
            .arg("serve")
            .args(["--listen", &addr.to_string()])
            .arg("--data")
            .arg(dir)
            .args(["--public-url", &url])
            .args(how.args)
            .env("RUST_LOG", "warn")
            // As in-process test servers: one machine plays the hall.
            .env("HOIDAP_NO_RATE_LIMITS", "1");
        // Links and tracing go to stdout; a panic still reaches stderr.
        match how.stdout {
            // A file, not a pipe: nobody has to drain it while the server runs.
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?;
                command.stdout(file);
            }
            None => {
                command.arg("--no-demo").stdout(Stdio::null());
            }
        }
        let child = command
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

/// Resident memory of process `pid`, KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
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
