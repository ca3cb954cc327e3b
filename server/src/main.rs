//! `hoidap`: the server binary. `cargo run --release` starts it with the
//! embedded SQLite log in `./hoidap-data` and a demo event.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hoidap_server::limits::Limits;
use hoidap_server::{Config, Server};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

mod commands;

#[derive(Parser)]
#[command(
    name = "hoidap",
    version,
    about = "Live question queue for formal meetings"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Copy the log and the keys into one file while the server serves.
    Backup(commands::BackupArgs),
    /// Put a backup into a data directory no server is serving.
    Restore(commands::RestoreArgs),
    /// Check every event's hash chain (or one event's): exits non-zero
    /// and names the first broken entry if any entry was changed or removed.
    Verify(commands::VerifyArgs),
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOIDAP_LISTEN", default_value = "0.0.0.0:8080")]
    listen: SocketAddr,
    /// Data directory: the SQLite log, the admin token, the signing key.
    #[arg(long, env = "HOIDAP_DATA", default_value = "./hoidap-data")]
    data: PathBuf,
    /// Base URL for printed links (default: http://<LAN address>:<port>).
    #[arg(long, env = "HOIDAP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve the web client from this directory (development).
    #[arg(long, env = "HOIDAP_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Another origin whose pages may open a WebSocket, e.g. the public name
    /// of a proxy in front (repeatable; `*` turns the Origin check off).
    #[arg(
        long = "allow-origin",
        env = "HOIDAP_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    allow_origin: Vec<String>,
    /// Most TCP connections open at once from one source address (a whole
    /// hall behind one NAT'd access point counts as one address).
    #[arg(long, env = "HOIDAP_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = Limits::default().max_connections_per_address)]
    max_connections_per_address: usize,
    /// Unload an event's room after this many seconds with no connection
    /// and no activity; its next hello replays its log again.
    #[arg(long, env = "HOIDAP_ROOM_IDLE_SECS", default_value_t = Limits::default().room_idle.as_secs())]
    room_idle_secs: u64,
    /// The fraction of a core (0–1] the fan-out of one feed may use: vote
    /// counts go out as often as that allows, at once in a small hall.
    #[arg(long, env = "HOIDAP_FANOUT_BUDGET", default_value_t = Limits::default().fanout_budget)]
    fanout_budget: f64,
    /// Do not create a demo event on first start.
    #[arg(long, env = "HOIDAP_NO_DEMO")]
    no_demo: bool,
    /// Drop a peer that takes nothing of what is queued for it for this
    /// many milliseconds (default 10000). Benchmarks shorten it to repeat
    /// stalled episodes quickly.
    #[arg(long, env = "HOIDAP_SEND_TIMEOUT_MS")]
    send_timeout_ms: Option<u64>,
    /// Ping every connection this often, in milliseconds (default 15000).
    /// Tests shorten it with `--dead-after-ms` to repeat a server's sleep
    /// quickly.
    #[arg(long, env = "HOIDAP_HEARTBEAT_MS")]
    heartbeat_ms: Option<u64>,
    /// Drop a connection from which nothing has arrived for this many
    /// milliseconds (default 45000).
    #[arg(long, env = "HOIDAP_DEAD_AFTER_MS")]
    dead_after_ms: Option<u64>,
    /// Turn every rate limit and quota off (load tests and benchmarks, where one
    /// machine plays a whole hall). Never in a real hall.
    #[arg(
        long,
        env = "HOIDAP_NO_RATE_LIMITS",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    no_rate_limits: bool,
    /// New attendee identities per source address, as BURST/SECONDS
    /// (default 400/2: a burst of 400, then one every 2 s). Raise it for a
    /// hall larger than 400 behind one NAT'd access point.
    #[arg(long, env = "HOIDAP_IDENTITIES_PER_ADDRESS")]
    identities_per_address: Option<hoidap_server::rate::Rate>,
}

