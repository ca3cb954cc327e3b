//! hoidap server library: used by the `hoidap` binary and by the tests,
//! which start the real server on `127.0.0.1:0`.
//!
//! See ARCHITECTURE.md for the map; the flow of one request is
//! `conn` (socket task) → `room` (event actor: `queue::decide`, log append,
//! ack) → `room::fanout` (one frame per audience) → every `conn`.

pub mod accept;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod claim;
pub mod conn;
pub mod demo;
pub mod event_api;
pub mod export;
pub mod export_api;
pub mod http;
pub mod lanes;
pub mod limits;
pub mod log;
pub mod metrics;
pub mod origin;
pub mod outbox;
pub mod privacy_api;
pub mod private;
pub mod queue;
pub mod rate;
pub mod room;
pub mod rooms;
pub mod roster;
pub mod roster_api;
pub mod staff_api;
pub mod ws;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Listens on `addr` with a deep accept queue: when the hall's Wi-Fi comes
/// back, hundreds of phones connect within milliseconds, and the default
/// queue (1024, shared with half-open handshakes) overflowed at 500 in our
/// tests, costing the unlucky ones a one-second SYN retransmit.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

const LISTEN_BACKLOG: u32 = 8192;

pub struct Config {
    pub data_dir: PathBuf,
    /// Base of the links handed out, e.g. `http://192.168.1.20:8080`.
    pub public_url: String,
    /// Serve the web client from this directory instead of the embedded copy.
    pub web_dir: Option<PathBuf>,
    pub limits: limits::Limits,
    /// Origins besides `public_url` whose pages may open a WebSocket (a
    /// proxy's public name); `*` turns the check off. See `origin`.
    pub allowed_origins: Vec<String>,
    /// Wraps the log before the rooms use it: tests put a log that fails or
    /// holds commits on demand around the real one.
    pub wrap_log: Option<LogWrapper>,
}

pub type LogWrapper = Box<dyn FnOnce(Arc<dyn log::Log>) -> Arc<dyn log::Log> + Send>;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Log(#[from] log::LogError),
    #[error("data directory {0}: another hoidap is serving it")]
    InUse(PathBuf),
}

pub struct Server {
    app: Arc<http::App>,
    shutdown: watch::Sender<bool>,
}

impl Server {
    /// Opens the data directory and reads its events (their rooms load on
    /// first use).
    pub async fn open(config: Config) -> Result<Server, ServerError> {
        let dir = config.data_dir;
        let data_err = |source| ServerError::DataDir {
            path: dir.clone(),
            source,
        };
        // 0700, and tightened if an older version made it 0755.
        private::create_dir(&dir).map_err(data_err)?;
        let lock = private::lock_dir(&dir)
            .map_err(data_err)?
            .ok_or_else(|| ServerError::InUse(dir.clone()))?;
        metrics::install();
        let keys = auth::Keys::load_or_create(&dir).map_err(data_err)?;
        let mut log: Arc<dyn log::Log> = Arc::new(log::SqliteLog::open(&dir)?);
        if let Some(wrap) = config.wrap_log {
            log = wrap(log);
        }
        let cards = keys.card_master();
        let rooms = rooms::Rooms::load(log, &config.limits, cards).await?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let app = http::App {
            rooms,
            keys,
            assets: assets::Assets::new(config.web_dir),
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            shutdown: shutdown_rx,
            connections: tokio_util::task::TaskTracker::new(),
            rates: rate::Rates::new(&config.limits.rate),
            limits: config.limits,
            origins: origin::Origins::new(&config.public_url, &config.allowed_origins),
            links: private::LinksFile::new(&dir),
            _lock: lock,
        };
        Ok(Server {
            app: Arc::new(app),
            shutdown,
        })
    }

    pub fn app(&self) -> &Arc<http::App> {
        &self.app
    }

    /// Serves until `shutdown` resolves; then stops accepting, tells every
    /// connection to reconnect (close code 4002), lets each room finish its
    /// last commit, and returns.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        let router = http::router(self.app.clone());
        let notify = self.shutdown.clone();
        let sweeper = tokio::spawn(sweep_retention(self.app.clone()));
        accept::serve(listener, router, &self.app.limits, async move {
            shutdown.await;
            let _ = notify.send(true);
        })
        .await;
        // Upgraded WebSockets outlive HTTP's graceful shutdown: wait for
        // them, bounded, so their rooms see them leave.
        let _ = self.shutdown.send(true);
        self.app.connections.close();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.app.connections.wait()).await;
        sweeper.abort();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.app.rooms.close()).await;
    }
}

/// How often the server looks for unloaded events whose retention period
/// is over (a day's granularity is what retention needs; ten minutes
/// bounds how long a name outlives its period).
const RETENTION_SWEEP: std::time::Duration = std::time::Duration::from_secs(600);

/// Detaches names of events nobody opens any more (`Rooms::sweep_retention`):
/// at start, then every `RETENTION_SWEEP`.
async fn sweep_retention(app: Arc<http::App>) {
    let mut every = tokio::time::interval(RETENTION_SWEEP);
    loop {
        every.tick().await;
        let now = app.limits.clock.now();
        match app.rooms.sweep_retention(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rooms = n, "loaded to detach names past their retention"),
            Err(e) => tracing::warn!(%e, "the retention sweep failed"),
        }
    }
}

pub use accept::{Peer, SHUTDOWN_GRACE, Slot};
