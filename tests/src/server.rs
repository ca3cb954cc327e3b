//! Starting and stopping the real server in-process.

use anyhow::{Context, bail};
use hoidap_server::{Config, Server};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use hoidap_server::http::EventInfo;

pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub admin_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _temp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server on a fresh temporary data directory.
    pub async fn start() -> anyhow::Result<TestServer> {
        Self::start_with(|_| {}).await
    }

    /// A server on a fresh temporary data directory, with `adjust` applied
    /// to its configuration (shorter timeouts, other limits).
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> anyhow::Result<TestServer> {
        let temp = tempfile::tempdir()?;
        let mut server = Self::start_in_with(temp.path(), adjust).await?;
        server._temp = Some(temp);
        Ok(server)
    }

    /// A server on `dir` (kept after the server stops).
    pub async fn start_in(dir: &Path) -> anyhow::Result<TestServer> {
        Self::start_in_with(dir, |_| {}).await
    }

    pub async fn start_in_with(
        dir: &Path,
        adjust: impl FnOnce(&mut Config),
    ) -> anyhow::Result<TestServer> {
        let listener = hoidap_server::listen(([127, 0, 0, 1], 0).into())?;
        let addr = listener.local_addr()?;
        let mut config = Config {
            data_dir: dir.to_owned(),
            public_url: format!("http://{addr}"),
            web_dir: None,
            // One machine plays whole halls here, from one address, faster
            // than people: the rate limits are off unless a test (those in
            // `it::limits`) turns them back on.
            allowed_origins: Vec::new(),
            limits: hoidap_server::limits::Limits {
                rate: hoidap_server::rate::RateLimits::off(),
                quotas: hoidap_server::queue::Quotas::off(),
                ..Default::default()
            },
            wrap_log: None,
        };
        adjust(&mut config);
        let server = Server::open(config).await?;
        let admin_token = server.app().keys.admin_token.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(TestServer {
            addr,
            dir: dir.to_owned(),
            admin_token,
            stop: Some(stop),
            task: Some(task),
            _temp: None,
        })
    }

    /// Stops accepting, tells clients to reconnect and waits for the server
    /// to return. Returns the temporary directory so it outlives the server.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self._temp.take()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub async fn create_event(&self, body: Value) -> anyhow::Result<EventInfo> {
        let auth = format!("Bearer {}", self.admin_token);
        let (status, text) = http_request(
            self.addr,
            "POST",
            "/api/events",
            Some(&auth),
            Some(&body.to_string()),
        )
        .await?;
        if status != 201 {
            bail!("create event: {status} {text}");
        }
        serde_json::from_str(&text).context("create event response")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A minimal HTTP/1.1 request (`Connection: close`), enough for the admin
/// API: returns the status code and the body.
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(auth) = authorization {
        req.push_str(&format!("Authorization: {auth}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8(raw)?;
    let (head, rest) = raw.split_once("\r\n\r\n").context("no header end")?;
    let status: u16 = head.split(' ').nth(1).context("no status")?.parse()?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)?
    } else {
        rest.to_owned()
    };
    Ok((status, body))
}

/// A `GET` answered with bytes (a file download): status, headers
/// (names lowercased) and body.
pub async fn http_get_bytes(
    addr: SocketAddr,
    path: &str,
    authorization: Option<&str>,
) -> anyhow::Result<(u16, Vec<(String, String)>, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(auth) = authorization {
        req.push_str(&format!("Authorization: {auth}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no header end")?;
    let head = std::str::from_utf8(&raw[..end])?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .context("no status")?
        .parse()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        bail!("a chunked download: not expected of a file");
    }
    Ok((status, headers, raw[end + 4..].to_vec()))
}

fn dechunk(mut rest: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").context("chunk size")?;
        let size = usize::from_str_radix(size.trim(), 16)?;
        if size == 0 {
            return Ok(out);
        }
        out.push_str(after.get(..size).context("chunk")?);
        rest = &after[size + 2..];
    }
}

/// The server's counters, from `GET /metrics` (admin only): name → value
/// (labels summed).
pub async fn metrics(addr: SocketAddr, admin_token: &str) -> anyhow::Result<BTreeMap<String, f64>> {
    let auth = format!("Bearer {admin_token}");
    let (status, text) = http_request(addr, "GET", "/metrics", Some(&auth), None).await?;
    if status != 200 {
        bail!("GET /metrics: {status} {text}");
    }
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((key, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let name = key.split('{').next().unwrap_or(key).to_owned();
        if let Ok(v) = value.parse::<f64>() {
            *out.entry(name).or_insert(0.0) += v;
        }
    }
    Ok(out)
}