#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Written to dhat-heap.json when main returns (after a SIGTERM).
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    #[cfg(feature = "dhat-heap")]
    hoidap_server::metrics::HEAP_PROFILED.store(true, std::sync::atomic::Ordering::Relaxed);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,hoidap_server=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        Some(Command::Backup(args)) => return commands::backup(&args),
        Some(Command::Restore(args)) => return commands::restore(&args),
        Some(Command::Verify(args)) => return commands::verify(&args),
        None => cli.serve,
    };
    // Every phone holds a socket: the usual soft limit of 1024 descriptors
    // would turn the 1000th delegate away, so take all the system allows.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open-file limit"),
        Err(err) => tracing::warn!(%err, "cannot raise the open-file limit"),
    }
    let listener = hoidap_server::listen(args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let port = listener.local_addr()?.port();
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{port}", lan_address(args.listen.ip())));
    let mut limits = Limits {
        max_connections_per_address: args.max_connections_per_address,
        room_idle: std::time::Duration::from_secs(args.room_idle_secs),
        fanout_budget: args.fanout_budget,
        ..Limits::default()
    };
    if let Some(ms) = args.send_timeout_ms {
        limits.send_timeout = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = args.heartbeat_ms {
        limits.heartbeat = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = args.dead_after_ms {
        limits.dead_after = std::time::Duration::from_millis(ms);
    }
    if let Some(rate) = args.identities_per_address {
        limits.rate.identities_per_address = Some(rate);
    }
    if args.no_rate_limits {
        tracing::warn!("rate limits are off (--no-rate-limits)");
        limits.rate = hoidap_server::rate::RateLimits::off();
        limits.quotas = hoidap_server::queue::Quotas::off();
    }
    let server = Server::open(Config {
        data_dir: args.data.clone(),
        public_url,
        web_dir: args.web_dir,
        limits,
        allowed_origins: args.allow_origin.clone(),
        wrap_log: None,
    })
    .await
    .context("cannot open the data directory")?;
    let app = server.app().clone();
    // Secrets are printed only when they are new (journald keeps stdout);
    // the links file keeps all of them.
    let mut printed = false;
    if app.keys.admin_token_new {
        println!("Admin token: {}", app.keys.admin_token);
        printed = true;
    }
    if app.rooms.is_empty() && !args.no_demo {
        let (demo, officials) = hoidap_server::demo::create(&app).await?;
        print!("{}", app.event_text(&demo));
        // Their secrets are kept only as hashes: shown this once (the
        // console re-issues a lost one).
        for (name, link) in officials {
            println!("  {name}: {link}");
        }
        // To try it at once: a phone scans the operator's screen.
        let attendee = app.join_url(&demo.join_code);
        if let Some(qr) = terminal_qr(&attendee, colours()) {
            println!("\nScan to join / Quét mã để tham gia ({attendee}):\n{qr}");
        }
        printed = true;
    }
    app.write_links()
        .with_context(|| format!("cannot write {}", app.links.path().display()))?;
    if printed {
        println!();
    }
    println!(
        "The admin token and the links of every event are in {} (readable only by you).",
        app.links.path().display()
    );
    // No secret in it (the console asks for the admin token): every start.
    println!(
        "Organiser console / Trang quản trị: {}/admin",
        app.public_url
    );
    tracing::info!(listen = %args.listen, data = %args.data.display(), "hoidap is serving");
    server.serve(listener, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// A QR code of `link` in text, two modules a character (▀ ▄ █), with the
/// 4-module quiet zone scanners need. Dense1x2 draws dark modules in the
/// terminal's foreground colour: right on a light terminal, inverted on a
/// dark one (light on black), which some phone scanners do not read. With
/// `colours` every line is painted black on white, right on both; without
/// (a file, journald, `NO_COLOR`), plain, as on paper.
fn terminal_qr(link: &str, colours: bool) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code =
        qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).ok()?;
    let text = code.render::<Dense1x2>().quiet_zone(true).build();
    if !colours {
        return Some(text);
    }
    let painted: Vec<String> = text
        .lines()
        .map(|line| format!("\x1b[30;107m{line}\x1b[0m"))
        .collect();
    Some(painted.join("\n"))
}

/// Colours only on a terminal, and not when the user opted out
/// (<https://no-color.org>).
fn colours() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// The address a phone in the same room can reach: the listen address when
/// it is specific, otherwise this machine's LAN address.
fn lan_address(listen: IpAddr) -> IpAddr {
    if !listen.is_unspecified() {
        return listen;
    }
    local_ip_address::local_ip().unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing commits, telling clients to reconnect");
}

#[cfg(test)]
mod tests {
    use super::terminal_qr;

    #[test]
    fn the_painted_qr_is_the_plain_one_in_black_on_white() {
        let link = "http://192.168.1.20:8080/j/K7PQ2M";
        let plain = terminal_qr(link, false).unwrap();
        let painted = terminal_qr(link, true).unwrap();
        assert!(plain.contains('█') && !plain.contains('\x1b'));
        let lines: Vec<&str> = painted.lines().collect();
        assert_eq!(lines.len(), plain.lines().count());
        for (painted, plain) in lines.iter().zip(plain.lines()) {
            assert_eq!(*painted, format!("\x1b[30;107m{plain}\x1b[0m"));
        }
        // The quiet zone: 4 modules, 4 columns and 2 lines of light.
        let first = plain.lines().next().unwrap();
        assert!(first.chars().all(|c| c == ' '));
        assert!(
            plain
                .lines()
                .all(|l| l.starts_with("    ") && l.ends_with("    "))
        );
    }
}
